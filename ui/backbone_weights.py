"""The pretrained backbone for the "Deep features" pages: shared read-only, or a notice saying what it needs.

:func:`model_or_notice` is the one entry point: it returns the ImageNet-trained network when its weights are
in the cache folder; otherwise it draws why not and returns None, and the page shows what works without it.

- Weights in the cache: the network is built once per server process (``st.cache_resource``) and shared by
  every session. It is frozen (``explorer.deep.backbone.build``), and pages must never hook it or change it in
  place: anything that registers hooks (captum's Grad-CAM, feature maps) works on a private copy
  (:func:`private_copy`), and heavy jobs rebuild it in their worker process.
- Weights missing: whether download.pytorch.org answers is checked once a minute per server (a connection
  attempt of at most 3 s), so an offline server says within seconds that a one-time download is needed and
  which command pre-fills the cache; an online one offers a button and a progress bar.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import streamlit as st

from explorer.data import downloads
from explorer.deep import backbone
from ui import common, torch_runtime

if TYPE_CHECKING:
    from torch import nn

# A server that went offline (or online) is noticed within a minute; checking more often would cost every
# visitor of an offline server the 3-s connection attempt.
REACHABILITY_TTL_S = 60


@st.cache_resource(show_spinner=False)
def _shared(path: str, mtime_ns: int) -> nn.Module:
    """The pretrained network, built once per weights file (the key changes if the file is replaced)."""
    torch_runtime.configure()
    return backbone.build(pretrained=True)


@st.cache_data(ttl=REACHABILITY_TTL_S, show_spinner=False)
def _reachable() -> bool:
    return downloads.is_reachable(backbone.WEIGHTS_URL)


def shared_model() -> nn.Module | None:
    """The pretrained network if its weights are in the cache folder (no network is touched), else None."""
    path = backbone.weights_path()
    if not path.is_file():
        return None
    try:
        return _shared(str(path), path.stat().st_mtime_ns)
    except backbone.WeightsUnavailableError as error:  # a damaged file: say so, keep the page alive
        st.warning(common.plain(str(error)))
        return None


def private_copy(model: nn.Module) -> nn.Module:
    """A copy of the shared network that this call may hook (about 5 MB, a few milliseconds)."""
    return copy.deepcopy(model)


def model_or_notice(*, key: str) -> nn.Module | None:
    """The pretrained network, or None after drawing why it is missing and how to get it.

    key : a page-unique prefix for the download button's widget key.
    """
    model = shared_model()
    if model is not None:
        return model
    if not _reachable():
        st.info(backbone.unavailable_message("this server has no internet connection right now"))
        return None
    st.info(
        f"This page uses {backbone.TITLE}. Its weights ({backbone.WEIGHTS_MB:g} MB) are downloaded once into "
        "the server's cache folder and then stay there for everybody."
    )
    if not st.button("Download the weights now", key=f"_{key}.download_weights"):
        return None
    bar = st.progress(0.0, text="Downloading…")

    def on_progress(fraction: float) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"Downloading… {fraction:.0%}")

    try:
        backbone.download_weights(on_progress=on_progress)
    except backbone.WeightsUnavailableError as error:
        bar.empty()
        st.warning(common.plain(str(error)))
        return None
    bar.empty()
    return shared_model()

"""Cached pieces of the "A pretrained network" page: each one ``explorer.deep`` / ``explorer.interpret`` call plus
encoding.

Keys are small: the weights' token (:func:`token`: the weights file's name and modification time, so replaced
weights never reuse old results), the picture's id from the image picker (``"sample:astronaut"``,
``"upload:<sha256>"``), a class index, a layer name. The model and the picture go in as ``_``-arguments.

The shared network is never hooked or changed (``ui.backbone_weights``): probabilities, deep features and
feature maps only call its layers in order; Grad-CAM runs on a private copy. One picture at :data:`SIZE` px
costs about 20 ms for the classes and 60 ms for a Grad-CAM here (one thread), so they run in the server like the
Attribution page's maps; the bank of sample pictures (13 forward passes) is computed once per server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer.core import dtype, resize
from explorer.deep import backbone, neighbours, predict
from explorer.images import samples
from explorer.interpret import activations, attribution, pictures
from ui import backbone_weights, torch_runtime
from ui.cached.shared import encode

if TYPE_CHECKING:
    from torch import nn

# The network sees the picture with its longer side at 192 px: what benchmarks/bench_backbone.py measures
# (one forward + backward, one thread, about 40 ms), and enough for ImageNet's objects (it was trained at 224).
SIZE = neighbours.SIZE
# A session looks at a few pictures, a few classes and layers each.
MAX_RESULTS = 32
# Feature maps of every layer for one picture are about 8 MB at 192 px: keep few.
MAX_MAPS = 4
# A layer's grid: at most this many maps (the first ones; fire9 has 512), about this many screen pixels wide.
SHOWN_MAPS = 32
GRID_WIDTH_PX = 640
GAP_PX = 2
PICTURE_PX = 224  # the picture and its Grad-CAM, screen pixels on the longer side
THUMB_PX = 120  # a neighbour's picture


def token() -> str:
    """Names the weights in the cache folder (file name and modification time); ``""`` when there are none."""
    path = backbone.weights_path()
    try:
        return f"{path.name}:{path.stat().st_mtime_ns}"
    except OSError:
        return ""


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def network_input(image_id: str, _picture: np.ndarray) -> np.ndarray:
    """``backbone.to_input(picture, SIZE)[0]``: ``(3, h, w) float32``, ImageNet-normalised."""
    torch_runtime.configure()
    return backbone.to_input(_picture, SIZE)[0].numpy()


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def seen_png(image_id: str, _image: np.ndarray) -> bytes:
    """The network's input as a picture (un-normalised), as PNG (the page draws it :data:`PICTURE_PX` wide)."""
    import torch

    return encode(backbone.to_picture(torch.from_numpy(_image)))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def probabilities(weights: str, image_id: str, _model: nn.Module, _image: np.ndarray) -> np.ndarray:
    """``predict.probabilities(model, image)``: ``(1000,) float64``."""
    torch_runtime.configure()
    return predict.probabilities(_model, _image)


def top_classes(probabilities: np.ndarray, k: int = 5) -> list[int]:
    """The ``k`` most probable classes' indices, most probable first (``predict.top_k``; cheap, not cached)."""
    return [prediction.class_index for prediction in predict.top_k(probabilities, k=k)]


@st.cache_data(show_spinner=False)
def layer_channels() -> dict[str, int]:
    """``predict.layer_channels`` of the architecture (random weights: only the shapes are read)."""
    torch_runtime.configure()
    return predict.layer_channels(backbone.build(pretrained=False))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def search(query: str) -> list[int]:
    """``predict.search(query)``: indices of the ImageNet classes whose name holds ``query``."""
    return predict.search(query)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def grad_cam_png(weights: str, image_id: str, target: int, layer: int, _model: nn.Module, _image: np.ndarray) -> bytes:
    """Grad-CAM of class ``target`` on the module at index ``layer`` (``attribution.attribute``, on a private copy
    of the network) over the picture (``attribution.overlay``, opacity 0.6), as PNG."""
    torch_runtime.configure()
    heat = attribution.attribute(
        backbone_weights.private_copy(_model), _image, method="grad_cam", target=target, layer=layer
    )
    import torch

    rgb = dtype.to_float(backbone.to_picture(torch.from_numpy(_image))).transpose(2, 0, 1)  # (3, h, w) in [0, 1]
    return encode(attribution.overlay(rgb, heat, opacity=0.6))


@st.cache_data(max_entries=MAX_MAPS, show_spinner=False)
def feature_maps(weights: str, image_id: str, _model: nn.Module, _image: np.ndarray) -> dict[int, np.ndarray]:
    """``activations.feature_maps(model, image)`` of the named layers (``backbone.LAYERS``), keyed by their
    index in the network: ``{index: (C, h, w) float32}``."""
    torch_runtime.configure()
    maps = activations.feature_maps(_model, _image)
    by_index = {int(name.split(".", 1)[0]) - 1: values for name, values in maps.items()}
    return {index: by_index[index] for index in backbone.LAYERS.values()}


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def layer_grid_png(weights: str, image_id: str, layer: str, _maps: np.ndarray) -> bytes:
    """The first :data:`SHOWN_MAPS` maps of one layer in blue-white-red on the layer's scale (its largest value
    over all channels), tiled about :data:`GRID_WIDTH_PX` wide (``explorer.interpret.pictures``)."""
    shown = _maps[:SHOWN_MAPS]
    columns = min(len(shown), 8)
    factor = pictures.cell_factor(shown.shape[2], columns=columns, target=GRID_WIDTH_PX, gap=GAP_PX)
    limit = float(np.abs(_maps).max())
    return encode(pictures.signed_grid(shown, columns=columns, gap=GAP_PX, factor=factor, limit=limit))


@st.cache_resource(max_entries=2, show_spinner=False)
def sample_bank(weights: str, _model: nn.Module) -> neighbours.Bank:
    """``neighbours.bank`` of the built-in sample pictures, once per weights file, shared read-only."""
    torch_runtime.configure()
    return neighbours.bank(_model, neighbours.sample_pictures())


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def deep_vector(weights: str, image_id: str, _model: nn.Module, _picture: np.ndarray) -> np.ndarray:
    """``neighbours.deep_vector(model, picture)``: ``(512,) float32``."""
    torch_runtime.configure()
    return neighbours.deep_vector(_model, _picture)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def pixel_vector(image_id: str, _picture: np.ndarray) -> np.ndarray:
    """``neighbours.pixel_vector(picture)``: ``(3072,) float32``."""
    return neighbours.pixel_vector(_picture)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def nearest(
    weights: str, image_id: str, k: int, _model: nn.Module, _picture: np.ndarray
) -> tuple[list[neighbours.Match], list[neighbours.Match]]:
    """``neighbours.nearest`` of the picture among the other sample pictures: ``(by deep features, by pixels)``."""
    found = sample_bank(weights, _model)
    query_deep = deep_vector(weights, image_id, _model, _picture)
    return neighbours.nearest(query_deep, pixel_vector(image_id, _picture), found, k=k, exclude=_sample_name(image_id))


@st.cache_resource(show_spinner=False)
def _pixel_bank() -> np.ndarray:
    """The sample pictures' pixel vectors ``(N, 3072)`` (no network needed)."""
    return np.stack([neighbours.pixel_vector(picture) for picture in neighbours.sample_pictures().values()])


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def nearest_by_pixels(image_id: str, k: int, _picture: np.ndarray) -> list[neighbours.Match]:
    """``neighbours.ranked`` by pixels among the other sample pictures (what works offline)."""
    query = pixel_vector(image_id, _picture)
    return neighbours.ranked(query, _pixel_bank(), samples.SAMPLES, k=k, exclude=_sample_name(image_id))


def _sample_name(image_id: str) -> str | None:
    """The sample's name when the picture is one (it is left out of its own neighbours)."""
    kind, _, name = image_id.partition(":")
    return name if kind == "sample" else None


@st.cache_data(max_entries=len(samples.SAMPLES), show_spinner=False)
def thumbnail_png(name: str) -> bytes:
    """A sample picture shrunk to about :data:`THUMB_PX` on its longer side."""
    return encode(resize.fit_within(samples.load_builtin(f"sample:{name}"), max_side=THUMB_PX), format="JPEG")

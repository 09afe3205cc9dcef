"""Cached pieces of the Occlusion page: the occlusion map of a small input, its overlay, the painted image, its
probabilities and the "hide the digit" grade.

Keys are small and stable: the model's token (``inspected.trained.token``, naming the weights exactly), the
input's key (``"test:17"``, ``"upload:<sha256>"``; always with the token: test image 17 of the digits is not the
shapes' test image 17, and a picture is prepared differently for each network), the settings, the painted
patches as a tuple of ``(row, col, size)``. The model and arrays are passed ``_``-prefixed (not hashed).
Pictures come back encoded, so a rerun with nothing changed encodes nothing.

Which occlusions run here and which in a worker (:data:`DIRECT_WORK`) is decided by the page with
:func:`direct`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from explorer.core import dtype, resize
from explorer.core.grading import Grade
from explorer.interpret import occlusion, paint
from explorer.nets import predict_one
from ui import inspect_worker
from ui.cached.shared import encode

# Occlusions up to this many input values (occlusion.work: the untouched image and one occluded copy per
# window) run in the server, cached; bigger ones go to a worker with a progress bar. Measured on one core at
# 16-150 ns a value unloaded (digits, shapes and the Train page's presets on 3×32×32) and up to 300 ns on the
# shared 2-core machine under load, 300,000 values stay within about 50-90 ms: every setting of the digits model,
# the shapes model's default (4×4, stride 2: 133,280 values). The shapes at stride 1 (up to 615,440 values, 66 ms
# alone, 185 ms under load) and any 3×32×32 map (694,272 values at 4×4, stride 2) go to a worker.
DIRECT_WORK = 300_000
# A session tries a few settings on a few images; maps are at most 256×256 float32 (256 KB).
MAX_RESULTS = 32
# Painting: every click is a new patch tuple; keep the recent ones of a few images warm.
MAX_PAINTED = 64
# Screen pixels the pictures are drawn at, about (whole-pixel enlargement): the clickable one is big enough to
# aim at one of 8×8 pixels (42 px each), the map beside it the same.
PICTURE_SIDE = 336

# The overlay's full colour is never a change smaller than 1 percentage point: a map of tiny drops (a network
# sure whatever one small window hides) stays faint instead of being stretched into a confident-looking red.
FULL_COLOUR_FLOOR = 0.01
# The frame around painted squares: an orange no gray, black or white digit pixel has.
FRAME_COLOUR = (255, 140, 0)

Patches = tuple[tuple[int, int, int], ...]


@st.cache_resource(max_entries=8, show_spinner=False)
def model_ref(token: str, _trained) -> inspect_worker.ModelRef:
    """The model as plain data for a worker (its weights copied once per token, not on every rerun)."""
    return inspect_worker.model_ref(_trained.model, _trained.spec, token)


def direct(shape: tuple[int, ...], window: int, stride: int) -> bool:
    """Whether an occlusion of an input of ``shape`` is small enough to compute in the server."""
    return occlusion.work(shape, window=window, stride=stride) <= DIRECT_WORK


def factor(shape: tuple[int, ...]) -> int:
    """The whole-pixel enlargement of the page's pictures for an input of ``shape`` ``(C, H, W)``."""
    return resize.screen_factor(max(shape[1:]), target=PICTURE_SIDE)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def occlusion_map(
    token: str, input_key: str, target: int | None, window: int, stride: int, baseline: str, _model, _image: np.ndarray
) -> np.ndarray:
    """``occlusion.occlusion`` of a small input (see :func:`direct`): ``(H, W) float32``."""
    return occlusion.occlusion(_model, _image, target=target, window=window, stride=stride, baseline=baseline)


def _picture(image: np.ndarray) -> np.ndarray:
    """``(C, H, W)`` or ``(H, W, 3)`` float in [0, 1] -> uint8 ``(H, W)`` or ``(H, W, 3)``."""
    if image.ndim == 3 and image.shape[0] in (1, 3) and image.shape[2] not in (1, 3):
        image = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
    return dtype.to_uint8(np.clip(image, 0.0, 1.0).astype(np.float32))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def overlay_picture(
    token: str, input_key: str, settings: tuple, opacity: float, _image: np.ndarray, _heat: np.ndarray
) -> tuple[bytes, float, float]:
    """``occlusion.overlay`` enlarged in whole pixels (PNG), and the map's smallest and largest values.
    ``settings`` names the map (target, window, stride, baseline) in the key. Full colour is the largest
    magnitude, or :data:`FULL_COLOUR_FLOOR` if that is smaller."""
    limit = max(float(np.abs(_heat).max()), FULL_COLOUR_FLOOR)
    drawn = _picture(occlusion.overlay(_image, _heat, opacity=opacity, limit=limit))
    return encode(resize.enlarge(drawn, factor=factor(_image.shape))), float(_heat.min()), float(_heat.max())


@st.cache_data(max_entries=MAX_PAINTED, show_spinner=False)
def painted(token: str, input_key: str, patches: Patches, _image: np.ndarray) -> np.ndarray:
    """``paint.apply_patches``: the image with its gray squares, ``(C, H, W) float32``."""
    return paint.apply_patches(_image, patches)


@st.cache_data(max_entries=MAX_PAINTED, show_spinner=False)
def painted_picture(token: str, input_key: str, patches: Patches, _painted: np.ndarray) -> bytes:
    """The painted image enlarged in whole pixels with the painted region framed in :data:`FRAME_COLOUR`, PNG
    (what the page's clickable image shows: a gray square on a gray stroke would otherwise be invisible)."""
    scale = factor(_painted.shape)
    picture = resize.enlarge(_picture(_painted), factor=scale)
    if picture.ndim == 2:
        picture = np.repeat(picture[:, :, None], 3, axis=2)
    picture[paint.outline(paint.painted_mask(_painted.shape[1:], patches), factor=scale)] = FRAME_COLOUR
    return encode(picture)


@st.cache_data(max_entries=MAX_PAINTED, show_spinner=False)
def probabilities(token: str, input_key: str, patches: Patches, _model, _painted: np.ndarray) -> np.ndarray:
    """``predict_one.class_probabilities`` of the painted image: ``(K,) float64``."""
    return predict_one.class_probabilities(_model, np.ascontiguousarray(_painted, dtype=np.float32))


@st.cache_data(max_entries=MAX_PAINTED, show_spinner=False)
def grade_hide(
    token: str, input_key: str, patches: Patches, class_names: Sequence[str], _model, _image: np.ndarray
) -> Grade:
    """``paint.grade_hide`` of the painted patches."""
    return paint.grade_hide(_model, _image, patches, class_names=class_names)

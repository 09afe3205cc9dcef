"""Cached calls of the Draw & predict page: the drawing's preprocessing steps, its feature maps and saliency,
and the class / channel visualisations (worker jobs, through ``ui.inspect_jobs``).

Keys are small: the model's token (it names the weights exactly), the drawing's key (``"draw:<digest>"``) and
the settings; the model and arrays are passed with a leading ``_`` (not hashed).
"""

from __future__ import annotations

import cv2
import numpy as np
import streamlit as st
from torch import nn

from explorer.core import dtype, mosaic, resize
from explorer.interpret import activations, attribution, class_visual
from explorer.nets import predict_one
from explorer.nets.architecture import ArchitectureSpec
from ui import inspect_worker, torch_runtime
from ui.cached import shared

MAX_RESULTS = 64  # drawings a session makes while playing: the last few dozen are enough
# A preprocessing step is drawn at about this many screen pixels a side (small steps in whole pixels).
STEP_SIDE = 120
# A feature map grid: at most this many columns, each map about this many screen pixels a side.
GRID_COLUMNS = 8
MAP_SIDE = 36
# A class picture is drawn at about this many screen pixels a side: ten of them fit a row of the main area on a
# 1280-pixel laptop (about 67 pixels a column).
CLASS_SIDE = 66
CHANNEL_SIDE = 144  # one picture alone: drawn bigger
# Saliency is drawn in the inferno colour map (dark = no influence, yellow = most), beside the input.
SALIENCY_COLORMAP = cv2.COLORMAP_INFERNO
SALIENCY_SIDE = 168
# The class visualisation's settings on the page: the defaults of explorer.interpret.class_visual.
SETTINGS = class_visual.DEFAULT


def fitted(picture: np.ndarray, side: int) -> np.ndarray:
    """A uint8 picture drawn at about ``side`` pixels: enlarged in whole pixels when small, shrunk when big."""
    longest = max(picture.shape[:2])
    if longest <= side // 2:
        return resize.enlarge(picture, factor=resize.screen_factor(longest, target=side))
    return resize.fit_within(picture, max_side=side)


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def steps(
    key: str, style: str, input_shape: tuple[int, int, int], _picture: np.ndarray
) -> tuple[tuple[str, bytes, int], ...]:
    """``predict_one.preparation_steps`` as ``(caption, PNG, width in pixels)`` drawn at about :data:`STEP_SIDE`."""
    out = []
    for caption, picture in predict_one.preparation_steps(_picture, input_shape, style=style):
        shown = fitted(picture, STEP_SIDE)
        out.append((caption, shared.encode(shown), int(shown.shape[1])))
    return tuple(out)


def _shown_layers(model: nn.Sequential) -> list[str]:
    """Each convolution block's output: the activation right after a conv layer (before the next conv), or
    the conv layer itself when no activation follows it."""
    names = activations.layer_names(model)  # "3. relu": module index 2
    by_index = {int(name.split(".", 1)[0]) - 1: name for name in names}
    shown = []
    for index, module in enumerate(model):
        if not isinstance(module, nn.Conv2d):
            continue
        chosen = by_index[index]
        for later in range(index + 1, len(model)):
            if isinstance(model[later], nn.Conv2d) or model[later].__class__ is nn.Flatten:
                break
            if isinstance(model[later], (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid)) and later in by_index:
                chosen = by_index[later]
                break
        shown.append(chosen)
    return shown


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def feature_grids(token: str, key: str, _model: nn.Sequential, _image: np.ndarray) -> list[tuple[str, bytes, str]]:
    """``[(layer name, PNG of its maps in a grid, caption)]`` for each conv block of the drawing's maps
    (``activations.feature_maps``); every map of a layer on one scale, 0 black and the layer's largest white."""
    torch_runtime.configure()
    maps = activations.feature_maps(_model, _image)
    out = []
    for name in _shown_layers(_model):
        layer = maps[name]  # (C_l, H_l, W_l)
        low, high = float(layer.min()), float(layer.max())
        scaled = (layer - min(low, 0.0)) / (high - min(low, 0.0)) if high > min(low, 0.0) else np.zeros_like(layer)
        grid = mosaic.tile(scaled[:, None], columns=min(GRID_COLUMNS, len(layer)), gap=1)
        factor = resize.screen_factor(layer.shape[1] + 1, target=MAP_SIDE)
        caption = f"{name}: {layer.shape[0]} maps of {layer.shape[1]}×{layer.shape[2]}, from {low:.2f} to {high:.2f}"
        out.append((name, shared.encode(resize.enlarge(grid, factor=factor)), caption))
    return out


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def saliency(token: str, key: str, target: int, _model: nn.Sequential, _image: np.ndarray) -> tuple[bytes, bytes]:
    """PNGs of the saliency map for class ``target`` (``attribution.attribute(method="saliency")``, scaled so
    its largest value is bright yellow) and of it laid over the input, both at about :data:`SALIENCY_SIDE`."""
    torch_runtime.configure()
    heat = attribution.attribute(_model, _image, method="saliency", target=target)  # (H, W) float32, >= 0
    peak = float(heat.max())
    scaled = dtype.to_uint8(heat / peak if peak > 0 else heat)
    coloured = cv2.cvtColor(cv2.applyColorMap(scaled, SALIENCY_COLORMAP), cv2.COLOR_BGR2RGB)  # (H, W, 3)
    picture = _image[0] if _image.shape[0] == 1 else _image.transpose(1, 2, 0)
    base = dtype.to_uint8(np.clip(picture, 0.0, 1.0))
    base = np.repeat(base[:, :, None], 3, axis=2) if base.ndim == 2 else base
    overlay = cv2.addWeighted(base, 0.45, coloured, 0.55, 0.0)
    factor = resize.screen_factor(max(heat.shape), target=SALIENCY_SIDE)
    return shared.encode(resize.enlarge(coloured, factor=factor)), shared.encode(resize.enlarge(overlay, factor=factor))


@st.cache_resource(show_spinner=False, max_entries=16)
def model_ref(token: str, _model: nn.Sequential, _spec: ArchitectureSpec) -> inspect_worker.ModelRef:
    """The model as the workers receive it (its weights copied once per token)."""
    return inspect_worker.model_ref(_model, _spec, token)


def class_call(token: str, ref: inspect_worker.ModelRef, input_shape: tuple[int, int, int], seed: int):
    """The worker call that draws every class's picture (``class_visual.class_images``)."""
    return inspect_worker.Call(
        "class_visual.class_images",
        key=("draw.classes", token, tuple(input_shape), SETTINGS, int(seed)),
        model=ref,
        args=(tuple(input_shape),),
        kwargs={"settings": SETTINGS, "seed": int(seed)},
    )


def channel_call(
    token: str, ref: inspect_worker.ModelRef, input_shape: tuple[int, int, int], layer: str, channel: int, seed: int
):
    """The worker call that draws one channel's picture (``class_visual.channel_images``)."""
    return inspect_worker.Call(
        "class_visual.channel_images",
        key=("draw.channel", token, tuple(input_shape), layer, int(channel), SETTINGS, int(seed)),
        model=ref,
        args=(tuple(input_shape),),
        kwargs={"layer": layer, "channels": [int(channel)], "settings": SETTINGS, "seed": int(seed)},
    )


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def pictures(key: str, _images: np.ndarray, side: int = CLASS_SIDE) -> tuple[list[bytes], int]:
    """PNGs of ``(N, C, H, W)`` pictures in [0, 1], each enlarged in whole pixels to about ``side``, and their
    width in pixels."""
    out, width = [], 0
    for image in _images:
        picture = dtype.to_uint8(np.clip(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0), 0.0, 1.0))
        shown = fitted(picture, side)
        out.append(shared.encode(shown))
        width = int(shown.shape[1])
    return out, width

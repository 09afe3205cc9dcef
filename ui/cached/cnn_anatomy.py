"""Cached wrappers over ``explorer.nets.receptive``, ``explorer.nets.architecture`` and ``explorer.nets.translation``
for the
"CNN anatomy" page. Only neural-network pages import this module (the translation experiment uses torch).

Keys are small and stable: layer codes, preset names, shapes, a seed and a shift. Results are what the page
draws (pictures as ``uint8``), so a rerun with nothing changed computes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core.display import to_display
from explorer.core.resize import enlarge
from explorer.nets import architecture, receptive, translation
from ui import torch_runtime

# A session tries a few dozen settings; every result here is a few kB.
MAX_RESULTS = 64
# Screen pixels per cell of the receptive-field grids and per pixel of the 28×28 eye canvases.
GRID_PICTURE_PX = 240
EYE_CELL = 8


@dataclass(frozen=True)
class StackView:
    """The receptive-field stack drawn layer by layer (index ``i`` is after layer ``i + 1``)."""

    labels: tuple[str, ...]
    sizes: tuple[int, ...]
    fields: tuple[tuple[int, int, float], ...]
    units: tuple[int, ...]
    pictures: tuple[np.ndarray, ...]


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def stack_view(codes: tuple[str, ...], input_size: int) -> StackView:
    """For each prefix of the stack: output size, ``(size, jump, start)``, and the centre unit's field drawn."""
    layers = [receptive.LAYER_CHOICES[code] for code in codes]
    sizes = receptive.output_sizes(layers, input_size=input_size)
    fields = receptive.receptive_field(layers)
    cell = max(2, GRID_PICTURE_PX // input_size)
    units, pictures = [], []
    for depth in range(1, len(layers) + 1):
        unit = receptive.centre_unit(layers[:depth], input_size=input_size)
        mask = receptive.receptive_mask(layers[:depth], input_size=input_size, row=unit, col=unit)
        units.append(unit)
        pictures.append(receptive.mask_picture(mask, cell=cell))
    return StackView(tuple(layer.label for layer in layers), tuple(sizes), tuple(fields), tuple(units), tuple(pictures))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def network_summary(
    name: str, input_shape: tuple[int, int, int], num_classes: int
) -> tuple[str, list[architecture.LayerRow], list[int | None]]:
    """``(title, summary rows, receptive field per layer)`` of a preset on an input shape."""
    spec = architecture.preset(name, input_shape=input_shape, num_classes=num_classes)
    return spec.name, architecture.summary(spec), architecture.receptive_fields(spec)


@st.cache_data(max_entries=8, show_spinner="Training a dense and a conv unit on the eye…")
def detectors(seed: int) -> translation.Detectors:
    """``translation.train(seed=seed)``: about a third of a second, once per seed per server."""
    torch_runtime.configure()
    return translation.train(seed=seed)


@st.cache_data(max_entries=8, show_spinner=False)
def shift_curve(seed: int) -> translation.ShiftCurve:
    """Both units' responses for every shift that keeps the eye on the canvas."""
    return translation.shift_curve(detectors(seed))


@dataclass(frozen=True)
class EyeView:
    """One shift of the eye: the canvas, both responses, and the pictures to draw."""

    dense: float
    conv_peak: float
    conv_peak_at: tuple[int, int]
    canvas_picture: np.ndarray
    conv_map_picture: np.ndarray
    dense_weights_picture: np.ndarray
    conv_kernel_picture: np.ndarray


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def eye_view(seed: int, shift: int) -> EyeView:
    """The eye moved ``shift`` pixels right of the training place, and what each unit makes of it."""
    found = detectors(seed)
    row, col = found.position
    canvas = translation.place(translation.eye(), row=row, col=col + shift)
    dense, conv_map = translation.responses(found, canvas)
    peak_at = np.unravel_index(int(np.argmax(conv_map)), conv_map.shape)
    kernel_cell = EYE_CELL * translation.CANVAS // translation.EYE_SIZE
    return EyeView(
        dense=dense,
        conv_peak=float(conv_map.max()),
        conv_peak_at=(int(peak_at[0]), int(peak_at[1])),
        canvas_picture=enlarge(to_display(canvas), factor=EYE_CELL),
        conv_map_picture=enlarge(to_display(conv_map), factor=EYE_CELL),
        dense_weights_picture=enlarge(to_display(found.dense_weights, mode="diverging"), factor=EYE_CELL),
        conv_kernel_picture=enlarge(to_display(found.conv_kernel, mode="diverging"), factor=kernel_cell),
    )

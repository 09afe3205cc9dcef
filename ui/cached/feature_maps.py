"""Cached pieces of the "Feature maps & filters" page: each is one ``explorer.interpret`` call plus encoding.

Keys are small: the model's token (names its weights exactly), the input's key (``"test:17"``, ``"upload:<sha>"``),
the layer's name, a channel, a kernel as a tuple of tuples. The model, image and arrays go in as ``_``-arguments
(not hashed). Pictures come back as PNG bytes so a rerun with nothing changed encodes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from explorer.core import resize
from explorer.core.grading import Grade
from explorer.interpret import activations, edge_filters, pictures
from explorer.nets import predict_one
from ui import inspect_worker
from ui.cached.shared import KernelKey, encode, kernel_array, kernel_key

__all__ = ["kernel_key"]  # the page keys its kernel as the other cached calls do

if TYPE_CHECKING:
    from torch import nn

    from ui.cached.train import TrainedModel

# A session looks at a few inputs on a few models; each entry is at most a few hundred KB of maps or PNG.
MAX_RESULTS = 64
# Screen pixels of the page's main column at 1280 × 800 with the sidebar open: a layer's grid is enlarged in whole
# pixels to at most this wide.
GRID_WIDTH_PX = 720
# A layer's grid draws at most this many maps (the first ones): a VGG-like layer of 256 channels would be a
# wall of squares nobody reads, and the channel box still reaches every channel.
MAX_SHOWN_MAPS = 64
# Screen pixels between two maps of a grid.
GAP_PX = 2
# Columns of conv1's filter grid, the side of each filter's frequency picture (a 3×3 kernel zero-padded to it).
FILTER_COLUMNS = 8
SPECTRUM_SIDE = 48
# The filter and spectrum grids sit side by side: each about this wide.
FILTER_GRID_PX = 360
FILTER_GAP_PX = 4  # filters fill their cells edge to edge: a wider gap tells them apart
# A map shown enlarged beside the input, and the input itself, are about this many screen pixels on a side.
BIG_PX = 220
# A top patch is drawn about this many screen pixels on its longest side.
PATCH_PX = 72
# Top patches and the swapped filter's test accuracy run in the server up to this many input values (N·C·H·W).
# Measured here (one thread): the default shapes test set (640 × 28 × 28 = 0.5 M) takes 27 ms for the deepest
# layer's top patches and 89 ms for the accuracy; TinyVGG on 3,200 colour 32 × 32 pictures (9.8 M) 990 ms and
# 740 ms. Work grows with the values, so past the defaults' 0.5 M it would pass the page's ~100 ms: a worker
# (ui.inspect_jobs) does it instead.
IN_SERVER_MAX_VALUES = 600_000


@dataclass(frozen=True)
class LayerPicture:
    """One layer's row on the page: its name, the maps' shape, their range, and the grid as PNG bytes."""

    name: str
    shape: tuple[int, int, int]
    low: float
    high: float
    png: bytes
    factor: int  # each map is enlarged this many times (the gaps are GAP_PX)
    columns: int
    width: int  # screen pixels of the PNG
    shown: int  # how many maps the grid draws (the first ones, at most MAX_SHOWN_MAPS)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def feature_maps(token: str, input_key: str, _model: nn.Sequential, _image: np.ndarray) -> dict[str, np.ndarray]:
    """``activations.feature_maps(model, image)``: ``{layer name: (C, H, W) float32}``."""
    return activations.feature_maps(_model, _image)


def _layer(name: str, maps: np.ndarray, target: int) -> LayerPicture:
    shown = maps[:MAX_SHOWN_MAPS]
    columns = pictures.grid_columns(len(shown), maps.shape[2])
    factor = pictures.cell_factor(maps.shape[2], columns=columns, target=target, gap=GAP_PX)
    limit = float(np.abs(maps).max())  # the whole layer's scale, also when only the first maps are drawn
    picture = pictures.signed_grid(shown, columns=columns, gap=GAP_PX, factor=factor, limit=limit)
    shape = (int(maps.shape[0]), int(maps.shape[1]), int(maps.shape[2]))
    low, high = float(maps.min()), float(maps.max())
    return LayerPicture(name, shape, low, high, encode(picture), factor, columns, picture.shape[1], len(shown))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def layer_pictures(token: str, input_key: str, _maps: dict[str, np.ndarray]) -> tuple[LayerPicture, ...]:
    """Every layer's maps as one grid each (blue-white-red, one scale per layer), with its labels."""
    return tuple(_layer(name, maps, GRID_WIDTH_PX) for name, maps in _maps.items())


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def map_picture(token: str, input_key: str, what: str, channel: int, _values: np.ndarray, limit: float) -> bytes:
    """One map (``what``: its layer, or which kernel made it) enlarged in whole pixels to about :data:`BIG_PX`,
    blue-white-red on the scale ``limit`` (0: the map's own largest magnitude)."""
    picture = pictures.one_map(_values, limit=limit if limit > 0 else None)
    return encode(resize.enlarge(picture, factor=resize.screen_factor(max(_values.shape), target=BIG_PX)))


def big_width(shape: tuple[int, int]) -> int:
    """Screen width of a ``(H, W)`` map or input drawn by :func:`map_picture` or :func:`input_picture`."""
    return shape[1] * resize.screen_factor(max(shape), target=BIG_PX)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def input_picture(token: str, input_key: str, _image: np.ndarray) -> bytes:
    """The network's input ``(C, H, W)`` as it sees it, enlarged in whole pixels (``"test:0"`` is another picture
    for another model: the token is part of the key)."""
    picture = np.clip(_image[0] if _image.shape[0] == 1 else _image.transpose(1, 2, 0), 0.0, 1.0)
    picture = np.round(picture * 255).astype(np.uint8)
    return encode(resize.enlarge(picture, factor=resize.screen_factor(max(picture.shape[:2]), target=BIG_PX)))


@dataclass(frozen=True)
class FilterPictures:
    """conv1's kernels and their frequency responses as two grids of PNG, laid out alike: ``columns`` to a row,
    each cell ``cell`` screen pixels square, :data:`FILTER_GAP_PX` apart; ``width`` of the kernels' grid."""

    kernels: bytes
    spectra: bytes
    columns: int
    cell: int
    width: int


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def filter_pictures(token: str, epoch: int, _filters: np.ndarray) -> FilterPictures:
    """The grids of ``_filters (F, C, kh, kw)``: ``epoch`` 0 is the finished model; a training snapshot's filters
    come with their epoch."""
    count, _, rows, cols = _filters.shape
    columns = min(count, FILTER_COLUMNS)
    factor = pictures.cell_factor(max(rows, cols), columns=columns, target=FILTER_GRID_PX, gap=FILTER_GAP_PX)
    kernels = pictures.filter_grid(_filters, columns=columns, gap=FILTER_GAP_PX, factor=factor)
    side = max(16, min(SPECTRUM_SIDE, max(rows, cols) * factor))  # as big as a filter's cell, so the grids align
    spectra = pictures.spectrum_grid(activations.spectra(_filters, size=side), columns=columns, gap=FILTER_GAP_PX)
    return FilterPictures(encode(kernels), encode(spectra), columns, cols * factor, kernels.shape[1])


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def one_filter(token: str, epoch: int, index: int, _filters: np.ndarray) -> tuple[bytes, bytes, np.ndarray]:
    """Filter ``index`` alone and its frequency picture, each about :data:`BIG_PX` / 2 screen pixels (PNG), and
    its weights summed over the input channels ``(kh, kw)`` (what it does to a gray picture; itself when gray)."""
    kernel = _filters[index : index + 1]
    rows, cols = kernel.shape[2:]
    side = BIG_PX // 2
    picture = pictures.filter_grid(kernel, columns=1, factor=resize.screen_factor(max(rows, cols), target=side))
    spectrum = pictures.spectrum_grid(activations.spectra(kernel, size=side), columns=1)
    return encode(picture), encode(spectrum), kernel[0].sum(axis=0)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def top_patches(
    token: str, test_key: str, layer: str, channel: int, k: int, _model: nn.Sequential, _images: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``activations.top_patches(model, images, layer=layer, channel=channel, k=k)`` in the server (small sets)."""
    return activations.top_patches(_model, _images, layer=layer, channel=channel, k=k)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def patch_pictures(
    token: str, test_key: str, layer: str, channel: int, _images: np.ndarray, _indices: np.ndarray, _boxes: np.ndarray
) -> tuple[bytes, ...]:
    """Each top patch enlarged in whole pixels to about :data:`PATCH_PX`, as PNG."""
    out = []
    for patch in pictures.crop(_images, _indices, _boxes):
        picture = np.clip(patch[0] if patch.shape[0] == 1 else patch.transpose(1, 2, 0), 0.0, 1.0)
        picture = np.round(picture * 255).astype(np.uint8)
        out.append(
            encode(resize.enlarge(picture, factor=resize.screen_factor(max(picture.shape[:2]), target=PATCH_PX)))
        )
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Swap:
    """A kernel put in place of conv1 filter ``index``, on one input.

    learned, yours : conv1's output channel ``index`` before and after (``(H, W) float32``; the learned one
        with its bias, yours with bias 0).
    kernels_page : the same map computed by the Kernels page's ``convolution.correlate`` (``KernelConv``).
    before, after : the class probabilities of the input, ``(K,) float32``.
    """

    learned: np.ndarray
    yours: np.ndarray
    kernels_page: np.ndarray
    difference: float
    before: np.ndarray
    after: np.ndarray


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def swap(token: str, input_key: str, index: int, kernel: KernelKey, _model: nn.Sequential, _image: np.ndarray) -> Swap:
    """:func:`activations.replace_filter` and :func:`activations.kernel_layer` on one input."""
    import torch

    array = kernel_array(kernel)
    swapped = activations.replace_filter(_model, index, array)
    first = activations.layer_names(_model)[0]
    learned = activations.feature_maps(_model, _image)[first][index]
    yours = activations.feature_maps(swapped, _image)[first][index]
    layer = activations.kernel_layer(_model, array)
    with torch.inference_mode():
        kernels_page = layer(torch.from_numpy(np.array(_image))[None])[0, 0].numpy()
    before = predict_one.class_probabilities(_model, _image)
    after = predict_one.class_probabilities(swapped, _image)
    difference = float(np.abs(yours - kernels_page).max())
    return Swap(learned, yours, kernels_page, difference, before, after)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def swapped_accuracy(
    token: str,
    test_key: str,
    index: int,
    kernel: KernelKey,
    _model: nn.Sequential,
    _images: np.ndarray,
    _labels: np.ndarray,
) -> float:
    """``activations.swapped_accuracy`` on the test set, in the server (small sets)."""
    return activations.swapped_accuracy(_model, _images, _labels, index=index, kernel=kernel_array(kernel))


@st.cache_resource(max_entries=8, show_spinner=False)
def model_ref(token: str, _trained: TrainedModel) -> inspect_worker.ModelRef:
    """The model as plain data for a worker (its weights copied once per token)."""
    return inspect_worker.model_ref(_trained.model, _trained.spec, token)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def grade(token: str, index: int, _filters: np.ndarray) -> Grade:
    """``edge_filters.grade_vertical_edge`` of filter ``index`` of the model's conv1."""
    return edge_filters.grade_vertical_edge(_filters, index)


def in_server(images: np.ndarray) -> bool:
    """Whether work over ``images`` (a test set) is small enough to run in the server's process."""
    return int(np.prod(images.shape)) <= IN_SERVER_MAX_VALUES

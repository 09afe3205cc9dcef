"""Convolution arithmetic: output sizes and receptive fields of a stack of sliding windows (NumPy only).

A convolution or pooling layer slides a window of ``kernel`` cells over its input, ``stride`` cells at a
time, over an input padded by ``padding`` zeros on each side; ``dilation`` spreads the window's cells
``dilation`` apart (a 3-cell window with dilation 2 covers 5 cells and looks at every other one). Along one
axis, with input size ``n``, the output has

    ⌊(n + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1

cells, as ``torch.nn.Conv2d`` and ``torch.nn.MaxPool2d`` compute it.

The **receptive field** of a unit is the set of input pixels that can change it. For a stack of layers it
follows the recursion (along one axis, ``k = dilation·(kernel − 1) + 1`` the window's extent)::

    size_out  = size_in + (k − 1) · jump_in      # how many input pixels the field spans
    jump_out  = jump_in · stride                 # input distance between neighbouring units
    start_out = start_in + ((k − 1) / 2 − padding) · jump_in   # input position of unit 0's centre

starting from ``size = 1, jump = 1, start = 0`` on the input itself. Square windows only: every formula
applies to rows and columns alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core import checks, resize, sizes

# Window settings the pages offer; larger values exist in real networks but teach nothing new here.
MAX_KERNEL = 15
MAX_STRIDE = 4
MAX_DILATION = 4
MAX_PADDING = 7
# Inputs are drawn cell by cell; beyond 256 cells a side a picture has no visible cells left.
MAX_INPUT_SIZE = 256


@dataclass(frozen=True)
class Window:
    """One sliding-window layer along both axes (square): a convolution or a pooling.

    ``label`` is only for display (``"conv 3×3"``, ``"max pool 2"``).
    """

    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    label: str = ""

    def __post_init__(self) -> None:
        checks.integer("kernel", self.kernel, 1, MAX_KERNEL)
        checks.integer("stride", self.stride, 1, MAX_STRIDE)
        checks.integer("padding", self.padding, 0, MAX_PADDING)
        checks.integer("dilation", self.dilation, 1, MAX_DILATION)

    @property
    def extent(self) -> int:
        """Input cells between the window's first and last cell, inclusive: ``dilation·(kernel − 1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1


# The layers the CNN anatomy page offers for its receptive-field stack, by short code (URL-friendly).
LAYER_CHOICES = {
    "conv3": Window(3, label="conv 3×3"),
    "conv5": Window(5, label="conv 5×5"),
    "conv3s2": Window(3, stride=2, label="conv 3×3, stride 2"),
    "conv3d2": Window(3, dilation=2, label="conv 3×3, dilation 2"),
    "conv3p1": Window(3, padding=1, label="conv 3×3, padding 1"),
    "pool2": Window(2, stride=2, label="pool 2×2, stride 2"),
}


def conv_output_size(size: int, *, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    """Cells along one axis after a convolution or pooling window (the formula in the module docstring).

    Raises ``ValueError`` when the window does not fit: the padded input is smaller than its extent.
    """
    size = checks.integer("size", size, 1, MAX_INPUT_SIZE)
    window = Window(kernel, stride=stride, padding=padding, dilation=dilation)  # checks the limits
    try:
        return sizes.output_size(size, kernel=kernel, stride=stride, padding=padding, dilation=dilation)
    except ValueError:  # every argument is checked above: the window does not fit
        raise ValueError(
            f"size {size} with padding {padding} is {size + 2 * padding} cells, smaller than the window's extent "
            f"{window.extent} (kernel {kernel}, dilation {dilation}): there is no output"
        ) from None


def output_size_formula(size: int, *, kernel: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> str:
    """The output-size formula with the numbers filled in, e.g. ``"⌊(28 + 2·1 − 1·(3 − 1) − 1) / 1⌋ + 1 = 28"``."""
    result = conv_output_size(size, kernel=kernel, padding=padding, stride=stride, dilation=dilation)
    return f"⌊({size} + 2·{padding} − {dilation}·({kernel} − 1) − 1) / {stride}⌋ + 1 = {result}"


def output_sizes(layers: Sequence[Window], *, input_size: int) -> list[int]:
    """Cells along one axis after each layer of the stack (a ``ValueError`` names the layer that fails)."""
    sizes, size = [], input_size
    for index, layer in enumerate(_check_layers(layers), start=1):
        try:
            size = conv_output_size(
                size, kernel=layer.kernel, padding=layer.padding, stride=layer.stride, dilation=layer.dilation
            )
        except ValueError as error:
            raise ValueError(f"layer {index} ({layer.label or f'window {layer.kernel}'}): {error}") from None
        sizes.append(size)
    return sizes


def receptive_field(layers: Sequence[Window]) -> list[tuple[int, int, float]]:
    """``(size, jump, start)`` after each layer, by the recursion in the module docstring.

    ``size``: input pixels spanned by one unit's field; ``jump``: input distance between neighbouring units;
    ``start``: input coordinate of the centre of unit 0's field (``-0.5`` or ``-1`` when padding puts it
    outside the image; a half when the window has an even extent).
    """
    size, jump, start = 1, 1, 0.0
    out = []
    for layer in _check_layers(layers):
        start = start + ((layer.extent - 1) / 2 - layer.padding) * jump
        size = size + (layer.extent - 1) * jump
        jump = jump * layer.stride
        out.append((size, jump, start))
    return out


def receptive_mask(layers: Sequence[Window], *, input_size: int, row: int, col: int) -> np.ndarray:
    """The input pixels that output unit ``(row, col)`` of the last layer sees: ``(input_size, input_size) bool``.

    Exact, not a box: with dilation the field has holes, and pixels of the padding are not in the image.
    Computed per axis by walking the stack backwards (each unit ``o`` of a layer sees the input cells
    ``o·stride − padding + dilation·i`` for ``i < kernel``); the 2-D mask is the outer product of the two.
    """
    sizes = output_sizes(layers, input_size=input_size)
    if not sizes:
        raise ValueError("layers must hold at least one layer, got none")
    last = sizes[-1]
    for name, value in (("row", row), ("col", col)):
        checks.integer(name, value, 0)
        if value >= last:
            raise ValueError(f"{name} must be below the last layer's size {last}, got {value}")
    in_sizes = [input_size, *sizes[:-1]]
    rows = _seen(layers, in_sizes, row)
    cols = _seen(layers, in_sizes, col)
    mask = np.zeros((input_size, input_size), dtype=bool)
    mask[np.ix_(rows, cols)] = True
    return mask


def _seen(layers: Sequence[Window], in_sizes: Sequence[int], unit: int) -> np.ndarray:
    """Input indices (one axis) that ``unit`` of the last layer depends on."""
    current = np.array([unit])
    for layer, in_size in zip(reversed(list(layers)), reversed(list(in_sizes))):
        offsets = layer.dilation * np.arange(layer.kernel)
        reach = (current[:, None] * layer.stride - layer.padding + offsets[None, :]).ravel()
        current = np.unique(reach[(reach >= 0) & (reach < in_size)])
    return current


def centre_unit(layers: Sequence[Window], *, input_size: int) -> int:
    """Index of the middle unit (one axis) of the last layer's output: the one the page traces back."""
    sizes = output_sizes(layers, input_size=input_size)
    return (sizes[-1] - 1) // 2 if sizes else input_size // 2


def mask_picture(mask: np.ndarray, *, cell: int = 12, colour=(200, 40, 40)) -> np.ndarray:
    """A mask drawn as a grid of cells: ``(H, W) bool -> (H·cell, W·cell, 3) uint8``.

    Seen pixels are ``colour``, the others light gray; a one-pixel white line separates cells.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.dtype != bool:
        raise ValueError(f"mask must be a 2-D bool array, got shape {mask.shape} and dtype {mask.dtype}")
    cell = checks.integer("cell", cell, 2, 64)
    picture = np.where(mask[..., None], np.array(colour, np.uint8), np.array((225, 225, 225), np.uint8))
    picture = resize.enlarge(picture, factor=cell)
    picture[::cell, :] = 255
    picture[:, ::cell] = 255
    return picture


def _check_layers(layers: Sequence[Window]) -> list[Window]:
    layers = list(layers)
    for index, layer in enumerate(layers, start=1):
        if not isinstance(layer, Window):
            raise TypeError(f"layers[{index - 1}] must be a receptive.Window, got {type(layer).__name__}")
    return layers

"""Reading an image as numbers: a light overview for hovering, a small region's values, gray arithmetic.

Values are shown on the byte scale ``0..255`` (what the image file stores). Input images are RGB
``(H, W, 3)``, ``uint8`` or float in ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import checks, dtype, resize

REGION_CHANNELS = ("Gray", "R", "G", "B")
# A region's numbers are read in a table and written inside heatmap cells: beyond about 24×24 the digits
# no longer fit on a screen.
MIN_REGION = 2
MAX_REGION = 24
# Longest side of the hover overview. Every pixel of a 1024² image as hover data is ~3 MB of JSON and slows
# the browser; about 256 px keeps hovering instant and still shows the picture.
MAX_OVERVIEW_SIDE = 256
# The region in colour is drawn about this wide (in whole-pixel blocks): big enough to see each pixel, small
# enough to sit beside the table of numbers.
REGION_PICTURE_PX = 192


def _as_bytes(image: np.ndarray) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got shape {image.shape}")
    if image.dtype == np.uint8:
        return image
    if not np.issubdtype(image.dtype, np.floating) or image.min() < 0 or image.max() > 1:
        raise ValueError(f"image must be uint8 or float in [0, 1], got dtype {image.dtype}")
    return dtype.to_uint8(image)


def overview(image: np.ndarray, *, max_side: int = MAX_OVERVIEW_SIDE) -> tuple[np.ndarray, int]:
    """Every ``step``-th pixel in both directions, so the longest side is at most ``max_side``.

    Pixels are *picked*, not averaged, so hovering shows true pixel values; pixel ``(i, j)`` of the result
    is pixel ``(i * step, j * step)`` of the image. Returns ``(small (h, w, 3) uint8, step)``.
    """
    rgb = _as_bytes(image)
    max_side = checks.integer("max_side", max_side, 1, wrong_type=ValueError)
    step = max(1, -(-max(rgb.shape[:2]) // max_side))  # ceiling division
    return np.ascontiguousarray(rgb[::step, ::step]), int(step)


def fit_region(shape: tuple[int, ...], *, top: int, left: int, size: int) -> tuple[int, int, int]:
    """Move and shrink a square region so it lies inside an image of ``shape``: ``(top, left, size)``.

    Used when the image changes under a region chosen for another image.
    """
    rows, cols = int(shape[0]), int(shape[1])
    size = int(min(max(size, MIN_REGION), MAX_REGION, rows, cols))
    top = int(min(max(top, 0), rows - size))
    left = int(min(max(left, 0), cols - size))
    return top, left, size


def region_values(image: np.ndarray, *, top: int, left: int, size: int, channel: str = "Gray") -> np.ndarray:
    """The ``size``×``size`` block at ``(top, left)`` of one channel: ``(size, size) uint8``.

    ``channel`` is one of :data:`REGION_CHANNELS`; Gray is ``0.299 R + 0.587 G + 0.114 B`` rounded.
    """
    rgb = _as_bytes(image)
    if channel not in REGION_CHANNELS:
        raise ValueError(f"channel must be one of {REGION_CHANNELS}, got {channel!r}")
    block = _region(rgb, top, left, size)
    if channel == "Gray":
        gray = block.astype(np.float64) @ np.array(dtype.GRAY_WEIGHTS)
        return np.round(gray).astype(np.uint8)
    return np.ascontiguousarray(block[..., REGION_CHANNELS.index(channel) - 1])


def _region(rgb: np.ndarray, top: int, left: int, size: int) -> np.ndarray:
    for name, value in (("top", top), ("left", left), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be a whole number, got {type(value).__name__}")
    rows, cols = rgb.shape[:2]
    if not MIN_REGION <= size <= MAX_REGION:
        raise ValueError(f"size must be from {MIN_REGION} to {MAX_REGION}, got {size}")
    if top < 0 or left < 0 or top + size > rows or left + size > cols:
        raise ValueError(f"a {size}×{size} region at top={top}, left={left} does not fit in a {rows}×{cols} image")
    return rgb[top : top + size, left : left + size]


def region_picture(image: np.ndarray, *, top: int, left: int, size: int) -> np.ndarray:
    """The ``size``×``size`` block at ``(top, left)`` in colour, enlarged by whole pixels so it is about
    :data:`REGION_PICTURE_PX` wide: ``(size·f, size·f, 3) uint8`` with ``f = max(1, REGION_PICTURE_PX // size)``.
    """
    block = _region(_as_bytes(image), top, left, size)
    return resize.enlarge(block, factor=resize.screen_factor(size, target=REGION_PICTURE_PX))


@dataclass(frozen=True)
class GrayArithmetic:
    """The gray value of one pixel, term by term: ``0.299 R + 0.587 G + 0.114 B``."""

    row: int
    col: int
    rgb: tuple[int, int, int]
    terms: tuple[float, float, float]  # each weight times its channel value
    gray: float  # the sum, 0..255

    def formula(self) -> str:
        """The arithmetic written out with the real numbers."""
        (r, g, b), (tr, tg, tb) = self.rgb, self.terms
        w_r, w_g, w_b = dtype.GRAY_WEIGHTS
        return (
            f"{w_r} × {r} + {w_g} × {g} + {w_b} × {b} = {tr:.2f} + {tg:.2f} + {tb:.2f} "
            f"= {self.gray:.2f} ≈ {round(self.gray)} (of 255) = {self.gray / 255:.3f} (of 1)"
        )


def gray_arithmetic(image: np.ndarray, *, row: int, col: int) -> GrayArithmetic:
    """How the gray value of pixel ``(row, col)`` is made from its R, G, B."""
    rgb = _as_bytes(image)
    rows, cols = rgb.shape[:2]
    if not (0 <= row < rows and 0 <= col < cols):
        raise ValueError(f"pixel (row={row}, col={col}) is outside a {rows}×{cols} image")
    red, green, blue = (int(v) for v in rgb[row, col])
    pixel = (red, green, blue)
    w_r, w_g, w_b = dtype.GRAY_WEIGHTS
    terms = (w_r * red, w_g * green, w_b * blue)
    return GrayArithmetic(row=int(row), col=int(col), rgb=pixel, terms=terms, gray=float(sum(terms)))

"""Feature maps, filters and their spectra as pictures: one colour rule, many small maps tiled in one image.

Signed values (feature maps, kernels) are drawn with :func:`explorer.core.display.diverging`: 0 is white,
positive red, negative blue, with **one scale per picture** (its largest magnitude), so the maps of one layer
can be compared with each other: a pale map is a weak one. Spectra (magnitudes, never negative) are drawn
gray, each normalised to its own largest value as the Kernels page draws one kernel's. Tiles are laid out by
:func:`explorer.core.mosaic.tile` (gray gaps); enlarging for the screen is the caller's (whole pixels,
:func:`explorer.core.resize.enlarge`).
"""

from __future__ import annotations

import numpy as np

from explorer.core import display, mosaic

# Columns of a layer's grid: small maps in many columns, big ones in few, so a grid is a few rows of maps that
# read at about 40 screen pixels or more once enlarged to the page's width.
_COLUMN_RULE = ((12, 16), (32, 8))
WIDE_COLUMNS = 4


def _signed(name: str, values: object, ndim: int, layout: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "iuf" or array.ndim != ndim or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty {layout} real array, got {array.dtype} {array.shape}")
    array = np.nan_to_num(array.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    return array


def grid_columns(count: int, width: int) -> int:
    """How many maps of ``width`` pixels a row of the grid holds (at most ``count``)."""
    for widest, columns in _COLUMN_RULE:
        if width <= widest:
            return max(1, min(count, columns))
    return max(1, min(count, WIDE_COLUMNS))


def _limit(array: np.ndarray) -> float:
    return float(np.abs(array).max())


def cell_factor(width: int, *, columns: int, target: int, gap: int = 2) -> int:
    """The whole-pixel factor that makes ``columns`` cells of ``width`` pixels, ``gap`` pixels apart, about
    ``target`` pixels wide in all (at least 1)."""
    room = max(target - (columns - 1) * gap, columns)
    return max(1, room // (columns * max(width, 1)))


def _enlarged(cells: np.ndarray, factor: int) -> np.ndarray:
    """``(N, C, H, W)`` -> ``(N, C, H·factor, W·factor)``, each pixel a ``factor × factor`` block."""
    return cells if factor == 1 else cells.repeat(factor, axis=2).repeat(factor, axis=3)


def _tile(cells: np.ndarray, columns: int, gap: int, factor: int) -> np.ndarray:
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor must be a whole number >= 1, got {factor!r}")
    return mosaic.tile(_enlarged(cells, factor), columns=columns, gap=gap)


def signed_grid(
    maps: np.ndarray, *, columns: int, gap: int = 1, factor: int = 1, limit: float | None = None
) -> np.ndarray:
    """``maps (N, H, W)`` signed -> ``(R·(f·H+gap)−gap, K·(f·W+gap)−gap, 3) uint8``: each map in blue-white-red,
    all on one scale (``limit``, default the largest magnitude of all maps), enlarged ``factor`` times in whole
    pixels (the gaps are not), tiled ``columns`` to a row."""
    array = _signed("maps", maps, 3, "(N, H, W)")
    scale = _limit(array) if limit is None else float(limit)
    coloured = display.diverging(array, limit=scale if scale > 0 else None)  # (N, H, W, 3) in [0, 1]
    return _tile(coloured.transpose(0, 3, 1, 2), columns, gap, factor)


def one_map(values: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    """One ``(H, W)`` map in blue-white-red: ``(H, W, 3) uint8`` (scale ``limit``, default its largest magnitude)."""
    array = _signed("values", values, 2, "(H, W)")
    scale = _limit(array) if limit is None else float(limit)
    return display.to_display(array, mode="diverging", limit=scale if scale > 0 else None)


def filter_grid(filters: np.ndarray, *, columns: int, gap: int = 1, factor: int = 1) -> np.ndarray:
    """conv1's kernels ``(F, C, kh, kw)`` as one picture, one scale for all (a weak filter looks pale).

    One input channel: blue-white-red (``(…, 3) uint8``). Three (colour input): each kernel as an RGB picture,
    mid-gray for 0 (``0.5 + 0.5 · w / largest |w|`` per channel), the colour it responds to most. Any other
    channel count: the channels' sum in blue-white-red.
    """
    array = _signed("filters", filters, 4, "(F, C, kh, kw)")
    if array.shape[1] == 3:
        scale = _limit(array) or 1.0
        return _tile(0.5 + 0.5 * array / scale, columns, gap, factor)
    return signed_grid(array.sum(axis=1), columns=columns, gap=gap, factor=factor)


def spectrum_grid(spectra: np.ndarray, *, columns: int, gap: int = 1, factor: int = 1) -> np.ndarray:
    """Spectra ``(F, C, S, S)`` (magnitudes) -> gray ``uint8`` picture, the channels' mean of each filter
    normalised to its own largest value (a filter with no response at all is black)."""
    array = np.abs(_signed("spectra", spectra, 4, "(F, C, S, S)")).mean(axis=1)  # (F, S, S)
    peaks = array.max(axis=(1, 2), keepdims=True)
    scaled = np.divide(array, peaks, out=np.zeros_like(array), where=peaks > 0)
    return _tile(scaled[:, None], columns, gap, factor)


def crop(images: np.ndarray, indices: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """The patches ``images[i, :, top : top + rows, left : left + cols]`` for each index and box
    ``(top, left, rows, cols)`` (as :func:`explorer.interpret.activations.top_patches` returns them), copies."""
    array = np.asarray(images)
    where = np.asarray(indices, dtype=np.int64)
    frames = np.asarray(boxes, dtype=np.int64)
    if array.ndim != 4 or frames.shape != (len(where), 4):
        raise ValueError(
            f"images must be (N, C, H, W) and boxes (k, 4) for k indices, got {array.shape} and {frames.shape}"
        )
    patches = []
    for index, (top, left, rows, cols) in zip(where, frames):
        if rows < 1 or cols < 1:
            raise ValueError(f"box {(top, left, rows, cols)} of image {index} is empty")
        patches.append(np.array(array[index, :, top : top + rows, left : left + cols]))
    return patches

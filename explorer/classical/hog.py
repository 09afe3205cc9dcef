"""HOG, the histogram of oriented gradients (Dalal & Triggs, 2005): the descriptor, its length, its picture.

- :func:`hog` summarises a gray image as histograms of gradient orientation per cell, normalised per block
  of cells; the descriptor itself is computed by ``skimage.feature.hog``, and the per-cell histograms
  (before normalisation) are kept for drawing;
- :func:`hog_length` is the descriptor's length by the formula (blocks × cells per block × orientations);
- :func:`hog_picture` draws each cell's histogram as a star of lines, one per orientation bin.

Images are ``(H, W)`` or ``(H, W, 3)``, uint8 or float32 in [0, 1], used in gray; pictures are float32 in
[0, 1]. Orientations are unsigned, 0 to 180 degrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import skimage.feature

from explorer.core import checks, dtype
from explorer.core.picture import check_image

# HOG settings: 2..36 orientation bins (5 to 90 degrees each); cells of 2..64 px; blocks of 1..8 cells.
MAX_ORIENTATIONS = 36
MIN_CELL, MAX_CELL = 2, 64
MAX_BLOCK = 8


@dataclass(frozen=True)
class Hog:
    """HOG of one image.

    descriptor: (D,) float32, ``skimage.feature.hog`` with L2-Hys block normalisation;
    cell_histograms: (cell_rows, cell_cols, orientations) float32, gradient magnitude per orientation bin
    averaged over each cell (before any normalisation); blocks: (block_rows, block_cols).
    """

    descriptor: np.ndarray
    cell_histograms: np.ndarray
    blocks: tuple[int, int]
    orientations: int
    cell_size: int
    block_size: int


def hog_length(shape: tuple[int, ...], *, orientations: int, cell_size: int, block_size: int) -> int:
    """Length of the HOG descriptor of an image of ``shape``: blocks × cells per block × orientations.

    cells = ⌊side / cell_size⌋ per side; blocks = cells − block_size + 1 per side (blocks overlap, one cell
    apart); length = block_rows · block_cols · block_size² · orientations (0 when no block fits).
    """
    rows, cols = shape[:2]
    block_rows = max(rows // cell_size - block_size + 1, 0)
    block_cols = max(cols // cell_size - block_size + 1, 0)
    return block_rows * block_cols * block_size * block_size * orientations


def _cell_histograms(gray: np.ndarray, orientations: int, cell_size: int) -> np.ndarray:
    """Mean gradient magnitude per orientation bin in each cell, binned as ``skimage.feature.hog`` bins."""
    g_row = np.zeros_like(gray)
    g_col = np.zeros_like(gray)
    g_row[1:-1, :] = gray[2:, :] - gray[:-2, :]  # central differences; 0 on the border, like skimage
    g_col[:, 1:-1] = gray[:, 2:] - gray[:, :-2]
    magnitude = np.hypot(g_row, g_col)
    orientation = np.rad2deg(np.arctan2(g_row, g_col)) % 180.0  # unsigned: 0..180 degrees
    bins = np.minimum((orientation / (180.0 / orientations)).astype(np.int64), orientations - 1)
    cell_rows, cell_cols = gray.shape[0] // cell_size, gray.shape[1] // cell_size
    used = (slice(0, cell_rows * cell_size), slice(0, cell_cols * cell_size))
    cell_index = (np.arange(cell_rows * cell_size) // cell_size)[:, None] * cell_cols + (
        np.arange(cell_cols * cell_size) // cell_size
    )[None, :]
    flat = (cell_index * orientations + bins[used]).ravel()
    sums = np.bincount(flat, weights=magnitude[used].ravel(), minlength=cell_rows * cell_cols * orientations)
    return (sums / (cell_size * cell_size)).reshape(cell_rows, cell_cols, orientations).astype(np.float32)


def hog(image: np.ndarray, *, orientations: int = 9, cell_size: int = 8, block_size: int = 2) -> Hog:
    """Histogram of oriented gradients of the gray image.

    image: (H, W) or (H, W, 3), uint8 or float32 in [0, 1]; it needs at least ``cell_size × block_size``
    pixels on each side. The descriptor is ``skimage.feature.hog`` (L2-Hys normalisation per block of
    ``block_size × block_size`` cells of ``cell_size × cell_size`` px); its length is :func:`hog_length`.
    """
    orientations = checks.integer("orientations", orientations, 2, MAX_ORIENTATIONS)
    cell_size = checks.integer("cell_size", cell_size, MIN_CELL, MAX_CELL)
    block_size = checks.integer("block_size", block_size, 1, MAX_BLOCK)
    gray = dtype.to_gray(check_image(image))
    need = cell_size * block_size
    if gray.shape[0] < need or gray.shape[1] < need:
        raise ValueError(
            f"image must be at least {need} × {need} px for HOG with {cell_size} px cells and "
            f"{block_size} × {block_size}-cell blocks, got {gray.shape[0]} × {gray.shape[1]}"
        )
    descriptor = skimage.feature.hog(
        gray,
        orientations=orientations,
        pixels_per_cell=(cell_size, cell_size),
        cells_per_block=(block_size, block_size),
        block_norm="L2-Hys",
        feature_vector=True,
    ).astype(np.float32)
    cells = _cell_histograms(gray.astype(np.float64), orientations, cell_size)
    blocks = (cells.shape[0] - block_size + 1, cells.shape[1] - block_size + 1)
    return Hog(descriptor, cells, blocks, orientations, cell_size, block_size)


def hog_picture(result: Hog, *, glyph_size: int = 16) -> np.ndarray:
    """Each cell's histogram as a star of lines: ``(cell_rows · glyph_size, cell_cols · glyph_size) float32``.

    One line per orientation bin through the cell's centre, along the *edge* (perpendicular to the
    gradient), as bright as the bin's value relative to the image's strong bins (the 98th percentile).
    """
    glyph_size = checks.integer("glyph_size", glyph_size, 4, 64)
    cells = result.cell_histograms
    cell_rows, cell_cols, orientations = cells.shape
    # A few very strong edges would leave every other glyph near black: full brightness is reached at the
    # 98th percentile of the bins, and the rare stronger ones are clipped.
    peak = float(np.percentile(cells, 98)) or float(cells.max())
    if peak <= 0:
        return np.zeros((cell_rows * glyph_size, cell_cols * glyph_size), np.float32)
    radius = glyph_size / 2.0 - 1.0
    centre = (glyph_size - 1) / 2.0
    midpoints = np.pi * (np.arange(orientations) + 0.5) / orientations  # gradient direction of each bin
    # Edge direction in (row, col): perpendicular to the gradient (sin, cos), i.e. (cos, -sin).
    d_row, d_col = radius * np.cos(midpoints), -radius * np.sin(midpoints)
    # One antialiased line per bin on a glyph-sized tile, drawn once; a cell's glyph is the brightest of its
    # bins' lines, each scaled by the bin's value.
    strokes = np.zeros((orientations, glyph_size, glyph_size), np.float32)
    shift = 4  # cv2 sub-pixel coordinates: 4 fractional bits
    for o in range(orientations):
        start = (int(round((centre - d_col[o]) * 16)), int(round((centre - d_row[o]) * 16)))
        end = (int(round((centre + d_col[o]) * 16)), int(round((centre + d_row[o]) * 16)))
        cv2.line(strokes[o], start, end, 1.0, 1, cv2.LINE_AA, shift)
    tiles = (cells[:, :, :, None, None] / peak * strokes[None, None]).max(axis=2)  # (R, C, g, g)
    picture = tiles.transpose(0, 2, 1, 3).reshape(cell_rows * glyph_size, cell_cols * glyph_size)
    return np.clip(picture, 0.0, 1.0).astype(np.float32)

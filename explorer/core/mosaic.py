"""Many small images as one clickable picture: :func:`tile` lays them out in a grid, :func:`cell_at` turns a
click on the (possibly enlarged) grid back into the image's position in the list."""

from __future__ import annotations

import numpy as np

from explorer.core import checks, dtype

# Mid-gray between the cells, so tiny dark images don't run into each other.
GAP_VALUE = 128


def tile(images: np.ndarray, *, columns: int, gap: int = 1) -> np.ndarray:
    """``images (N, C, H, W)`` float in [0, 1] (C 1 or 3) -> one picture of ``ceil(N / columns)`` rows of
    ``columns`` cells, ``gap`` gray pixels between cells: ``(R·(H+gap)-gap, K·(W+gap)-gap[, 3]) uint8`` with
    ``K = min(columns, N)``. Empty cells of the last row are gray."""
    if not isinstance(images, np.ndarray) or images.ndim != 4 or images.shape[1] not in (1, 3) or len(images) == 0:
        shape = getattr(images, "shape", None)
        raise ValueError(f"images must be a non-empty (N, C, H, W) array with C 1 or 3, got shape {shape}")
    columns = checks.integer("columns", columns, 1, wrong_type=ValueError)
    gap = checks.integer("gap", gap, 0, 16, wrong_type=ValueError)
    count, channels, height, width = images.shape
    columns = min(columns, count)
    rows = -(-count // columns)
    grid = np.full((rows * columns, channels, height + gap, width + gap), GAP_VALUE / 255.0, dtype=np.float32)
    grid[:count, :, :height, :width] = np.clip(images, 0.0, 1.0)
    mosaic = grid.reshape(rows, columns, channels, height + gap, width + gap).transpose(0, 3, 1, 4, 2)
    mosaic = mosaic.reshape(rows * (height + gap), columns * (width + gap), channels)
    mosaic = dtype.to_uint8(mosaic[: mosaic.shape[0] - gap, : mosaic.shape[1] - gap])
    return mosaic[:, :, 0] if channels == 1 else mosaic


def cell_at(
    x: float, y: float, *, cell: tuple[int, int], gap: int, columns: int, count: int, scale: float = 1.0
) -> int | None:
    """The position in the list of the image under the point ``(x, y)`` of a :func:`tile` picture shown
    ``scale`` times enlarged (``cell`` is ``(H, W)`` of one image, unscaled); None on a gap or an empty cell."""
    if not (np.isfinite(x) and np.isfinite(y)) or scale <= 0:
        return None
    height, width = cell
    col, inside_x = divmod(int(x // scale), width + gap)
    row, inside_y = divmod(int(y // scale), height + gap)
    columns = min(columns, count)
    if x < 0 or y < 0 or col >= columns or inside_x >= width or inside_y >= height:
        return None
    index = row * columns + col
    return index if index < count else None


def classes_in_turn(labels: np.ndarray, count: int) -> np.ndarray:
    """Up to ``count`` indices into ``labels (N,)`` taking the classes in turn (the first image of each class in
    class order, then the second of each...), so a grid of a test set sorted by class still shows every class.
    Returns ``(min(count, N),) int64``."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be (N,), got shape {labels.shape}")
    count = checks.integer("count", count, 0, wrong_type=ValueError)
    rank = np.zeros(len(labels), dtype=np.int64)  # how many earlier images share the image's class
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        rank[members] = np.arange(len(members))
    order = np.lexsort((labels, rank))  # by rank, then by class
    return order[:count].astype(np.int64)


def grid_layout(cell_side: int, *, target_cell: int, max_width: int, max_columns: int) -> tuple[int, int]:
    """``(factor, columns)`` for a :func:`tile` grid of ``cell_side``-pixel images (1-pixel gaps): the whole
    factor that draws a cell closest to ``target_cell`` screen pixels (at least 1), and as many columns as fit
    in ``max_width`` (at least 1, at most ``max_columns``)."""
    cell_side = checks.integer("cell_side", cell_side, 1, wrong_type=ValueError)
    target_cell = checks.integer("target_cell", target_cell, 1, wrong_type=ValueError)
    max_width = checks.integer("max_width", max_width, 1, wrong_type=ValueError)
    max_columns = checks.integer("max_columns", max_columns, 1, wrong_type=ValueError)
    factor = max(1, round(target_cell / (cell_side + 1)))
    columns = max(1, min(max_columns, (max_width + factor) // ((cell_side + 1) * factor)))
    return factor, columns

"""A synthetic data set of stripes and simple shapes, made to show what a network's filters learn.

Eight classes (:data:`CLASS_NAMES`): stripes in three orientations, whose filters come out as oriented edge
detectors; and five shapes that differ in how their edges are arranged: a filled disc, a ring, a square, a
triangle and a cross. Every image draws its own position, size, rotation, stroke thickness, contrast and noise
level, so a network has to learn the shape rather than a fixed picture.

Drawing is vectorised: each shape is described by a signed distance to its outline (negative inside), and a
pixel's coverage is ``clip(0.5 - distance, 0, 1)``, which also antialiases the edges by one pixel. 8 classes ×
500 images of 28×28 take a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np

from explorer.core import checks
from explorer.data.datasets import Dataset

CLASS_NAMES = (
    "horizontal stripes",
    "vertical stripes",
    "diagonal stripes",
    "disc",
    "ring",
    "square",
    "triangle",
    "cross",
)
SIZES = {False: 28, True: 32}  # gray images are 28×28 (as MNIST), colour ones 32×32 (as CIFAR-10)
# Up to 8 × 2,000 = 16,000 images: 16,000 × 3 × 32 × 32 float32 is under 200 MB, and more images would
# not train in a workshop's time on a CPU anyway.
MAX_PER_CLASS = 2000
# Stripes keep their orientation within ±10°: tilted further, "horizontal" and "diagonal" would blur.
STRIPE_JITTER_DEGREES = 10.0
# The standard deviation of the added Gaussian noise is drawn from 0 .. this per image.
MAX_NOISE = 0.08
# Foreground and background differ by at least this much in brightness (0..1), so every shape stays
# visible, also to a network that sees only one colour channel.
MIN_CONTRAST = 0.3


def _coverage(distance: np.ndarray) -> np.ndarray:
    """Signed distance (pixels, negative inside) -> fraction of the pixel covered, antialiased."""
    return np.clip(0.5 - distance, 0.0, 1.0)


def _stripes(u: np.ndarray, v: np.ndarray, period, thickness, phase) -> np.ndarray:
    """Stripes running along ``u`` (constant in u): distance to the nearest stripe's centre line minus half width."""
    offset = np.mod(v + phase, period) - period / 2.0  # in [-period/2, period/2): distance to a stripe centre
    return np.abs(offset) - thickness / 2.0


def _draw(label: int, u: np.ndarray, v: np.ndarray, radius, thickness, rng, n: int) -> np.ndarray:
    """Signed distance ``(n, H, W)`` for ``n`` images of one class; u, v are rotated pixel offsets."""
    r = radius[:, None, None]
    t = thickness[:, None, None]
    if label <= 2:  # stripes: period 4..9 px, stripe at most half a period wide
        period = rng.uniform(4.0, 9.0, n).astype(np.float32)[:, None, None]
        width = np.minimum(t, period / 2.0)
        phase = rng.uniform(0.0, 1.0, n).astype(np.float32)[:, None, None] * period
        return _stripes(u, v, period, width, phase)
    if label == 3:  # disc
        return np.hypot(u, v) - r
    if label == 4:  # ring: a band of width t whose outer edge is at r
        t = np.minimum(t, 0.45 * r)  # keep a hole wider than the band, or a ring looks like a disc
        return np.abs(np.hypot(u, v) - (r - t / 2.0)) - t / 2.0
    if label == 5:  # square with half-side r * 0.8 (same area order as the disc)
        return np.maximum(np.abs(u), np.abs(v)) - 0.8 * r
    if label == 6:  # equilateral triangle with circumradius r: inside all three edges' half-planes
        normals = [np.float32(a) for a in (np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 - 2 * np.pi / 3)]
        edges = [u * np.cos(a) + v * np.sin(a) for a in normals]  # distance along each edge's outward normal
        return np.maximum(np.maximum(edges[0], edges[1]), edges[2]) - r / 2.0  # inradius = circumradius / 2
    # cross: union of a horizontal and a vertical bar, each 2r long and t wide
    half = t / 2.0
    bar_u = np.maximum(np.abs(u) - r, np.abs(v) - half)
    bar_v = np.maximum(np.abs(v) - r, np.abs(u) - half)
    return np.minimum(bar_u, bar_v)


def _colours(rng: np.random.Generator, n: int, color: bool) -> tuple[np.ndarray, np.ndarray]:
    """Foreground and background ``(n, C)`` whose brightness differs by at least :data:`MIN_CONTRAST`."""
    if not color:  # a bright shape on a dark background, as MNIST's digits
        return rng.uniform(0.3 + MIN_CONTRAST, 1.0, (n, 1)), rng.uniform(0.0, 0.3, (n, 1))
    # Any two colours of the RGB cube; pairs too close in brightness (BT.601 luma) are drawn again. About
    # one pair in five passes, so a few dozen rounds settle thousands of images.
    luma = np.array([0.299, 0.587, 0.114])
    foreground, background = rng.uniform(size=(n, 3)), rng.uniform(size=(n, 3))
    redraw = np.abs((foreground - background) @ luma) < MIN_CONTRAST
    while redraw.any():
        foreground[redraw] = rng.uniform(size=(int(redraw.sum()), 3))
        background[redraw] = rng.uniform(size=(int(redraw.sum()), 3))
        redraw = np.abs((foreground - background) @ luma) < MIN_CONTRAST
    return foreground, background


def make_shapes(n_per_class: int, *, size: int | None = None, color: bool = False, seed: int = 0) -> Dataset:
    """The shapes data set: ``n_per_class`` images of each of the 8 classes, in class order.

    Returns a :class:`~explorer.data.datasets.Dataset` with images ``(8 * n_per_class, C, size, size) float32`` in
    ``[0, 1]`` (``C`` is 3 if ``color`` else 1) and labels ``0 0 ... 1 1 ... 7``. ``size`` defaults to 28
    for gray and 32 for colour; any size from 16 to 64 works. The same ``seed`` gives identical arrays.
    """
    n = checks.integer("n_per_class", n_per_class, 1, MAX_PER_CLASS, wrong_type=ValueError)
    if not isinstance(color, bool):
        raise TypeError(f"color must be True or False, got {type(color).__name__}")
    size = SIZES[color] if size is None else size
    size = checks.integer("size", size, 16, 64, wrong_type=ValueError)
    seed = checks.integer("seed", seed, 0, wrong_type=ValueError)
    rng = np.random.default_rng(seed)
    grid = np.arange(size, dtype=np.float32) + np.float32(0.5)  # pixel centres; float32 halves the work
    distances = []
    for label in range(len(CLASS_NAMES)):
        radius = rng.uniform(0.18, 0.36, n) * size  # outer size, so a 28-px image shows shapes of 5-10 px radius
        thickness = rng.uniform(0.06, 0.14, n) * size  # ring, cross and stripe width: 1.7-3.9 px at 28
        if label <= 2:
            # Stripes run along this angle (0° horizontal); each diagonal image picks its own diagonal.
            base = (np.zeros(n), np.full(n, 90.0), rng.choice([45.0, 135.0], n))[label]
            angle = np.deg2rad(base + rng.uniform(-STRIPE_JITTER_DEGREES, STRIPE_JITTER_DEGREES, n))
            centre = rng.uniform(0.0, size, (n, 2))
        else:
            angle = rng.uniform(0.0, 2.0 * np.pi, n)
            margin = radius + 1.0  # the whole shape stays inside the image
            centre = margin[:, None] + rng.uniform(0.0, 1.0, (n, 2)) * (size - 2.0 * margin)[:, None]
        centre, angle = centre.astype(np.float32), angle.astype(np.float32)
        radius, thickness = radius.astype(np.float32), thickness.astype(np.float32)
        dy = grid[None, :, None] - centre[:, 0, None, None]  # (n, size, 1)
        dx = grid[None, None, :] - centre[:, 1, None, None]  # (n, 1, size)
        cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
        u = dx * cos + dy * sin  # along the shape's own axis, (n, size, size)
        v = -dx * sin + dy * cos
        distances.append(_draw(label, u, v, radius, thickness, rng, n))
    coverage = _coverage(np.concatenate(distances))[:, None]  # (N, 1, size, size)
    total = len(CLASS_NAMES) * n
    foreground, background = (c.astype(np.float32)[:, :, None, None] for c in _colours(rng, total, color))
    sigma = rng.uniform(0.0, MAX_NOISE, total).astype(np.float32)[:, None, None, None]
    images = rng.standard_normal((total, foreground.shape[1], size, size), dtype=np.float32)  # (N, C, size, size)
    images *= sigma
    images += background
    images += coverage * (foreground - background)
    np.clip(images, 0.0, 1.0, out=images)
    labels = np.repeat(np.arange(len(CLASS_NAMES), dtype=np.int64), n)
    title = f"Shapes {size}×{size} {'colour' if color else 'gray'}"
    return Dataset(title, images, labels, CLASS_NAMES)

"""Splitting an image into parts: contours of a binary mask, connected components, k-means on colour.

Conventions: a binary ``mask`` is ``(H, W) bool`` (True = foreground); colour images are ``(H, W, 3)`` RGB,
``uint8`` or float in ``[0, 1]``; pictures for display come back as ``uint8``. Boxes are
``(top, left, rows, cols)`` in pixels, like every array index here. OpenCV's contour points are ``(x, y)``,
i.e. ``(col, row)``: they are kept that way because every ``cv2`` drawing function expects them so.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from explorer.core import checks, dtype
from explorer.images import color

KMEANS_SPACES = ("RGB", "HSV", "Lab")
# Beyond 12 clusters the swatches stop being distinguishable at a glance and fitting gets slow.
MAX_K = 12
# k-means is fitted on at most this many pixels, drawn at random with the seed; every pixel is then given
# its nearest centre. 10 000 pixels pin down a handful of colour centres within a unit or two while fitting
# in tens of milliseconds instead of the seconds a 1024 px photo (a million pixels) would take.
KMEANS_SAMPLE = 10_000
# Restarts from different seeded starting centres; the best (lowest spread) is kept.
KMEANS_RESTARTS = 3
# Contours are listed and outlined largest first; a noisy mask can have thousands, and past this many the
# picture is a scribble and the table unreadable.
MAX_CONTOURS = 500
CONNECTIVITIES = (4, 8)


def _check_mask(mask: object) -> np.ndarray:
    if not isinstance(mask, np.ndarray):
        raise TypeError(f"mask must be a numpy array, got {type(mask).__name__}")
    if mask.dtype != bool:
        raise TypeError(f"mask must be a bool array, got dtype {mask.dtype}")
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"mask must be a 2-D (H, W) array with at least one pixel, got shape {mask.shape}")
    return np.ascontiguousarray(mask)


# -------------------------------------------------------------------------------------------- contours
@dataclass(frozen=True)
class Contour:
    """One outer outline. ``points``: ``(N, 2) int32`` as OpenCV's ``(x, y)`` = ``(col, row)``.

    ``area``: pixels inside the outline, the outline's own pixels and any holes included (a filled
    10 x 20 rectangle has area 200). ``polygon_area``: ``cv2.contourArea``, the area of the polygon through
    the outline pixels' centres, which is smaller (171 = 9 x 19 for that rectangle).
    """

    points: np.ndarray
    area: int
    polygon_area: float
    box: tuple[int, int, int, int]


def find_contours(mask: np.ndarray, *, min_area: int = 0, max_area: int | None = None) -> list[Contour]:
    """The outer outlines of the white shapes (``cv2.findContours``, external only), largest ``area`` first.

    Only shapes with ``min_area <= area <= max_area`` are kept (``max_area=None``: no upper limit), and at most
    :data:`MAX_CONTOURS` of them.
    """
    mask = _check_mask(mask)
    limit = mask.size
    min_area = checks.integer("min_area", min_area, 0, limit)
    max_area = limit if max_area is None else checks.integer("max_area", max_area, 0, 2**62)
    if min_area > max_area:
        raise ValueError(f"min_area must be at most max_area, got min_area {min_area} > max_area {max_area}")
    outlines, _ = cv2.findContours(mask.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    found = []
    for outline in outlines:
        left, top, cols, rows = cv2.boundingRect(outline)
        canvas = np.zeros((rows, cols), dtype=np.uint8)
        cv2.drawContours(canvas, [outline - (left, top)], -1, 1, thickness=cv2.FILLED)
        area = int(canvas.sum())
        if min_area <= area <= max_area:
            points = outline.reshape(-1, 2).astype(np.int32)
            found.append(Contour(points, area, float(cv2.contourArea(outline)), (top, left, rows, cols)))
    found.sort(key=lambda contour: (-contour.area, contour.box))
    return found[:MAX_CONTOURS]


def palette(count: int) -> np.ndarray:
    """``count`` clearly different, bright colours as ``(count, 3) uint8`` RGB (hues a golden angle apart)."""
    count = checks.integer("count", count, 0, 2**31)
    hues = (np.arange(count) * 0.6180339887 % 1.0 * 180).astype(np.uint8)  # OpenCV's 8-bit hue is 0..179
    hsv = np.stack([hues, np.full(count, 200, np.uint8), np.full(count, 240, np.uint8)], axis=-1)
    return cv2.cvtColor(hsv[None], cv2.COLOR_HSV2RGB)[0] if count else np.zeros((0, 3), np.uint8)


def draw_contours(image: np.ndarray, contours: list[Contour], *, boxes: bool = True) -> np.ndarray:
    """The outlines (and with ``boxes`` their bounding boxes) drawn over a copy of ``image``.

    ``image``: ``(H, W)`` gray or ``(H, W, 3)`` RGB, ``uint8`` or float in ``[0, 1]`` (clipped), or a bool mask;
    returns ``(H, W, 3) uint8``.
    """
    image = np.asarray(image)
    if image.ndim != 2 and not (image.ndim == 3 and image.shape[2] == 3):
        raise ValueError(f"image must be (H, W) gray or (H, W, 3) RGB, got shape {image.shape}")
    picture = dtype.to_uint8(image.astype(np.float32) if image.dtype == bool else image)  # a mask: 0 and 1
    if picture.ndim == 2:
        picture = np.repeat(picture[..., None], 3, axis=2)
    picture = np.array(picture, dtype=np.uint8, order="C", copy=True)  # drawn on: never the caller's array
    thickness = max(1, round(max(picture.shape[:2]) / 300))  # visible on screen whatever the image size
    for contour, colour in zip(contours, palette(len(contours))):
        colour = tuple(int(v) for v in colour)
        cv2.drawContours(picture, [contour.points.reshape(-1, 1, 2)], -1, colour, thickness)
        if boxes:
            top, left, rows, cols = contour.box
            cv2.rectangle(picture, (left, top), (left + cols - 1, top + rows - 1), colour, thickness)
    return picture


# ------------------------------------------------------------------------------- connected components
@dataclass(frozen=True)
class Components:
    """``labels``: ``(H, W) int32``, 0 background, 1..count the components; per component (index i is
    label i + 1): ``sizes`` in pixels, ``boxes`` ``(top, left, rows, cols)``, ``centroids`` ``(row, col)``."""

    labels: np.ndarray
    sizes: np.ndarray
    boxes: np.ndarray
    centroids: np.ndarray

    @property
    def count(self) -> int:
        return int(len(self.sizes))

    def largest(self, n: int) -> np.ndarray:
        """Indices (label − 1) of the ``n`` biggest components, biggest first, ties by label: ``(≤ n,) int64``."""
        n = checks.integer("n", n, 0)
        return np.argsort(-self.sizes, kind="stable")[:n].astype(np.int64)


def components(mask: np.ndarray, *, connectivity: int = 8) -> Components:
    """The white shapes of ``mask`` numbered one by one (``cv2.connectedComponentsWithStats``).

    ``connectivity`` 8: pixels touching at a corner belong together; 4: only side by side.
    """
    mask = _check_mask(mask)
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(
        mask.view(np.uint8), connectivity=int(connectivity), ltype=cv2.CV_32S
    )
    stats, centroids = stats[1:], centroids[1:]  # label 0 is the background
    boxes = stats[:, [cv2.CC_STAT_TOP, cv2.CC_STAT_LEFT, cv2.CC_STAT_HEIGHT, cv2.CC_STAT_WIDTH]]
    return Components(labels, stats[:, cv2.CC_STAT_AREA].astype(np.int64), boxes, centroids[:, ::-1].copy())


def color_labels(labels: np.ndarray) -> np.ndarray:
    """A label image drawn with one colour per label and a black background: ``(H, W, 3) uint8``."""
    labels = np.asarray(labels)
    if labels.ndim != 2 or not np.issubdtype(labels.dtype, np.integer) or (labels.size and labels.min() < 0):
        raise ValueError(
            f"labels must be a 2-D array of non-negative integers, got shape {labels.shape}, dtype {labels.dtype}"
        )
    colours = np.vstack([np.zeros((1, 3), np.uint8), palette(int(labels.max(initial=0)))])
    return colours[labels]


# ------------------------------------------------------------------------------------------- k-means
@dataclass(frozen=True)
class KMeansResult:
    """``labels``: ``(H, W) int32`` cluster of each pixel, clusters numbered largest first; ``centres``:
    ``(k, 3) float32`` in the colour space's units (see ``explorer.images.color``); ``swatches``: ``(k, 3) uint8`` the
    mean RGB colour of each cluster's pixels; ``fractions``: ``(k,)`` share of the image in each cluster."""

    labels: np.ndarray
    centres: np.ndarray
    swatches: np.ndarray
    fractions: np.ndarray


def kmeans_colors(image: np.ndarray, *, k: int = 4, space: str = "RGB", seed: int = 0) -> KMeansResult:
    """Group the pixels of an RGB ``image`` into ``k`` colour clusters (k-means, scikit-learn).

    The colours are compared in ``space`` (RGB, HSV or Lab; note that hue is an angle, so in HSV a red at 359°
    and one at 1° are far apart). Fitting uses up to :data:`KMEANS_SAMPLE` pixels drawn with ``seed``; the
    result depends only on the image, ``k``, ``space`` and ``seed``.
    """
    from sklearn.cluster import KMeans  # imported here: scikit-learn takes a while to import

    if space not in KMEANS_SPACES:
        raise ValueError(f"space must be one of {KMEANS_SPACES}, got {space!r}")
    k = checks.integer("k", k, 2, MAX_K)
    seed = checks.integer("seed", seed, 0, 2**32 - 1)
    channels, _ = color.convert(image, space=space)  # checks the image; (H, W, 3) float32
    rows, cols = channels.shape[:2]
    pixels = channels.reshape(-1, 3)
    if k > len(pixels):
        raise ValueError(f"k must be at most the number of pixels ({len(pixels)}), got k = {k}")
    rng = np.random.default_rng(seed)
    sample = pixels if len(pixels) <= KMEANS_SAMPLE else pixels[rng.choice(len(pixels), KMEANS_SAMPLE, replace=False)]
    distinct = len(np.unique(sample, axis=0))
    if k > distinct:
        raise ValueError(
            f"k must be at most the number of distinct colours ({distinct}"
            f"{' in the pixels sampled' if len(sample) < len(pixels) else ''}), got k = {k}: "
            "there are not enough different colours to make that many groups"
        )
    model = KMeans(n_clusters=k, n_init=KMEANS_RESTARTS, random_state=seed).fit(sample.astype(np.float64))
    labels = model.predict(pixels.astype(np.float64))
    counts = np.bincount(labels, minlength=k)
    centres = model.cluster_centers_.astype(np.float32)
    order = sorted(range(k), key=lambda i: (-counts[i], tuple(centres[i])))  # largest first, ties by colour
    rank = np.empty(k, dtype=np.int32)
    rank[order] = np.arange(k, dtype=np.int32)
    labels = rank[labels]
    rgb = np.asarray(image)
    if np.issubdtype(rgb.dtype, np.floating):  # scaled in its own precision, as explorer.images.color does
        rgb = rgb * rgb.dtype.type(255.0)
    rgb = rgb.reshape(-1, 3).astype(np.float64)
    sums = np.stack([np.bincount(labels, rgb[:, c], minlength=k) for c in range(3)], axis=1)  # (k, 3)
    sizes = counts[order]
    swatches = np.round(sums / np.maximum(sizes, 1)[:, None]).clip(0, 255).astype(np.uint8)
    return KMeansResult(labels.reshape(rows, cols), centres[order], swatches, (sizes / len(pixels)).astype(np.float32))


def recolor(labels: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Every pixel painted with its label's colour.

    ``labels (H, W)`` ints, ``colours (n, 3) uint8`` -> ``(H, W, 3) uint8``.
    """
    labels, colours = np.asarray(labels), np.asarray(colours)
    if colours.ndim != 2 or colours.shape[1] != 3:
        raise ValueError(f"colours must be (n, 3), got shape {colours.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(colours)):
        raise ValueError(f"labels must lie in 0..{len(colours) - 1}, got {labels.min()}..{labels.max()}")
    return colours[labels]

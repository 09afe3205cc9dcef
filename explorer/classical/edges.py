"""Edges: image gradients (Sobel, Scharr, Laplacian), Canny step by step, and Harris corners.

Every function takes a gray ``(H, W)`` image, ``float32`` in ``[0, 1]``; ``uint8`` is byte levels, divided by 255
(the dtype rule of :mod:`explorer.core.dtype`); other real dtypes are taken as the numbers they hold.

**Units.** Derivative kernels are divided by their response to a sharp black-to-white step, so a step
from 0 to 1 gives a gradient of exactly 1 whatever the kernel size. Magnitudes, thresholds and the Canny
thresholds are all in these units: 0.2 means "a fifth of the strongest straight edge". (OpenCV's own
``cv2.Sobel`` on a 0..255 image with ``ksize=3`` gives ``4 * 255 = 1020`` for the same step; see
:data:`CV2_CANNY_SCALE`.)

**Directions** are ``atan2(gy, gx)`` in degrees in ``(-180, 180]``, where ``gx`` is the change along the
columns (to the right) and ``gy`` along the rows (downwards, as rows are numbered): 0° points right,
90° points down.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from explorer.core import checks, dtype

SOBEL_SIZES = (3, 5, 7)
# Beyond 8 px of blur a 512 px photo's edges melt into each other, and OpenCV's kernel (about 8 sigma
# wide) would be 65 px: slow and pointless for a lesson on edges.
MAX_SIGMA = 8.0
# Harris window side: 2 is the smallest that can see two gradient directions at once; above 15 a 512 px
# photo's corners merge into blobs.
MIN_BLOCK_SIZE, MAX_BLOCK_SIZE = 2, 15
# Harris k: the textbook range is 0.04..0.06; at 0.25 and above every edge counts as "not a corner"
# (det - k trace^2 < 0 whenever one eigenvalue is 0 and k > 0), so the useful range stops there.
MAX_HARRIS_K = 0.25
# The popular "automatic Canny" rule: thresholds (1 - 0.33) and (1 + 0.33) times the median brightness.
AUTO_CANNY_SPREAD = 0.33
# cv2.Sobel(ksize=3) on a 0..255 image gives 4 * 255 for a 0 -> 255 step: thresholds written for cv2.Canny
# (as tutorials do) are this many times ours.
CV2_CANNY_SCALE = 4.0 * 255.0
# Below this (in our units) a gradient is treated as zero when a picture of directions is drawn: its
# direction is rounding noise on a flat area.
FLAT = 1e-6
_CORNER_COLOUR = (230, 30, 30)


def _check_image(image: object, name: str = "image") -> np.ndarray:
    # Any real dtype (bool as 0/1); uint8 is byte levels, divided by 255.
    return checks.gray_image(name, image, kinds="biuf")


def check_sigma(sigma: object) -> float:
    """``sigma`` of the Gaussian smoothing, 0 (none) to :data:`MAX_SIGMA` pixels."""
    return checks.number("sigma", sigma, 0.0, MAX_SIGMA)


def check_ksize(ksize: object) -> int:
    """Sobel kernel side: one of :data:`SOBEL_SIZES` (odd, so the kernel has a centre)."""
    if isinstance(ksize, bool) or not isinstance(ksize, numbers.Integral) or int(ksize) not in SOBEL_SIZES:
        raise ValueError(f"ksize must be one of {SOBEL_SIZES} (odd, so the kernel has a centre), got {ksize!r}")
    return int(ksize)


def smooth(image: np.ndarray, *, sigma: float) -> np.ndarray:
    """Gaussian blur with standard deviation ``sigma`` pixels (0: unchanged). ``(H, W) float32``."""
    image = _check_image(image)
    sigma = check_sigma(sigma)
    if sigma == 0:
        return image.copy()  # _check_image may hand back the caller's own array
    return cv2.GaussianBlur(image, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_REFLECT_101)


def sobel_kernels(ksize: int) -> tuple[np.ndarray, np.ndarray, float]:
    """The Sobel kernels ``(kx, ky)`` as integer ``(ksize, ksize) float32`` arrays, and the divisor.

    ``kx`` differentiates along the columns and smooths along the rows; ``ky = kx.T``. The divisor is the
    kernel's response to a 0 -> 1 step (the sum of its positive entries): 4, 48 or 640.
    """
    ksize = check_ksize(ksize)
    derivative, smoothing = cv2.getDerivKernels(1, 0, ksize, normalize=False)
    kx = np.outer(smoothing.ravel(), derivative.ravel()).astype(np.float32)
    return kx, np.ascontiguousarray(kx.T), float(kx[kx > 0].sum())


@dataclass(frozen=True)
class Gradient:
    """Gradient of a gray image, all ``(H, W) float32``: ``gx`` (along columns), ``gy`` (along rows),
    ``magnitude = sqrt(gx² + gy²)`` and ``direction = atan2(gy, gx)`` in degrees, ``(-180, 180]``."""

    gx: np.ndarray
    gy: np.ndarray
    magnitude: np.ndarray
    direction: np.ndarray


def _gradient(gx: np.ndarray, gy: np.ndarray) -> Gradient:
    magnitude = np.sqrt(gx * gx + gy * gy).astype(np.float32)
    direction = np.degrees(np.arctan2(gy, gx)).astype(np.float32)
    return Gradient(gx, gy, magnitude, direction)


def sobel(image: np.ndarray, *, ksize: int = 3, sigma: float = 0.0) -> Gradient:
    """Sobel gradient of ``image`` (optionally smoothed first), in step units (see the module docstring).

    Same as ``cv2.Sobel(smooth(image), cv2.CV_32F, 1, 0, ksize=ksize) / divisor`` (border: mirror without
    repeating the edge pixel, OpenCV's default).
    """
    ksize = check_ksize(ksize)
    smoothed = smooth(image, sigma=sigma)
    divisor = sobel_kernels(ksize)[2]
    gx = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0, ksize=ksize, scale=1.0 / divisor)
    gy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1, ksize=ksize, scale=1.0 / divisor)
    return _gradient(gx, gy)


def scharr(image: np.ndarray, *, sigma: float = 0.0) -> Gradient:
    """Scharr gradient (3 x 3, weights 3-10-3: rotates more evenly than Sobel's 1-2-1), in step units."""
    smoothed = smooth(image, sigma=sigma)
    gx = cv2.Scharr(smoothed, cv2.CV_32F, 1, 0, scale=1.0 / 16.0)  # 3 + 10 + 3 for a 0 -> 1 step
    gy = cv2.Scharr(smoothed, cv2.CV_32F, 0, 1, scale=1.0 / 16.0)
    return _gradient(gx, gy)


def laplacian(image: np.ndarray, *, sigma: float = 0.0) -> np.ndarray:
    """Second derivative ``d²/dx² + d²/dy²`` with the 4-neighbour kernel ``[[0,1,0],[1,-4,1],[0,1,0]]``.

    ``(H, W) float32``, signed: an edge shows as a positive/negative pair with the edge at the zero crossing.
    """
    return cv2.Laplacian(smooth(image, sigma=sigma), cv2.CV_32F, ksize=1)


def check_threshold(name: str, value: object) -> float:
    """A magnitude threshold in step units: 0 to 1."""
    return checks.number(name, value, 0.0, 1.0)


def threshold(magnitude: np.ndarray, *, level: float) -> np.ndarray:
    """``magnitude >= level`` as an ``(H, W) bool`` mask; ``level`` in ``[0, 1]`` (step units)."""
    level = check_threshold("level", level)
    return _check_image(magnitude, "magnitude") >= level


def direction_picture(gradient: Gradient, *, min_magnitude: float = 0.05) -> np.ndarray:
    """Directions as colours: ``(H, W, 3) float32`` RGB in ``[0, 1]``.

    The hue is the direction (0° red, 120° green, 240° blue going round), brightness full; pixels with
    ``magnitude < min_magnitude`` (and flat ones) are black, because their direction is mostly noise.
    """
    min_magnitude = check_threshold("min_magnitude", min_magnitude)
    hue = np.mod(gradient.direction, 360.0).astype(np.float32)  # cv2 float HSV: H in degrees, S and V 0..1
    ones = np.ones_like(hue)
    rgb = cv2.cvtColor(np.dstack([hue, ones, ones]), cv2.COLOR_HSV2RGB)
    hidden = (gradient.magnitude < min_magnitude) | (gradient.magnitude <= FLAT)
    rgb[hidden] = 0.0
    return rgb


def hue_wheel(*, size: int = 96) -> np.ndarray:
    """Legend for :func:`direction_picture`: a disc whose colour at each point is the direction from its
    centre to that point (same convention: 0° right, 90° down). ``(size, size, 3) float32``."""
    size = checks.integer("size", size, 8, 1024, wrong_type=ValueError)
    centre = (size - 1) / 2.0
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float32) - centre
    radius = np.hypot(rows, cols)
    gradient = _gradient(cols, rows)
    picture = direction_picture(gradient, min_magnitude=0.0)
    picture[(radius > centre) | (radius < size * 0.12)] = 1.0  # white outside the ring
    return picture


# ------------------------------------------------------------------------------------------------ Canny


@dataclass(frozen=True)
class CannySteps:
    """Every stage of :func:`canny`, all ``(H, W)``.

    ``smoothed`` float32; ``magnitude`` float32 (step units); ``suppressed`` float32: the magnitude where
    it is a local maximum across the edge, else 0; ``strong``/``weak`` bool (above ``high``; between
    ``low`` and ``high``); ``edges`` bool: strong pixels plus weak ones connected to them.
    """

    smoothed: np.ndarray
    magnitude: np.ndarray
    suppressed: np.ndarray
    strong: np.ndarray
    weak: np.ndarray
    edges: np.ndarray
    low: float
    high: float

    def counts(self) -> dict[str, int]:
        """Pixels at each stage: ``thin`` (kept by non-maximum suppression), ``strong``, ``weak``, ``edges``."""
        return {
            "thin": int(np.count_nonzero(self.suppressed > 0)),
            "strong": int(np.count_nonzero(self.strong)),
            "weak": int(np.count_nonzero(self.weak)),
            "edges": int(np.count_nonzero(self.edges)),
        }


def auto_thresholds(image: np.ndarray) -> tuple[float, float]:
    """The median rule: ``(1 ∓ 0.33) × median brightness``, converted to step units.

    Tutorials apply it to ``cv2.Canny`` on 0..255 images, whose gradient is :data:`CV2_CANNY_SCALE` times
    ours, so ``(1 - 0.33) * median * 255`` there is ``(1 - 0.33) * median * 255 / 1020`` here. It is a rule
    of thumb (brighter images tend to have bigger steps), not a law. Returns ``(low, high)``, each <= 1.
    """
    median = float(np.median(_check_image(image)))
    scale = 255.0 / CV2_CANNY_SCALE
    low = max(0.0, (1.0 - AUTO_CANNY_SPREAD) * median * scale)
    high = min(1.0, (1.0 + AUTO_CANNY_SPREAD) * median * scale)
    return round(low, 4), round(high, 4)


def _non_maximum_suppression(gx: np.ndarray, gy: np.ndarray, magnitude: np.ndarray) -> np.ndarray:
    """Keep a pixel only if it beats its two neighbours along the gradient (OpenCV's rule and tie-break).

    The direction is rounded to horizontal, vertical or one of the two diagonals (sectors split at
    22.5° and 67.5°); outside the image counts as 0.
    """
    padded = np.pad(magnitude, 1)
    rows, cols = magnitude.shape

    def shifted(dr: int, dc: int) -> np.ndarray:
        return padded[1 + dr : 1 + dr + rows, 1 + dc : 1 + dc + cols]

    ax, ay = np.abs(gx), np.abs(gy)
    tan22 = math.tan(math.radians(22.5))
    horizontal = ay < tan22 * ax
    vertical = ~horizontal & (ay > ax / tan22)
    diagonal = ~horizontal & ~vertical
    same_sign = (gx * gy) >= 0  # down-right / up-left in (row-down) image coordinates
    keep = np.zeros(magnitude.shape, dtype=bool)
    keep |= horizontal & (magnitude > shifted(0, -1)) & (magnitude >= shifted(0, 1))
    keep |= vertical & (magnitude > shifted(-1, 0)) & (magnitude >= shifted(1, 0))
    keep |= diagonal & same_sign & (magnitude > shifted(-1, -1)) & (magnitude > shifted(1, 1))
    keep |= diagonal & ~same_sign & (magnitude > shifted(-1, 1)) & (magnitude > shifted(1, -1))
    return np.where(keep, magnitude, 0.0).astype(np.float32)


def canny(image: np.ndarray, *, sigma: float = 1.4, low: float = 0.1, high: float = 0.2) -> CannySteps:
    """Canny edges, computed step by step so every stage can be shown.

    1. smooth with a Gaussian of ``sigma`` (0: none); 2. 3 x 3 Sobel gradient (border: edge pixels
    repeated, as ``cv2.Canny`` does); 3. non-maximum suppression: thin every ridge to one pixel;
    4. double threshold: ``> high`` strong, ``> low`` weak; 5. hysteresis: keep weak pixels only when
    8-connected (through weak pixels) to a strong one.

    ``low <= high``, both in ``[0, 1]`` step units. Matches ``cv2.Canny(to_uint8(smoothed), low * 1020,
    high * 1020, L2gradient=True)`` up to rounding: OpenCV works on the 8-bit image with integer
    gradients, so pixels whose magnitude is within a rounding step of a threshold or a neighbour may differ.
    """
    smoothed = smooth(image, sigma=sigma)
    low = check_threshold("low", low)
    high = check_threshold("high", high)
    if low > high:
        raise ValueError(f"low must not exceed high, got low={low} and high={high}")
    gx = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0, ksize=3, scale=0.25, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1, ksize=3, scale=0.25, borderType=cv2.BORDER_REPLICATE)
    magnitude = np.sqrt(gx * gx + gy * gy).astype(np.float32)
    suppressed = _non_maximum_suppression(gx, gy, magnitude)
    strong = suppressed > high
    weak = (suppressed > low) & ~strong
    candidates = strong | weak
    labels, count = ndimage.label(candidates, structure=np.ones((3, 3), dtype=bool))
    if count:
        has_strong = np.zeros(count + 1, dtype=bool)
        has_strong[labels[strong]] = True
        has_strong[0] = False
        edges = has_strong[labels]
    else:
        edges = np.zeros(magnitude.shape, dtype=bool)
    return CannySteps(smoothed, magnitude, suppressed, strong, weak, edges, low, high)


# ----------------------------------------------------------------------------------------------- Harris


@dataclass(frozen=True)
class Corners:
    """Harris result: ``response`` ``(H, W) float32`` (``det(M) - k·trace(M)²``, positive at corners,
    negative along edges, near 0 on flat areas) and ``points`` ``(N, 2) int`` rows and columns, one per
    corner (the strongest pixel of each blob above the threshold), strongest first."""

    response: np.ndarray
    points: np.ndarray


def harris(image: np.ndarray, *, block_size: int = 3, k: float = 0.04, threshold: float = 0.01) -> Corners:
    """Harris corners: ``cv2.cornerHarris(image, block_size, 3, k)``, then the pixels above
    ``threshold × (largest response)`` grouped into 8-connected blobs, one point per blob.

    ``threshold`` is in ``(0, 1]``. A constant image has no positive response and gives no points.
    """
    image = _check_image(image)
    block_size = checks.integer("block_size", block_size, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE, wrong_type=ValueError)
    k = checks.number("k", k, 0.0, MAX_HARRIS_K)
    if k == 0:
        raise ValueError("k must be greater than 0, got 0")
    threshold = checks.number("threshold", threshold, 0.0, 1.0)
    if threshold == 0:
        raise ValueError("threshold must be greater than 0 (a fraction of the strongest corner), got 0")
    response = cv2.cornerHarris(image, block_size, 3, k)
    peak = float(response.max())
    # A tiny positive peak is float noise on a flat image, not a corner.
    if peak <= 1e-12:
        return Corners(response, np.zeros((0, 2), dtype=np.int64))
    labels, count = ndimage.label(response > threshold * peak, structure=np.ones((3, 3), dtype=bool))
    positions = ndimage.maximum_position(response, labels, index=np.arange(1, count + 1))
    points = np.array(positions, dtype=np.int64).reshape(-1, 2)
    order = np.argsort(-response[points[:, 0], points[:, 1]], kind="stable")
    return Corners(response, points[order])


def draw_corners(picture: np.ndarray, points: np.ndarray) -> np.ndarray:
    """A copy of ``picture`` (gray or RGB, float in [0, 1] or uint8) as ``(H, W, 3) uint8`` with a ring
    around each ``(row, col)`` point."""
    canvas = dtype.to_uint8(np.asarray(picture))
    if canvas.ndim == 2:
        canvas = np.dstack([canvas] * 3)
    canvas = np.ascontiguousarray(canvas.copy())
    radius = max(3, round(max(canvas.shape[:2]) / 80))
    for row, col in np.asarray(points, dtype=np.int64).reshape(-1, 2):
        cv2.circle(canvas, (int(col), int(row)), radius, _CORNER_COLOUR, max(1, radius // 3), cv2.LINE_AA)
    return canvas

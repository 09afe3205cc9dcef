"""Local features: ORB keypoints, and matching them against a rotated and scaled copy.

- :func:`orb_keypoints` finds corners at several scales (an image pyramid) and describes each by 256
  brightness comparisons packed in 32 bytes; :func:`draw_keypoints` draws them;
- :func:`rotate_and_scale` makes a copy with a known transform, and :func:`match_rotated_copy` matches the
  image's keypoints with the copy's and checks every match against that transform.

Images are ``(H, W)`` or ``(H, W, 3)``, uint8 or float32 in [0, 1] (checked and converted by
:mod:`explorer.core.picture`, as in :mod:`explorer.classical.hog` and :mod:`explorer.classical.detection`).

Points are ``(row, col)``; an affine ``matrix`` is ``(2, 3)`` in OpenCV's convention, acting on
``(x, y, 1) = (col, row, 1)``. :func:`map_points` applies it to ``(row, col)`` points.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.core import checks, dtype
from explorer.core.picture import check_image, gray_uint8, rgb_picture

# A few thousand keypoints already cover a 1024 px image densely; more only slows matching (quadratic in
# the count) and turns the drawing into a blur.
MAX_FEATURES = 5000
# Each pyramid level shrinks the image by scale_factor; beyond 2 a level skips over most corner sizes.
MAX_SCALE_FACTOR = 2.0
MAX_LEVELS = 16
# ORB describes a 31 x 31 patch around each keypoint and ignores this many pixels at every border, so a
# pyramid level smaller than 2 * 31 + 1 pixels on a side holds no keypoint (and OpenCV fails on levels that
# round to 0 pixels, so such levels are not built at all).
ORB_EDGE = 31
MIN_ORB_SIDE = 2 * ORB_EDGE + 1
# The copy for matching: 0.25 shrinks a 1024 px image to 256 px, still enough for keypoints; 2 enlarges it
# to about 2900 px rotated (8 megapixels), the most one interactive call should allocate.
MIN_COPY_SCALE, MAX_COPY_SCALE = 0.25, 2.0
# A match counts as right when the keypoint lands within this many pixels of where the known transform
# puts it: ORB places keypoints of coarse pyramid levels only to within a few pixels of the full image.
MATCH_TOLERANCE_PX = 5.0
MATCHERS = ("cross-check", "ratio")
# Lowe's ratio test: keep a match only when the best candidate is clearly nearer than the second best.
DEFAULT_RATIO = 0.75
# One colour per pyramid level (cycled), from the Tableau 10 palette: distinct on a gray photo.
LEVEL_COLOURS = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
)
# Right and wrong matches: blue and orange stay distinct for the common colour-vision deficiencies.
RIGHT_COLOUR = (31, 119, 180)
WRONG_COLOUR = (255, 127, 14)


@dataclass(frozen=True)
class Keypoints:
    """ORB keypoints of one image (``N`` may be 0).

    points: (N, 2) float32 ``(row, col)`` in the image's pixels; sizes: (N,) float32, diameter in pixels of
    the patch described; angles: (N,) float32 orientation in degrees, clockwise on screen from the column
    axis; levels: (N,) int32 pyramid level; descriptors: (N, 32) uint8 (256 bits each);
    levels_used: how many pyramid levels fitted the image.
    """

    points: np.ndarray
    sizes: np.ndarray
    angles: np.ndarray
    levels: np.ndarray
    descriptors: np.ndarray
    levels_used: int

    def __len__(self) -> int:
        return len(self.points)

    def per_level(self) -> np.ndarray:
        """How many keypoints each pyramid level gave: ``(levels_used,) int64``."""
        return np.bincount(self.levels, minlength=self.levels_used).astype(np.int64)


@dataclass(frozen=True)
class MatchResult:
    """Keypoints of an image matched with those of a copy made by a known transform.

    copy: the transformed image, float32 ``(H2, W2[, 3])``; matrix: (2, 3) float64, image -> copy (OpenCV
    convention); first, second: :class:`Keypoints` of the image and of the copy; pairs: (M, 2) int32,
    indices into first and second, best match first; distances: (M,) float32 Hamming distances (bits);
    errors: (M,) float32, pixels between the matched keypoint and where the transform puts the original;
    right: (M,) bool, ``errors <= tolerance``.
    """

    copy: np.ndarray
    matrix: np.ndarray
    first: Keypoints
    second: Keypoints
    pairs: np.ndarray
    distances: np.ndarray
    errors: np.ndarray
    right: np.ndarray
    tolerance: float

    @property
    def n_right(self) -> int:
        return int(self.right.sum())

    @property
    def median_error(self) -> float:
        """The median of ``errors`` in pixels (``nan`` when nothing matched)."""
        return float(np.median(self.errors)) if len(self.errors) else float("nan")


# ------------------------------------------------------------------------------------------ input checks
def _check_orb(n_features: object, scale_factor: object, n_levels: object) -> tuple[int, float, int]:
    if isinstance(n_features, numbers.Integral) and not isinstance(n_features, bool) and n_features <= 0:
        raise ValueError(f"n_features must be at least 1, got {n_features}")
    n_features = checks.integer("n_features", n_features, 1, MAX_FEATURES)
    scale_factor = checks.number("scale_factor", scale_factor, wrong_type=TypeError)
    if not 1.0 < scale_factor <= MAX_SCALE_FACTOR:
        raise ValueError(
            f"scale_factor must be greater than 1 and at most {MAX_SCALE_FACTOR} (each pyramid level is "
            f"that much smaller), got {scale_factor}"
        )
    n_levels = checks.integer("n_levels", n_levels, 1, MAX_LEVELS)
    return n_features, scale_factor, n_levels


# ------------------------------------------------------------------------------------------------- ORB
def levels_that_fit(shape: tuple[int, ...], *, scale_factor: float, n_levels: int) -> int:
    """How many of ``n_levels`` pyramid levels are at least :data:`MIN_ORB_SIDE` px on their short side."""
    side = min(shape[:2])
    fitting = 0
    while fitting < n_levels and side / scale_factor**fitting >= MIN_ORB_SIDE:
        fitting += 1
    return fitting


def _empty_keypoints(levels_used: int) -> Keypoints:
    return Keypoints(
        points=np.zeros((0, 2), np.float32),
        sizes=np.zeros(0, np.float32),
        angles=np.zeros(0, np.float32),
        levels=np.zeros(0, np.int32),
        descriptors=np.zeros((0, 32), np.uint8),
        levels_used=levels_used,
    )


def orb_keypoints(
    image: np.ndarray, *, n_features: int = 500, scale_factor: float = 1.2, n_levels: int = 8
) -> Keypoints:
    """ORB keypoints and descriptors (``cv2.ORB_create``) of an image.

    image: (H, W) or (H, W, 3), uint8 or float32 in [0, 1]; used in gray. At most ``n_features`` keypoints
    (the strongest corners by the Harris measure) over ``n_levels`` pyramid levels, each ``scale_factor``
    times smaller than the one before. Levels too small to hold a keypoint are left out; an image whose
    short side is below :data:`MIN_ORB_SIDE` px, or a flat one, gives no keypoints (``len(result) == 0``).
    """
    n_features, scale_factor, n_levels = _check_orb(n_features, scale_factor, n_levels)
    gray = gray_uint8(image)
    fitting = levels_that_fit(gray.shape, scale_factor=scale_factor, n_levels=n_levels)
    if fitting == 0:
        return _empty_keypoints(0)
    orb = cv2.ORB_create(nfeatures=n_features, scaleFactor=scale_factor, nlevels=fitting)
    found, descriptors = orb.detectAndCompute(gray, None)
    if not found or descriptors is None:
        return _empty_keypoints(fitting)
    return Keypoints(
        points=np.array([(k.pt[1], k.pt[0]) for k in found], dtype=np.float32).reshape(-1, 2),
        sizes=np.array([k.size for k in found], dtype=np.float32),
        angles=np.array([k.angle for k in found], dtype=np.float32),
        levels=np.array([k.octave for k in found], dtype=np.int32),
        descriptors=np.ascontiguousarray(descriptors, dtype=np.uint8),
        levels_used=fitting,
    )


def draw_keypoints(image: np.ndarray, keypoints: Keypoints) -> np.ndarray:
    """The image with each keypoint drawn: ``(H, W, 3) uint8``.

    A circle as big as the patch described (its size shows the pyramid level it came from), a radius
    pointing along its orientation, coloured by pyramid level (:data:`LEVEL_COLOURS`).
    """
    picture = rgb_picture(image)
    for (row, col), size, angle, level in zip(keypoints.points, keypoints.sizes, keypoints.angles, keypoints.levels):
        colour = LEVEL_COLOURS[int(level) % len(LEVEL_COLOURS)]
        centre = (int(round(col)), int(round(row)))
        radius = max(1, int(round(size / 2)))
        tip = (
            int(round(col + radius * math.cos(math.radians(angle)))),
            int(round(row + radius * math.sin(math.radians(angle)))),
        )
        cv2.circle(picture, centre, radius, colour, 1, cv2.LINE_AA)
        cv2.line(picture, centre, tip, colour, 1, cv2.LINE_AA)
    return picture


# -------------------------------------------------------------------------------------------- matching
def rotate_and_scale(image: np.ndarray, *, angle: float, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """A copy turned by ``angle`` degrees (counter-clockwise on screen) and scaled, on a canvas it fits.

    image: (H, W) or (H, W, 3), uint8 or float in [0, 1]. Returns ``(copy, matrix)``: the copy as float32 in
    [0, 1] with as many channels as the input (black where the image doesn't reach), and the (2, 3)
    float64 matrix taking ``(col, row, 1)`` of the image to ``(col, row)`` of the copy.
    """
    image = dtype.to_float(check_image(image))
    angle = checks.number("angle", angle, wrong_type=TypeError)
    scale = checks.number("scale", scale, wrong_type=TypeError)
    if not MIN_COPY_SCALE <= scale <= MAX_COPY_SCALE:
        raise ValueError(f"scale must be between {MIN_COPY_SCALE} and {MAX_COPY_SCALE}, got {scale}")
    rows, cols = image.shape[:2]
    matrix = cv2.getRotationMatrix2D(((cols - 1) / 2.0, (rows - 1) / 2.0), angle, scale)
    corners = np.array([[0, 0, 1], [cols - 1, 0, 1], [0, rows - 1, 1], [cols - 1, rows - 1, 1]], np.float64)
    moved = corners @ matrix.T  # (4, 2) x, y
    low = moved.min(axis=0)
    size = np.ceil(moved.max(axis=0) - low - 1e-6).astype(int) + 1  # 1e-6: 29.000000000000004 is 29 px
    matrix[:, 2] -= low  # shift so the whole copy lands on the canvas
    copy = cv2.warpAffine(
        image,
        matrix,
        (int(size[0]), int(size[1])),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return copy.astype(np.float32, copy=False), matrix


def map_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``(N, 2)`` ``(row, col)`` points through a (2, 3) OpenCV affine matrix -> ``(N, 2) float32 (row, col)``."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    xy1 = np.column_stack([points[:, 1], points[:, 0], np.ones(len(points))])
    moved = xy1 @ np.asarray(matrix, dtype=np.float64).T
    return moved[:, ::-1].astype(np.float32)


def match_descriptors(
    first: np.ndarray, second: np.ndarray, *, method: str = "cross-check", ratio: float = DEFAULT_RATIO
) -> tuple[np.ndarray, np.ndarray]:
    """Brute-force Hamming matching of ORB descriptors (``cv2.BFMatcher(cv2.NORM_HAMMING)``).

    first: (N, 32) uint8, second: (K, 32) uint8. ``method``: ``"cross-check"`` keeps a pair only when each is
    the other's nearest; ``"ratio"`` keeps the nearest when it is nearer than ``ratio`` times the second
    nearest. Returns ``(pairs (M, 2) int32, distances (M,) float32)``, nearest first.
    """
    if method not in MATCHERS:
        raise ValueError(f"method must be one of {', '.join(MATCHERS)}; got {method!r}")
    ratio = checks.number("ratio", ratio, wrong_type=TypeError)
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"ratio must be greater than 0 and at most 1, got {ratio}")
    for name, descriptors in (("first", first), ("second", second)):
        if not isinstance(descriptors, np.ndarray) or descriptors.dtype != np.uint8 or descriptors.ndim != 2:
            raise ValueError(
                f"{name} must be (N, 32) uint8 ORB descriptors, "
                f"got {getattr(descriptors, 'shape', type(descriptors).__name__)}"
            )
    if len(first) == 0 or len(second) == 0:
        return np.zeros((0, 2), np.int32), np.zeros(0, np.float32)
    if method == "cross-check":
        found = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(first, second)
    else:
        candidates = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(first, second, k=2)
        found = [pair[0] for pair in candidates if len(pair) == 2 and pair[0].distance < ratio * pair[1].distance]
    found = sorted(found, key=lambda m: (m.distance, m.queryIdx))
    pairs = np.array([(m.queryIdx, m.trainIdx) for m in found], dtype=np.int32).reshape(-1, 2)
    return pairs, np.array([m.distance for m in found], dtype=np.float32)


def match_rotated_copy(
    image: np.ndarray,
    *,
    angle: float = 30.0,
    scale: float = 0.8,
    n_features: int = 500,
    scale_factor: float = 1.2,
    n_levels: int = 8,
    method: str = "cross-check",
    ratio: float = DEFAULT_RATIO,
    tolerance: float = MATCH_TOLERANCE_PX,
) -> MatchResult:
    """Match the image's ORB keypoints with those of its rotated and scaled copy, and grade every match.

    Because the copy is made by a known transform, each match can be checked: it is right when the
    keypoint found in the copy lies within ``tolerance`` pixels of where the transform moves the original.
    """
    n_features, scale_factor, n_levels = _check_orb(n_features, scale_factor, n_levels)
    tolerance = checks.number("tolerance", tolerance, wrong_type=TypeError)
    if tolerance <= 0:
        raise ValueError(f"tolerance must be positive (pixels), got {tolerance}")
    copy, matrix = rotate_and_scale(image, angle=angle, scale=scale)
    first = orb_keypoints(image, n_features=n_features, scale_factor=scale_factor, n_levels=n_levels)
    second = orb_keypoints(copy, n_features=n_features, scale_factor=scale_factor, n_levels=n_levels)
    pairs, distances = match_descriptors(first.descriptors, second.descriptors, method=method, ratio=ratio)
    expected = map_points(first.points[pairs[:, 0]], matrix)
    errors = np.linalg.norm(second.points[pairs[:, 1]] - expected, axis=1).astype(np.float32)
    return MatchResult(copy, matrix, first, second, pairs, distances, errors, errors <= tolerance, tolerance)


def draw_matches(image: np.ndarray, result: MatchResult) -> np.ndarray:
    """The image and its copy side by side, each match a line: blue when right, orange when wrong.

    Returns ``(max(H, H2), W + W2, 3) uint8``.
    """
    left, right = rgb_picture(image), rgb_picture(result.copy)
    rows = max(left.shape[0], right.shape[0])
    canvas = np.zeros((rows, left.shape[1] + right.shape[1], 3), np.uint8)
    canvas[: left.shape[0], : left.shape[1]] = left
    canvas[: right.shape[0], left.shape[1] :] = right
    offset = left.shape[1]
    # Wrong matches first, so the right ones are drawn on top.
    for index in np.argsort(result.right, kind="stable"):
        a, b = result.pairs[index]
        (r1, c1), (r2, c2) = result.first.points[a], result.second.points[b]
        colour = RIGHT_COLOUR if result.right[index] else WRONG_COLOUR
        cv2.line(
            canvas, (int(round(c1)), int(round(r1))), (int(round(c2)) + offset, int(round(r2))), colour, 1, cv2.LINE_AA
        )
    return canvas

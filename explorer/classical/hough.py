"""Hough transform: every edge pixel votes for all the lines (or circles) that could pass through it.

Lines are written ``rho = col·cos(theta) + row·sin(theta)``: ``rho`` is the signed distance in pixels from
the top-left corner to the line, ``theta`` the angle of the line's normal, in ``[-90°, 90°)`` (0°: a
vertical line, ±90°: a horizontal one). This is scikit-image's convention; OpenCV uses ``[0°, 180°)`` with
``rho`` flipped in sign for negative angles.

The accumulators are the slow part, so the page runs them at :data:`WORKING_SIDE` pixels
(:func:`working_size`). Inputs: ``edges`` is ``(H, W) bool``; ``image`` is gray ``(H, W) float32`` in
``[0, 1]``, or ``uint8`` byte levels (divided by 255: the dtype rule of :mod:`explorer.core.dtype`). Drawing
helpers take either and return ``(H, W, 3) uint8`` pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.transform import hough_line_peaks

from explorer.core import checks, dtype, resize

# Longest side the Hough transforms work at: a 320 px image has at most ~100 k edge pixels and a line
# accumulator of 905 x 180 cells, computed in tens of milliseconds; at 1024 px it would be ten times slower.
WORKING_SIDE = 320
# One vote per degree: finer angles split the votes of a slightly wobbly line between cells.
LINE_ANGLES = 180
# Edge pixels voting at once: bounds the temporary (pixels x angles) index array to ~12 MB.
_VOTE_CHUNK = 8192
# At most this many lines / circles are reported: more just paints the picture over.
MAX_LINES = 50
MAX_CIRCLES = 50
_LINE_COLOUR = (230, 30, 30)
_CIRCLE_COLOUR = (30, 200, 60)


def working_size(image: np.ndarray, *, side: int = WORKING_SIDE) -> tuple[np.ndarray, float]:
    """Shrink ``image`` (gray or RGB, any dtype) so its longest side is at most ``side``; never enlarge.

    Returns ``(resized, scale)`` with ``scale = new size / old size`` (1.0 when unchanged).
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must be (H, W) or (H, W, C) with at least one pixel, got shape {image.shape}")
    side = checks.integer("side", side, 1, wrong_type=ValueError)
    resized = resize.fit_within(image, max_side=side)
    return resized, 1.0 if resized is image else side / max(image.shape[:2])


def _check_edges(edges: object) -> np.ndarray:
    array = np.asarray(edges)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"edges must be a (H, W) mask with at least one pixel, got shape {array.shape}")
    if array.dtype != bool:
        raise TypeError(f"edges must be a bool mask (True on edge pixels), got dtype {array.dtype}")
    return array


def line_accumulator(edges: np.ndarray, *, angles: int = LINE_ANGLES) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes of every edge pixel for the lines through it.

    Returns ``(accumulator, thetas, rhos)``: ``accumulator`` is ``(len(rhos), angles) int64``, ``thetas``
    the angles in radians (``angles`` steps over ``[-pi/2, pi/2)``) and ``rhos`` the distances
    ``-D..D`` in 1 px steps, ``D = ceil(hypot(H, W))``. Same cells as ``skimage.transform.hough_line``.
    """
    edges = _check_edges(edges)
    angles = checks.integer("angles", angles, 1, 3600, wrong_type=ValueError)
    rows, cols = edges.shape
    offset = math.ceil(math.hypot(rows, cols))
    rhos = np.linspace(-offset, offset, 2 * offset + 1)
    thetas = np.linspace(-np.pi / 2, np.pi / 2, angles, endpoint=False)
    cos, sin = np.cos(thetas), np.sin(thetas)
    ys, xs = np.nonzero(edges)
    votes = np.zeros(len(rhos) * len(thetas), dtype=np.int64)
    columns = np.arange(len(thetas))
    for start in range(0, len(xs), _VOTE_CHUNK):
        x = xs[start : start + _VOTE_CHUNK, None].astype(np.float64)
        y = ys[start : start + _VOTE_CHUNK, None].astype(np.float64)
        rho = x * cos + y * sin  # (pixels, angles)
        # Rounded half away from zero (C's round(), as scikit-image does), not numpy's half to even.
        rho_index = np.trunc(rho + np.copysign(0.5, rho)).astype(np.int64) + offset
        votes += np.bincount((rho_index * len(thetas) + columns).ravel(), minlength=votes.size)
    return votes.reshape(len(rhos), len(thetas)), thetas, rhos


@dataclass(frozen=True)
class Lines:
    """:func:`find_lines` result: the accumulator (``(n_rho, n_theta) int64``), its axes, and the lines
    found as ``(N, 3) float64`` rows ``(rho px, theta degrees, votes)``, most votes first."""

    accumulator: np.ndarray
    thetas: np.ndarray
    rhos: np.ndarray
    lines: np.ndarray


def find_lines(
    edges: np.ndarray, *, threshold: float = 0.5, max_lines: int = 10, min_distance: int = 9, min_angle: int = 10
) -> Lines:
    """Lines with at least ``threshold × (most votes)`` votes, keeping only the best within
    ``min_distance`` rho cells and ``min_angle`` theta cells (degrees) of each other.

    ``threshold`` in ``(0, 1]``; ``max_lines`` 1 to :data:`MAX_LINES`. No edge pixels: no lines.
    """
    threshold = checks.number("threshold", threshold, 0.0, 1.0, low_open=True)
    max_lines = checks.integer("max_lines", max_lines, 1, MAX_LINES, wrong_type=ValueError)
    min_distance = checks.integer("min_distance", min_distance, 1, 90, wrong_type=ValueError)
    min_angle = checks.integer("min_angle", min_angle, 1, 90, wrong_type=ValueError)
    accumulator, thetas, rhos = line_accumulator(edges)
    most = int(accumulator.max())
    found = np.zeros((0, 3), dtype=np.float64)
    # A "line" of one or two pixels is no line: ask for at least 3 votes whatever the fraction.
    if most >= 3:
        votes, angles, distances = hough_line_peaks(
            accumulator,
            thetas,
            rhos,
            min_distance=min_distance,
            min_angle=min_angle,
            threshold=max(threshold * most, 3),
            num_peaks=max_lines,
        )
        found = np.column_stack([distances, np.degrees(angles), votes]).astype(np.float64).reshape(-1, 3)
        found = found[np.argsort(-found[:, 2], kind="stable")]
    return Lines(accumulator, thetas, rhos, found)


def find_circles(
    image: np.ndarray, *, min_radius: int, max_radius: int, votes: int = 30, edge_threshold: float = 0.2
) -> np.ndarray:
    """Circles by OpenCV's gradient Hough method (``cv2.HoughCircles``, ``HOUGH_GRADIENT``).

    Each edge pixel votes along its gradient direction for centres ``min_radius..max_radius`` px away;
    centres with at least ``votes`` votes are kept, then the best radius is chosen for each. Its edges come
    from a Canny whose high threshold is ``edge_threshold`` (step units, ``(0, 1]``). Smooth the image first.

    Returns ``(N, 3) float32`` rows ``(row, col, radius)`` (at most :data:`MAX_CIRCLES`); none found: ``(0, 3)``.
    """
    image = np.asarray(image)
    if image.ndim != 2 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must be gray (H, W) with at least one pixel, got shape {image.shape}")
    min_radius = checks.integer("min_radius", min_radius, 1, WORKING_SIDE, wrong_type=ValueError)
    max_radius = checks.integer("max_radius", max_radius, 1, WORKING_SIDE, wrong_type=ValueError)
    if min_radius > max_radius:
        raise ValueError(f"min_radius must not exceed max_radius, got {min_radius} and {max_radius}")
    votes = checks.integer("votes", votes, 1, 1000, wrong_type=ValueError)
    edge_threshold = checks.number("edge_threshold", edge_threshold, 0.0, 1.0, low_open=True)
    pixels = dtype.to_uint8(dtype.to_float(image))
    circles = cv2.HoughCircles(
        pixels,
        cv2.HOUGH_GRADIENT,
        dp=1,
        minDist=max(2 * min_radius, 4),  # two circles' centres closer than this are one circle
        param1=edge_threshold * 4.0 * 255.0,  # cv2's Canny on 0..255 with a 3 x 3 Sobel: 1020 = our 1
        param2=votes,
        minRadius=min_radius,
        maxRadius=max_radius,
    )
    if circles is None:
        return np.zeros((0, 3), dtype=np.float32)
    x, y, radius = circles[0, :MAX_CIRCLES].T  # OpenCV: (x = column, y = row, radius)
    # OpenCV reports the middle of an accumulator cell, (index + 0.5) with dp = 1; pixel centres here
    # are whole numbers (row 3 is at 3.0), so half a pixel comes off.
    return np.column_stack([y - 0.5, x - 0.5, radius]).astype(np.float32)


# ---------------------------------------------------------------------------------------------- drawing


def _rgb(picture: np.ndarray) -> np.ndarray:
    picture = dtype.to_uint8(np.asarray(picture))
    if picture.ndim == 2:
        picture = np.dstack([picture] * 3)
    return np.ascontiguousarray(picture.copy())


def _thickness(shape: tuple[int, ...]) -> int:
    return max(1, round(max(shape[:2]) / 250))


def draw_lines(picture: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """A copy of ``picture`` (gray or RGB) as ``(H, W, 3) uint8`` with each ``(rho, theta°, ...)`` line drawn."""
    canvas = _rgb(picture)
    length = 2 * math.hypot(*canvas.shape[:2])
    for rho, theta, *_ in np.asarray(lines, dtype=np.float64).reshape(-1, 3):
        cos, sin = math.cos(math.radians(theta)), math.sin(math.radians(theta))
        x0, y0 = rho * cos, rho * sin  # the foot of the normal from the origin
        start = (round(x0 - length * sin), round(y0 + length * cos))
        end = (round(x0 + length * sin), round(y0 - length * cos))
        cv2.line(canvas, start, end, _LINE_COLOUR, _thickness(canvas.shape), cv2.LINE_AA)
    return canvas


def draw_circles(picture: np.ndarray, circles: np.ndarray) -> np.ndarray:
    """A copy of ``picture`` as ``(H, W, 3) uint8`` with each ``(row, col, radius)`` circle and its centre."""
    canvas = _rgb(picture)
    thickness = _thickness(canvas.shape)
    for row, col, radius in np.asarray(circles, dtype=np.float64).reshape(-1, 3):
        centre = (round(col), round(row))
        cv2.circle(canvas, centre, max(1, round(radius)), _CIRCLE_COLOUR, thickness, cv2.LINE_AA)
        cv2.drawMarker(canvas, centre, _CIRCLE_COLOUR, cv2.MARKER_CROSS, 4 * thickness + 4, thickness)
    return canvas


def accumulator_picture(
    accumulator: np.ndarray, lines: np.ndarray | None = None, *, rhos: np.ndarray | None = None
) -> np.ndarray:
    """The accumulator as a square heat map, ``(n_rho, n_rho, 3) uint8``: rho down, theta across (each
    theta column repeated to make the picture square, or ``n_theta`` wide if that is wider).

    Votes are shown on a square-root scale so the faint waves of single pixels stay visible next to
    the peaks; each found line (needs ``rhos``) is ringed in white.
    """
    accumulator = np.asarray(accumulator, dtype=np.float64)
    if accumulator.ndim != 2 or accumulator.size == 0:
        raise ValueError(f"accumulator must be a non-empty 2-D array, got shape {accumulator.shape}")
    most = accumulator.max()
    scaled = np.sqrt(accumulator / most) if most > 0 else np.zeros_like(accumulator)
    n_rho, n_theta = accumulator.shape
    width = max(n_rho, n_theta)
    heat = cv2.resize(dtype.to_uint8(scaled), (width, n_rho), interpolation=cv2.INTER_NEAREST)
    picture = cv2.applyColorMap(heat, cv2.COLORMAP_INFERNO)
    picture = np.ascontiguousarray(picture[:, :, ::-1])  # OpenCV colour maps are BGR
    if lines is not None and rhos is not None and len(lines):
        radius = max(3, round(n_rho / 70))
        for rho, theta, *_ in np.asarray(lines, dtype=np.float64).reshape(-1, 3):
            row = int(np.argmin(np.abs(np.asarray(rhos) - rho)))
            col = round((theta + 90.0) / 180.0 * width)
            cv2.circle(picture, (col, row), radius, (255, 255, 255), max(1, radius // 3), cv2.LINE_AA)
    return picture

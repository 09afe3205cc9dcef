"""Cached wrappers over ``explorer.classical.edges`` and ``explorer.classical.hough`` for the "Edges & gradients" page.

Each stage is keyed by the image id and its own small parameters, so moving one slider recomputes only
the stages that depend on it. The gray image is passed as ``_gray`` (not hashed). What the page draws
comes back as encoded PNG bytes (exact pixels: thin edges must not smear), so a rerun with nothing
changed computes and encodes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.classical import edges, hough
from explorer.core.display import diverging, robust_limit, to_display
from ui.cached.shared import encode

# A session flips between a few images and settings; 32 entries of at most a few MB each keep the recent
# ones warm without letting one busy session hold hundreds of MB.
MAX_RESULTS = 32
# Magnitudes are drawn black at 0 and white at this value or above. Most edges in photos are far weaker
# than a black-to-white step (1), so a full 0..1 scale would look nearly black; a fixed scale (rather than
# stretching each picture to its own maximum) keeps pictures comparable: smoothing visibly weakens edges.
MAGNITUDE_WHITE = 0.4
# The Laplacian is drawn at full colour from this value: its few large values at sharp corners would
# otherwise wash every ordinary edge out to white.
LAPLACIAN_LIMIT = 0.2


def _png(picture: np.ndarray, mode: str = "clip") -> bytes:
    return encode(picture if picture.dtype == np.uint8 else to_display(picture, mode=mode))


def _magnitude_png(magnitude: np.ndarray) -> bytes:
    return _png(np.minimum(magnitude / MAGNITUDE_WHITE, 1.0))


def _mask_png(mask: np.ndarray) -> bytes:
    return encode(mask.astype(np.uint8) * 255)


# ------------------------------------------------------------------------------------------ gradients


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def gradient(image_id: str, ksize: int, sigma: float, _gray: np.ndarray) -> edges.Gradient:
    """``edges.sobel`` of the gray image."""
    return edges.sobel(_gray, ksize=ksize, sigma=sigma)


@dataclass(frozen=True)
class SobelPictures:
    """PNG bytes of gx, gy (diverging colours, full colour at ``gx_limit`` / ``gy_limit``) and the magnitude."""

    gx: bytes
    gy: bytes
    magnitude: bytes
    strongest: float  # the largest magnitude
    gx_limit: float
    gy_limit: float


def _signed_png(values: np.ndarray) -> tuple[bytes, float]:
    # Scaled by the 99th percentile of |values|, not the largest: a few very sharp edges (the largest is about
    # twice the percentile in a photo) used to leave every other edge a pale tint on white.
    limit = robust_limit(values)
    if limit == 0:  # a flat picture: all white
        return _png(values, "diverging"), 0.0
    return encode(to_display(values, mode="diverging", limit=limit)), limit


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def sobel_pictures(image_id: str, ksize: int, sigma: float, _gray: np.ndarray) -> SobelPictures:
    """gx and gy (diverging colours, robust scale), the magnitude (clipped at 1) as PNGs, and the numbers."""
    result = gradient(image_id, ksize, sigma, _gray)
    gx, gx_limit = _signed_png(result.gx)
    gy, gy_limit = _signed_png(result.gy)
    return SobelPictures(gx, gy, _magnitude_png(result.magnitude), float(result.magnitude.max()), gx_limit, gy_limit)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def direction_png(image_id: str, ksize: int, sigma: float, min_magnitude: float, _gray: np.ndarray) -> bytes:
    """``edges.direction_picture``: the direction as a hue, black where the magnitude is small."""
    picture = edges.direction_picture(gradient(image_id, ksize, sigma, _gray), min_magnitude=min_magnitude)
    return _png(picture)


@st.cache_data(show_spinner=False)
def hue_wheel_png() -> bytes:
    """The legend of the direction colours."""
    return _png(edges.hue_wheel(size=120))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def threshold_png(image_id: str, ksize: int, sigma: float, level: float, _gray: np.ndarray) -> tuple[bytes, float]:
    """``edges.threshold`` of the magnitude as a black/white PNG, and the fraction of pixels kept."""
    mask = edges.threshold(gradient(image_id, ksize, sigma, _gray).magnitude, level=level)
    return _mask_png(mask), float(mask.mean())


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def comparison_pictures(image_id: str, sigma: float, _gray: np.ndarray) -> tuple[bytes, bytes, bytes, bytes]:
    """Sobel 3 x 3 magnitude without smoothing, with ``sigma``; Scharr magnitude and the Laplacian with ``sigma``."""
    raw = edges.sobel(_gray, ksize=3, sigma=0.0).magnitude
    smoothed = gradient(image_id, 3, sigma, _gray).magnitude
    scharr = edges.scharr(_gray, sigma=sigma).magnitude
    laplacian = edges.laplacian(_gray, sigma=sigma)
    return (
        _magnitude_png(raw),
        _magnitude_png(smoothed),
        _magnitude_png(scharr),
        _png(diverging(laplacian, limit=LAPLACIAN_LIMIT)),
    )


# ---------------------------------------------------------------------------------------------- Canny


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def auto_thresholds(image_id: str, _gray: np.ndarray) -> tuple[float, float]:
    """``edges.auto_thresholds`` (the median rule)."""
    return edges.auto_thresholds(_gray)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def canny_pictures(
    image_id: str, sigma: float, low: float, high: float, _gray: np.ndarray
) -> tuple[list[bytes], dict[str, int]]:
    """The five Canny stages as PNGs and pixel counts: smoothed, magnitude, after non-maximum
    suppression, double threshold (strong white, weak gray), hysteresis result."""
    steps = edges.canny(_gray, sigma=sigma, low=low, high=high)
    levels = steps.strong.astype(np.uint8) * 255 + steps.weak.astype(np.uint8) * 110
    pictures = [
        _png(steps.smoothed),
        _magnitude_png(steps.magnitude),
        _magnitude_png(steps.suppressed),
        encode(levels),
        _mask_png(steps.edges),
    ]
    return pictures, steps.counts()


# --------------------------------------------------------------------------------------------- Harris


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def harris_pictures(
    image_id: str, block_size: int, k: float, threshold: float, _gray: np.ndarray
) -> tuple[bytes, bytes, int]:
    """``edges.harris``: the corners ringed on the image, the response (diverging) and the corner count."""
    corners = edges.harris(_gray, block_size=block_size, k=k, threshold=threshold)
    # Full red from the threshold up, so the red spots are the blobs that became corners.
    limit = threshold * float(corners.response.max())
    response = _png(diverging(corners.response, limit=limit)) if limit > 0 else _png(diverging(corners.response))
    return _png(edges.draw_corners(_gray, corners.points)), response, len(corners.points)


# ---------------------------------------------------------------------------------------------- Hough


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def working_gray(image_id: str, sigma: float, _gray: np.ndarray) -> np.ndarray:
    """The gray image at ``hough.WORKING_SIDE`` px, smoothed with ``sigma``."""
    small, _ = hough.working_size(_gray)
    return edges.smooth(small, sigma=sigma)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def line_pictures(
    image_id: str, sigma: float, low: float, high: float, threshold: float, max_lines: int, _gray: np.ndarray
) -> tuple[bytes, bytes, bytes, np.ndarray, tuple[int, int]]:
    """Canny edges at the working size, the accumulator with the peaks ringed, the lines drawn back,
    the lines found ``(N, 3)`` (rho, theta°, votes) and the accumulator's shape."""
    small = working_gray(image_id, sigma, _gray)
    edge_mask = edges.canny(small, sigma=0.0, low=low, high=high).edges
    found = hough.find_lines(edge_mask, threshold=threshold, max_lines=max_lines)
    accumulator = hough.accumulator_picture(found.accumulator, found.lines, rhos=found.rhos)
    return (
        _mask_png(edge_mask),
        encode(accumulator),
        encode(hough.draw_lines(small, found.lines)),
        found.lines,
        found.accumulator.shape,
    )


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def circle_pictures(
    image_id: str, sigma: float, high: float, radii: tuple[int, int], votes: int, _gray: np.ndarray
) -> tuple[bytes, np.ndarray]:
    """``hough.find_circles`` on the smoothed working-size image: the circles drawn, and the circles."""
    small = working_gray(image_id, sigma, _gray)
    circles = hough.find_circles(
        small, min_radius=radii[0], max_radius=radii[1], votes=votes, edge_threshold=max(high, 0.01)
    )
    return encode(hough.draw_circles(small, circles)), circles

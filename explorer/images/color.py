"""Colour spaces, colour selection (a green screen), channel histograms and a day/night brightness feature.

Units (one convention for every function here, shown on the Color page):

- RGB, BGR and Gray channels are on the byte scale ``0..255`` (the numbers a photo file stores);
- HSV: hue ``H`` is an angle in degrees ``0..360`` (0 red, 120 green, 240 blue; 360 is red again), saturation
  ``S`` and value ``V`` are on the byte scale ``0..255``. (OpenCV's 8-bit images halve the hue to ``0..179`` so
  it fits in a byte; we keep degrees, which is what colour pickers show.)
- Lab (CIE L*a*b*, D65 white): ``L`` lightness ``0..100``, ``a`` green (-) to red (+) and ``b`` blue (-) to
  yellow (+), roughly ``-128..127``.

Input images are RGB, ``(H, W, 3)``, either ``uint8`` or floats in ``[0, 1]`` (a float image is the byte image
divided by 255, the dtype rule of :mod:`explorer.core.dtype`: both give the same results); results are
``float32`` in the units above unless stated. Gray uses the ITU-R BT.601 weights, like
``explorer.core.dtype.to_gray`` and OpenCV.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import cv2
import numpy as np

from explorer.core import checks, dtype  # dtype.GRAY_WEIGHTS: BT.601, defined once for the whole project

COLOR_SPACES = ("RGB", "BGR", "HSV", "Lab", "Gray")
# Colour selection works where each channel has a plain meaning for a person choosing a range.
SELECTION_SPACES = ("RGB", "HSV")
CHANNEL_NAMES: dict[str, tuple[str, ...]] = {
    "RGB": ("R", "G", "B"),
    "BGR": ("B", "G", "R"),
    "HSV": ("H", "S", "V"),
    "Lab": ("L", "a", "b"),
    "Gray": ("Gray",),
}
# (low, high) of each channel in the units above; a, b of Lab are not hard limits but cover all sRGB colours.
CHANNEL_RANGES: dict[str, tuple[tuple[float, float], ...]] = {
    "RGB": ((0, 255),) * 3,
    "BGR": ((0, 255),) * 3,
    "HSV": ((0, 360), (0, 255), (0, 255)),
    "Lab": ((0, 100), (-128, 127), (-128, 127)),
    "Gray": ((0, 255),),
}
# Mean V (0..255) above which a picture is called "day". The lesson's day/night photos split around here:
# daylight scenes average well above 100, night scenes (dark sky, a few bright lamps) well below.
DAY_NIGHT_THRESHOLD = 100.0
MAX_BINS = 256  # one bin per byte value; more bins would only be empty


def _check_rgb(image: np.ndarray) -> np.ndarray:
    """RGB ``uint8`` or float ``[0, 1]`` -> ``(H, W, 3) float64`` on the byte scale 0..255."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an RGB array of shape (H, W, 3), got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"image must have at least one pixel, got shape {image.shape}")
    if image.dtype == np.uint8:
        return image.astype(np.float64)
    if not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"image must be uint8 or float in [0, 1], got dtype {image.dtype}")
    if not np.all(np.isfinite(image)) or image.min() < 0.0 or image.max() > 1.0:
        raise ValueError(
            f"a float image must hold finite values in [0, 1], got min {np.nanmin(image):.4g}, "
            f"max {np.nanmax(image):.4g}"
        )
    # Scaled in the image's own precision: a byte level divided by 255 then multiplied back gives the byte
    # exactly, so a uint8 image and the same image divided by 255 give the same results (the dtype rule).
    return (image * image.dtype.type(255.0)).astype(np.float64)


def _check_space(space: str, allowed: Sequence[str], name: str = "space") -> None:
    if space not in allowed:
        raise ValueError(f"{name} must be one of {tuple(allowed)}, got {space!r}")


def rgb_to_hsv(image: np.ndarray) -> np.ndarray:
    """RGB -> HSV: ``(H, W, 3)`` -> ``(H, W, 3) float32`` with H in degrees 0..360, S and V in 0..255.

    V is the largest of R, G, B; S is how far the smallest falls below it (0 gray, 255 pure colour); H says
    which colour wins, as an angle on the colour wheel. Gray pixels (S = 0) get hue 0.
    """
    rgb = _check_rgb(image)
    high = rgb.max(axis=2)
    low = rgb.min(axis=2)
    chroma = high - low
    safe_chroma = np.where(chroma > 0, chroma, 1.0)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    hue = (
        np.select(
            [chroma == 0, high == red, high == green],
            [0.0, ((green - blue) / safe_chroma) % 6.0, (blue - red) / safe_chroma + 2.0],
            default=(red - green) / safe_chroma + 4.0,
        )
        * 60.0
    )
    hue = np.where(hue >= 360.0, hue - 360.0, hue)
    saturation = np.where(high > 0, 255.0 * chroma / np.where(high > 0, high, 1.0), 0.0)
    return np.stack([hue, saturation, high], axis=2).astype(np.float32)


def convert(image: np.ndarray, *, space: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """The image in another colour space.

    Parameters
    ----------
    image : (H, W, 3) RGB, ``uint8`` or float in ``[0, 1]``.
    space : one of :data:`COLOR_SPACES`.

    Returns
    -------
    channels : (H, W, C) ``float32`` in the module's units (C = 1 for Gray, else 3).
    names : the C channel names, e.g. ``("H", "S", "V")``.
    """
    _check_space(space, COLOR_SPACES)
    rgb = _check_rgb(image)
    if space == "RGB":
        channels = rgb
    elif space == "BGR":
        channels = rgb[..., ::-1]
    elif space == "HSV":
        channels = rgb_to_hsv(image)
    elif space == "Lab":
        # OpenCV's float path gives CIE units directly (L 0..100, a and b signed).
        channels = cv2.cvtColor((rgb / 255.0).astype(np.float32), cv2.COLOR_RGB2Lab)
    else:
        channels = (rgb @ np.array(dtype.GRAY_WEIGHTS))[..., None]
    return np.ascontiguousarray(channels, dtype=np.float32), CHANNEL_NAMES[space]


def channel_to_display(channel: np.ndarray, *, space: str, index: int) -> np.ndarray:
    """One channel of :func:`convert` as a gray ``(H, W) uint8`` picture: its range stretched to 0..255."""
    _check_space(space, COLOR_SPACES)
    ranges = CHANNEL_RANGES[space]
    if not 0 <= index < len(ranges):
        raise ValueError(f"index must be 0..{len(ranges) - 1} for {space}, got {index}")
    low, high = ranges[index]
    scaled = (np.asarray(channel, dtype=np.float64) - low) / (high - low)
    return dtype.to_uint8(scaled)


def split_channels(image: np.ndarray, *, tinted: bool = False) -> list[np.ndarray]:
    """R, G and B as three pictures: gray ``(H, W) uint8``, or tinted ``(H, W, 3) uint8`` (others zeroed)."""
    rgb = np.round(_check_rgb(image)).astype(np.uint8)
    if not tinted:
        return [np.ascontiguousarray(rgb[..., c]) for c in range(3)]
    pictures = []
    for c in range(3):
        picture = np.zeros_like(rgb)
        picture[..., c] = rgb[..., c]
        pictures.append(picture)
    return pictures


def _check_bounds(space: str, lower: Sequence[float], upper: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    names = CHANNEL_NAMES[space]
    bounds = []
    for label, values in (("lower", lower), ("upper", upper)):
        array = np.asarray(values, dtype=np.float64) if np.ndim(values) == 1 else None
        if array is None or array.shape != (3,):
            raise ValueError(f"{label} must hold 3 numbers (one per channel {names}), got {values!r}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{label} must hold finite numbers, got {values!r}")
        for c, (low, high) in enumerate(CHANNEL_RANGES[space]):
            if not low <= array[c] <= high:
                raise ValueError(f"{label} {names[c]} must be in {low}..{high} for {space}, got {array[c]:g}")
        bounds.append(array)
    for c in range(3):
        wraps = space == "HSV" and c == 0
        if bounds[0][c] > bounds[1][c] and not wraps:
            raise ValueError(
                f"lower {names[c]} ({bounds[0][c]:g}) is above upper {names[c]} ({bounds[1][c]:g}); "
                "only the hue may wrap around"
            )
    return bounds[0], bounds[1]


def color_mask(image: np.ndarray, *, space: str, lower: Sequence[float], upper: Sequence[float]) -> np.ndarray:
    """Pixels whose every channel lies in ``[lower, upper]`` (inclusive, like ``cv2.inRange``): ``(H, W) bool``.

    ``space`` is ``"RGB"`` or ``"HSV"``; bounds are in the module's units. In HSV a hue range with
    ``lower > upper`` wraps around red: ``lower=(340, ...), upper=(20, ...)`` keeps hues 340..360 and 0..20.
    """
    _check_space(space, SELECTION_SPACES)
    low, high = _check_bounds(space, lower, upper)
    channels, _ = convert(image, space=space)
    inside = (channels >= low.astype(np.float32)) & (channels <= high.astype(np.float32))
    if space == "HSV" and low[0] > high[0]:
        hue = channels[..., 0]
        inside[..., 0] = (hue >= np.float32(low[0])) | (hue <= np.float32(high[0]))
    return np.asarray(inside.all(axis=2))


def apply_mask(image: np.ndarray, mask: np.ndarray, *, background: Sequence[int]) -> np.ndarray:
    """Keep the pixels where ``mask`` is True and paint the rest ``background``: ``(H, W, 3) uint8``.

    ``background`` is an RGB colour of three integers 0..255.
    """
    rgb = np.round(_check_rgb(image)).astype(np.uint8)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask must be a bool array of shape {rgb.shape[:2]}, got {mask.dtype} {mask.shape}")
    colour = np.asarray(background)
    if colour.shape != (3,) or not np.issubdtype(colour.dtype, np.integer) or colour.min() < 0 or colour.max() > 255:
        raise ValueError(f"background must be 3 integers 0..255, got {background!r}")
    out = np.empty_like(rgb)
    out[...] = colour.astype(np.uint8)
    out[mask] = rgb[mask]
    return out


def hex_to_rgb(text: str) -> tuple[int, int, int]:
    """``"#00ff00"`` -> ``(0, 255, 0)``; the colour picker's format."""
    if not isinstance(text, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", text):
        raise ValueError(f"colour must look like '#00ff00', got {text!r}")
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def parse_range(text: str, *, low: int, high: int) -> tuple[int, int]:
    """``"30,90"`` -> ``(30, 90)``: a channel range as written in a link, ``low <= first <= second <= high``."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*,\s*(\d{1,4})\s*", text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected two whole numbers like '30,90', got {str(text)[:40]!r}")
    first, second = int(match.group(1)), int(match.group(2))
    for value in (first, second):
        if not low <= value <= high:
            raise ValueError(f"expected numbers from {low} to {high}, got {value}")
    if first > second:
        raise ValueError(f"the first number must not be above the second, got {text.strip()!r}")
    return first, second


def histograms(image: np.ndarray, *, bins: int = MAX_BINS) -> np.ndarray:
    """Per-channel histograms of the byte values: ``(C, bins) int64``.

    ``image`` is ``(H, W)`` or ``(H, W, C)``, ``uint8`` (or float in ``[0, 1]``, rounded to bytes first).
    The range 0..256 is cut into ``bins`` equal bins, as ``cv2.calcHist(..., [bins], [0, 256])`` does.
    """
    bins = checks.integer("bins", bins, 1, MAX_BINS, wrong_type=ValueError)
    array = np.asarray(image)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.size == 0:
        raise ValueError(f"image must be (H, W) or (H, W, C) with pixels, got shape {np.shape(image)}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.floating) or array.min() < 0 or array.max() > 1:
            raise ValueError(f"image must be uint8 or float in [0, 1], got {array.dtype}")
        array = dtype.to_uint8(array)
    index = array.astype(np.int64) * bins // 256  # integer bin index: no floating edge surprises
    return np.stack([np.bincount(index[..., c].ravel(), minlength=bins) for c in range(array.shape[2])])


def mean_brightness(image: np.ndarray) -> float:
    """Mean of HSV's V (the brightest of R, G, B at each pixel) on the byte scale 0..255."""
    return float(_check_rgb(image).max(axis=2).mean())


def day_or_night(image: np.ndarray, *, threshold: float = DAY_NIGHT_THRESHOLD) -> str:
    """``"day"`` when :func:`mean_brightness` is at least ``threshold`` (0..255), else ``"night"``."""
    threshold = checks.number("threshold", threshold, 0, 255)
    return "day" if mean_brightness(image) >= threshold else "night"

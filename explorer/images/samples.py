"""Built-in images: photos that ship with scikit-image / scikit-learn, and synthetic test patterns.

Everything here works offline: the photos are files inside the installed packages, and the patterns are
computed. Images are named by short id strings so a page can cache on them and a link can carry them:

- ``"sample:NAME"`` with NAME in :data:`SAMPLES`;
- ``"pattern:NAME"`` with NAME in :data:`PATTERNS`;
- ``"pattern:NAME:ANGLE"`` for the patterns in :data:`PATTERNS_WITH_ANGLE`, ANGLE in degrees, 0..180.

Pattern generators return ``(size, size) float32`` in ``[0, 1]`` and are deterministic.

Angle convention (``stripes`` and ``step_edge``): at angle 0 the brightness changes along the columns, so
the stripes / the edge are *vertical*. A positive angle turns the direction of change counter-clockwise as
seen on screen, so at 90 the brightness changes along the rows (horizontal stripes, dark half at the bottom
for the step edge), and at 180 the picture is the angle-0 one mirrored left-right.
"""

from __future__ import annotations

import importlib.util
import math
import pathlib
import re

import numpy as np

from explorer.core import checks, dtype

# scikit-image photos bundled inside the package (no download needed), then scikit-learn's two JPEGs.
_SKIMAGE_SAMPLES = (
    "astronaut",
    "camera",
    "coins",
    "chelsea",
    "coffee",
    "horse",
    "moon",
    "text",
    "page",
    "brick",
    "rocket",
)
_SKLEARN_SAMPLES = ("china", "flower")
SAMPLES: tuple[str, ...] = _SKIMAGE_SAMPLES + _SKLEARN_SAMPLES

PATTERNS: tuple[str, ...] = ("checkerboard", "stripes", "circles", "letter", "step edge", "noise")
PATTERNS_WITH_ANGLE: tuple[str, ...] = ("stripes", "step edge")

# Smaller than 8 px a pattern no longer shows anything; 2048² float32 is 16 MB, plenty for a workshop demo
# and a bound on what one call can allocate.
MIN_SIZE = 8
MAX_SIZE = 2048
# Side of the patterns returned by load_builtin: big enough to see detail, small enough to filter instantly.
PATTERN_SIZE = 256
# Angles in an id are 0..180: beyond that the oriented patterns repeat (up to a mirror image).
MAX_ANGLE = 180.0
# Hershey fonts only draw printable ASCII; a few characters are all that fit in a square pattern.
MAX_LETTER_CHARS = 4

# An angle in an id: plain decimal digits only, so "1e2", "nan", " 45" or "4_5" are refused.
_ANGLE_RE = re.compile(r"\d{1,3}(\.\d{1,6})?")
# How much of a bad id is echoed back in an error message (ids come from URLs and can be anything).
_ECHO_CHARS = 60


def _check_size(size: object) -> int:
    return checks.integer("size", size, MIN_SIZE, MAX_SIZE)


def _check_real(name: str, value: object) -> float:
    return checks.number(name, value, wrong_type=TypeError)


def _direction(size: int, angle: float) -> np.ndarray:
    """Signed distance (pixels) from the centre along the direction ``angle``: ``(size, size) float64``.

    Direction (cos a, sin a) in screen coordinates with y pointing *up*, hence ``-rows``.
    """
    radians = math.radians(angle)
    # Rounded so that 90 and 180 degrees give exact 0 / ±1 (cos(pi/2) is 6e-17 in floating point).
    cos, sin = round(math.cos(radians), 12), round(math.sin(radians), 12)
    centre = (size - 1) / 2.0
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64) - centre
    return cols * cos - rows * sin


def checkerboard(*, size: int = PATTERN_SIZE, squares: int = 8) -> np.ndarray:
    """Black and white squares, ``squares`` per side, top-left square black: ``(size, size) float32``.

    When ``size`` is not a multiple of ``squares`` the squares differ in width by at most one pixel.
    """
    size = _check_size(size)
    squares = checks.integer("squares", squares, 2)
    if squares > size:
        raise ValueError(f"squares must be at most size ({size}), got {squares}")
    index = np.arange(size) * squares // size  # which square each row / column falls in
    return ((index[:, None] + index[None, :]) % 2).astype(np.float32)


def stripes(*, size: int = PATTERN_SIZE, angle: float = 0.0, period: float = 16) -> np.ndarray:
    """Smooth sinusoidal stripes, ``(size, size) float32`` in ``[0, 1]``.

    The brightness is ``0.5 + 0.5 cos(2π d / period)`` where ``d`` is the distance from the centre along
    ``angle`` (degrees; see the module docstring: 0 = vertical stripes, brightness varying along columns,
    90 = horizontal stripes). A sinusoid rather than crisp bars, so the pattern holds a single frequency and
    has no staircase at oblique angles. ``period`` is pixels per cycle, at least 2 (the finest pattern a
    pixel grid can hold) and at most ``size``; the centre pixel is at full brightness.
    """
    size = _check_size(size)
    angle = _check_real("angle", angle)
    period = _check_real("period", period)
    if not 2.0 <= period <= size:
        raise ValueError(f"period must be between 2 and size ({size}) pixels, got {period}")
    phase = 2.0 * math.pi * _direction(size, angle) / period
    return np.clip(0.5 + 0.5 * np.cos(phase), 0.0, 1.0).astype(np.float32)


def circles(*, size: int = PATTERN_SIZE) -> np.ndarray:
    """Three white filled discs of different radii on black, ``(size, size) float32`` in ``[0, 1]``.

    Disc edges are softened over one pixel (the fraction of the pixel inside the disc, approximately),
    so round shapes do not look jagged.
    """
    size = _check_size(size)
    rows, cols = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.zeros((size, size), dtype=np.float64)
    # (centre row, centre col, radius) as fractions of the side: big, medium and small, not touching.
    for row, col, radius in ((0.32, 0.32, 0.22), (0.70, 0.68, 0.16), (0.76, 0.22, 0.09)):
        distance = np.hypot(rows - row * (size - 1), cols - col * (size - 1))
        coverage = np.clip(radius * size - distance + 0.5, 0.0, 1.0)
        image = np.maximum(image, coverage)
    return image.astype(np.float32)


def letter(*, size: int = PATTERN_SIZE, text: str = "A") -> np.ndarray:
    """A bold letter (or up to 4 characters), white on black, centred: ``(size, size) float32`` in ``[0, 1]``.

    Drawn with ``cv2.putText`` (Hershey duplex font, antialiased), scaled to fill about 70 % of the width or
    60 % of the height, whichever is reached first.
    """
    size = _check_size(size)
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    if not 1 <= len(text) <= MAX_LETTER_CHARS or not all(" " <= ch <= "~" for ch in text) or not text.strip():
        raise ValueError(
            f"text must be 1 to {MAX_LETTER_CHARS} printable ASCII characters (not only spaces), "
            f"got {text[:_ECHO_CHARS]!r}"
        )
    import cv2  # here, not at the top: the first page of a fresh server paints without OpenCV

    font = cv2.FONT_HERSHEY_DUPLEX
    (width, height), _ = cv2.getTextSize(text, font, 1.0, 1)
    scale = min(0.7 * size / width, 0.6 * size / height)
    thickness = max(1, round(size / 20))  # bold at every size
    (width, height), baseline = cv2.getTextSize(text, font, scale, thickness)
    origin = ((size - width) // 2, (size + height) // 2)  # bottom-left of the text
    canvas = np.zeros((size, size), dtype=np.uint8)
    cv2.putText(canvas, text, origin, font, scale, 255, thickness, cv2.LINE_AA)
    return dtype.to_float(canvas)


def step_edge(*, size: int = PATTERN_SIZE, angle: float = 0.0) -> np.ndarray:
    """Half dark (0), half bright (1) across a straight edge through the centre: ``(size, size) float32``.

    At angle 0 (degrees) the edge is vertical with the dark half on the left; see the module docstring for
    other angles. The edge is softened over one pixel, so at 0, 90 and 180 degrees (with an even ``size``)
    the image holds exactly 0 and 1, and oblique edges are antialiased instead of staircased.
    """
    size = _check_size(size)
    angle = _check_real("angle", angle)
    return np.clip(_direction(size, angle) + 0.5, 0.0, 1.0).astype(np.float32)


def noise(*, size: int = PATTERN_SIZE, seed: int = 0) -> np.ndarray:
    """Uniform noise in ``[0, 1)`` from ``np.random.default_rng(seed)``: ``(size, size) float32``."""
    size = _check_size(size)
    seed = checks.integer("seed", seed, 0)
    return np.random.default_rng(seed).random((size, size), dtype=np.float32)


# scikit-image ships these as plain PNG files (and rocket as a JPEG) that its loaders read unchanged. Decoding
# them with Pillow skips importing skimage.io (about 0.4 s, 0.9 s with the SciPy parts it pulls in), which
# matters because the default image is decoded on the first paint of the Home page, and the Features page's
# bag of words decodes every sample on a cold server.
_PLAIN_FILE_SAMPLES = {
    **{
        name: f"{name}.png"
        for name in ("astronaut", "camera", "coins", "chelsea", "coffee", "moon", "text", "page", "brick")
    },
    "rocket": "rocket.jpg",
}


def _read_skimage_file(name: str) -> np.ndarray:
    from PIL import Image

    spec = importlib.util.find_spec("skimage")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ValueError("scikit-image is not installed: its sample images are unavailable")
    folder = pathlib.Path(next(iter(spec.submodule_search_locations))) / "data"
    with Image.open(folder / _PLAIN_FILE_SAMPLES[name]) as picture:
        return np.asarray(picture)


def load_sample(name: str) -> np.ndarray:
    """One of the bundled photos as ``(H, W, 3) uint8``.

    Gray photos get three equal channels; ``horse`` (a boolean mask) becomes 0 / 255.
    """
    if name not in SAMPLES:
        shown = name[:_ECHO_CHARS] if isinstance(name, str) else name
        raise ValueError(f"name must be one of {', '.join(SAMPLES)}; got {shown!r}")
    if name in _SKLEARN_SAMPLES:
        from sklearn.datasets import load_sample_image  # imported here: slow to import, rarely needed

        image = load_sample_image(f"{name}.jpg")
    elif name in _PLAIN_FILE_SAMPLES:
        image = _read_skimage_file(name)
    else:
        import skimage.data

        image = getattr(skimage.data, name)()
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)


def render_pattern(name: str, *, angle: float = 0.0, size: int = PATTERN_SIZE) -> np.ndarray:
    """Pattern ``name`` (one of :data:`PATTERNS`, default settings) as ``(size, size) float32`` in ``[0, 1]``.

    ``angle`` is used by :data:`PATTERNS_WITH_ANGLE` only and must be 0 for the others.
    """
    if name not in PATTERNS:
        shown = name[:_ECHO_CHARS] if isinstance(name, str) else name
        raise ValueError(f"pattern name must be one of {', '.join(PATTERNS)}; got {shown!r}")
    if name not in PATTERNS_WITH_ANGLE and angle != 0:
        raise ValueError(f"angle only applies to {', '.join(PATTERNS_WITH_ANGLE)}; got angle {angle} for {name!r}")
    if name == "stripes":
        return stripes(size=size, angle=angle)
    if name == "step edge":
        return step_edge(size=size, angle=angle)
    return {"checkerboard": checkerboard, "circles": circles, "letter": letter, "noise": noise}[name](size=size)


def load_builtin(image_id: str) -> np.ndarray:
    """Decode a built-in image id (see the module docstring) to ``(H, W, 3) uint8``.

    Patterns are :data:`PATTERN_SIZE` square, gray in three equal channels. Any other string raises
    ``ValueError`` saying which forms are accepted.
    """
    if not isinstance(image_id, str):
        raise TypeError(f"image_id must be a string, got {type(image_id).__name__}")
    shown = repr(image_id[:_ECHO_CHARS]) + ("…" if len(image_id) > _ECHO_CHARS else "")
    kind, _, rest = image_id.partition(":")
    if kind == "sample":
        if rest not in SAMPLES:
            raise ValueError(f"image id {shown} names no sample; samples are: {', '.join(SAMPLES)}")
        return load_sample(rest)
    if kind != "pattern":
        raise ValueError(f"image id {shown} is not 'sample:NAME', 'pattern:NAME' or 'pattern:NAME:ANGLE'")
    name, has_angle, angle_text = rest.partition(":")
    if name not in PATTERNS:
        raise ValueError(f"image id {shown} names no pattern; patterns are: {', '.join(PATTERNS)}")
    angle = 0.0
    if has_angle:
        if name not in PATTERNS_WITH_ANGLE:
            raise ValueError(f"image id {shown}: only {', '.join(PATTERNS_WITH_ANGLE)} take an angle, not {name!r}")
        if not _ANGLE_RE.fullmatch(angle_text) or float(angle_text) > MAX_ANGLE:
            raise ValueError(f"image id {shown}: the angle must be a number of degrees from 0 to 180")
        angle = float(angle_text)
    gray = dtype.to_uint8(render_pattern(name, angle=angle))
    return np.stack([gray] * 3, axis=-1)

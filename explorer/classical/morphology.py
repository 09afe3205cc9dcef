"""Binarisation, structuring elements, morphology, and a noisy letter with two graded clean-up challenges.

Conventions:

- a gray ``image`` is ``(H, W) float32`` in ``[0, 1]``, or ``uint8`` byte levels, divided by 255 first (the
  dtype rule of :mod:`explorer.core.dtype`); a binary ``mask`` is ``(H, W) bool`` (True = white, the
  foreground);
- a structuring ``element`` is a small ``(rows, cols)`` array of 0/1 (or bool) with odd sides, so that it has
  a centre cell: the pixel being computed sits under that centre;
- thresholds and the adaptive offset ``c`` are on the image's scale, ``[0, 1]`` (multiply by 255 for OpenCV's
  byte scale).

Erosion and dilation are OpenCV's (``cv2.erode`` / ``cv2.dilate``: the minimum / maximum over the element's
cells); the other operations are written out here as the compositions they are, so the code reads like the
definitions. Pixels outside the image never count: erosion treats them as white and dilation as black.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
from scipy import ndimage

from explorer.core import checks, dtype, resize
from explorer.core.grading import Challenge, Grade
from explorer.images import samples

THRESHOLD_METHODS = ("fixed", "otsu", "adaptive mean", "adaptive gaussian")
ELEMENT_SHAPES = ("rectangle", "ellipse", "cross")
OPERATIONS = ("erode", "dilate", "open", "close", "gradient", "tophat", "blackhat")
_CV_SHAPES = {"rectangle": cv2.MORPH_RECT, "ellipse": cv2.MORPH_ELLIPSE, "cross": cv2.MORPH_CROSS}

# 31 px elements already swallow most details of a 512 px photo; larger ones only cost time.
MAX_ELEMENT_SIZE = 31
# Each iteration repeats the erosions/dilations; past 10 a small element acts like a much larger one anyway.
MAX_ITERATIONS = 10
# Adaptive neighbourhoods: 3 px is the smallest with a centre and neighbours; 101 px is about a fifth of a
# 512 px photo, beyond which "local" no longer means much.
MIN_BLOCK_SIZE = 3
MAX_BLOCK_SIZE = 101
# The adaptive offset c on the [0, 1] scale: half the range either way covers every useful setting.
MAX_C = 0.5

# The noisy letter: 128 px (a 6 px stroke, so a 3 x 3 element can clean it without eating it).
LETTER_SIZE = 128
SALT_DENSITY = 0.03  # fraction of the background turned white: plenty of isolated specks
PEPPER_DENSITY = 0.05  # fraction of the letter's inside turned black: a sprinkling of one-pixel holes
SALT_MARGIN = 2  # specks keep this many pixels away from the letter, so a speck never touches it
# Grading: the letter may lose (or gain) at most this fraction of its area.
AREA_TOLERANCE = 0.05


def _check_gray(image: object, name: str = "image") -> np.ndarray:
    # A numpy array: a bool mask (returned as it is), float gray in [0, 1] or uint8 byte levels (as float32).
    return checks.gray_image(name, image, kinds="f", keep_bool=True, unit_range=True, array_only=True)


# ------------------------------------------------------------------------------------------ binarisation
def otsu_threshold(image: np.ndarray) -> float:
    """Otsu's threshold of a gray image, on the ``[0, 1]`` scale (pixels strictly above it are foreground).

    Computed by OpenCV on the image's 256 byte levels: the level that makes the two classes' spreads smallest
    (equivalently, their means furthest apart).
    """
    image = _check_gray(image)
    levels = dtype.to_uint8(np.asarray(image, dtype=np.float32))  # a bool mask counts as 0 and 1
    value, _ = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return float(value) / 255.0


def binarize(
    image: np.ndarray,
    *,
    method: str = "otsu",
    threshold: float = 0.5,
    block_size: int = 11,
    c: float = 0.02,
    invert: bool = False,
) -> tuple[np.ndarray, float | None]:
    """Gray ``(H, W) float32`` in ``[0, 1]`` (or ``uint8``) -> ``(mask (H, W) bool, threshold used or None)``.

    - ``"fixed"``: white where ``image > threshold``;
    - ``"otsu"``: the same with :func:`otsu_threshold` (returned, so it can be shown);
    - ``"adaptive mean"`` / ``"adaptive gaussian"``: each pixel has its own threshold, the (Gaussian-weighted)
      mean of its ``block_size`` x ``block_size`` neighbourhood minus ``c``; borders repeat the edge pixel.
      Computed by ``cv2.adaptiveThreshold`` on the byte levels (``c * 255`` rounded up to a whole level).
      Returns ``None`` as the threshold (there is one per pixel).

    ``invert`` swaps white and black afterwards (dark objects on a light background become white).
    """
    image = _check_gray(image)
    if method not in THRESHOLD_METHODS:
        raise ValueError(f"method must be one of {THRESHOLD_METHODS}, got {method!r}")
    image = np.asarray(image, dtype=np.float32)
    used: float | None
    if method == "fixed":
        used = checks.number("threshold", threshold, 0.0, 1.0)
        mask = image > used
    elif method == "otsu":
        used = otsu_threshold(image)
        # Otsu's level is a byte value: compare on the byte scale, as the threshold was found there.
        mask = np.round(image * 255.0) > round(used * 255.0)
    else:
        block_size = checks.integer("block_size", block_size, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE, odd=True)
        c = checks.number("c", c, -MAX_C, MAX_C)
        # OpenCV's own adaptive threshold on the byte levels, so the result is exactly what cv2 gives: the
        # local mean is rounded to a byte, and c (in byte levels) is rounded up to a whole level.
        levels = dtype.to_uint8(image)
        offset = float(np.round(c * 255.0, 6))  # 5 / 255 * 255 must stay 5, not 5.000000000000001
        adaptive = cv2.ADAPTIVE_THRESH_MEAN_C if method == "adaptive mean" else cv2.ADAPTIVE_THRESH_GAUSSIAN_C
        mask = cv2.adaptiveThreshold(levels, 1, adaptive, cv2.THRESH_BINARY, block_size, offset) > 0
        used = None
    if not isinstance(invert, (bool, np.bool_)):
        raise TypeError(f"invert must be True or False, got {type(invert).__name__}")
    return (~mask if invert else mask), used


# ------------------------------------------------------------------------------------ structuring elements
def structuring_element(*, shape: str = "rectangle", size: int = 3) -> np.ndarray:
    """A ``(size, size) uint8`` element of 0/1: a filled rectangle, an ellipse (disc) or a cross.

    ``size`` is odd, 1 to :data:`MAX_ELEMENT_SIZE` (odd, so the element has a centre cell).
    """
    if shape not in ELEMENT_SHAPES:
        raise ValueError(f"shape must be one of {ELEMENT_SHAPES}, got {shape!r}")
    size = checks.integer("size", size, 1, MAX_ELEMENT_SIZE, odd=True)
    return cv2.getStructuringElement(_CV_SHAPES[shape], (size, size)).astype(np.uint8)


def check_element(element: object) -> np.ndarray:
    """Validate a structuring element and return it as ``(rows, cols) uint8`` of 0/1."""
    if not isinstance(element, np.ndarray):
        raise TypeError(f"element must be a numpy array, got {type(element).__name__}")
    if element.ndim != 2 or element.size == 0:
        raise ValueError(f"element must be a 2-D (rows, cols) array, got shape {element.shape}")
    rows, cols = element.shape
    if rows % 2 == 0 or cols % 2 == 0 or max(rows, cols) > MAX_ELEMENT_SIZE:
        raise ValueError(
            f"element must have odd sides of at most {MAX_ELEMENT_SIZE} cells (so it has a centre), "
            f"got shape {element.shape}"
        )
    if not np.isin(element, (0, 1)).all():
        raise ValueError("element must hold only 0 and 1 (or False and True)")
    if not element.any():
        raise ValueError(
            "element is empty (every cell is 0): an empty structuring element looks at no pixels, so erosion "
            "and dilation are undefined. Switch on at least one cell."
        )
    return element.astype(np.uint8)


def element_to_text(element: np.ndarray) -> str:
    """An element as rows of 0/1 digits separated by ``;`` (``"010;111;010"``), for links."""
    element = check_element(element)
    return ";".join("".join(str(int(v)) for v in row) for row in element)


def element_from_text(text: str) -> np.ndarray:
    """Back from :func:`element_to_text`; raises ``ValueError`` naming what is wrong with the text."""
    if not isinstance(text, str):
        raise TypeError(f"element text must be a string, got {type(text).__name__}")
    rows = text.strip().split(";")
    if not all(rows) or any(set(row) - {"0", "1"} for row in rows) or len({len(row) for row in rows}) != 1:
        raise ValueError(
            f"element text must be equal rows of 0 and 1 separated by ';' (like 010;111;010), got {text[:60]!r}"
        )
    return check_element(np.array([[int(ch) for ch in row] for row in rows], dtype=np.uint8))


def resize_element(element: np.ndarray, *, size: int) -> np.ndarray:
    """The element centred in a ``(size, size)`` grid: cropped around its centre or padded with 0."""
    element = check_element(element)
    size = checks.integer("size", size, 1, MAX_ELEMENT_SIZE, odd=True)
    grid = np.zeros((size, size), dtype=np.uint8)
    rows, cols = element.shape
    half, row_half, col_half = size // 2, rows // 2, cols // 2
    for r in range(rows):
        for c in range(cols):
            gr, gc = half + r - row_half, half + c - col_half
            if 0 <= gr < size and 0 <= gc < size:
                grid[gr, gc] = element[r, c]
    return grid


# ------------------------------------------------------------------------------------------- morphology
def erode(image: np.ndarray, *, element: np.ndarray, iterations: int = 1) -> np.ndarray:
    """Each pixel becomes the minimum under the element (white stays white only where the element fits)."""
    return _primitive(cv2.erode, image, element, iterations)


def dilate(image: np.ndarray, *, element: np.ndarray, iterations: int = 1) -> np.ndarray:
    """Each pixel becomes the maximum under the element (white spreads by the element's shape)."""
    return _primitive(cv2.dilate, image, element, iterations)


def _primitive(function, image: np.ndarray, element: np.ndarray, iterations: int) -> np.ndarray:
    image = _check_gray(image)
    element = check_element(element)
    iterations = checks.integer("iterations", iterations, 1, MAX_ITERATIONS)
    if image.dtype == bool:
        return function(np.ascontiguousarray(image).view(np.uint8), element, iterations=iterations).astype(bool)
    return function(image, element, iterations=iterations)


def morph(image: np.ndarray, *, operation: str, element: np.ndarray, iterations: int = 1) -> np.ndarray:
    """One morphological operation; returns the same shape and kind as ``image``: a bool mask, or float32 gray
    (for float or uint8 gray).

    With ``iterations = n`` every erosion and dilation inside is repeated ``n`` times (as in OpenCV):

    - ``erode`` / ``dilate``;
    - ``open``  = dilate(erode(image)): removes white specks smaller than the element;
    - ``close`` = erode(dilate(image)): fills black holes smaller than the element;
    - ``gradient`` = dilate - erode: a band along every outline;
    - ``tophat`` = image - open: only the small bright things opening removed;
    - ``blackhat`` = close - image: only the small dark things closing filled.
    """
    if operation not in OPERATIONS:
        raise ValueError(f"operation must be one of {OPERATIONS}, got {operation!r}")
    image = _check_gray(image)
    options: dict[str, Any] = {"element": element, "iterations": iterations}
    if operation == "erode":
        return erode(image, **options)
    if operation == "dilate":
        return dilate(image, **options)
    if operation == "open":
        return dilate(erode(image, **options), **options)
    if operation == "close":
        return erode(dilate(image, **options), **options)
    binary = image.dtype == bool
    if operation == "gradient":
        high, low = dilate(image, **options), erode(image, **options)
    elif operation == "tophat":
        high, low = image, dilate(erode(image, **options), **options)
    else:
        high, low = erode(dilate(image, **options), **options), image
    return high & ~low if binary else high - low


# ------------------------------------------------------------------------------------------ pictures
def element_picture(element: np.ndarray, *, cell: int = 14) -> np.ndarray:
    """The element drawn as squares (dark = on), its centre marked: ``(rows*cell, cols*cell, 3) uint8``."""
    element = check_element(element)
    rows, cols = element.shape
    picture = np.where(element[..., None] > 0, np.uint8(40), np.uint8(235)).repeat(3, axis=2)
    picture = resize.enlarge(picture, factor=cell)
    picture[::cell, :] = picture[:, ::cell] = 170  # grid lines
    centre = slice(rows // 2 * cell + cell // 3, rows // 2 * cell + cell - cell // 3)
    middle = slice(cols // 2 * cell + cell // 3, cols // 2 * cell + cell - cell // 3)
    picture[centre, middle] = (220, 40, 40)
    return picture


def difference_picture(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Two masks compared, ``(H, W, 3) uint8``: white kept, green added by ``after``, red removed, black never."""
    before, after = _check_gray(before, "before"), _check_gray(after, "after")
    if before.dtype != bool or after.dtype != bool or before.shape != after.shape:
        raise ValueError(f"before and after must be bool masks of one shape, got {before.shape} and {after.shape}")
    picture = np.zeros((*before.shape, 3), dtype=np.uint8)
    picture[before & after] = 255
    picture[after & ~before] = (40, 190, 60)
    picture[before & ~after] = (225, 45, 45)
    return picture


# ------------------------------------------------------------------------------- the noisy letter
@dataclass(frozen=True)
class NoisyLetter:
    """``clean``: the letter; ``salt``: white specks outside it; ``pepper``: black holes inside it (all bool)."""

    clean: np.ndarray
    salt: np.ndarray
    pepper: np.ndarray

    @property
    def noisy(self) -> np.ndarray:
        """The letter with the specks added and the holes punched: ``(H, W) bool``."""
        return (self.clean | self.salt) & ~self.pepper


@lru_cache(maxsize=8)
def noisy_letter(*, salt: float = SALT_DENSITY, pepper: float = PEPPER_DENSITY, seed: int = 0) -> NoisyLetter:
    """The letter "A" (``samples.letter``, :data:`LETTER_SIZE` px) with seeded salt and pepper noise.

    Salt pixels fall at random on the background at least :data:`SALT_MARGIN` px from the letter; pepper holes
    fall at random strictly inside it (never on its outline). The arrays are read-only (shared by the cache).
    """
    salt = checks.number("salt", salt, 0.0, 0.5)
    pepper = checks.number("pepper", pepper, 0.0, 0.5)
    seed = checks.integer("seed", seed, 0, 2**32 - 1)
    clean = samples.letter(size=LETTER_SIZE, text="A") >= 0.5
    rng = np.random.default_rng(seed)
    salt_mask = (rng.random(clean.shape) < salt) & ~ndimage.binary_dilation(clean, iterations=SALT_MARGIN)
    pepper_mask = (rng.random(clean.shape) < pepper) & ndimage.binary_erosion(clean)
    for array in (clean, salt_mask, pepper_mask):
        array.setflags(write=False)
    return NoisyLetter(clean, salt_mask, pepper_mask)


# ------------------------------------------------------------------------------------------ challenges
CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        "salt",
        "Remove the specks",
        "The letter below has white specks of salt noise around it. Choose an operation, an element and a number "
        f"of iterations that remove every speck without shrinking the letter by more than {AREA_TOLERANCE:.0%} "
        "of its area.",
    ),
    Challenge(
        "holes",
        "Fill the holes",
        "The letter below has small black holes punched inside it. Fill every hole, but keep the letter's own "
        f"shape: it may not grow by more than {AREA_TOLERANCE:.0%} of its area (and the A keeps its triangle).",
    ),
)
_CHALLENGE_KEYS = tuple(challenge.key for challenge in CHALLENGES)


def challenge_letter(key: str) -> NoisyLetter:
    """The image of challenge ``key``: salt only for ``"salt"``, pepper only for ``"holes"``."""
    if key not in _CHALLENGE_KEYS:
        raise ValueError(f"challenge must be one of {_CHALLENGE_KEYS}, got {key!r}")
    return noisy_letter(pepper=0.0) if key == "salt" else noisy_letter(salt=0.0)


def grade(key: str, *, operation: str, element: np.ndarray, iterations: int = 1) -> Grade:
    """Apply the user's operation to challenge ``key``'s image and check it against the clean letter."""
    letter = challenge_letter(key)
    clean = letter.clean
    result = morph(letter.noisy, operation=operation, element=element, iterations=iterations)
    area = int(clean.sum())
    lost = int((clean & ~result).sum())
    gained = int((result & ~clean).sum())
    feedback: list[str] = []
    if key == "salt":
        labels, count = ndimage.label(result, structure=np.ones((3, 3)))
        touching = set(np.unique(labels[clean & result])) - {0}
        specks = count - len(touching)
        speck_pixels = int((result & ~clean & ~np.isin(labels, list(touching))).sum())
        ok_specks = specks == 0
        ok_lost = lost <= AREA_TOLERANCE * area
        ok_gained = gained - speck_pixels <= AREA_TOLERANCE * area
        if ok_specks:
            feedback.append("No specks are left. ✔")
        else:
            hint = (
                "Dilation-first operations make every speck bigger; you need one that starts by eroding."
                if operation in ("dilate", "close")
                else "Try a larger element or one more iteration."
            )
            feedback.append(f"{specks} specks ({speck_pixels} white pixels) are still there. {hint}")
        if ok_lost:
            feedback.append(f"The letter kept {1 - lost / area:.1%} of its area. ✔")
        else:
            hint = (
                "Erosion alone shrinks every stroke: dilate afterwards with the same element (that is opening)."
                if operation == "erode"
                else "The element is too big (or there are too many iterations) for the letter's strokes."
            )
            feedback.append(f"The letter lost {lost / area:.1%} of its area ({lost} pixels). {hint}")
        if not ok_gained:
            feedback.append(
                f"The letter grew by {(gained - speck_pixels) / area:.1%}: this challenge wants it kept as it was."
            )
        passed = ok_specks and ok_lost and ok_gained
    else:
        holes = int(letter.pepper.sum())
        left = int((letter.pepper & ~result).sum())
        counter = ndimage.binary_fill_holes(clean) & ~clean  # the A's own triangle
        counter_filled = int((counter & result).sum()) > counter.sum() // 2
        ok_holes = left == 0
        ok_gained = gained <= AREA_TOLERANCE * area
        ok_lost = lost - left <= AREA_TOLERANCE * area
        if ok_holes:
            feedback.append(f"All {holes} holes are filled. ✔")
        else:
            hint = (
                "Erosion-first operations make every hole bigger; you need one that starts by dilating."
                if operation in ("erode", "open")
                else "Try a larger element or one more iteration."
            )
            feedback.append(f"{left} of the {holes} hole pixels are still black. {hint}")
        if ok_gained:
            feedback.append(f"The letter grew by only {gained / area:.1%}. ✔")
        else:
            hint = (
                "Dilation alone fattens every stroke: erode afterwards with the same element (that is closing)."
                if operation == "dilate"
                else "The element is too big: it also closes gaps that belong to the letter."
            )
            feedback.append(f"The letter grew by {gained / area:.1%} ({gained} pixels). {hint}")
        if counter_filled:
            feedback.append("The A's triangle got filled in: it is part of the letter's shape, not noise.")
        if not ok_lost:
            feedback.append(f"The letter lost {(lost - left) / area:.1%} of its area besides the holes.")
        passed = ok_holes and ok_gained and ok_lost and not counter_filled
    return Grade(passed, tuple(feedback), result)

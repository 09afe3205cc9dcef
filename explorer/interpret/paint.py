"""Paint your own occlusion: gray squares put on an image by hand, and the challenge "hide the digit".

A :class:`Patch` is a ``size × size`` square of the network's input, centred on the pixel at ``(row, col)``
(for an even size the extra row and column go up and left), cut off by the border. Coordinates are in the
network's input resolution (an 8×8 digit has 64 pixels to paint, however large it is drawn on screen)::

    painted = apply_patches(image, [Patch(3, 4, 2)])        # (C, H, W), gray where the square lies
    pixels = int(painted_mask(image.shape[1:], patches).sum())   # pixels painted, overlaps counted once

:func:`grade_hide` grades the challenge: the network's answer for the painted image must differ from its
answer for the untouched one, with at most :data:`HIDE_BUDGET` pixels painted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from explorer.core import checks
from explorer.core.grading import Grade
from explorer.interpret import challenges
from explorer.interpret.attribution import GRAY, check_image
from explorer.nets.predict_one import class_probabilities

# Most squares a picture keeps: a hand paints a few dozen; more only makes the session's state grow.
MAX_PATCHES = 256
# "at most 12 gray pixels" (explorer.interpret.challenges.MAX_HIDDEN_PIXELS): under a fifth of the digits
# model's 64 input pixels, and still enough with a careful choice: on the default model, a greedy search (each
# time the pixel that lowers the answer's probability most) flipped each of the first ten digits of the set
# with 2 to 9 pixels.
HIDE_BUDGET = challenges.MAX_HIDDEN_PIXELS
HIDE = challenges.HIDE_THE_DIGIT
# The challenge's rules spelled out (the page shows them under the prompt).
HIDE_RULES = (
    "Pixels are counted in the network's own resolution: on an 8×8 digit a 2×2 square is 4 of the 64 pixels, "
    "and a pixel painted twice counts once. You pass when the predicted class differs from the one the network "
    "predicted for the untouched image."
)


class Patch(NamedTuple):
    """A gray square: its centre pixel ``(row, col)`` and side ``size``, in the network's input pixels."""

    row: int
    col: int
    size: int


def patch_box(patch: Patch, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of ``patch`` on an image of ``shape`` ``(H, W)``, cut off by the border
    (``bottom`` and ``right`` exclusive, as in slicing)."""
    rows, cols = shape
    top, left = patch.row - patch.size // 2, patch.col - patch.size // 2
    return max(top, 0), min(top + patch.size, rows), max(left, 0), min(left + patch.size, cols)


def check_patches(patches: object, shape: tuple[int, int]) -> list[Patch]:
    """``patches`` as a list of :class:`Patch` (any sequence of ``(row, col, size)`` triples), each centre
    inside ``shape`` ``(H, W)`` and each size from 1 to the image's longer side; else ``ValueError``."""
    if isinstance(patches, (str, bytes)) or not isinstance(patches, Sequence):
        raise ValueError(f"patches must be a sequence of (row, col, size), got {type(patches).__name__}")
    if len(patches) > MAX_PATCHES:
        raise ValueError(f"patches must be at most {MAX_PATCHES}, got {len(patches)}")
    rows, cols = shape
    checked = []
    for index, patch in enumerate(patches):
        if isinstance(patch, (str, bytes)) or not isinstance(patch, Sequence) or len(patch) != 3:
            raise ValueError(f"patches[{index}] must be (row, col, size), got {patch!r}")
        row = checks.integer(f"patches[{index}] row", patch[0], 0, rows - 1, wrong_type=ValueError)
        col = checks.integer(f"patches[{index}] column", patch[1], 0, cols - 1, wrong_type=ValueError)
        size = checks.integer(f"patches[{index}] size", patch[2], 1, max(rows, cols), wrong_type=ValueError)
        checked.append(Patch(row, col, size))
    return checked


def painted_mask(shape: tuple[int, int], patches: Sequence) -> np.ndarray:
    """``(H, W) bool``: True on every pixel some patch covers."""
    rows, cols = (checks.integer(name, value, 1, wrong_type=ValueError) for name, value in zip(("rows", "cols"), shape))
    mask = np.zeros((rows, cols), dtype=bool)
    for patch in check_patches(patches, (rows, cols)):
        top, bottom, left, right = patch_box(patch, (rows, cols))
        mask[top:bottom, left:right] = True
    return mask


def apply_patches(image: np.ndarray, patches: Sequence, *, value: float = GRAY) -> np.ndarray:
    """A copy of ``image`` ``(C, H, W)`` with every channel set to ``value`` (0.5: the middle gray of the
    ``[0, 1]`` range) under the patches; same shape and dtype. No patches: an equal copy."""
    image = check_image(image)
    value = checks.number("value", value, wrong_type=ValueError)
    painted = image.copy()
    painted[:, painted_mask(image.shape[1:], patches)] = value
    return painted


def click_to_pixel(x: float, y: float, *, width: float, height: float, shape: tuple[int, int]) -> tuple[int, int]:
    """A click at ``(x, y)`` on the image drawn ``width × height`` screen pixels -> ``(row, col)`` of an image
    of ``shape`` ``(H, W)``, clamped to it."""
    rows, cols = shape
    if not (width > 0 and height > 0):
        raise ValueError(f"width and height must be positive, got {width} × {height}")
    row = int(np.floor(y * rows / height))
    col = int(np.floor(x * cols / width))
    return min(max(row, 0), rows - 1), min(max(col, 0), cols - 1)


def outline(mask: np.ndarray, *, factor: int, width: int = 2) -> np.ndarray:
    """Where to draw the edge of the painted region on the picture enlarged ``factor`` times:
    ``(H·factor, W·factor) bool``, True on the ``width`` screen pixels just inside the region's border (against
    unpainted pixels and the image's edge), so a gray square stays visible on a gray part of the image.

    mask : ``(H, W) bool`` from :func:`painted_mask`. ``width`` is at most ``factor // 3`` (at least 1), so
    a painted pixel keeps some gray inside its frame.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be (H, W), got shape {mask.shape}")
    factor = checks.integer("factor", factor, 1, wrong_type=ValueError)
    width = min(checks.integer("width", width, 1, wrong_type=ValueError), max(1, factor // 3))
    big = np.repeat(np.repeat(mask, factor, axis=0), factor, axis=1)  # (H·f, W·f)
    inside = np.pad(big, width, constant_values=False)
    for axis in (0, 1):  # erode by ``width`` along both axes: a pixel stays when all within ``width`` are painted
        shifted = [np.roll(inside, shift, axis=axis) for shift in range(-width, width + 1)]
        inside = np.logical_and.reduce(shifted)
    return big & ~inside[width:-width, width:-width]


def grade_hide(
    model, image: np.ndarray, patches: Sequence, *, budget: int = HIDE_BUDGET, class_names: Sequence[str] | None = None
) -> Grade:
    """The challenge "hide the digit": passed when the network's predicted class for ``image`` painted with
    ``patches`` (:func:`apply_patches`) differs from its class for ``image`` itself, with at most ``budget``
    pixels painted (:func:`painted_mask`, in the network's input resolution).

    ``result`` is the painted image ``(C, H, W)``; ``feedback``'s first sentence is the verdict's reason, naming
    classes by ``class_names`` when given (else by index).
    """
    image = check_image(image)
    budget = checks.integer("budget", budget, 1, wrong_type=ValueError)
    pixels = int(painted_mask(image.shape[1:], patches).sum())
    painted = apply_patches(image, patches)
    before = class_probabilities(model, image.astype(np.float32))
    after = class_probabilities(model, painted.astype(np.float32))
    was, now = int(np.argmax(before)), int(np.argmax(after))
    names = [str(index) for index in range(len(before))] if class_names is None else [str(n) for n in class_names]
    if len(names) != len(before):
        raise ValueError(f"class_names must name the network's {len(before)} classes, got {len(names)}")
    changed = now != was
    within = pixels <= budget
    feedback: list[str] = []
    still = f"The network still answers “{names[was]}” ({after[was]:.0%}, was {before[was]:.0%})"
    if changed and within:
        feedback.append(
            f"With {pixels} gray pixel{'s' if pixels != 1 else ''} the network now answers “{names[now]}” "
            f"instead of “{names[was]}”."
        )
    elif changed:
        feedback.append(
            f"The answer changed to “{names[now]}”, but with {pixels} pixels painted, more than {budget}: undo some."
        )
    elif within:
        feedback.append(f"{still} with {pixels} of {budget} pixels painted.")
        feedback.append("Look at the occlusion map above: the reddest pixels are the ones the answer depends on most.")
    else:
        feedback.append(f"{still}, and {pixels} pixels are painted, more than {budget}.")
    if not within:
        feedback.append(f"Only {budget} painted pixels are allowed; each square counts all the pixels it covers.")
    return Grade(passed=changed and within, feedback=tuple(feedback), result=painted)

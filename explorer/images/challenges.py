"""The lesson's three kernel puzzles, graded automatically on small synthetic test images.

Each :class:`Challenge` asks for a 3x3 kernel. :func:`grade` runs the kernel on test patterns from
:mod:`explorer.images.samples` (noise, stripes, step edges, 64 x 64) and checks each criterion separately, so the
feedback can say exactly which one failed, by how much, and what to try next.

Responses are measured with ``padding="valid"``: only windows that lie fully inside the test image count,
so no padding choice can help or hurt a kernel.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from explorer.core.grading import Challenge, Grade
from explorer.images import samples
from explorer.images.convolution import correlate
from explorer.images.kernels import check_kernel

KERNEL_SHAPE = (3, 3)  # the lesson asks for 3x3 kernels in all three puzzles
# Test patterns: 64 x 64 is large enough for many edge and stripe positions, small enough to grade instantly.
TEST_SIZE = 64
STRIPE_PERIOD = 8  # pixels per cycle: a 3x3 kernel sees a clear change of brightness across it
# A blur keeps brightness: |sum - 1| up to this still counts (typed entries like 0.111 sum to 0.999).
SUM_TOLERANCE = 0.01
# A blur must bring the noise's spread (std) below this fraction of the input's. Averaging n equal
# weights gives 1/sqrt(n): 0.33 for the 3x3 box, 0.38 for the 1-2-1 Gaussian; 0.6 needs real averaging.
NOISE_FRACTION = 0.6
# An edge response counts as "strong" from this size on (a 0-to-1 step edge; the lesson's kernels give 3-4).
STRONG = 0.25
# A response counts as "about 0" when it is at most this fraction of the kernel's strong response.
LEAK_FRACTION = 0.05
# On a flat area an edge detector should give 0; this much is rounding.
FLAT_TOLERANCE = 1e-3
# For "all edges": the weakest direction must reach this fraction of the strongest one.
BALANCE = 0.25


CHALLENGES: tuple[Challenge, ...] = (
    Challenge(
        key="blur",
        title="Blur",
        prompt="Design a 3×3 kernel that blurs: each pixel should become a mix of itself and its "
        "neighbours, without making the image brighter or darker.",
    ),
    Challenge(
        key="horizontal",
        title="Only horizontal edges",
        prompt="Design a 3×3 kernel that reacts to horizontal edges (where brightness changes from one "
        "row to the next) but gives about 0 on vertical edges.",
    ),
    Challenge(
        key="all_edges",
        title="Edges in every direction",
        prompt="Design a 3×3 kernel that finds edges whatever their direction, but gives exactly 0 on "
        "flat areas of a single colour.",
    ),
)
_BY_KEY = {challenge.key: challenge for challenge in CHALLENGES}


@cache
def _image(kind: str, angle: float = 0.0) -> np.ndarray:
    """Test pattern, computed once; read-only so no caller can change a shared copy."""
    if kind == "noise":
        image = samples.noise(size=TEST_SIZE, seed=0)
    elif kind == "stripes":
        image = samples.stripes(size=TEST_SIZE, angle=angle, period=STRIPE_PERIOD)
    else:
        image = samples.step_edge(size=TEST_SIZE, angle=angle)
    image.flags.writeable = False
    return image


def _response(kernel: np.ndarray, kind: str, angle: float = 0.0) -> np.ndarray:
    return correlate(_image(kind, angle), kernel, padding="valid")


def _spread(values: np.ndarray) -> float:
    """How much a response changes across the image (max - min)."""
    return float(values.max() - values.min())


def _shape_feedback(kernel: np.ndarray) -> list[str]:
    if kernel.shape == KERNEL_SHAPE:
        return []
    rows, cols = kernel.shape
    return [f"The puzzle asks for a 3×3 kernel; yours is {rows}×{cols}. Set the size to 3 rows and 3 columns."]


def _grade_blur(kernel: np.ndarray) -> list[str]:
    feedback = _shape_feedback(kernel)
    smallest = float(kernel.min())
    if smallest < 0:
        feedback.append(
            f"Some entries are negative (the smallest is {smallest:g}). A blur only averages, so every "
            "weight should be 0 or more; negative weights subtract neighbours, which sharpens or finds edges."
        )
    total = float(kernel.sum(dtype=np.float64))
    if abs(total - 1.0) > SUM_TOLERANCE:
        hint = f" Try dividing every entry by {total:g}." if total > 0 else ""
        feedback.append(
            f"Your kernel sums to {total:g}; a blur should keep the brightness, so its entries should sum to 1.{hint}"
        )
    # Graininess is compared after undoing the kernel's overall gain, so a blur that only forgot to
    # divide by its sum is told about the sum, not about the noise.
    gain = total if total > SUM_TOLERANCE else 1.0
    ratio = float(_response(kernel, "noise").std() / abs(gain) / _image("noise").std())
    if ratio > 1.0:
        feedback.append(
            f"On a noise image your kernel makes the grain stronger ({ratio:.0%} of the input's spread) "
            f"instead of smoothing it; a blur should bring it below {NOISE_FRACTION:.0%}. Mixing in "
            "neighbours with positive weights evens the grain out."
        )
    elif ratio >= NOISE_FRACTION:
        feedback.append(
            f"On a noise image the output is still {ratio:.0%} as grainy as the input (a blur should bring "
            f"that below {NOISE_FRACTION:.0%}). Give the neighbours more weight, not just the centre, so "
            "each pixel becomes an average."
        )
    return feedback


def _grade_horizontal(kernel: np.ndarray) -> list[str]:
    feedback = _shape_feedback(kernel)
    strong = max(_spread(_response(kernel, "edge", 90.0)), _spread(_response(kernel, "stripes", 90.0)))
    if strong < STRONG:
        feedback.append(
            f"Your kernel barely reacts to a horizontal edge (its output changes by only {strong:.2g} across "
            "it). Give the row above the centre and the row below it opposite signs, so a change from one "
            "row to the next shows up."
        )
    leak = max(
        float(np.abs(_response(kernel, "edge", 0.0)).max()),
        float(np.abs(_response(kernel, "stripes", 0.0)).max()),
    )
    if leak > LEAK_FRACTION * max(strong, STRONG):
        feedback.append(
            f"It also reacts to vertical edges and stripes (up to {leak:.2g}, against {strong:.2g} for "
            "horizontal ones). For a vertical edge to cancel out, the entries in each column of the kernel "
            "must add up to 0."
        )
    return feedback


_DIRECTIONS = ((0.0, "vertical"), (45.0, "diagonal (/)"), (90.0, "horizontal"), (135.0, "diagonal (\\)"))


def _grade_all_edges(kernel: np.ndarray) -> list[str]:
    feedback = _shape_feedback(kernel)
    total = float(kernel.sum(dtype=np.float64))
    flat = float(correlate(np.full((8, 8), 0.5, dtype=np.float32), kernel, padding="valid")[0, 0])
    if abs(total) > FLAT_TOLERANCE:
        feedback.append(
            f"On a flat grey area (0.5) your kernel gives {flat:.3g} instead of 0, because its entries sum "
            f"to {total:g}. Make them sum to 0 so that equal neighbours cancel out."
        )
    strengths = {name: _spread(_response(kernel, "edge", angle)) for angle, name in _DIRECTIONS}
    strongest = max(strengths.values())
    if strongest < STRONG:
        feedback.append(
            f"Your kernel barely reacts to edges (its output changes by at most {strongest:.2g} across one). "
            "Weight the centre against its neighbours, so a pixel that differs from its surroundings stands out."
        )
    else:
        for name, strength in strengths.items():
            if strength < BALANCE * strongest:
                feedback.append(
                    f"It misses {name} edges (a change of {strength:.2g} across them, against {strongest:.2g} "
                    "for the direction it sees best). An all-direction detector needs weights on every side "
                    "of the centre."
                )
    return feedback


_GRADERS = {"blur": _grade_blur, "horizontal": _grade_horizontal, "all_edges": _grade_all_edges}
_PRAISE = {
    "blur": "Well done: your kernel averages each pixel with its neighbours and keeps the brightness, so "
    "noise is smoothed away.",
    "horizontal": "Well done: your kernel lights up on horizontal edges and stays dark on vertical ones.",
    "all_edges": "Well done: your kernel finds edges in every direction and stays at 0 on flat areas.",
}


def grade(key: str, kernel: np.ndarray) -> Grade:
    """Check ``kernel`` against challenge ``key`` (one of the keys in :data:`CHALLENGES`)."""
    if key not in _BY_KEY:
        raise ValueError(f"key must be one of {', '.join(_BY_KEY)}; got {key!r}")
    kernel = check_kernel(kernel)
    problems = _GRADERS[key](kernel)
    if problems:
        return Grade(passed=False, feedback=tuple(problems))
    return Grade(passed=True, feedback=(_PRAISE[key],))

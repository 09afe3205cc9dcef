"""Which of conv1's filters detect vertical edges: a filter's response to a step edge, and the grading of the
challenge "find the conv1 filter that is a vertical-edge detector" (``explorer.interpret.challenges.VERTICAL_EDGE``).

A *vertical* edge is a brightness change along the columns (dark on the left, bright on the right, or the other
way round); a *horizontal* edge changes along the rows. A filter's response to an edge is measured on a gray
step of height 1, with the filter's mean taken away first: what a flat blur of the same sum would give (it
only follows the brightness) is not counted as edge detection. With ``K0 = K − mean(K)`` summed over the input
channels (a gray edge is the same in every channel), slide ``K0`` across a vertical step: where the step falls
between kernel columns ``j − 1`` and ``j``, the output is the sum of the columns on the bright side,
``sum(K0[:, j:])``, and on either flat side it is 0. The vertical response is the largest magnitude of these
sums (either polarity counts), ``j = 1 .. kw − 1``; the horizontal one is the same over the rows.

No torch here: the filters come in as the array :func:`explorer.interpret.activations.conv1_filters` returns.
"""

from __future__ import annotations

import numbers

import numpy as np

from explorer.core.grading import Grade

# A filter "is a vertical-edge detector" when its vertical response is at least twice its horizontal one and at
# least half the strongest vertical response among the model's filters (a nearly dead filter's ratio means
# nothing). On the shipped models this picks 4 of 32 digits filters and 4 of 16 shapes filters.
MIN_RATIO = 2.0
MIN_STRENGTH = 0.5


def _check_filters(filters: object) -> np.ndarray:
    array = np.asarray(filters)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"filters must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 3:
        array = array[:, None]
    if array.ndim != 4 or 0 in array.shape:
        raise ValueError(f"filters must be a non-empty (F, C, kh, kw) or (F, kh, kw) array, got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError("filters must hold finite numbers only, but they contain NaN or infinity")
    return array


def edge_responses(filters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each filter's response to a vertical and to a horizontal gray step edge of height 1 (module docstring).

    filters : ``(F, C, kh, kw)`` (as torch stores conv weights) or ``(F, kh, kw)`` real array.

    Returns ``(vertical (F,), horizontal (F,))`` float64, both ``>= 0``. A ``1 × kw`` filter has no horizontal
    response (no row to put a step between), a filter with equal cells neither.
    """
    array = _check_filters(filters)
    gray = array.sum(axis=1)  # (F, kh, kw): a gray edge is the same in every channel
    zero_mean = gray - gray.mean(axis=(1, 2), keepdims=True)
    columns = zero_mean.sum(axis=1)  # (F, kw)
    rows = zero_mean.sum(axis=2)  # (F, kh)
    # sum(K0[:, j:]) = −sum(K0[:, :j]) since K0 sums to 0: the prefix sums give the same magnitudes.
    vertical = np.abs(np.cumsum(columns, axis=1)[:, :-1]).max(axis=1, initial=0.0)
    horizontal = np.abs(np.cumsum(rows, axis=1)[:, :-1]).max(axis=1, initial=0.0)
    return vertical, horizontal


def vertical_detectors(filters: np.ndarray) -> np.ndarray:
    """The indices of the filters that count as vertical-edge detectors, ``(n,) int64`` ascending.

    A filter counts when its vertical response is at least :data:`MIN_RATIO` times its horizontal one and at
    least :data:`MIN_STRENGTH` times the largest vertical response of all filters. When no filter meets both,
    the most vertical one (largest vertical share ``V / (V + H)`` times strength ``V / max V``) counts alone, so
    the challenge always has an answer; none at all only when no filter responds to a vertical edge.
    """
    vertical, horizontal = edge_responses(filters)
    strongest = vertical.max()
    if strongest <= 0:
        return np.zeros(0, dtype=np.int64)
    chosen = np.flatnonzero((vertical >= MIN_RATIO * horizontal) & (vertical >= MIN_STRENGTH * strongest))
    if chosen.size:
        return chosen.astype(np.int64)
    share = vertical / np.maximum(vertical + horizontal, np.finfo(np.float64).tiny)
    return np.array([int(np.argmax(share * vertical / strongest))], dtype=np.int64)


def grade_vertical_edge(filters: np.ndarray, index: int) -> Grade:
    """Grade the answer "filter ``index`` is a vertical-edge detector" (``challenges.VERTICAL_EDGE``).

    Passed when ``index`` is one of :func:`vertical_detectors`; the feedback gives the filter's two responses
    and, when it fails, what is wrong with it and how many filters would pass.
    """
    array = _check_filters(filters)
    count = len(array)
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < count:
        raise ValueError(f"index must be a filter number from 0 to {count - 1}, got {index!r}")
    vertical, horizontal = edge_responses(array)
    answers = vertical_detectors(array)
    v, h = float(vertical[index]), float(horizontal[index])
    numbers_line = f"Filter {index} answers a vertical edge with {v:.3g} and a horizontal edge with {h:.3g}."
    if not answers.size:
        return Grade(False, (numbers_line, "None of this model's conv1 filters responds to a vertical edge at all."))
    if index in answers:
        others = len(answers) - 1
        more = f" {others} other filter{'s' if others != 1 else ''} would also pass." if others else ""
        return Grade(True, (numbers_line, f"That is a vertical-edge detector.{more}"))
    if v + h <= 1e-9 * float(vertical.max()):
        why = "It does not answer a straight edge at all (a blur, for one, only follows the brightness)."
    elif v < MIN_RATIO * h:
        why = (
            "It answers horizontal edges more strongly than vertical ones."
            if h > v
            else f"Its vertical response is less than {MIN_RATIO:g} times its horizontal one: it sees edges of "
            "several directions."
        )
    else:
        why = (
            f"It prefers vertical edges, but weakly: less than {MIN_STRENGTH:.0%} of the strongest filter's "
            "vertical response."
        )
    hint = (
        "Look for a filter with a bright column on one side and a dark one on the other, and a frequency "
        "picture bright along the left and right, dark at the top and bottom."
    )
    return Grade(False, (numbers_line, why, f"{len(answers)} filter{'s' if len(answers) != 1 else ''} pass. {hint}"))

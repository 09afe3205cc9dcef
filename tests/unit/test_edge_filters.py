"""explorer.interpret.edge_filters: step-edge responses against SciPy's correlation of real step images, and the
vertical-edge challenge graded on hand-built filters."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from explorer.images import kernels
from explorer.interpret import edge_filters


def _scipy_responses(kernel: np.ndarray) -> tuple[float, float]:
    """Slide the zero-mean kernel over a 0/1 step image, vertical then horizontal; the largest |output|."""
    zero_mean = kernel - kernel.mean()
    step = np.zeros((21, 21))
    step[:, 11:] = 1.0  # a vertical edge: dark left, bright right
    vertical = np.abs(ndimage.correlate(step, zero_mean, mode="nearest")).max()
    horizontal = np.abs(ndimage.correlate(step.T, zero_mean, mode="nearest")).max()
    return float(vertical), float(horizontal)


@pytest.mark.parametrize(
    "name", ["vertical edges", "sobel x", "horizontal edges", "laplacian (8 in the centre)", "emboss"]
)
def test_responses_equal_scipys_correlation_of_a_step(name):
    kernel = kernels.preset(name).astype(np.float64)
    vertical, horizontal = edge_filters.edge_responses(kernel[None])
    assert (vertical[0], horizontal[0]) == pytest.approx(_scipy_responses(kernel), abs=1e-9)


def test_random_5x5_and_non_square_filters_match_scipy():
    rng = np.random.default_rng(3)
    for shape in [(5, 5), (3, 5), (4, 2)]:
        kernel = rng.normal(size=shape)
        vertical, horizontal = edge_filters.edge_responses(kernel[None, None])
        assert (vertical[0], horizontal[0]) == pytest.approx(_scipy_responses(kernel), abs=1e-9)


def test_hand_counted_responses_and_a_blur_has_none():
    # [[1, 0, -1]] × 3 rows: columns add up to 3, 0, −3; the step between columns 0 and 1 gives |3| = 3.
    filters = np.stack([kernels.preset("vertical edges"), kernels.preset("box blur 3×3")])
    vertical, horizontal = edge_filters.edge_responses(filters)
    np.testing.assert_allclose(vertical, [3.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(horizontal, [0.0, 0.0], atol=1e-6)


def test_a_colour_filter_answers_a_gray_edge_with_the_sum_of_its_channels():
    sobel = kernels.preset("sobel x").astype(np.float64)
    colour = np.stack([sobel, 0.5 * sobel, np.zeros((3, 3))])[None]  # (1, 3, 3, 3)
    vertical, horizontal = edge_filters.edge_responses(colour)
    assert vertical[0] == pytest.approx(1.5 * 4.0)  # sobel x: columns −4, 0, 4
    assert horizontal[0] == pytest.approx(0.0)


def _bank() -> np.ndarray:
    return np.stack(
        [
            kernels.preset("box blur 3×3"),  # 0: no edge response
            kernels.preset("horizontal edges"),  # 1
            kernels.preset("sobel x"),  # 2: vertical, strongest (4)
            kernels.preset("laplacian (8 in the centre)"),  # 3: both directions alike
            kernels.preset("vertical edges"),  # 4: vertical (3 ≥ half of 4)
            0.2 * kernels.preset("vertical edges"),  # 5: vertical but weak (0.6 < 2)
        ]
    )[:, None]


def test_the_vertical_detectors_of_a_hand_built_bank():
    assert edge_filters.vertical_detectors(_bank()).tolist() == [2, 4]


@pytest.mark.parametrize(
    ("index", "passed", "reason"),
    [
        (2, True, "vertical-edge detector"),
        (4, True, "vertical-edge detector"),
        (1, False, "horizontal edges more strongly"),
        (3, False, "several directions"),
        (5, False, "weakly"),
        (0, False, "does not answer a straight edge"),
    ],
)
def test_grading_each_filter_of_the_bank(index, passed, reason):
    grade = edge_filters.grade_vertical_edge(_bank(), index)
    assert grade.passed is passed
    assert reason in " ".join(grade.feedback)


def test_without_a_clear_detector_the_most_vertical_filter_is_the_answer():
    diagonal = np.array([[0, 1, 2], [-1, 0, 1], [-2, -1, 0]], dtype=float)  # V = H = 3
    leaning = np.array([[-2, 0, 1], [-1, 0, 1], [0, 1, 2]], dtype=float)  # V = 11/3, H = 7/3 (< 2×)
    filters = np.stack([diagonal, leaning])[:, None]
    vertical, horizontal = edge_filters.edge_responses(filters)
    np.testing.assert_allclose(vertical, [3, 11 / 3])  # by hand: column sums − mean, then prefix sums
    np.testing.assert_allclose(horizontal, [3, 7 / 3])
    assert edge_filters.vertical_detectors(filters).tolist() == [1]
    assert edge_filters.grade_vertical_edge(filters, 1).passed


def test_no_filter_responds_to_a_vertical_edge():
    filters = np.stack([np.ones((3, 3)), kernels.preset("horizontal edges")])[:, None]
    assert edge_filters.vertical_detectors(filters).size == 0
    grade = edge_filters.grade_vertical_edge(filters, 1)
    assert not grade.passed and "None of this model" in grade.feedback[-1]


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="filters must be a non-empty"):
        edge_filters.edge_responses(np.ones((3, 3)))
    with pytest.raises(ValueError, match="finite"):
        edge_filters.edge_responses(np.full((1, 3, 3), np.nan))
    with pytest.raises(ValueError, match="real numbers"):
        edge_filters.edge_responses(np.array([["a"]]))
    with pytest.raises(ValueError, match="index must be a filter number from 0 to 5"):
        edge_filters.grade_vertical_edge(_bank(), 6)
    with pytest.raises(ValueError, match="index"):
        edge_filters.grade_vertical_edge(_bank(), True)

"""explorer.images.kernels: presets, Gaussian (against OpenCV), parsing typed cells, normalising, resizing, text."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.images import kernels


def test_presets_hold_the_lesson_kernels():
    expected = {
        "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
        "horizontal edges": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
        "vertical edges": [[1, 0, -1]] * 3,
        "laplacian (8 in the centre)": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
        "sobel x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
        "sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    }
    for name, values in expected.items():
        np.testing.assert_array_equal(kernels.PRESETS[name], values)
    # Raw box blurs, as the lesson writes them: the sums are 9, 25 and 110.
    assert kernels.PRESETS["box blur 3×3"].sum() == 9
    assert kernels.PRESETS["box blur 5×5"].sum() == 25
    assert kernels.PRESETS["box blur 10×11"].shape == (10, 11) and kernels.PRESETS["box blur 10×11"].sum() == 110
    assert kernels.PRESETS["gaussian 5×5"].sum() == pytest.approx(1.0, abs=1e-6)
    for name in ("emboss", "outline"):
        assert name in kernels.PRESETS


def test_sobel_matches_opencv():
    image = np.random.default_rng(0).random((12, 10), dtype=np.float32)
    gx = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
    np.testing.assert_allclose(cv2.filter2D(image, -1, kernels.PRESETS["sobel x"]), gx, atol=1e-6)
    np.testing.assert_allclose(cv2.filter2D(image, -1, kernels.PRESETS["sobel y"]), gy, atol=1e-6)


def test_presets_are_read_only_and_preset_returns_a_copy():
    for name, array in kernels.PRESETS.items():
        assert array.dtype == np.float32 and not array.flags.writeable, name
    copy = kernels.preset("sharpen")
    copy[0, 0] = 99
    assert kernels.PRESETS["sharpen"][0, 0] == 0
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        kernels.PRESETS["identity"][1, 1] = 2


def test_unknown_preset_lists_the_names():
    with pytest.raises(ValueError, match=r"preset name must be one of identity, box blur 3×3, .*; got 'blurr'"):
        kernels.preset("blurr")


@pytest.mark.parametrize(("size", "sigma"), [(3, 0.8), (5, 1.0), (7, 2.5), (15, 3.0), (1, 1.0)])
def test_gaussian_matches_opencv(size, sigma):
    line = cv2.getGaussianKernel(size, sigma)
    expected = line @ line.T
    result = kernels.gaussian(size=size, sigma=sigma)
    assert result.shape == (size, size) and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, atol=1e-7)
    assert result.sum() == pytest.approx(1.0, abs=1e-6)


def test_even_gaussian_is_centred_between_the_middle_cells():
    # Hand-computed 1-D samples at -1.5, -0.5, 0.5, 1.5 (OpenCV samples even sizes differently).
    line = np.exp(-(np.array([1.5, 0.5, 0.5, 1.5]) ** 2) / (2 * 1.2**2))
    line /= line.sum()
    np.testing.assert_allclose(kernels.gaussian(size=4, sigma=1.2), np.outer(line, line), atol=1e-7)


def test_gaussian_bad_input():
    with pytest.raises(ValueError, match="size must be from 1 to 15, got 16"):
        kernels.gaussian(size=16, sigma=1.0)
    with pytest.raises(ValueError, match="sigma must be > 0.0, got 0"):
        kernels.gaussian(size=3, sigma=0)


# ------------------------------------------------------------------------------------------- parsing


def test_parse_kernel_accepts_numbers_and_fractions():
    cells = [["1", " -2.5 ", "1/9"], ["1e-3", 2, 0.5], [None is None, -0.0, "+.5"]]
    cells[2][0] = "3"
    result = kernels.parse_kernel(cells)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, [[1, -2.5, 1 / 9], [1e-3, 2, 0.5], [3, 0, 0.5]], rtol=1e-7)
    np.testing.assert_array_equal(kernels.parse_kernel(np.ones((2, 3))), np.ones((2, 3)))
    np.testing.assert_array_equal(kernels.parse_kernel([[" 1 / 4 "]]), [[0.25]])


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ([["1", "2", "3"], ["4", "5", "abc"]], "kernel cell (row 2, column 3) is 'abc', not a number"),
        ([["1", ""]], "kernel cell (row 1, column 2) is empty"),
        ([["1"], [None]], "kernel cell (row 2, column 1) is empty"),
        ([[float("nan"), 1]], "kernel cell (row 1, column 1) is empty or not a number (NaN)"),
        ([["nan"]], "kernel cell (row 1, column 1) is 'nan', not a number"),
        ([["inf"]], "kernel cell (row 1, column 1) is 'inf', not a number"),
        ([[float("inf")]], "kernel cell (row 1, column 1) is inf; entries must be between -1000 and 1000"),
        ([["1e308"]], "kernel cell (row 1, column 1) is 1e+308; entries must be between -1000 and 1000"),
        ([[1, -1000.5]], "kernel cell (row 1, column 2) is -1000.5; entries must be between -1000 and 1000"),
        ([["1/0"]], "kernel cell (row 1, column 1) is '1/0', which divides by zero"),
        ([["2*3"]], "kernel cell (row 1, column 1) is '2*3', not a number"),
        ([["__import__('os').system"]], "is \"__import__('os').sys\u2026\", not a number"),
        ([[True]], "kernel cell (row 1, column 1) is True, not a number"),
        ([[1, 2], [3]], "kernel row 2 has 1 cells but row 1 has 2; every row needs the same number"),
        ([], "kernel must have 1 to 15 rows, got 0"),
        ([[]], "kernel must have 1 to 15 columns, got 0"),
        ([[0] * 3] * 16, "kernel must have 1 to 15 rows, got 16"),
        ([[0] * 16], "kernel must have 1 to 15 columns, got 16"),
    ],
)
def test_parse_kernel_refuses_with_the_cell_named(cells, message):
    with pytest.raises(ValueError) as caught:
        kernels.parse_kernel(cells)
    assert message in str(caught.value)


def test_parse_kernel_wrong_types():
    with pytest.raises(TypeError, match="kernel cells must be a list of rows, got str"):
        kernels.parse_kernel("1,2;3,4")
    with pytest.raises(TypeError, match="kernel row 1 must be a list of cells, got int"):
        kernels.parse_kernel([1, 2])


# ------------------------------------------------------------------------------------------ changing


def test_normalize():
    np.testing.assert_allclose(kernels.normalize(np.ones((3, 3))), np.full((3, 3), 1 / 9), rtol=1e-7)
    np.testing.assert_allclose(kernels.normalize([[2, -1]]), [[2, -1]])
    with pytest.raises(ValueError) as caught:
        kernels.normalize(kernels.PRESETS["sobel x"])
    assert "entries sum to 0, so the kernel can't be normalised" in str(caught.value)
    assert "edge kernels" in str(caught.value)


def test_blurs_are_the_presets_that_average():
    # A blur mixes several pixels with non-negative weights; the identity has one weight, the rest a negative one.
    assert kernels.BLURS <= kernels.PRESETS.keys()
    for name, values in kernels.PRESETS.items():
        assert (name in kernels.BLURS) == bool((values >= 0).all() and np.count_nonzero(values) > 1), name


def test_matching_preset():
    assert kernels.matching_preset(np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])) == "sharpen"
    assert kernels.matching_preset(np.ones((3, 3))) == "box blur 3×3"
    assert kernels.matching_preset(np.ones((3, 3)) / 9) is None  # the values, not the effect
    assert kernels.matching_preset(np.ones((3, 4))) is None


@pytest.mark.parametrize(
    ("kernel", "words"),
    [
        (kernels.PRESETS["sobel x"], "sum to 0"),
        (np.zeros((2, 2)), "sum to 0"),
        ([[-1, 0, -1], [-2, 0, -2], [-1, 0, -1]], "sum to -8"),  # the edited Sobel of the walkthrough
        (kernels.PRESETS["sharpen"], "“sharpen” is not a blur"),
        (kernels.PRESETS["emboss"], "“emboss” is not a blur"),
    ],
)
def test_normalize_refusal_says_why(kernel, words):
    reason = kernels.normalize_refusal(kernel)
    assert reason is not None and words in reason and "not normalised" in reason


@pytest.mark.parametrize(
    "kernel",
    [*(kernels.PRESETS[name] for name in sorted(kernels.BLURS)), [[1, 1], [1, 5]], [[0, -1, 0], [-1, 6, -1]]],
)
def test_normalize_refusal_lets_blurs_and_positive_sums_through(kernel):
    assert kernels.normalize_refusal(kernel) is None


def test_resize_keeps_the_centred_overlap():
    kernel = np.arange(1, 10, dtype=np.float32).reshape(3, 3)
    grown = kernels.resize(kernel, rows=5, cols=5)
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = kernel
    np.testing.assert_array_equal(grown, expected)
    np.testing.assert_array_equal(kernels.resize(grown, rows=3, cols=3), kernel)
    np.testing.assert_array_equal(kernels.resize(kernel, rows=1, cols=1), [[5]])
    # 3 -> 4 columns: the anchor moves from column 1 to column 2, so a zero column appears on the left.
    np.testing.assert_array_equal(kernels.resize(kernel, rows=3, cols=4)[:, 0], [0, 0, 0])
    np.testing.assert_array_equal(kernels.resize(kernel, rows=3, cols=4)[:, 1:], kernel)
    big = np.arange(110, dtype=np.float32).reshape(10, 11)
    np.testing.assert_array_equal(kernels.resize(big, rows=3, cols=3), big[4:7, 4:7])
    with pytest.raises(ValueError, match="rows must be from 1 to 15, got 0"):
        kernels.resize(kernel, rows=0, cols=3)


# ----------------------------------------------------------------------------------------------- text


def test_to_text_is_compact():
    assert kernels.to_text(kernels.PRESETS["sobel y"]) == "-1,-2,-1;0,0,0;1,2,1"
    assert kernels.to_text([[0.5, -0.0, 1e-6]]) == "0.5,0,1e-06"
    assert kernels.to_text(kernels.normalize(np.ones((1, 2)))) == "0.5,0.5"


def test_from_text():
    np.testing.assert_array_equal(kernels.from_text("1,2,1;0,0,0;-1,-2,-1"), [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    np.testing.assert_allclose(kernels.from_text("1/9, 1/9"), [[1 / 9, 1 / 9]], rtol=1e-7)
    for text, message in [
        ("", "kernel text is empty"),
        ("1,2;3", "kernel row 2 has 1 cells but row 1 has 2"),
        ("1,x", "kernel cell (row 1, column 2) is 'x', not a number"),
        ("1" * 5001, "kernel text must be at most 5000 characters"),
    ]:
        with pytest.raises(ValueError) as caught:
            kernels.from_text(text)
        assert message in str(caught.value)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.integers(1, 15),
    cols=st.integers(1, 15),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-5, 0.01, 1.0, 1000.0]),
)
def test_text_round_trip_is_exact(rows, cols, seed, scale):
    kernel = np.random.default_rng(seed).uniform(-1, 1, (rows, cols)).astype(np.float32) * np.float32(scale)
    np.testing.assert_array_equal(kernels.from_text(kernels.to_text(kernel)), kernel)


def test_every_preset_round_trips_through_text():
    for name, kernel in kernels.PRESETS.items():
        np.testing.assert_array_equal(kernels.from_text(kernels.to_text(kernel)), kernel, err_msg=name)

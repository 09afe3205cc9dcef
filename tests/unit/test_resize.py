"""explorer.core.resize: enlarging against OpenCV's nearest neighbour and a hand case, shrinking against
OpenCV's area averaging and the shape rule."""

import cv2
import numpy as np
import pytest

from explorer.core import resize

RNG = np.random.default_rng(3)


def test_enlarge_hand_case():
    block = np.array([[1, 2], [3, 4]], dtype=np.uint8)
    expected = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], dtype=np.uint8)
    np.testing.assert_array_equal(resize.enlarge(block, factor=2), expected)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [(), (1,), (3,), (4,)])
@pytest.mark.parametrize("factor", [1, 2, 3, 7, 16, 48])
def test_enlarge_is_opencv_nearest_neighbour(dtype, channels, factor):
    image = (RNG.random((5, 7, *channels)) * 200).astype(dtype)
    big = resize.enlarge(image, factor=factor)
    reference = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    assert big.shape == (5 * factor, 7 * factor, *channels) and big.dtype == dtype
    np.testing.assert_array_equal(big, reference.reshape(big.shape))  # OpenCV drops a single channel


def test_enlarge_keeps_bool_and_returns_a_new_writable_array():
    mask = np.array([[True, False]])
    big = resize.enlarge(mask, factor=3)
    assert big.dtype == bool and big.shape == (3, 6) and big[:, :3].all() and not big[:, 3:].any()
    same = resize.enlarge(mask, factor=1)
    assert not np.shares_memory(same, mask) and same.flags.writeable and same.flags.c_contiguous
    np.testing.assert_array_equal(same, mask)


def test_enlarge_errors_name_the_argument():
    with pytest.raises(ValueError, match="factor must be >= 1, got 0"):
        resize.enlarge(np.zeros((2, 2)), factor=0)
    with pytest.raises(ValueError, match=r"factor must be an integer >= 1, got 2\.5"):
        resize.enlarge(np.zeros((2, 2)), factor=2.5)
    with pytest.raises(ValueError, match=r"image must be \(H, W\) or \(H, W, C\) with at least one pixel"):
        resize.enlarge(np.zeros(4), factor=2)
    with pytest.raises(TypeError, match="image must be a numpy array, got list"):
        resize.enlarge([[1, 2]], factor=2)
    with pytest.raises(ValueError, match="more than 50,000,000 pixels"):
        resize.enlarge(np.zeros((100, 100), np.uint8), factor=1000)


def test_fit_within_shrinks_like_opencv_area():
    image = RNG.random((300, 1000, 3), dtype=np.float32)
    small = resize.fit_within(image, max_side=500)
    assert small.shape == (150, 500, 3) and small.dtype == np.float32
    np.testing.assert_allclose(small, cv2.resize(image, (500, 150), interpolation=cv2.INTER_AREA))
    # Halving by area is the mean of each 2 x 2 block.
    gray = RNG.random((64, 48)).astype(np.float32)
    np.testing.assert_allclose(resize.fit_within(gray, max_side=32), gray.reshape(32, 2, 24, 2).mean(axis=(1, 3)))


@pytest.mark.parametrize(
    "shape, max_side, expected",
    [
        ((300, 1000), 500, (150, 500)),
        ((1000, 300), 500, (500, 150)),
        ((999, 333), 100, (100, 33)),  # 33.33 rounds to 33
        ((1, 1024), 320, (1, 320)),  # never below 1 px
        ((3, 2000), 10, (1, 10)),  # 0.015 -> 1
        ((768, 1024, 1), 512, (384, 512, 1)),  # a single channel stays 3-D
    ],
)
def test_fit_within_shape_rule(shape, max_side, expected):
    image = np.zeros(shape, np.uint8)
    assert resize.fit_within(image, max_side=max_side).shape == expected
    assert resize.fitted_shape(shape[:2], max_side=max_side) == expected[:2]


def test_fit_within_returns_an_image_that_fits_as_it_is():
    image = np.zeros((20, 30, 3), np.uint8)
    assert resize.fit_within(image, max_side=30) is image
    assert resize.fit_within(image, max_side=1000) is image


def test_fit_within_errors_name_the_argument():
    with pytest.raises(ValueError, match="max_side must be >= 1, got 0"):
        resize.fit_within(np.zeros((4, 4)), max_side=0)
    with pytest.raises(TypeError, match="max_side must be an integer >= 1"):
        resize.fit_within(np.zeros((4, 4)), max_side=2.0)
    with pytest.raises(ValueError, match=r"image must be \(H, W\) or \(H, W, C\) with at least one pixel"):
        resize.fit_within(np.zeros((0, 4)), max_side=2)


def test_fitted_shape_errors_name_the_argument():
    assert resize.fitted_shape((20, 30), max_side=30) == (20, 30)
    with pytest.raises(ValueError, match=r"shape must be \(rows, cols\), got \(3, 4, 5\)"):
        resize.fitted_shape((3, 4, 5), max_side=2)
    with pytest.raises(ValueError, match="cols must be >= 1, got 0"):
        resize.fitted_shape((3, 0), max_side=2)
    with pytest.raises(ValueError, match="max_side must be >= 1, got 0"):
        resize.fitted_shape((3, 4), max_side=0)


def test_screen_factor_hand_cases():
    assert resize.screen_factor(8, target=64) == 8  # an 8×8 digit as 64 screen pixels
    assert resize.screen_factor(28, target=64) == 2  # 56 px: whole pixels only, never more than asked
    assert resize.screen_factor(100, target=64) == 1  # larger than the target: drawn as it is, never shrunk


def test_screen_factor_names_a_bad_side():
    with pytest.raises(ValueError, match="side must be"):
        resize.screen_factor(0, target=64)


def test_to_longer_side_keeps_the_aspect_and_matches_opencv():
    image = np.arange(60 * 90 * 3, dtype=np.float32).reshape(60, 90, 3) / (60 * 90 * 3)
    small = resize.to_longer_side(image, side=45)  # shrink: area averaging, 30 × 45
    np.testing.assert_array_equal(small, cv2.resize(image, (45, 30), interpolation=cv2.INTER_AREA))
    big = resize.to_longer_side(image, side=135)  # enlarge: bilinear, 90 × 135
    np.testing.assert_array_equal(big, cv2.resize(image, (135, 90), interpolation=cv2.INTER_LINEAR))
    assert resize.to_longer_side(np.zeros((1, 500), np.uint8), side=50).shape == (1, 50)  # never 0 rows
    with pytest.raises(ValueError, match="side must be >= 1, got 0"):
        resize.to_longer_side(image, side=0)

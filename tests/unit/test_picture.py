"""explorer.core.picture: the image check, gray uint8 against OpenCV's conversion, and the picture to draw on."""

import cv2
import numpy as np
import pytest

from explorer.core import picture

RNG = np.random.default_rng(5)
RGB = RNG.integers(0, 256, size=(6, 9, 3), dtype=np.uint8)


def test_gray_uint8_matches_opencv_within_one_level():
    gray = picture.gray_uint8(RGB)
    assert gray.shape == (6, 9) and gray.dtype == np.uint8
    difference = np.abs(gray.astype(int) - cv2.cvtColor(RGB, cv2.COLOR_RGB2GRAY).astype(int))
    assert difference.max() <= 1  # OpenCV rounds in fixed point
    np.testing.assert_array_equal(picture.gray_uint8(np.array([[0.0, 0.5, 1.0]], np.float32)), [[0, 128, 255]])


def test_rgb_picture_is_a_fresh_uint8_rgb_copy():
    drawn = picture.rgb_picture(RGB)
    np.testing.assert_array_equal(drawn, RGB)
    assert not np.shares_memory(drawn, RGB) and drawn.flags.c_contiguous
    gray = np.array([[0.0, 1.0]], np.float32)
    np.testing.assert_array_equal(picture.rgb_picture(gray), [[[0, 0, 0], [255, 255, 255]]])
    np.testing.assert_array_equal(picture.rgb_picture(gray[..., None]), [[[0, 0, 0], [255, 255, 255]]])


@pytest.mark.parametrize(
    "image, error, message",
    [
        ([[0.0]], TypeError, "image must be a numpy array, got list"),
        (np.zeros((4, 4, 2)), ValueError, r"image must be \(H, W\) gray or \(H, W, 3\) RGB, got shape \(4, 4, 2\)"),
        (np.zeros(4), ValueError, r"image must be \(H, W\) gray or \(H, W, 3\) RGB, got shape \(4,\)"),
        (np.zeros((0, 4)), ValueError, r"image must have at least one pixel, got shape \(0, 4\)"),
    ],
)
def test_check_image_errors_name_the_argument(image, error, message):
    with pytest.raises(error, match=message):
        picture.check_image(image)

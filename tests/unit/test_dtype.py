"""The one dtype rule (``explorer.core.dtype``) against OpenCV and hand-computed values."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from explorer.core import dtype

RNG = np.random.default_rng(0)
NOISE_RGB = RNG.integers(0, 256, (32, 48, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: dtype.to_gray([[1, 2]]), TypeError, "image must be a numpy array, got list"),
        (
            lambda: dtype.to_gray(np.zeros((2, 2), np.uint16)),
            TypeError,
            "image dtype must be uint8 or floating point, got uint16",
        ),
        (
            lambda: dtype.to_gray(np.zeros((2, 2, 4), np.uint8)),
            ValueError,
            "image must be (H, W) gray or (H, W, 3) RGB, got shape (2, 2, 4)",
        ),
        (lambda: dtype.to_uint8(np.zeros(3, bool)), TypeError, "got bool"),
        (lambda: dtype.to_float(np.zeros(3, np.int32)), TypeError, "got int32"),
    ],
)
def test_bad_arguments(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_to_gray_matches_opencv_on_uint8():
    gray = dtype.to_gray(NOISE_RGB)
    assert gray.dtype == np.float32 and gray.shape == NOISE_RGB.shape[:2]
    reference = cv2.cvtColor(NOISE_RGB, cv2.COLOR_RGB2GRAY).astype(np.float32)  # rounded to uint8 by OpenCV
    assert np.abs(gray * 255 - reference).max() <= 0.51


def test_to_gray_matches_opencv_on_float_and_hand_values():
    rgb = NOISE_RGB.astype(np.float32) / 255
    np.testing.assert_allclose(dtype.to_gray(rgb), cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), atol=1e-6)
    pure = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], np.float32)
    np.testing.assert_allclose(dtype.to_gray(pure), [[0.299, 0.587, 0.114]], atol=1e-7)


def test_to_gray_accepts_gray():
    gray = np.array([[0, 51], [204, 255]], np.uint8)
    np.testing.assert_allclose(dtype.to_gray(gray), [[0, 0.2], [0.8, 1]], atol=1e-7)
    np.testing.assert_allclose(dtype.to_gray(gray[:, :, None]), [[0, 0.2], [0.8, 1]], atol=1e-7)
    floats = np.array([[0.25, 0.75]], np.float64)
    assert dtype.to_gray(floats).dtype == np.float32


def test_to_float_and_to_uint8():
    converted = dtype.to_float(np.array([0, 51, 255], np.uint8))
    assert converted.dtype == np.float32
    np.testing.assert_allclose(converted, [0, 0.2, 1], atol=1e-7)
    values = np.array([-0.2, 0.0, 0.5, 0.2, 1.0, 1.3, np.nan])
    # by hand: clip, * 255, round half to even (127.5 -> 128), NaN -> 0
    np.testing.assert_array_equal(dtype.to_uint8(values), [0, 0, 128, 51, 255, 255, 0])
    assert dtype.to_uint8(values).dtype == np.uint8
    original = np.array([3, 4], np.uint8)
    np.testing.assert_array_equal(dtype.to_uint8(original), original)


def test_float_input_is_not_rescaled_and_round_trips():
    # Float is taken as already in [0, 1]: a value of 2.0 stays 2.0 (not divided), and every byte survives
    # uint8 -> float -> uint8.
    np.testing.assert_array_equal(dtype.to_float(np.array([0.5, 2.0], np.float64)), [0.5, 2.0])
    levels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(dtype.to_uint8(dtype.to_float(levels)), levels)

"""explorer.core.display: float results to uint8 pictures, checked on hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import display
from explorer.core.display import to_display

VALUES = np.array([[-1.0, -0.5, 0.0], [0.25, 1.0, 2.0]], dtype=np.float32)


def test_clip():
    assert to_display(VALUES, mode="clip").tolist() == [[0, 0, 0], [64, 255, 255]]


def test_abs():
    # |x| clipped to 1: 1, 0.5 (127.5 rounds to even: 128), 0, 0.25 (63.75 -> 64), 1, 1
    assert to_display(VALUES, mode="abs").tolist() == [[255, 128, 0], [64, 255, 255]]


def test_normalize():
    # min -1 -> 0, max 2 -> 255; 0 is a third of the way: 85
    assert to_display(VALUES, mode="normalize").tolist() == [[0, 42, 85], [106, 170, 255]]
    assert to_display(np.full((2, 2), 0.7), mode="normalize").tolist() == [[0, 0], [0, 0]]


def test_diverging_colours():
    picture = to_display(VALUES, mode="diverging")
    assert picture.shape == (2, 3, 3) and picture.dtype == np.uint8
    assert picture[0, 2].tolist() == [255, 255, 255]  # 0 is white
    assert picture[1, 2].tolist() == [round(0.70 * 255), round(0.09 * 255), round(0.17 * 255)]  # +max: red end
    # -1 is half of the largest magnitude (2): halfway from white to the blue end
    blue = np.array([0.13, 0.40, 0.67])
    assert picture[0, 0].tolist() == np.round((1 + 0.5 * (blue - 1)) * 255).astype(int).tolist()


def test_diverging_with_limit_and_all_zero():
    colours = display.diverging(np.array([[4.0, -4.0]]), limit=2.0)
    np.testing.assert_allclose(colours[0, 0], [0.70, 0.09, 0.17], atol=1e-6)  # beyond the limit: full colour
    np.testing.assert_allclose(colours[0, 1], [0.13, 0.40, 0.67], atol=1e-6)
    assert np.all(display.diverging(np.zeros((2, 2))) == 1.0)  # nothing to show: all white


def test_colour_images_and_single_channel():
    rgb = np.stack([VALUES] * 3, axis=-1)
    assert to_display(rgb, mode="clip").shape == (2, 3, 3)
    single = to_display(VALUES[:, :, None], mode="diverging")
    np.testing.assert_array_equal(single, to_display(VALUES, mode="diverging"))


def test_non_finite_values_are_drawn_as_zero():
    picture = to_display(np.array([[np.nan, np.inf, 0.5]]), mode="clip")
    assert picture.tolist() == [[0, 0, 128]]


@pytest.mark.parametrize(
    ("image", "mode", "message"),
    [
        (VALUES, "log", "mode must be one of ('clip', 'abs', 'normalize', 'diverging'), got 'log'"),
        (np.zeros(3), "clip", "image must be (H, W) or (H, W, 3), got shape (3,)"),
        (np.zeros((2, 2, 2)), "clip", "image must be (H, W) or (H, W, 3), got shape (2, 2, 2)"),
        (np.zeros((0, 3)), "normalize", "image must have at least one pixel, got shape (0, 3)"),
        (np.zeros((2, 2, 3)), "diverging", "mode 'diverging' needs a single-channel image, got shape (2, 2, 3)"),
    ],
)
def test_bad_input(image, mode, message):
    with pytest.raises(ValueError) as caught:
        to_display(image, mode=mode)
    assert message in str(caught.value)

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


def test_robust_limit_by_hand():
    # |values| = 0, 1, 2, ..., 100: the 99th percentile (linear interpolation, as NumPy's default) is 99.
    values = np.arange(101, dtype=np.float32) * np.where(np.arange(101) % 2 == 0, 1, -1)
    assert display.robust_limit(values) == pytest.approx(99.0)
    assert display.robust_limit(values, percentile=50) == pytest.approx(50.0)
    # One huge outlier among many ordinary values doesn't set the scale.
    spiky = np.concatenate([np.full(999, 0.1), [50.0]])
    assert display.robust_limit(spiky) == pytest.approx(0.1)
    # Mostly flat (99 % zeros): the percentile is 0, so the largest magnitude is used.
    sparse = np.zeros(1000)
    sparse[3], sparse[7] = -0.6, 0.2
    assert display.robust_limit(sparse) == pytest.approx(0.6)
    assert display.robust_limit(np.zeros((3, 3))) == 0.0
    assert display.robust_limit(np.array([np.nan, np.inf, -2.0])) == pytest.approx(2.0)


def test_diverging_picture_with_a_robust_limit_by_hand():
    # limit 0.5: 0.25 is half-way to red, -0.5 full blue, 2.0 (past the limit) full red, 0 white.
    picture = to_display(np.array([[0.25, -0.5, 2.0, 0.0]]), mode="diverging", limit=0.5)
    red, blue = np.array([0.70, 0.09, 0.17]), np.array([0.13, 0.40, 0.67])
    expected = [np.round((1 + 0.5 * (red - 1)) * 255), np.round(blue * 255), np.round(red * 255), [255, 255, 255]]
    assert picture[0].tolist() == np.array(expected).astype(int).tolist()
    # Without a limit the largest magnitude (2.0) sets the scale: 0.25 is only an eighth of the way.
    pale = to_display(np.array([[0.25, -0.5, 2.0, 0.0]]), mode="diverging")
    assert pale[0, 0].tolist() == np.round((1 + 0.125 * (red - 1)) * 255).astype(int).tolist()


@pytest.mark.parametrize(
    "mode, limit, message",
    [
        ("clip", 1.0, "limit applies to mode 'diverging' only, got mode 'clip'"),
        ("diverging", 0.0, "limit must be a positive number, got 0.0"),
        ("diverging", float("nan"), "limit must be a positive number, got nan"),
    ],
)
def test_bad_limit(mode, limit, message):
    with pytest.raises(ValueError, match=message):
        to_display(VALUES, mode=mode, limit=limit)

"""explorer.images.color against OpenCV (cvtColor, inRange, calcHist), scikit-image and hand-computed pixels."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays
from skimage import color as skcolor

from explorer.images import color

RNG = np.random.default_rng(0)
IMAGE = RNG.integers(0, 256, size=(23, 31, 3), dtype=np.uint8)


def hue_distance(a, b):
    d = np.abs(a - b) % 360.0
    return np.minimum(d, 360.0 - d)


# ---- convert -------------------------------------------------------------------------------------------------


def test_rgb_is_the_bytes_and_bgr_swaps_red_and_blue_like_opencv():
    rgb, names = color.convert(IMAGE, space="RGB")
    assert names == ("R", "G", "B") and rgb.dtype == np.float32 and rgb.shape == IMAGE.shape
    np.testing.assert_array_equal(rgb, IMAGE)
    bgr, names = color.convert(IMAGE, space="BGR")
    assert names == ("B", "G", "R")
    np.testing.assert_array_equal(bgr, cv2.cvtColor(IMAGE, cv2.COLOR_RGB2BGR))


def test_gray_matches_opencv_bt601():
    gray, names = color.convert(IMAGE, space="Gray")
    assert names == ("Gray",) and gray.shape == IMAGE.shape[:2] + (1,)
    # OpenCV's 8-bit path rounds with fixed-point weights: within one level.
    assert np.abs(gray[..., 0] - cv2.cvtColor(IMAGE, cv2.COLOR_RGB2GRAY)).max() <= 1.0
    as_float = cv2.cvtColor(IMAGE.astype(np.float32) / 255, cv2.COLOR_RGB2GRAY) * 255
    np.testing.assert_allclose(gray[..., 0], as_float, atol=1e-3)


def test_hsv_matches_opencv_8bit_and_float_paths():
    hsv, names = color.convert(IMAGE, space="HSV")
    assert names == ("H", "S", "V")
    ref8 = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2HSV_FULL).astype(np.float64)  # hue scaled to 0..255 there
    np.testing.assert_array_equal(hsv[..., 2], ref8[..., 2])  # V is exactly max(R, G, B)
    assert np.abs(hsv[..., 1] - ref8[..., 1]).max() <= 1.0
    assert hue_distance(hsv[..., 0], ref8[..., 0] * 360 / 256).max() <= 1.5
    ref_float = cv2.cvtColor(IMAGE.astype(np.float32) / 255, cv2.COLOR_RGB2HSV)
    assert hue_distance(hsv[..., 0], ref_float[..., 0]).max() < 1e-3
    np.testing.assert_allclose(hsv[..., 1:], ref_float[..., 1:] * 255, atol=1e-3)


def test_hsv_matches_scikit_image():
    hsv, _ = color.convert(IMAGE, space="HSV")
    ref = skcolor.rgb2hsv(IMAGE)  # all three in [0, 1]
    assert hue_distance(hsv[..., 0], ref[..., 0] * 360).max() < 1e-3
    np.testing.assert_allclose(hsv[..., 1:], ref[..., 1:] * 255, atol=1e-3)


def test_lab_matches_opencv_and_scikit_image():
    lab, names = color.convert(IMAGE, space="Lab")
    assert names == ("L", "a", "b")
    ref8 = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2Lab).astype(np.float64)  # L*255/100, a+128, b+128
    np.testing.assert_allclose(lab[..., 0], ref8[..., 0] * 100 / 255, atol=1.0)
    np.testing.assert_allclose(lab[..., 1:], ref8[..., 1:] - 128, atol=1.5)
    np.testing.assert_allclose(lab, skcolor.rgb2lab(IMAGE), atol=0.5)  # OpenCV uses a gamma table


def test_float_input_in_0_1_gives_the_same_as_bytes():
    for space in color.COLOR_SPACES:
        from_bytes, _ = color.convert(IMAGE, space=space)
        from_float, _ = color.convert(IMAGE.astype(np.float32) / 255, space=space)
        np.testing.assert_allclose(from_float, from_bytes, atol=0.02, err_msg=space)


@pytest.mark.parametrize(
    ("pixel", "expected"),
    [
        ((255, 0, 0), (0, 255, 255)),
        ((0, 255, 0), (120, 255, 255)),
        ((0, 0, 255), (240, 255, 255)),
        ((255, 255, 0), (60, 255, 255)),
        ((255, 0, 255), (300, 255, 255)),
        ((128, 128, 128), (0, 0, 128)),
        ((0, 0, 0), (0, 0, 0)),
        ((200, 100, 100), (0, 127.5, 200)),  # S = 255 * (200 - 100) / 200
    ],
)
def test_hand_computed_hsv_pixels(pixel, expected):
    hsv, _ = color.convert(np.array([[pixel]], dtype=np.uint8), space="HSV")
    np.testing.assert_allclose(hsv[0, 0], expected, atol=1e-4)


def test_channel_to_display_stretches_the_stated_range():
    hue = np.array([[0.0, 180.0, 360.0]], dtype=np.float32)
    np.testing.assert_array_equal(color.channel_to_display(hue, space="HSV", index=0), [[0, 128, 255]])
    a = np.array([[-128.0, 127.0]], dtype=np.float32)
    np.testing.assert_array_equal(color.channel_to_display(a, space="Lab", index=1), [[0, 255]])


def test_split_channels_gray_and_tinted():
    gray = color.split_channels(IMAGE)
    for c in range(3):
        np.testing.assert_array_equal(gray[c], IMAGE[..., c])
    tinted = color.split_channels(IMAGE, tinted=True)
    np.testing.assert_array_equal(tinted[2][..., 2], IMAGE[..., 2])
    assert tinted[2][..., :2].max() == 0


# ---- selection -----------------------------------------------------------------------------------------------


def test_rgb_mask_matches_cv2_inrange():
    lower, upper = (30, 0, 100), (200, 128, 255)
    mask = color.color_mask(IMAGE, space="RGB", lower=lower, upper=upper)
    reference = cv2.inRange(IMAGE, np.array(lower, np.uint8), np.array(upper, np.uint8)) > 0
    assert mask.dtype == np.bool_ and mask.shape == IMAGE.shape[:2]
    np.testing.assert_array_equal(mask, reference)
    assert 0 < mask.sum() < mask.size


def test_hsv_mask_matches_cv2_inrange_on_opencv_hsv_bytes():
    # OpenCV's 8-bit hue is degrees / 2; pick bounds on even degrees and compare away from rounding edges.
    hsv8 = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2HSV)
    reference = cv2.inRange(hsv8, np.array([30, 50, 40], np.uint8), np.array([90, 255, 220], np.uint8)) > 0
    mask = color.color_mask(IMAGE, space="HSV", lower=(60, 50, 40), upper=(180, 255, 220))
    ours, _ = color.convert(IMAGE, space="HSV")
    h, s = ours[..., 0], ours[..., 1]
    clear = (np.abs(h - 60) > 2) & (np.abs(h - 180) > 2) & (np.abs(s - 50) > 1)
    np.testing.assert_array_equal(mask[clear], reference[clear])


def test_hue_range_wraps_around_red():
    pixels = np.array([[(255, 0, 0), (255, 0, 60), (255, 60, 0), (0, 255, 0), (0, 0, 255)]], dtype=np.uint8)
    # hues: 0, ~346, ~14, 120, 240
    mask = color.color_mask(pixels, space="HSV", lower=(340, 0, 0), upper=(20, 255, 255))
    np.testing.assert_array_equal(mask[0], [True, True, True, False, False])
    not_wrapped = color.color_mask(pixels, space="HSV", lower=(20, 0, 0), upper=(340, 255, 255))
    np.testing.assert_array_equal(not_wrapped[0], [False, False, False, True, True])


def test_pure_colours_are_selected_by_hue():
    pixels = np.array([[(255, 0, 0), (0, 255, 0), (0, 0, 255)]], dtype=np.uint8)
    green = color.color_mask(pixels, space="HSV", lower=(100, 100, 100), upper=(140, 255, 255))
    np.testing.assert_array_equal(green[0], [False, True, False])


@pytest.mark.parametrize(
    ("space", "lower", "upper", "message"),
    [
        ("RGB", (10, 200, 0), (20, 100, 255), "lower G (200) is above upper G (100); only the hue may wrap"),
        ("HSV", (0, 200, 0), (20, 100, 255), "lower S (200) is above upper S (100)"),
        ("RGB", (0, 0, 0), (256, 255, 255), "upper R must be in 0..255 for RGB, got 256"),
        ("HSV", (-1, 0, 0), (20, 255, 255), "lower H must be in 0..360 for HSV, got -1"),
        ("RGB", (0, 0), (255, 255, 255), "lower must hold 3 numbers"),
        ("Lab", (0, 0, 0), (1, 1, 1), "space must be one of ('RGB', 'HSV'), got 'Lab'"),
    ],
)
def test_bad_ranges_are_refused_with_a_message(space, lower, upper, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        color.color_mask(IMAGE, space=space, lower=lower, upper=upper)


def test_apply_mask_keeps_selected_pixels_and_paints_the_rest():
    mask = np.zeros(IMAGE.shape[:2], dtype=bool)
    mask[2:5, 3:9] = True
    out = color.apply_mask(IMAGE, mask, background=(0, 255, 0))
    assert out.dtype == np.uint8 and out.shape == IMAGE.shape
    np.testing.assert_array_equal(out[mask], IMAGE[mask])
    assert np.all(out[~mask] == (0, 255, 0))
    with pytest.raises(ValueError, match="mask must be a bool array of shape"):
        color.apply_mask(IMAGE, mask[:3], background=(0, 0, 0))
    with pytest.raises(ValueError, match="background must be 3 integers 0..255"):
        color.apply_mask(IMAGE, mask, background=(0, 300, 0))


def test_parsers_for_links():
    assert color.parse_range("30,90", low=0, high=255) == (30, 90)
    assert color.parse_range(" 20, 340", low=0, high=360) == (20, 340)
    with pytest.raises(ValueError, match="the first number must not be above the second, got '340,20'"):
        color.parse_range("340,20", low=0, high=360)
    with pytest.raises(ValueError, match="expected numbers from 0 to 255, got 300"):
        color.parse_range("0,300", low=0, high=255)
    with pytest.raises(ValueError, match="expected two whole numbers like '30,90', got 'abc'"):
        color.parse_range("abc", low=0, high=255)
    assert color.hex_to_rgb("#00fF80") == (0, 255, 128)
    with pytest.raises(ValueError, match="colour must look like '#00ff00'"):
        color.hex_to_rgb("green")


# ---- histograms and brightness -------------------------------------------------------------------------------


@pytest.mark.parametrize("bins", [256, 32, 10, 1])
def test_histograms_match_cv2_calchist(bins):
    hist = color.histograms(IMAGE, bins=bins)
    assert hist.shape == (3, bins) and np.issubdtype(hist.dtype, np.integer)
    for c in range(3):
        reference = cv2.calcHist([IMAGE], [c], None, [bins], [0, 256]).ravel()
        np.testing.assert_array_equal(hist[c], reference)


def test_histogram_of_a_gray_image_and_bad_bins():
    gray = np.array([[0, 0, 255], [7, 7, 7]], dtype=np.uint8)
    hist = color.histograms(gray)
    assert hist.shape == (1, 256) and hist[0, 0] == 2 and hist[0, 7] == 3 and hist[0, 255] == 1
    with pytest.raises(ValueError, match="bins must be from 1 to 256, got 0"):
        color.histograms(gray, bins=0)


def test_mean_brightness_is_mean_v_of_opencv_hsv():
    expected = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2HSV)[..., 2].mean()
    assert color.mean_brightness(IMAGE) == pytest.approx(expected)


def test_day_or_night_on_hand_made_pictures():
    bright = np.full((4, 4, 3), (90, 150, 210), dtype=np.uint8)  # mean V = 210
    dark = np.zeros((4, 4, 3), dtype=np.uint8)
    dark[0, 0] = 255  # one street lamp: mean V = 255 / 16 ≈ 16
    assert color.mean_brightness(bright) == 210.0
    assert color.day_or_night(bright) == "day" and color.day_or_night(dark) == "night"
    assert color.day_or_night(bright, threshold=211) == "night"
    with pytest.raises(ValueError, match="threshold must be from 0 to 255, got 300"):
        color.day_or_night(bright, threshold=300)


# ---- bad images ----------------------------------------------------------------------------------------------


def test_bad_images_are_refused_with_a_message():
    with pytest.raises(ValueError, match=r"image must be an RGB array of shape \(H, W, 3\), got shape \(4, 4\)"):
        color.convert(np.zeros((4, 4), np.uint8), space="RGB")
    with pytest.raises(ValueError, match=r"a float image must hold finite values in \[0, 1\]"):
        color.convert(np.full((2, 2, 3), 2.0), space="RGB")
    with pytest.raises(ValueError, match="space must be one of"):
        color.convert(IMAGE, space="XYZ")
    with pytest.raises(TypeError, match="image must be uint8 or float"):
        color.convert(np.zeros((2, 2, 3), np.int32), space="RGB")


@settings(max_examples=40, deadline=None)
@given(arrays(np.uint8, (3, 4, 3)))
def test_hsv_round_trips_through_opencv(image):
    hsv, _ = color.convert(image, space="HSV")
    # Back to RGB with OpenCV's float path: the conversion must be invertible.
    back = cv2.cvtColor(np.dstack([hsv[..., 0], hsv[..., 1] / 255, hsv[..., 2] / 255]), cv2.COLOR_HSV2RGB)
    np.testing.assert_allclose(back * 255, image, atol=0.01)

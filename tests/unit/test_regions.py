"""explorer.images.regions: the hover overview, region values (against OpenCV's gray) and the gray arithmetic."""

import cv2
import numpy as np
import pytest

from explorer.images import regions

RNG = np.random.default_rng(1)
IMAGE = RNG.integers(0, 256, size=(40, 50, 3), dtype=np.uint8)


def test_overview_picks_every_step_th_pixel():
    big = RNG.integers(0, 256, size=(1024, 700, 3), dtype=np.uint8)
    small, step = regions.overview(big, max_side=256)
    assert step == 4 and small.shape == (256, 175, 3)
    np.testing.assert_array_equal(small[10, 20], big[40, 80])
    same, step = regions.overview(IMAGE)
    assert step == 1
    np.testing.assert_array_equal(same, IMAGE)
    _, step = regions.overview(np.zeros((257, 10, 3), np.uint8), max_side=256)
    assert step == 2


def test_region_values_per_channel_and_gray_against_opencv():
    red = regions.region_values(IMAGE, top=3, left=5, size=8, channel="R")
    np.testing.assert_array_equal(red, IMAGE[3:11, 5:13, 0])
    gray = regions.region_values(IMAGE, top=3, left=5, size=8)
    reference = cv2.cvtColor(IMAGE, cv2.COLOR_RGB2GRAY)[3:11, 5:13].astype(int)
    assert gray.shape == (8, 8) and np.abs(gray.astype(int) - reference).max() <= 1


def test_region_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="a 10×10 region at top=35, left=0 does not fit in a 40×50 image"):
        regions.region_values(IMAGE, top=35, left=0, size=10)
    with pytest.raises(ValueError, match="size must be from 2 to 24, got 30"):
        regions.region_values(IMAGE, top=0, left=0, size=30)
    with pytest.raises(ValueError, match="channel must be one of"):
        regions.region_values(IMAGE, top=0, left=0, size=8, channel="H")


def test_fit_region_moves_and_shrinks_into_the_image():
    assert regions.fit_region((40, 50), top=100, left=-3, size=8) == (32, 0, 8)
    assert regions.fit_region((10, 12), top=5, left=5, size=24) == (0, 2, 10)


def test_gray_arithmetic_by_hand():
    image = np.zeros((2, 2, 3), np.uint8)
    image[1, 0] = (200, 100, 50)
    result = regions.gray_arithmetic(image, row=1, col=0)
    assert result.rgb == (200, 100, 50)
    assert result.terms == pytest.approx((59.8, 58.7, 5.7))
    assert result.gray == pytest.approx(124.2)
    assert "0.299 × 200 + 0.587 × 100 + 0.114 × 50 = 59.80 + 58.70 + 5.70 = 124.20 ≈ 124" in result.formula()
    with pytest.raises(ValueError, match=r"pixel \(row=2, col=0\) is outside a 2×2 image"):
        regions.gray_arithmetic(image, row=2, col=0)


def test_region_picture_is_the_colour_block_in_whole_pixel_blocks():
    picture = regions.region_picture(IMAGE, top=3, left=4, size=8)  # 192 // 8 = 24 screen pixels a pixel
    assert picture.shape == (8 * 24, 8 * 24, 3) and picture.dtype == np.uint8
    reference = cv2.resize(IMAGE[3:11, 4:12], None, fx=24, fy=24, interpolation=cv2.INTER_NEAREST)
    np.testing.assert_array_equal(picture, reference)
    np.testing.assert_array_equal(picture[24 * 2 + 5, 24 * 7 + 23], IMAGE[3 + 2, 4 + 7])
    assert regions.region_picture(IMAGE, top=0, left=0, size=24).shape == (192, 192, 3)
    with pytest.raises(ValueError, match="size must be from 2 to 24, got 30"):
        regions.region_picture(IMAGE, top=0, left=0, size=30)
    with pytest.raises(ValueError, match="a 8×8 region at top=35, left=0 does not fit in a 40×50 image"):
        regions.region_picture(IMAGE, top=35, left=0, size=8)

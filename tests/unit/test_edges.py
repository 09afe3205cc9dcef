"""explorer.classical.edges against OpenCV, SciPy, NumPy and small cases worked out by hand."""

import colorsys

import cv2
import numpy as np
import pytest
from scipy import ndimage

from explorer.classical import edges
from explorer.core import dtype


def _square(size: int = 100, top: int = 30, bottom: int = 70) -> np.ndarray:
    image = np.zeros((size, size), np.float32)
    image[top:bottom, top:bottom] = 1.0
    return image


# ------------------------------------------------------------------------------------------- Sobel


@pytest.mark.parametrize("ksize", [3, 5, 7])
def test_sobel_matches_cv2_scaled_by_the_step_response(astronaut_gray, ksize):
    result = edges.sobel(astronaut_gray, ksize=ksize)
    divisor = {3: 4.0, 5: 48.0, 7: 640.0}[ksize]  # sum of the positive weights of OpenCV's kernel
    # Compared in our units: float32 sums of up to 49 products differ in the last bits between the two.
    np.testing.assert_allclose(result.gx, cv2.Sobel(astronaut_gray, cv2.CV_32F, 1, 0, ksize=ksize) / divisor, atol=1e-5)
    np.testing.assert_allclose(result.gy, cv2.Sobel(astronaut_gray, cv2.CV_32F, 0, 1, ksize=ksize) / divisor, atol=1e-5)
    assert result.gx.dtype == np.float32 and result.gx.shape == astronaut_gray.shape


def test_sobel_kernels_are_the_textbook_ones():
    kx, ky, divisor = edges.sobel_kernels(3)
    np.testing.assert_array_equal(kx, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(ky, [[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
    assert divisor == 4
    kx5, _, divisor5 = edges.sobel_kernels(5)
    # outer product of the smoothing [1 4 6 4 1] and the derivative [-1 -2 0 2 1]
    np.testing.assert_array_equal(kx5, np.outer([1, 4, 6, 4, 1], [-1, -2, 0, 2, 1]))
    assert divisor5 == 48 and edges.sobel_kernels(7)[2] == 640


def test_sobel_on_a_5x5_step_by_hand():
    # Columns 0 0 1 1 1. Border: mirror without the edge pixel (column -1 = column 1, column 5 = column 3).
    # gx = (right - left) * (1 + 2 + 1) / 4: column 0: 0 - 0; 1: 1 - 0; 2: 1 - 0; 3: 1 - 1; 4: 1 - 1.
    image = np.tile(np.array([0, 0, 1, 1, 1], np.float32), (5, 1))
    result = edges.sobel(image, ksize=3)
    np.testing.assert_allclose(result.gx, np.tile([0.0, 1.0, 1.0, 0.0, 0.0], (5, 1)), atol=1e-6)
    np.testing.assert_allclose(result.gy, np.zeros((5, 5)), atol=1e-6)
    np.testing.assert_allclose(result.magnitude, np.tile([0.0, 1.0, 1.0, 0.0, 0.0], (5, 1)), atol=1e-6)
    np.testing.assert_allclose(result.direction[:, 1:3], 0.0, atol=1e-6)  # pointing right, to the bright side


def test_sobel_on_a_5x5_impulse_by_hand():
    # One bright pixel in the middle: each neighbour sees one kernel weight, mirrored (correlation).
    # The pixel to its left has the bright pixel on its right: +2/4; above-left: +1/4; to its right: -2/4.
    image = np.zeros((5, 5), np.float32)
    image[2, 2] = 1.0
    result = edges.sobel(image, ksize=3)
    expected_gx = np.array([[0.25, 0, -0.25], [0.5, 0, -0.5], [0.25, 0, -0.25]])
    np.testing.assert_allclose(result.gx[1:4, 1:4], expected_gx, atol=1e-6)
    np.testing.assert_allclose(result.gy[1:4, 1:4], expected_gx.T, atol=1e-6)
    assert result.gx[0, 0] == 0 and result.gx[4, 4] == 0


@pytest.mark.parametrize("ksize", [3, 5, 7])
def test_a_sharp_step_reads_one_for_every_kernel_size(ksize):
    image = np.zeros((40, 40), np.float32)
    image[:, 20:] = 1.0
    assert edges.sobel(image, ksize=ksize).gx.max() == pytest.approx(1.0, abs=1e-5)


def test_magnitude_and_direction_match_numpy(astronaut_gray):
    result = edges.sobel(astronaut_gray, ksize=5, sigma=1.0)
    np.testing.assert_allclose(result.magnitude, np.hypot(result.gx, result.gy), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(result.direction, np.degrees(np.arctan2(result.gy, result.gx)), atol=1e-4)
    assert result.direction.min() >= -180 and result.direction.max() <= 180


def test_smoothing_matches_scipy_gaussian(astronaut_gray):
    # scipy's "mirror" is OpenCV's default border; both cut the Gaussian at about 4 sigma.
    expected = ndimage.gaussian_filter(astronaut_gray, sigma=2.0, mode="mirror")
    np.testing.assert_allclose(edges.smooth(astronaut_gray, sigma=2.0), expected, atol=2e-3)
    np.testing.assert_array_equal(edges.smooth(astronaut_gray, sigma=0), astronaut_gray)


def test_scharr_and_laplacian_match_references(astronaut_gray):
    result = edges.scharr(astronaut_gray)
    np.testing.assert_allclose(result.gx * 16, cv2.Scharr(astronaut_gray, cv2.CV_32F, 1, 0), atol=1e-4)
    expected = ndimage.laplace(astronaut_gray, mode="mirror")
    np.testing.assert_allclose(edges.laplacian(astronaut_gray), expected, atol=1e-5)


def test_threshold_by_hand():
    magnitude = np.array([[0.0, 0.1], [0.2, 0.9]], np.float32)
    np.testing.assert_array_equal(edges.threshold(magnitude, level=0.2), [[False, False], [True, True]])


def test_direction_colours_follow_the_hue_wheel():
    gx = np.array([[1.0, 0.0, -1.0, 0.01]], np.float32)
    gy = np.array([[0.0, 1.0, 0.0, 0.0]], np.float32)
    gradient = edges.Gradient(gx, gy, np.hypot(gx, gy), np.degrees(np.arctan2(gy, gx)))
    picture = edges.direction_picture(gradient, min_magnitude=0.05)
    for col, degrees in enumerate([0, 90, 180]):
        np.testing.assert_allclose(picture[0, col], colorsys.hsv_to_rgb(degrees / 360, 1, 1), atol=1e-5)
    np.testing.assert_array_equal(picture[0, 3], [0, 0, 0])  # magnitude 0.01 < 0.05: hidden
    wheel = edges.hue_wheel(size=64)
    assert wheel.shape == (64, 64, 3) and wheel.dtype == np.float32


# ------------------------------------------------------------------------------------------- Canny


@pytest.mark.parametrize("low, high", [(0.05, 0.1), (0.1, 0.2), (0.03, 0.3)])
def test_canny_agrees_with_cv2_canny(astronaut_gray, low, high):
    # Same smoothed 8-bit image, thresholds rescaled to OpenCV's units (1020 = a 0 -> 255 step).
    smoothed = dtype.to_uint8(edges.smooth(astronaut_gray, sigma=1.4))
    ours = edges.canny(dtype.to_float(smoothed), sigma=0, low=low, high=high).edges
    reference = cv2.Canny(smoothed, low * 1020, high * 1020, L2gradient=True) > 0
    iou = (ours & reference).sum() / (ours | reference).sum()
    # Measured 0.998: the few differences are pixels whose float magnitude and OpenCV's integer one fall
    # on different sides of a threshold or of a neighbour.
    assert iou > 0.98


def test_canny_stages_fit_together(astronaut_gray):
    steps = edges.canny(astronaut_gray, sigma=1.4, low=0.05, high=0.15)
    assert steps.edges.dtype == bool and steps.edges.shape == astronaut_gray.shape
    thin = steps.suppressed > 0
    assert np.all(steps.suppressed[thin] == steps.magnitude[thin])  # suppression only removes
    assert thin.sum() < 0.5 * (steps.magnitude > 0).sum()
    assert not (steps.strong & steps.weak).any()
    assert np.all(steps.edges[steps.strong]) and not steps.edges[~(steps.strong | steps.weak)].any()
    np.testing.assert_allclose(steps.smoothed, edges.smooth(astronaut_gray, sigma=1.4))


def test_canny_thins_a_step_to_one_pixel_line():
    image = np.zeros((20, 20), np.float32)
    image[:, 10:] = 1.0
    steps = edges.canny(image, sigma=0, low=0.1, high=0.5)
    columns = np.nonzero(steps.edges.any(axis=0))[0]
    assert len(columns) == 1 and columns[0] in (9, 10)
    assert steps.edges[:, columns[0]].all()


def test_canny_counts_by_hand():
    image = np.zeros((20, 20), np.float32)
    image[:, 10:] = 1.0
    steps = edges.canny(image, sigma=0, low=0.1, high=0.5)
    # A vertical step thins to one full column of 20 strong pixels, all of them edges, no weak ones.
    assert steps.counts() == {"thin": 20, "strong": 20, "weak": 0, "edges": 20}
    flat = edges.canny(np.full((8, 8), 0.5, np.float32), sigma=0, low=0.1, high=0.5)
    assert flat.counts() == {"thin": 0, "strong": 0, "weak": 0, "edges": 0}


def test_hysteresis_keeps_weak_pixels_only_when_connected():
    # A weak segment touching a strong one survives; a separate weak segment does not.
    image = np.zeros((30, 30), np.float32)
    image[:, 15:] = 0.3  # weak step (magnitude 0.3) on every row...
    image[:5, 15:] = 1.0  # ...strong (magnitude 1) on the first five rows
    image[20:, 15:] = 0.0  # rows 20+ have no step; rows 22..25 get a separate weak step further right
    image[22:26, 25:] = 0.3
    steps = edges.canny(image, sigma=0, low=0.2, high=0.6)
    assert steps.edges[:18, 14:16].any(axis=1).all()  # connected chain kept down to row 17
    assert not steps.edges[22:26, 23:27].any()
    assert steps.weak[22:26, 23:27].any()


def test_auto_thresholds_by_hand():
    # median 0.6 -> (0.67 * 0.6 * 255 / 1020, 1.33 * 0.6 * 255 / 1020)
    low, high = edges.auto_thresholds(np.full((8, 8), 0.6, np.float32))
    assert low == pytest.approx(0.1005, abs=1e-4) and high == pytest.approx(0.1995, abs=1e-4)


def test_a_constant_image_has_no_edges_and_no_corners():
    flat = np.full((32, 48), 0.4, np.float32)
    assert not edges.canny(flat, sigma=1.0, low=0.01, high=0.02).edges.any()
    corners = edges.harris(flat)
    assert corners.points.shape == (0, 2)


# ------------------------------------------------------------------------------------------ Harris


def test_harris_finds_the_four_corners_of_a_square():
    corners = edges.harris(_square(), block_size=3, k=0.04, threshold=0.1)
    assert len(corners.points) == 4
    expected = np.array([[30, 30], [30, 69], [69, 30], [69, 69]])  # first/last rows and columns inside
    found = sorted(map(tuple, corners.points))
    assert np.abs(np.array(found) - expected).max() <= 1
    np.testing.assert_allclose(corners.response, cv2.cornerHarris(_square(), 3, 3, 0.04), rtol=1e-6)


def test_harris_response_is_negative_along_an_edge():
    corners = edges.harris(_square(), block_size=3)
    assert corners.response[50, 30] < 0 and corners.response[30, 30] > 0
    assert abs(corners.response[10, 10]) < 1e-9


def test_draw_corners_rings_each_point():
    picture = edges.draw_corners(np.zeros((50, 50), np.float32), np.array([[25, 25]]))
    assert picture.shape == (50, 50, 3) and picture.dtype == np.uint8
    assert picture[25, 25].sum() == 0 and picture[22, 25, 0] > 100  # ring of radius 3, centre left clear


# -------------------------------------------------------------------------------------- tiny images


@pytest.mark.parametrize("shape", [(1, 1), (1, 64), (64, 1), (2, 3)])
def test_tiny_images_work(shape):
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    assert edges.sobel(image, ksize=7, sigma=2).magnitude.shape == shape
    assert edges.canny(image, sigma=1, low=0.01, high=0.02).edges.shape == shape
    assert edges.harris(image, block_size=5).response.shape == shape


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda img: edges.sobel(img, ksize=4),
            "ksize must be one of (3, 5, 7) (odd, so the kernel has a centre), got 4",
        ),
        (lambda img: edges.sobel(img, ksize=9), "ksize must be one of (3, 5, 7)"),
        (lambda img: edges.sobel(img, sigma=-1.0), "sigma must be from 0.0 to 8.0, got -1.0"),
        (lambda img: edges.smooth(img, sigma=float("nan")), "sigma must be a finite number from 0.0 to 8.0, got nan"),
        (lambda img: edges.threshold(img, level=1.5), "level must be from 0.0 to 1.0, got 1.5"),
        (lambda img: edges.canny(img, low=-0.1, high=0.2), "low must be from 0.0 to 1.0, got -0.1"),
        (lambda img: edges.canny(img, low=0.3, high=0.2), "low must not exceed high, got low=0.3 and high=0.2"),
        (lambda img: edges.canny(img, sigma=-2, low=0.1, high=0.2), "sigma must be from 0.0 to 8.0, got -2"),
        (lambda img: edges.harris(img, block_size=1), "block_size must be from 2 to 15, got 1"),
        (lambda img: edges.harris(img, k=0.5), "k must be from 0.0 to 0.25, got 0.5"),
        (lambda img: edges.harris(img, threshold=0), "threshold must be greater than 0"),
        (lambda img: edges.harris(img, threshold=2.0), "threshold must be from 0.0 to 1.0, got 2.0"),
        (
            lambda img: edges.sobel(np.zeros((4, 4, 3), np.float32)),
            "image must be a 2-D gray image (H, W), got shape (4, 4, 3)",
        ),
        (lambda img: edges.sobel(np.zeros((0, 4), np.float32)), "image must have at least one pixel, got shape (0, 4)"),
        (lambda img: edges.sobel(np.full((3, 3), np.nan, np.float32)), "image must hold finite numbers only"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError) as error:
        call(np.zeros((8, 8), np.float32))
    assert message in str(error.value)


def test_non_numeric_image_is_a_type_error():
    with pytest.raises(TypeError, match="image must hold real numbers, got dtype <U1"):
        edges.sobel(np.array([["a"]]))

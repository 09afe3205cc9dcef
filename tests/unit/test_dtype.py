"""The one dtype rule (``explorer.core.dtype``) against OpenCV and hand-computed values, and every public image
function obeying it: a uint8 image gives the same result as that image divided by 255."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from explorer.classical import bovw, detection, edges, features, fourier, hog, hough, morphology, segmentation
from explorer.core import display, dtype, picture, resize
from explorer.data import datasets
from explorer.images import color, convolution, regions, samples

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


# ------------------------------------------------------------------------- the rule, obeyed by every module
# A uint8 image handed to any public image function means the same as that image divided by 255 (exactly as
# dtype.to_float divides): the results must be the same.
def _photo(size: int) -> np.ndarray:
    return cv2.resize(samples.load_sample("astronaut"), (size, size), interpolation=cv2.INTER_AREA)


RGB8 = _photo(160)  # (160, 160, 3) uint8, a face, edges, colours
GRAY8 = cv2.cvtColor(RGB8, cv2.COLOR_RGB2GRAY)  # (160, 160) uint8
KERNEL = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], np.float32)
ELEMENT = np.ones((3, 3), np.uint8)


def _unit(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) / np.float32(255.0)  # by hand, not through dtype.to_float


def _stroke(image: np.ndarray) -> np.ndarray:
    strokes = np.zeros_like(image[:40, :40])
    strokes[5:9, 10:14] = image[5:9, 10:14]  # a blob of the photo's (nonzero) levels as opacity
    return strokes


def _contours(image: np.ndarray) -> np.ndarray:
    mask, _ = morphology.binarize(GRAY8, method="otsu")
    return segmentation.draw_contours(image, segmentation.find_contours(mask)[:3])


def _boxes(image: np.ndarray) -> np.ndarray:
    return detection.draw_boxes(image, np.array([[10, 20, 30, 40]], np.int32))


def _matches(image: np.ndarray) -> np.ndarray:
    result = features.match_rotated_copy(image, angle=20, scale=0.9, n_features=200)
    return features.draw_matches(image, result)


# name -> (function of one image, "gray" or "rgb")
CALLS = {
    "display.to_display clip": (lambda im: display.to_display(im, mode="clip"), "rgb"),
    "display.to_display abs": (lambda im: display.to_display(im, mode="abs"), "gray"),
    "display.to_display normalize": (lambda im: display.to_display(im, mode="normalize"), "gray"),
    "display.to_display diverging": (lambda im: display.to_display(im, mode="diverging"), "gray"),
    "convolution.correlate gray": (lambda im: convolution.correlate(im, KERNEL, padding="reflect"), "gray"),
    "convolution.correlate rgb": (lambda im: convolution.correlate(im, KERNEL, stride=2), "rgb"),
    "convolution.pad": (lambda im: convolution.pad(im, (3, 3), padding="wrap"), "rgb"),
    "convolution.worked_example": (lambda im: convolution.worked_example(im, KERNEL, row=7, col=9), "gray"),
    "color.convert HSV": (lambda im: color.convert(im, space="HSV"), "rgb"),
    "color.convert Lab": (lambda im: color.convert(im, space="Lab"), "rgb"),
    "color.convert Gray": (lambda im: color.convert(im, space="Gray"), "rgb"),
    "color.color_mask RGB": (
        lambda im: color.color_mask(im, space="RGB", lower=(90, 0, 0), upper=(255, 120, 200)),
        "rgb",
    ),
    "color.color_mask HSV": (
        lambda im: color.color_mask(im, space="HSV", lower=(340, 60, 60), upper=(30, 255, 255)),
        "rgb",
    ),
    "color.apply_mask": (lambda im: color.apply_mask(im, RGB8[..., 0] > 100, background=(0, 255, 0)), "rgb"),
    "color.split_channels": (lambda im: color.split_channels(im, tinted=True), "rgb"),
    "color.histograms": (lambda im: color.histograms(im, bins=32), "rgb"),
    "color.mean_brightness": (color.mean_brightness, "rgb"),
    "regions.overview": (lambda im: regions.overview(im, max_side=50), "rgb"),
    "regions.region_values": (lambda im: regions.region_values(im, top=3, left=5, size=8), "rgb"),
    "regions.gray_arithmetic": (lambda im: regions.gray_arithmetic(im, row=40, col=41), "rgb"),
    "edges.smooth": (lambda im: edges.smooth(im, sigma=1.5), "gray"),
    "edges.sobel": (lambda im: edges.sobel(im, ksize=5, sigma=1.0), "gray"),
    "edges.scharr": (edges.scharr, "gray"),
    "edges.laplacian": (lambda im: edges.laplacian(im, sigma=1.0), "gray"),
    "edges.auto_thresholds": (edges.auto_thresholds, "gray"),
    "edges.canny": (edges.canny, "gray"),
    "edges.harris": (edges.harris, "gray"),
    "edges.draw_corners": (lambda im: edges.draw_corners(im, np.array([[20, 30]])), "rgb"),
    "hough.find_circles": (lambda im: hough.find_circles(im, min_radius=5, max_radius=40, votes=15), "gray"),
    "hough.draw_lines": (lambda im: hough.draw_lines(im, np.array([[50.0, 30.0, 9.0]])), "gray"),
    "hough.draw_circles": (lambda im: hough.draw_circles(im, np.array([[50.0, 60.0, 20.0]])), "rgb"),
    "fourier.working_image": (lambda im: fourier.working_image(im, size=100), "gray"),
    "fourier.resize_to": (lambda im: fourier.resize_to(im, shape=(90, 70)), "gray"),
    "fourier.spectrum": (fourier.spectrum, "gray"),
    "fourier.row_spectrum": (lambda im: fourier.row_spectrum(im, row=60), "gray"),
    "fourier.combine": (lambda im: fourier.combine(magnitude_from=im, phase_from=im.T.copy()), "gray"),
    "fourier.correlate_by_fft": (lambda im: fourier.correlate_by_fft(im, KERNEL), "gray"),
    "fourier.check_theorem": (lambda im: fourier.check_theorem(im, KERNEL), "gray"),
    "fourier.drawn_mask": (lambda im: fourier.drawn_mask(_stroke(im), shape=(16, 16)), "gray"),
    "morphology.otsu_threshold": (morphology.otsu_threshold, "gray"),
    "morphology.binarize fixed": (lambda im: morphology.binarize(im, method="fixed", threshold=0.4), "gray"),
    "morphology.binarize adaptive": (lambda im: morphology.binarize(im, method="adaptive gaussian"), "gray"),
    "morphology.morph open": (lambda im: morphology.morph(im, operation="open", element=ELEMENT), "gray"),
    "morphology.morph gradient": (lambda im: morphology.morph(im, operation="gradient", element=ELEMENT), "gray"),
    "segmentation.draw_contours gray": (_contours, "gray"),
    "segmentation.draw_contours rgb": (_contours, "rgb"),
    "segmentation.kmeans_colors": (lambda im: segmentation.kmeans_colors(im, k=3, space="Lab"), "rgb"),
    "picture.gray_uint8": (picture.gray_uint8, "rgb"),
    "picture.rgb_picture": (picture.rgb_picture, "gray"),
    "features.orb_keypoints": (lambda im: features.orb_keypoints(im, n_features=200), "rgb"),
    "features.draw_keypoints": (lambda im: features.draw_keypoints(im, features.orb_keypoints(RGB8)), "rgb"),
    "features.rotate_and_scale": (lambda im: features.rotate_and_scale(im, angle=30, scale=0.8), "rgb"),
    "features.match_rotated_copy": (lambda im: features.match_rotated_copy(im, angle=20, scale=0.9), "gray"),
    "features.draw_matches": (_matches, "rgb"),
    "hog.hog": (lambda im: hog.hog(im, cell_size=16), "rgb"),
    "detection.detect_faces": (lambda im: detection.detect_faces(im, min_size=20), "rgb"),
    "detection.draw_boxes": (_boxes, "gray"),
    "bovw.descriptors": (bovw.descriptors, "gray"),
    "datasets.drawing_to_digit": (datasets.drawing_to_digit, "gray"),
}


def _assert_same(first: object, second: object, where: str = "result") -> None:
    """Equal values: arrays of the same dtype and shape (floats to float32 rounding), dataclasses field by field."""
    if dataclasses.is_dataclass(first) and not isinstance(first, type):
        for field in dataclasses.fields(first):
            _assert_same(getattr(first, field.name), getattr(second, field.name), f"{where}.{field.name}")
    elif isinstance(first, (tuple, list)):
        assert isinstance(second, type(first)) and len(first) == len(second), where
        for index, (a, b) in enumerate(zip(first, second)):
            _assert_same(a, b, f"{where}[{index}]")
    elif isinstance(first, str):
        assert first == second, where
    else:
        a, b = np.asarray(first), np.asarray(second)
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype} {a.shape} vs {b.dtype} {b.shape}"
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)


@pytest.mark.parametrize("name", CALLS)
def test_uint8_input_means_the_image_divided_by_255(name):
    call, kind = CALLS[name]
    image = RGB8 if kind == "rgb" else GRAY8
    _assert_same(call(image), call(_unit(image)))


def test_the_photo_exercises_the_functions():
    # The comparisons above are worth something only if the results are not empty.
    assert len(detection.detect_faces(RGB8, min_size=20)) >= 1
    assert len(features.orb_keypoints(GRAY8, n_features=200)) > 50
    assert edges.canny(_unit(GRAY8)).edges.sum() > 200
    assert 0 < morphology.binarize(GRAY8, method="fixed", threshold=0.4)[0].mean() < 1
    assert 0 < color.color_mask(RGB8, space="RGB", lower=(90, 0, 0), upper=(255, 120, 200)).mean() < 1


@pytest.mark.parametrize(
    "resize",
    [lambda im: resize.fit_within(im, max_side=50), lambda im: hough.working_size(im, side=50)[0]],
    ids=["resize.fit_within", "hough.working_size"],
)
def test_resizers_keep_the_dtype_and_its_meaning(resize):
    # Shrinking helpers return the input's dtype (a uint8 picture stays bytes): the same picture either way,
    # to the byte rounding.
    small8, small = resize(RGB8), resize(_unit(RGB8))
    assert small8.dtype == np.uint8 and small.dtype == np.float32 and small8.shape == small.shape == (50, 50, 3)
    assert np.abs(dtype.to_float(small8) - small).max() <= 0.5 / 255 + 1e-6


# ----------------------------------------------------------------------- hand-computed, where it changed
def test_fourier_reads_uint8_as_byte_levels():
    # [255, 51] is [1, 0.2]: its DFT is [1 + 0.2, 1 - 0.2], centred [0.8, 1.2] (was [204, 306] before the rule).
    np.testing.assert_allclose(fourier.spectrum(np.array([[255, 51]], np.uint8)), [[0.8, 1.2]], atol=1e-6)
    strokes = np.zeros((3, 3))
    strokes[0, 0] = 1.0  # float opacity: 1 is a full stroke (it was 1 of 255 before the rule)
    expected = np.zeros((3, 3))
    expected[0, 0] = expected[2, 2] = 1  # the stroke and its mirror twin through the centre (1, 1)
    np.testing.assert_array_equal(fourier.drawn_mask(strokes, shape=(3, 3)), expected)


def test_morphology_accepts_uint8_gray():
    # Refused before the rule. 10, 200, 30 are 0.039, 0.784, 0.118; erosion by a 1 x 3 row is the minimum of
    # each pixel and its neighbours (outside counts as white).
    row = np.array([[10, 200, 30]], np.uint8)
    eroded = morphology.morph(row, operation="erode", element=np.ones((1, 3), np.uint8))
    assert eroded.dtype == np.float32
    np.testing.assert_allclose(eroded, [[10 / 255, 10 / 255, 30 / 255]], rtol=1e-6)
    mask, used = morphology.binarize(row, method="fixed", threshold=0.5)
    np.testing.assert_array_equal(mask, [[False, True, False]])


def test_convolution_and_display_read_uint8_as_byte_levels():
    ones = np.full((3, 3), 255, np.uint8)
    # A 3 x 3 box sum on a white image with replicated borders is 9 (it was 2295 = 9 x 255).
    np.testing.assert_allclose(convolution.correlate(ones, np.ones((3, 3)), padding="replicate"), np.full((3, 3), 9.0))
    # "clip" shows a uint8 picture unchanged (128 was clipped to white before).
    np.testing.assert_array_equal(display.to_display(np.array([[0, 128, 255]], np.uint8)), [[0, 128, 255]])


def test_draw_contours_keeps_gray_levels_and_takes_float_rgb():
    gray = np.full((4, 5), 128, np.uint8)  # was drawn white: 128 was clipped to 1
    np.testing.assert_array_equal(segmentation.draw_contours(gray, []), np.full((4, 5, 3), 128))
    rgb = np.full((4, 5, 3), 0.2, np.float32)  # was refused: only uint8 RGB was drawn on
    np.testing.assert_array_equal(segmentation.draw_contours(rgb, []), np.full((4, 5, 3), 51))

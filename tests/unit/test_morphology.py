"""explorer.classical.morphology against OpenCV (morphologyEx, adaptiveThreshold), SciPy (binary_* / grey_*),
scikit-image (threshold_otsu) and hand-computed masks; the challenge graders with right and wrong answers."""

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage
from skimage.filters import threshold_otsu

from explorer.classical import morphology
from explorer.core import dtype
from explorer.images import samples

RNG = np.random.default_rng(0)
MASK = RNG.random((40, 53)) < 0.4  # (40, 53) bool
GRAY = RNG.random((40, 53)).astype(np.float32)
CV_OPS = {
    "erode": cv2.MORPH_ERODE,
    "dilate": cv2.MORPH_DILATE,
    "open": cv2.MORPH_OPEN,
    "close": cv2.MORPH_CLOSE,
    "gradient": cv2.MORPH_GRADIENT,
    "tophat": cv2.MORPH_TOPHAT,
    "blackhat": cv2.MORPH_BLACKHAT,
}


def element(shape: str, size: int) -> np.ndarray:
    return morphology.structuring_element(shape=shape, size=size)


# ---- binarisation --------------------------------------------------------------------------------------------


def test_fixed_threshold_is_strictly_above_and_invert_swaps():
    image = np.array([[0.1, 0.5, 0.9]], dtype=np.float32)
    mask, used = morphology.binarize(image, method="fixed", threshold=0.5)
    assert used == 0.5 and mask.dtype == bool and mask.shape == (1, 3)
    np.testing.assert_array_equal(mask, [[False, False, True]])
    inverted, _ = morphology.binarize(image, method="fixed", threshold=0.5, invert=True)
    np.testing.assert_array_equal(inverted, [[True, True, False]])


@pytest.mark.parametrize("name", ["camera", "coins", "text", "page"])
def test_otsu_matches_scikit_image(name):
    levels = samples.load_sample(name)[..., 0]  # gray photos: three equal channels
    gray = dtype.to_float(levels)
    reference = threshold_otsu(levels)
    mask, used = morphology.binarize(gray, method="otsu")
    assert used * 255 == pytest.approx(reference, abs=0.5)
    np.testing.assert_array_equal(mask, levels > reference)


@pytest.mark.parametrize(
    "method, cv_method",
    [
        ("adaptive mean", cv2.ADAPTIVE_THRESH_MEAN_C),
        ("adaptive gaussian", cv2.ADAPTIVE_THRESH_GAUSSIAN_C),
    ],
)
@pytest.mark.parametrize("block_size, c", [(3, 0), (11, 5), (31, -3)])
def test_adaptive_matches_opencv(method, cv_method, block_size, c):
    levels = samples.load_sample("page")[..., 0]
    reference = cv2.adaptiveThreshold(levels, 255, cv_method, cv2.THRESH_BINARY, block_size, c) > 0
    mask, used = morphology.binarize(dtype.to_float(levels), method=method, block_size=block_size, c=c / 255)
    assert used is None
    np.testing.assert_array_equal(mask, reference)
    inverted, _ = morphology.binarize(
        dtype.to_float(levels), method=method, block_size=block_size, c=c / 255, invert=True
    )
    np.testing.assert_array_equal(inverted, ~reference)


def test_adaptive_mean_is_the_local_mean_minus_c_by_hand():
    # Independent of OpenCV: SciPy's box mean with the edge repeated; only pixels clearly off a tie compared.
    levels = samples.load_sample("page")[..., 0].astype(np.float64)
    local = ndimage.uniform_filter(levels, size=11, mode="nearest")
    mask, _ = morphology.binarize(
        dtype.to_float(levels.astype(np.uint8)), method="adaptive mean", block_size=11, c=5 / 255
    )
    clear = np.abs(levels - (local - 5)) > 1.0
    np.testing.assert_array_equal(mask[clear], (levels > local - 5)[clear])


@pytest.mark.parametrize("block_size", [4, 1, 103])
def test_bad_block_size_is_named(block_size):
    with pytest.raises(
        ValueError,
        match=rf"block_size must be an odd integer from 3 to 101 \(to have a centre cell\), got {block_size}$",
    ):
        morphology.binarize(GRAY, method="adaptive mean", block_size=block_size)


@pytest.mark.parametrize("threshold", [-0.1, 1.5, float("nan")])
def test_threshold_out_of_range_is_named(threshold):
    with pytest.raises(ValueError, match="threshold must be (a finite number )?from 0.0 to 1.0"):
        morphology.binarize(GRAY, method="fixed", threshold=threshold)


def test_other_bad_binarisation_input():
    with pytest.raises(ValueError, match="c must be from -0.5 to 0.5, got 0.9"):
        morphology.binarize(GRAY, method="adaptive mean", c=0.9)
    with pytest.raises(ValueError, match="method must be one of"):
        morphology.binarize(GRAY, method="median")
    with pytest.raises(ValueError, match=r"image must be a 2-D gray image \(H, W\), got shape \(4, 4, 3\)"):
        morphology.binarize(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match=r"image must hold finite values in \[0, 1\]"):
        morphology.binarize(np.full((2, 2), 2.0, np.float32))


# ---- elements ------------------------------------------------------------------------------------------------


def test_elements_by_hand():
    np.testing.assert_array_equal(element("rectangle", 3), np.ones((3, 3)))
    np.testing.assert_array_equal(element("cross", 3), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    disc = element("ellipse", 7)
    assert disc.dtype == np.uint8 and disc.shape == (7, 7)
    # OpenCV's 7 x 7 ellipse, written out: symmetric top to bottom and left to right, but not about the
    # diagonal (its first row holds one cell, its first column three).
    expected = [
        [0, 0, 0, 1, 0, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 0, 1, 0, 0, 0],
    ]
    np.testing.assert_array_equal(disc, expected)


def test_empty_element_is_refused_with_a_message():
    with pytest.raises(ValueError, match="element is empty \\(every cell is 0\\)"):
        morphology.morph(MASK, operation="erode", element=np.zeros((3, 3), np.uint8))


@pytest.mark.parametrize(
    "bad, text",
    [
        (np.ones((2, 3)), "odd sides"),
        (np.ones((33, 33)), "odd sides"),
        (np.full((3, 3), 2), "only 0 and 1"),
        (np.ones(3), "2-D"),
    ],
)
def test_bad_elements_are_named(bad, text):
    with pytest.raises(ValueError, match=text):
        morphology.check_element(bad)


def test_bad_element_settings_are_named():
    with pytest.raises(ValueError, match=r"size must be an odd integer from 1 to 31 \(to have a centre cell\), got 4"):
        element("rectangle", 4)
    with pytest.raises(ValueError, match="shape must be one of"):
        element("star", 3)
    with pytest.raises(ValueError, match="iterations must be from 1 to 10, got 0"):
        morphology.morph(MASK, operation="open", element=element("cross", 3), iterations=0)
    with pytest.raises(ValueError, match="operation must be one of"):
        morphology.morph(MASK, operation="skeleton", element=element("cross", 3))


# ---- morphology ----------------------------------------------------------------------------------------------


def test_dilating_one_pixel_by_hand():
    mask = np.zeros((5, 5), bool)
    mask[2, 2] = True
    grown = morphology.morph(mask, operation="dilate", element=element("cross", 3))
    expected = np.zeros((5, 5), bool)
    expected[2, 1:4] = expected[1:4, 2] = True
    np.testing.assert_array_equal(grown, expected)
    assert not morphology.morph(mask, operation="erode", element=element("cross", 3)).any()
    # Opening removes the lonely pixel; the top-hat is exactly that pixel.
    assert not morphology.morph(mask, operation="open", element=element("rectangle", 3)).any()
    np.testing.assert_array_equal(morphology.morph(mask, operation="tophat", element=element("rectangle", 3)), mask)


@pytest.mark.parametrize("operation", morphology.OPERATIONS)
@pytest.mark.parametrize("shape, size", [("rectangle", 3), ("ellipse", 5), ("cross", 7), ("rectangle", 1)])
@pytest.mark.parametrize("iterations", [1, 2])
def test_every_operation_matches_opencv_morphologyex(operation, shape, size, iterations):
    kernel = element(shape, size)
    binary = morphology.morph(MASK, operation=operation, element=kernel, iterations=iterations)
    assert binary.dtype == bool and binary.shape == MASK.shape
    reference = cv2.morphologyEx(MASK.astype(np.uint8), CV_OPS[operation], kernel, iterations=iterations)
    np.testing.assert_array_equal(binary, reference > 0)
    gray = morphology.morph(GRAY, operation=operation, element=kernel, iterations=iterations)
    assert gray.dtype == np.float32 and gray.shape == GRAY.shape
    np.testing.assert_allclose(
        gray, cv2.morphologyEx(GRAY, CV_OPS[operation], kernel, iterations=iterations), atol=1e-6
    )


def test_a_drawn_asymmetric_element_matches_opencv():
    kernel = np.array([[0, 1, 1], [0, 1, 0], [0, 0, 0]], np.uint8)
    for operation in morphology.OPERATIONS:
        reference = cv2.morphologyEx(MASK.astype(np.uint8), CV_OPS[operation], kernel) > 0
        np.testing.assert_array_equal(morphology.morph(MASK, operation=operation, element=kernel), reference)


@pytest.mark.parametrize("shape, size", [("rectangle", 3), ("ellipse", 5), ("cross", 5)])
@pytest.mark.parametrize("iterations", [1, 2])
def test_binary_operations_match_scipy(shape, size, iterations):
    kernel = element(shape, size).astype(bool)
    options = {"element": kernel.astype(np.uint8), "iterations": iterations}
    # Outside the image counts as white for erosion and black for dilation (OpenCV's convention).
    np.testing.assert_array_equal(
        morphology.morph(MASK, operation="erode", **options),
        ndimage.binary_erosion(MASK, kernel, iterations=iterations, border_value=1),
    )
    np.testing.assert_array_equal(
        morphology.morph(MASK, operation="dilate", **options),
        ndimage.binary_dilation(MASK, kernel, iterations=iterations),
    )
    # Opening and closing: a mask with an empty frame, so SciPy's border choice cannot matter.
    framed = np.zeros((60, 73), bool)
    framed[10:50, 10:63] = MASK
    np.testing.assert_array_equal(
        morphology.morph(framed, operation="open", **options),
        ndimage.binary_opening(framed, kernel, iterations=iterations),
    )
    np.testing.assert_array_equal(
        morphology.morph(framed, operation="close", **options),
        ndimage.binary_closing(framed, kernel, iterations=iterations),
    )


@pytest.mark.parametrize("shape", ["rectangle", "cross"])
def test_gray_erosion_and_dilation_are_local_min_and_max_like_scipy(shape):
    kernel = element(shape, 5)
    np.testing.assert_array_equal(
        morphology.morph(GRAY, operation="erode", element=kernel),
        ndimage.grey_erosion(GRAY, footprint=kernel.astype(bool), mode="nearest"),
    )
    np.testing.assert_array_equal(
        morphology.morph(GRAY, operation="dilate", element=kernel),
        ndimage.grey_dilation(GRAY, footprint=kernel.astype(bool), mode="nearest"),
    )


@settings(max_examples=40, deadline=None)
@given(
    mask=arrays(bool, st.tuples(st.integers(1, 24), st.integers(1, 24))),
    shape=st.sampled_from(morphology.ELEMENT_SHAPES),
    size=st.sampled_from([1, 3, 5, 7]),
    iterations=st.integers(1, 3),
)
def test_duality_dilation_is_the_complement_of_eroding_the_complement(mask, shape, size, iterations):
    kernel = element(shape, size)  # all three shapes are symmetric about their centre
    dilated = morphology.morph(mask, operation="dilate", element=kernel, iterations=iterations)
    eroded_complement = morphology.morph(~mask, operation="erode", element=kernel, iterations=iterations)
    np.testing.assert_array_equal(dilated, ~eroded_complement)
    opened = morphology.morph(mask, operation="open", element=kernel, iterations=iterations)
    closed_complement = morphology.morph(~mask, operation="close", element=kernel, iterations=iterations)
    np.testing.assert_array_equal(opened, ~closed_complement)


def test_difference_picture_colours():
    before = np.array([[True, True, False, False]])
    after = np.array([[True, False, True, False]])
    picture = morphology.difference_picture(before, after)
    assert picture.dtype == np.uint8 and picture.shape == (1, 4, 3)
    np.testing.assert_array_equal(picture[0], [[255, 255, 255], [225, 45, 45], [40, 190, 60], [0, 0, 0]])


def test_element_picture_marks_the_centre():
    picture = morphology.element_picture(element("cross", 3), cell=10)
    assert picture.shape == (30, 30, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[15, 15], [220, 40, 40])  # centre cell, red mark
    np.testing.assert_array_equal(picture[5, 5], [235, 235, 235])  # an off corner cell


# ---- the noisy letter and the challenges ----------------------------------------------------------------------


def test_noisy_letter_is_seeded_with_salt_outside_and_pepper_inside():
    letter = morphology.noisy_letter()
    assert letter.clean.shape == (morphology.LETTER_SIZE,) * 2 and letter.clean.dtype == bool
    assert letter.salt.sum() > 100 and letter.pepper.sum() > 30
    assert not (letter.salt & ndimage.binary_dilation(letter.clean, iterations=2)).any()  # far from the letter
    assert not (letter.pepper & ~ndimage.binary_erosion(letter.clean)).any()  # strictly inside
    np.testing.assert_array_equal(letter.noisy, (letter.clean | letter.salt) & ~letter.pepper)
    again = morphology.noisy_letter.__wrapped__()
    np.testing.assert_array_equal(again.noisy, letter.noisy)
    other = morphology.noisy_letter.__wrapped__(seed=1)
    assert (other.noisy != letter.noisy).any()


def test_salt_challenge_passes_with_an_opening():
    grade = morphology.grade("salt", operation="open", element=element("rectangle", 3))
    assert grade.passed, grade.feedback
    assert "No specks are left" in grade.feedback[0]


@pytest.mark.parametrize(
    "operation, size, text",
    [
        ("erode", 3, "Erosion alone shrinks every stroke"),
        ("close", 3, "you need one that starts by eroding"),
        ("open", 13, "The element is too big"),
    ],
)
def test_salt_challenge_fails_wrong_answers_with_specific_feedback(operation, size, text):
    grade = morphology.grade("salt", operation=operation, element=element("rectangle", size))
    assert not grade.passed
    assert any(text in line for line in grade.feedback), grade.feedback


def test_holes_challenge_passes_with_a_closing():
    grade = morphology.grade("holes", operation="close", element=element("rectangle", 3))
    assert grade.passed, grade.feedback
    assert grade.feedback[0].startswith("All ") and "holes are filled" in grade.feedback[0]


@pytest.mark.parametrize(
    "operation, shape, size, text",
    [
        ("open", "rectangle", 3, "you need one that starts by dilating"),
        ("dilate", "rectangle", 3, "Dilation alone fattens every stroke"),
        ("close", "ellipse", 25, "triangle got filled"),
    ],
)
def test_holes_challenge_fails_wrong_answers_with_specific_feedback(operation, shape, size, text):
    grade = morphology.grade("holes", operation=operation, element=element(shape, size))
    assert not grade.passed
    assert any(text in line for line in grade.feedback), grade.feedback


def test_unknown_challenge_is_named():
    with pytest.raises(ValueError, match="challenge must be one of \\('salt', 'holes'\\), got 'speed'"):
        morphology.grade("speed", operation="open", element=element("cross", 3))


# ---- elements as text (links) and resizing ----------------------------------------------------------------------


def test_element_text_round_trip_and_errors():
    cross = element("cross", 3)
    assert morphology.element_to_text(cross) == "010;111;010"
    np.testing.assert_array_equal(morphology.element_from_text("010;111;010"), cross)
    with pytest.raises(ValueError, match="element text must be equal rows of 0 and 1"):
        morphology.element_from_text("01;111;010")
    with pytest.raises(ValueError, match="element is empty"):
        morphology.element_from_text("000;000;000")


def test_resize_element_pads_and_crops_around_the_centre():
    padded = morphology.resize_element(element("cross", 3), size=5)
    expected = np.zeros((5, 5), np.uint8)
    expected[1:4, 1:4] = element("cross", 3)
    np.testing.assert_array_equal(padded, expected)
    np.testing.assert_array_equal(morphology.resize_element(element("rectangle", 9), size=3), np.ones((3, 3)))
    # Zeros around an element change nothing.
    np.testing.assert_array_equal(
        morphology.morph(MASK, operation="open", element=padded),
        morphology.morph(MASK, operation="open", element=element("cross", 3)),
    )

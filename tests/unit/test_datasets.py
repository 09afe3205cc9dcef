"""explorer.data.datasets: the Dataset container (hand-computed cases), digits against scikit-learn and
scikit-image, and drawing_to_digit on hand-made drawings checked by hand and by a scikit-learn classifier."""

import cv2
import numpy as np
import pytest
from skimage.transform import resize
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier

from explorer.data import datasets
from explorer.data.datasets import Dataset


def small(counts=(10, 5, 3), channels=1, size=2):
    """A data set whose image i is filled with the value i / 100, with ``counts`` images per class."""
    labels = np.repeat(np.arange(len(counts)), counts)
    values = np.arange(len(labels), dtype=np.float32) / 100
    images = np.broadcast_to(values[:, None, None, None], (len(labels), channels, size, size)).copy()
    return Dataset("small", images, labels, tuple(f"c{k}" for k in range(len(counts))))


# ---- the container --------------------------------------------------------------------------------------------


def test_counts_len_and_shape():
    data = small()
    assert data.counts() == {"c0": 10, "c1": 5, "c2": 3}
    assert len(data) == 18 and data.n_classes == 3 and data.image_shape == (1, 2, 2)
    assert data.images.dtype == np.float32 and data.labels.dtype == np.int64


def test_a_class_without_images_counts_zero():
    data = Dataset("x", np.zeros((2, 1, 2, 2), np.float32), [0, 0], ("a", "b"))
    assert data.counts() == {"a": 2, "b": 0}


def test_arrays_are_read_only_so_a_shared_data_set_cannot_be_changed():
    data = small()
    with pytest.raises(ValueError, match="read-only"):
        data.images[0, 0, 0, 0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        data.labels[0] = 2


@pytest.mark.parametrize(
    ("images", "labels", "names", "error", "message"),
    [
        (np.zeros((2, 1, 2, 2)), [0, 1], ("a", "b"), TypeError, "images must be float32, got float64"),
        (np.zeros((2, 2, 2), np.float32), [0, 1], ("a", "b"), ValueError, r"images must be \(N, C, H, W\)"),
        (np.zeros((2, 2, 2, 2), np.float32), [0, 1], ("a", "b"), ValueError, "C 1 or 3"),
        (np.full((2, 1, 2, 2), 1.5, np.float32), [0, 1], ("a", "b"), ValueError, r"values in \[0, 1\]"),
        (np.full((2, 1, 2, 2), np.nan, np.float32), [0, 1], ("a", "b"), ValueError, "finite"),
        (np.zeros((2, 1, 2, 2), np.float32), [0], ("a", "b"), ValueError, r"labels must be integers of shape \(2,\)"),
        (np.zeros((2, 1, 2, 2), np.float32), [0, 2], ("a", "b"), ValueError, r"labels must be in 0..1, got 0..2"),
        (np.zeros((2, 1, 2, 2), np.float32), [0, 1], ("a", "a"), ValueError, "class_names must be distinct"),
        (np.zeros((2, 1, 2, 2), np.float32), [0, 1], ("a", ""), TypeError, "non-empty strings"),
    ],
)
def test_bad_contents_are_refused_with_the_reason(images, labels, names, error, message):
    with pytest.raises(error, match=message):
        Dataset("x", images, labels, names)


def test_split_is_stratified_by_hand():
    train, test = small().split(0.2, seed=0)
    # round(10 * 0.2) = 2, round(5 * 0.2) = 1, round(3 * 0.2) = 1 (at least one per class)
    assert test.counts() == {"c0": 2, "c1": 1, "c2": 1}
    assert train.counts() == {"c0": 8, "c1": 4, "c2": 2}
    # every image lands in exactly one part, with its own label (image i holds i / 100)
    ids = np.concatenate([np.round(train.images[:, 0, 0, 0] * 100), np.round(test.images[:, 0, 0, 0] * 100)])
    assert sorted(ids.astype(int)) == list(range(18))
    for part in (train, test):
        np.testing.assert_array_equal(part.labels, small().labels[np.round(part.images[:, 0, 0, 0] * 100).astype(int)])
    assert train.name == "small (train)" and test.name == "small (test)"


def test_split_keeps_one_training_image_per_class():
    _, test = small((2, 2)).split(0.9, seed=0)
    assert test.counts() == {"c0": 1, "c1": 1}


def test_split_is_deterministic_by_seed():
    first, second, other = (small((40, 40)).split(0.25, seed=s)[1] for s in (7, 7, 8))
    np.testing.assert_array_equal(first.images, second.images)
    assert not np.array_equal(first.images, other.images)


@pytest.mark.parametrize(
    ("fraction", "message"),
    [
        (0.0, r"test_fraction must be > 0.0 and < 1.0, got 0.0"),
        (1.0, r"test_fraction must be > 0.0 and < 1.0, got 1.0"),
        ("x", r"test_fraction must be a finite number > 0.0 and < 1.0, got 'x'"),
    ],
)
def test_split_refuses_bad_fractions(fraction, message):
    with pytest.raises(ValueError, match=message):
        small().split(fraction, seed=0)


def test_split_needs_two_images_per_class():
    with pytest.raises(ValueError, match="class 'c1' has 1 image"):
        small((3, 1)).split(0.5, seed=0)


def test_subset_keeps_order_and_checks_indices():
    part = small().subset([17, 0])
    np.testing.assert_allclose(part.images[:, 0, 0, 0], [0.17, 0.0])
    np.testing.assert_array_equal(part.labels, [2, 0])
    with pytest.raises(ValueError, match=r"indices must be in 0..17, got 0..18"):
        small().subset([0, 18])


def test_preview_by_hand():
    data = small((3, 1), size=2)
    grid = data.preview(per_class=2)
    assert grid.shape == (4, 4) and grid.dtype == np.uint8
    # row 0: images 0 and 1 (values 0, 0.01); row 1: image 3 (0.03) then an empty black cell
    expected = np.round(np.array([[0.0, 0.01], [0.03, 0.0]]) * 255).astype(np.uint8)
    np.testing.assert_array_equal(grid, np.kron(expected, np.ones((2, 2), np.uint8)))


def test_preview_gap_separates_cells_with_gray():
    data = small((3, 1), size=2)
    grid = data.preview(per_class=2, gap=1)
    assert grid.shape == (2 * 3 - 1, 2 * 3 - 1)
    # the separator row and column are mid-gray; the cells are where they were, shifted by the gap
    assert (grid[2, :] == 128).all() and (grid[:, 2] == 128).all()
    assert grid[3, 0] == round(0.03 * 255) and grid[3, 3] == 0


def test_preview_of_colour_images_keeps_channels():
    images = np.zeros((2, 3, 4, 5), np.float32)
    images[:, 0] = 1.0  # pure red
    grid = Dataset("c", images, [0, 1], ("a", "b")).preview(per_class=3)
    assert grid.shape == (8, 15, 3)
    np.testing.assert_array_equal(grid[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(grid[0, 5], [0, 0, 0])  # the second cell of a class with one image


def test_preview_refuses_bad_per_class():
    with pytest.raises(ValueError, match="per_class must be from 1 to 32, got 0"):
        small().preview(per_class=0)


# ---- digits ---------------------------------------------------------------------------------------------------


def test_digits_raw_is_scikit_learns_data_set():
    images, labels = datasets.digits_raw()
    reference = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images, reference.images)
    np.testing.assert_array_equal(labels, reference.target)


def test_digits_at_8_is_the_data_set_over_16():
    data = datasets.digits()
    assert data.images.shape == (1797, 1, 8, 8) and data.class_names == tuple("0123456789")
    np.testing.assert_allclose(data.images[:, 0], load_digits().images / 16, atol=1e-7)


@pytest.mark.parametrize("size", [16, 28, 32])
def test_larger_digits_match_scikit_image_bilinear_resize(size):
    data = datasets.digits(size=size)
    assert data.images.shape == (1797, 1, size, size) and data.images.dtype == np.float32
    for index in (0, 1000):
        reference = resize(load_digits().images[index] / 16, (size, size), order=1, mode="edge", anti_aliasing=False)
        np.testing.assert_allclose(data.images[index, 0], reference, atol=1e-5)


@pytest.mark.parametrize("size", [20, 8.0, True])
def test_digits_refuse_other_sizes(size):
    with pytest.raises(ValueError, match=rf"size must be one of \(8, 16, 28, 32\), got {size}"):
        datasets.digits(size=size)


# ---- drawings -------------------------------------------------------------------------------------------------


def bar_canvas():
    """A 100×100 canvas with an 80-tall, 8-wide bar of ink (value 1) at rows 10..89, columns 60..67."""
    canvas = np.zeros((100, 100), np.float32)
    canvas[10:90, 60:68] = 1.0
    return canvas


def test_drawn_bar_by_hand():
    # Cropped to 80×8, padded to 80×80 with the bar at columns 36..43; each of the 8×8 cells is 10×10 pixels,
    # so columns 3 (30..39) and 4 (40..49) each hold 4 of the bar's columns: 0.4, then scaled so the max is 16.
    expected = np.zeros((8, 8), np.float32)
    expected[:, 3:5] = 16.0
    np.testing.assert_allclose(datasets.drawing_to_digit(bar_canvas()), expected, atol=1e-5)


def test_dark_ink_on_white_uint8_and_transparent_canvas_give_the_same_digit():
    expected = datasets.drawing_to_digit(bar_canvas())
    paper = np.round((1.0 - bar_canvas()) * 255).astype(np.uint8)  # black ink on white paper
    np.testing.assert_allclose(datasets.drawing_to_digit(np.dstack([paper] * 3)), expected, atol=1e-5)
    rgba = np.zeros((100, 100, 4), np.uint8)  # a canvas: transparent background, opaque black strokes
    rgba[:, :, 3] = np.round(bar_canvas() * 255).astype(np.uint8)
    np.testing.assert_allclose(datasets.drawing_to_digit(rgba), expected, atol=1e-5)


@pytest.fixture(scope="module")
def digit_classifier():
    data = load_digits()
    return KNeighborsClassifier(n_neighbors=5).fit(data.images.reshape(-1, 64), data.target)


def test_a_drawn_one_and_zero_are_recognised_by_a_classifier_trained_on_the_data_set(digit_classifier):
    one = np.full((280, 280, 3), 255, np.uint8)  # black strokes on white, drawn off-centre with a slant
    cv2.line(one, (170, 40), (150, 250), (0, 0, 0), 18)
    cv2.line(one, (170, 40), (140, 80), (0, 0, 0), 14)
    zero = np.zeros((280, 280), np.uint8)  # white strokes on black
    cv2.ellipse(zero, (100, 140), (45, 80), 0, 0, 360, 255, 16)
    for drawing, digit in ((one, 1), (zero, 0)):
        features = datasets.drawing_to_digit(drawing)
        assert features.shape == (8, 8) and features.dtype == np.float32 and features.max() == 16
        assert digit_classifier.predict(features.reshape(1, 64))[0] == digit


def test_blank_and_malformed_drawings_are_refused():
    with pytest.raises(ValueError, match="no drawing"):
        datasets.drawing_to_digit(np.zeros((50, 50), np.uint8))
    with pytest.raises(ValueError, match=r"image must be \(H, W\), \(H, W, 3\) or \(H, W, 4\), got shape \(5, 5, 2\)"):
        datasets.drawing_to_digit(np.zeros((5, 5, 2), np.uint8))
    with pytest.raises(TypeError, match="image must be a numpy array, got list"):
        datasets.drawing_to_digit([[0, 1]])


def test_a_tiny_drawing_still_gives_8_by_8():
    dot = np.zeros((10, 10), np.float32)
    dot[4:6, 4:7] = 1.0  # 2×3 pixels of ink
    digit = datasets.drawing_to_digit(dot)
    assert digit.shape == (8, 8) and digit.max() == 16


def test_ink_square_crops_to_the_ink_and_pads_it_square_by_hand():
    # The bar (rows 10..89, columns 60..67) becomes an 80×80 square with the bar in columns 36..43.
    square = datasets.ink_square(np.round((1.0 - bar_canvas()) * 255).astype(np.uint8))  # black on white
    expected = np.zeros((80, 80), np.float32)
    expected[:, 36:44] = 1.0
    np.testing.assert_allclose(square, expected, atol=1e-6)
    with pytest.raises(ValueError, match="no drawing"):
        datasets.ink_square(np.full((20, 20, 3), 255, np.uint8))

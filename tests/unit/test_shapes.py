"""explorer.data.shapes: format, determinism, balance, and that the classes are what their names say
(stripe orientation measured with numpy gradients; separability with a scikit-learn classifier). Speed is
measured in benchmarks/bench_loading.py."""

import numpy as np
import pytest
from sklearn.neighbors import NearestCentroid

from explorer.data import shapes


@pytest.fixture(scope="module")
def gray():
    return shapes.make_shapes(30, seed=1)


def test_format_and_balance(gray):
    assert gray.images.shape == (240, 1, 28, 28) and gray.images.dtype == np.float32
    assert gray.images.min() >= 0.0 and gray.images.max() <= 1.0
    assert gray.class_names == shapes.CLASS_NAMES and len(shapes.CLASS_NAMES) == 8
    assert set(gray.counts().values()) == {30}
    np.testing.assert_array_equal(gray.labels, np.repeat(np.arange(8), 30))


def test_colour_variant_is_32_by_32_rgb_with_varied_colours():
    data = shapes.make_shapes(10, color=True, seed=0)
    assert data.images.shape == (80, 3, 32, 32) and data.images.dtype == np.float32
    # the channels differ (not gray in disguise)
    assert np.abs(data.images[:, 0] - data.images[:, 1]).mean() > 0.1


def test_other_sizes():
    assert shapes.make_shapes(2, size=48).images.shape == (16, 1, 48, 48)


def test_same_seed_same_arrays_other_seed_other_arrays():
    first, second, other = (shapes.make_shapes(5, color=True, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(first.images, second.images)
    assert not np.array_equal(first.images, other.images)


def test_every_shape_stands_out_from_its_background():
    # Brightness as BT.601 luma (the weights cv2.COLOR_RGB2GRAY uses), averaged over 2×2 blocks against the noise:
    # every image has a block of shape and a block of background at least 0.2 apart.
    luma = np.array([0.299, 0.587, 0.114], np.float32)
    for color in (False, True):
        data = shapes.make_shapes(20, color=color, seed=2)
        brightness = np.einsum("nchw,c->nhw", data.images, luma) if color else data.images[:, 0]
        side = brightness.shape[1] // 2
        blocks = brightness.reshape(len(data), side, 2, side, 2).mean(axis=(2, 4)).reshape(len(data), -1)
        assert np.all(blocks.max(axis=1) - blocks.min(axis=1) > 0.2)


def test_stripes_have_the_orientation_their_name_says(gray):
    # Horizontal stripes change from row to row (vertical gradient), vertical ones from column to column.
    energy = {}
    for label, name in enumerate(gray.class_names[:3]):
        images = gray.images[gray.labels == label, 0]
        d_rows, d_cols = np.gradient(images, axis=(1, 2))
        energy[name] = (np.mean(d_rows**2), np.mean(d_cols**2))
    rows, cols = energy["horizontal stripes"]
    assert rows > 4 * cols
    rows, cols = energy["vertical stripes"]
    assert cols > 4 * rows
    rows, cols = energy["diagonal stripes"]
    assert 0.5 < rows / cols < 2


def log_spectrum(data):
    """Translation-invariant features: log magnitude of the 2-D Fourier transform of the gray image."""
    images = data.images.mean(axis=1)
    images = images - images.mean(axis=(1, 2), keepdims=True)
    return np.log1p(np.abs(np.fft.fft2(images))).reshape(len(images), -1)


@pytest.mark.parametrize("color", [False, True])
def test_classes_are_separable_far_above_chance(color):
    train = shapes.make_shapes(40, color=color, seed=10)
    test = shapes.make_shapes(20, color=color, seed=11)
    classifier = NearestCentroid().fit(log_spectrum(train), train.labels)
    accuracy = classifier.score(log_spectrum(test), test.labels)
    assert accuracy > 0.5  # chance is 1/8 = 0.125


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"n_per_class": 0}, ValueError, "n_per_class must be from 1 to 2000, got 0"),
        ({"n_per_class": 2.5}, ValueError, r"n_per_class must be an integer from 1 to 2000, got 2.5 \(float\)"),
        ({"n_per_class": 2, "size": 8}, ValueError, "size must be from 16 to 64, got 8"),
        ({"n_per_class": 2, "seed": -1}, ValueError, "seed must be >= 0, got -1"),
        ({"n_per_class": 2, "color": "yes"}, TypeError, "color must be True or False, got str"),
    ],
)
def test_bad_arguments_are_refused(kwargs, error, message):
    with pytest.raises(error, match=message):
        shapes.make_shapes(**kwargs)

"""explorer.nets.translation: the dense unit forgets a moved eye, the conv unit follows it.

The detectors are trained once for the module (about a third of a second, seeded); the conv response map is
checked against SciPy's ``ndimage.correlate`` with zero padding.
"""

import numpy as np
import pytest
from scipy import ndimage

from explorer.nets import translation

CENTRE = translation.CANVAS // 2


@pytest.fixture(scope="module")
def detectors():
    return translation.train(seed=0)


def test_eye_is_a_ring_with_a_pupil():
    expected = np.array(
        [
            [0, 1, 1, 1, 0],
            [1, 0, 0, 0, 1],
            [1, 0, 1, 0, 1],
            [1, 0, 0, 0, 1],
            [0, 1, 1, 1, 0],
        ],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(translation.eye(), expected)


def test_place_centres_the_pattern_and_refuses_the_border():
    canvas = translation.place(translation.eye(), row=5, col=20)
    assert canvas.shape == (28, 28) and canvas.dtype == np.float32
    np.testing.assert_array_equal(canvas[3:8, 18:23], translation.eye())
    assert canvas.sum() == translation.eye().sum()
    with pytest.raises(ValueError, match=r"row, col must keep the 5×5 pattern inside the 28×28 canvas, got \(14, 26\)"):
        translation.place(translation.eye(), row=14, col=26)


def test_both_units_respond_at_the_training_place(detectors):
    dense, conv = translation.responses(detectors, translation.place(translation.eye(), row=CENTRE, col=CENTRE))
    assert dense > 0.95
    assert conv.max() > 0.95
    assert np.unravel_index(np.argmax(conv), conv.shape) == (CENTRE, CENTRE)
    # Nothing on the canvas: neither unit fires.
    dense_blank, conv_blank = translation.responses(detectors, np.zeros((28, 28), np.float32))
    assert dense_blank < 0.1 and conv_blank.max() < 0.1


def test_moving_the_eye_kills_the_dense_response_but_moves_the_conv_peak(detectors):
    curve = translation.shift_curve(detectors)
    at_training = curve.shifts == 0
    far = np.abs(curve.shifts) >= 4
    assert far.sum() >= 10
    assert curve.dense[far].max() < 0.3 * curve.dense[at_training][0]
    np.testing.assert_allclose(curve.conv_peak, curve.conv_peak[at_training][0], atol=0.01)
    np.testing.assert_array_equal(curve.conv_peak_col, CENTRE + curve.shifts)


def test_conv_map_is_scipy_correlation_through_a_sigmoid(detectors):
    canvas = translation.place(translation.eye(), row=9, col=19)
    canvas += np.random.default_rng(0).random((28, 28), dtype=np.float32) * 0.2
    _, conv = translation.responses(detectors, canvas)
    logits = ndimage.correlate(canvas.astype(np.float64), detectors.conv_kernel.astype(np.float64), mode="constant")
    np.testing.assert_allclose(conv, 1 / (1 + np.exp(-(logits + detectors.conv_bias))), atol=1e-5)
    dense, _ = translation.responses(detectors, canvas)
    expected = 1 / (1 + np.exp(-(np.sum(detectors.dense_weights * canvas, dtype=np.float64) + detectors.dense_bias)))
    assert dense == pytest.approx(expected, abs=1e-5)


def test_training_is_deterministic_given_the_seed():
    a, b = translation.train(steps=10, seed=3), translation.train(steps=10, seed=3)
    np.testing.assert_array_equal(a.dense_weights, b.dense_weights)
    np.testing.assert_array_equal(a.conv_kernel, b.conv_kernel)
    c = translation.train(steps=10, seed=4)
    assert not np.array_equal(a.conv_kernel, c.conv_kernel)


def test_bad_input_is_refused(detectors):
    with pytest.raises(ValueError, match=r"image must be \(28, 28\), got shape \(28, 27\)"):
        translation.responses(detectors, np.zeros((28, 27)))
    with pytest.raises(ValueError, match="steps must be from 1 to 5000, got 0"):
        translation.train(steps=0)

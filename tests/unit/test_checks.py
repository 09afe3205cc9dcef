"""The shared argument checks: the values they accept, what they return, and the messages every explorer module
gives."""

import numpy as np
import pytest

from explorer.core import checks

# ---------------------------------------------------------------------------------------------- integer


def test_integer_accepts_in_range_and_numpy_integers():
    assert checks.integer("k", 3, 2, 12) == 3
    assert checks.integer("k", 2, 2, 12) == 2 and checks.integer("k", 12, 2, 12) == 12  # both ends included
    assert checks.integer("n", 10**9, 1) == 10**9  # no upper bound
    value = checks.integer("k", np.int64(12), 2, 12)
    assert value == 12 and type(value) is int
    assert type(checks.integer("k", np.uint8(5), 2, 12)) is int


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (1, ValueError, "k must be from 2 to 12, got 1"),
        (13, ValueError, "k must be from 2 to 12, got 13"),
        (True, TypeError, "k must be an integer from 2 to 12, got True (bool)"),
        (2.0, TypeError, "k must be an integer from 2 to 12, got 2.0 (float)"),
        ("3", TypeError, "k must be an integer from 2 to 12, got '3' (str)"),
        (None, TypeError, "k must be an integer from 2 to 12, got None (NoneType)"),
    ],
)
def test_integer_refuses_with_the_parameter_named(value, error, message):
    with pytest.raises(error) as caught:
        checks.integer("k", value, 2, 12)
    assert str(caught.value) == message


def test_integer_without_upper_bound_says_so():
    with pytest.raises(ValueError) as caught:
        checks.integer("n", 0, 1)
    assert str(caught.value) == "n must be >= 1, got 0"
    with pytest.raises(TypeError) as caught:
        checks.integer("n", 1.5, 1)
    assert str(caught.value) == "n must be an integer >= 1, got 1.5 (float)"


def test_integer_odd():
    assert checks.integer("size", 3, 1, 31, odd=True) == 3
    assert checks.integer("size", 1, 1, 31, odd=True) == 1 and checks.integer("size", 31, 1, 31, odd=True) == 31
    for bad in (4, 33, -1):
        with pytest.raises(ValueError) as caught:
            checks.integer("size", bad, 1, 31, odd=True)
        assert str(caught.value) == f"size must be an odd integer from 1 to 31 (to have a centre cell), got {bad}"
    with pytest.raises(TypeError) as caught:
        checks.integer("size", 3.0, 1, 31, odd=True)
    assert str(caught.value) == "size must be an odd integer from 1 to 31 (to have a centre cell), got 3.0 (float)"


def test_integer_wrong_type_can_be_a_value_error():
    with pytest.raises(ValueError) as caught:
        checks.integer("seed", "7", 0, wrong_type=ValueError)
    assert type(caught.value) is ValueError
    assert str(caught.value) == "seed must be an integer >= 0, got '7' (str)"
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):  # the range error is unchanged
        checks.integer("seed", -1, 0, wrong_type=ValueError)


def test_a_long_bad_value_is_shortened_in_the_message():
    with pytest.raises(TypeError) as caught:
        checks.integer("k", "x" * 500, 2, 12)
    message = str(caught.value)
    assert message.startswith("k must be an integer from 2 to 12, got 'xxx") and message.endswith("… (str)")
    assert len(message) < 120


# ----------------------------------------------------------------------------------------------- number


def test_number_returns_a_float():
    assert checks.number("sigma", 2, 0.0, 8.0) == 2.0 and isinstance(checks.number("sigma", 2, 0.0, 8.0), float)
    assert checks.number("sigma", 0.0, 0.0, 8.0) == 0.0 and checks.number("sigma", 8.0, 0.0, 8.0) == 8.0
    assert type(checks.number("sigma", np.float32(0.5), 0.0, 8.0)) is float
    assert checks.number("angle", -1e300) == -1e300  # no bounds: any finite number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.5, "sigma must be from 0.0 to 8.0, got -0.5"),
        (8.5, "sigma must be from 0.0 to 8.0, got 8.5"),
        (float("nan"), "sigma must be a finite number from 0.0 to 8.0, got nan"),
        (float("inf"), "sigma must be a finite number from 0.0 to 8.0, got inf"),
        ("1", "sigma must be a finite number from 0.0 to 8.0, got '1'"),
        (True, "sigma must be a finite number from 0.0 to 8.0, got True"),
    ],
)
def test_number_refuses_with_the_parameter_named(value, message):
    with pytest.raises(ValueError) as caught:
        checks.number("sigma", value, 0.0, 8.0)
    assert str(caught.value) == message


def test_number_open_and_missing_bounds():
    assert checks.number("p", 0.5, 0.0, 1.0, low_open=True, high_open=True) == 0.5
    assert checks.number("t", 1.0, 0.0, 1.0, low_open=True) == 1.0  # (0, 1]: 1 is in
    assert checks.number("sigma", 1e9, 0.0, low_open=True) == 1e9
    cases = [
        (dict(low=0.0, high=1.0, low_open=True, high_open=True), 0.0, "p must be > 0.0 and < 1.0, got 0.0"),
        (dict(low=0.0, high=1.0, low_open=True, high_open=True), 1.0, "p must be > 0.0 and < 1.0, got 1.0"),
        (dict(low=0.0, high=1.0, low_open=True), 0, "p must be > 0.0 and <= 1.0, got 0"),
        (dict(low=0.0, high=1.0, low_open=True), 1.5, "p must be > 0.0 and <= 1.0, got 1.5"),
        (dict(low=0.0, high=1.0, high_open=True), 1.0, "p must be >= 0.0 and < 1.0, got 1.0"),
        (dict(low=0.0), -1, "p must be >= 0.0, got -1"),
        (dict(high=2.0), 3.0, "p must be <= 2.0, got 3.0"),
        (dict(), float("nan"), "p must be a finite number, got nan"),
    ]
    for bounds, value, message in cases:
        with pytest.raises(ValueError) as caught:
            checks.number("p", value, **bounds)
        assert str(caught.value) == message


def test_number_wrong_type_can_be_a_type_error():
    with pytest.raises(TypeError) as caught:
        checks.number("radius", "3", 0.0, wrong_type=TypeError)
    assert str(caught.value) == "radius must be a finite number >= 0.0, got '3'"
    with pytest.raises(TypeError, match="radius must be a finite number >= 0.0, got False"):
        checks.number("radius", False, 0.0, wrong_type=TypeError)
    with pytest.raises(ValueError) as caught:  # NaN is a number of the right type, with a bad value
        checks.number("radius", float("nan"), 0.0, wrong_type=TypeError)
    assert type(caught.value) is ValueError and str(caught.value) == "radius must be a finite number >= 0.0, got nan"


# ------------------------------------------------------------------------------------------- gray_image


def test_gray_float32_is_returned_as_it_is():
    image = np.array([[0.0, 0.5], [1.0, 2.0]], np.float32)
    assert checks.gray_image("image", image) is image


@pytest.mark.parametrize(
    ("image", "options", "expected"),
    [
        (np.array([[0.25, 1.5]], np.float64), {}, [[0.25, 1.5]]),
        ([[0.0, 0.5]], {}, [[0.0, 0.5]]),  # array-likes go through np.asarray
        (np.array([[0, 51, 255]], np.uint8), {}, [[0.0, 0.2, 1.0]]),  # byte levels divided by 255
        (np.array([[0, 51, 255]], np.uint8), {"kinds": "f"}, [[0.0, 0.2, 1.0]]),  # uint8 whatever kinds says
        (np.array([[0, 255]], np.uint8), {"kinds": "f", "unit_range": True}, [[0.0, 1.0]]),
        (np.array([[-3, 300]], np.int16), {}, [[-3.0, 300.0]]),  # other integers keep their values
        (np.array([[False, True]]), {"kinds": "biuf"}, [[0.0, 1.0]]),
        (np.array([[0.5, 1.0]], np.float64), {"kinds": "f", "unit_range": True}, [[0.5, 1.0]]),
        (np.ones((4, 3), np.float32), {"max_side": 4}, np.ones((4, 3))),
    ],
)
def test_gray_conversions(image, options, expected):
    result = checks.gray_image("image", image, **options)
    assert result.dtype == np.float32 and result.flags.c_contiguous
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_gray_non_contiguous_input_comes_back_contiguous():
    image = np.arange(12, dtype=np.float32).reshape(3, 4)
    result = checks.gray_image("image", image.T)
    assert result.flags.c_contiguous and result.shape == (4, 3)
    np.testing.assert_array_equal(result, image.T)


def test_gray_keep_bool_returns_the_mask_itself():
    mask = np.array([[True, False], [False, True]])
    assert checks.gray_image("mask", mask, kinds="f", keep_bool=True) is mask
    # without keep_bool a bool image counts as 0/1 numbers (when "b" is in kinds)
    assert checks.gray_image("mask", mask, kinds="bf").dtype == np.float32


@pytest.mark.parametrize(
    ("image", "options", "error", "message"),
    [
        (np.array([["a"]]), {}, TypeError, "image must hold real numbers, got dtype <U1"),
        (None, {}, TypeError, "image must hold real numbers, got dtype object"),
        (np.zeros((2, 2), np.complex64), {}, TypeError, "image must hold real numbers, got dtype complex64"),
        (np.zeros((4, 4, 3), np.float32), {}, ValueError, "image must be a 2-D gray image (H, W), got shape (4, 4, 3)"),
        (np.zeros(5, np.float32), {}, ValueError, "image must be a 2-D gray image (H, W), got shape (5,)"),
        (np.zeros((0, 4), np.float32), {}, ValueError, "image must have at least one pixel, got shape (0, 4)"),
        (np.zeros((2, 2), bool), {}, TypeError, "image must hold integer or float values, got dtype bool"),
        (
            np.zeros((2, 2), np.int64),
            {"kinds": "f", "keep_bool": True},
            TypeError,
            "image must hold bool, uint8 or float values, got dtype int64",
        ),
        (
            np.zeros((2, 2), np.uint16),
            {"kinds": "f"},
            TypeError,
            "image must hold uint8 or float values, got dtype uint16",
        ),
        (
            np.zeros((2, 2), np.int8),
            {"kinds": "bf"},
            TypeError,
            "image must hold bool, uint8 or float values, got dtype int8",
        ),
        (
            np.zeros((3, 5), np.float32),
            {"max_side": 4},
            ValueError,
            "image must be at most 4 px on its longest side, got shape (3, 5)",
        ),
        (
            np.array([[0.0, np.nan]], np.float32),
            {},
            ValueError,
            "image must hold finite numbers only, but it contains NaN or infinity",
        ),
        (
            np.array([[0.0, -np.inf]]),
            {},
            ValueError,
            "image must hold finite numbers only, but it contains NaN or infinity",
        ),
        (  # finite as float64, infinite as float32
            np.array([[1e300]]),
            {},
            ValueError,
            "image must hold finite numbers only, but it contains NaN or infinity",
        ),
        (
            np.array([[-0.5, 0.5, 2.0]], np.float32),
            {"unit_range": True},
            ValueError,
            "image must hold finite values in [0, 1], got min -0.5, max 2",
        ),
        (
            np.array([[0.5, np.nan]]),
            {"unit_range": True},
            ValueError,
            "image must hold finite values in [0, 1], got min 0.5, max 0.5",
        ),
        ([[0.5]], {"array_only": True}, TypeError, "image must be a numpy array, got list"),
    ],
)
def test_gray_refuses_with_the_parameter_named(image, options, error, message):
    with pytest.raises(error) as caught:
        checks.gray_image("image", image, **options)
    assert type(caught.value) is error and str(caught.value) == message


def test_gray_message_uses_the_name_given():
    with pytest.raises(ValueError, match=r"^phase_from must be a 2-D gray image \(H, W\), got shape \(2,\)$"):
        checks.gray_image("phase_from", np.zeros(2))


def test_gray_unit_range_is_checked_before_float32_rounding():
    # 1 + 1e-12 is outside [0, 1] although it rounds to 1.0 in float32
    with pytest.raises(ValueError, match=r"image must hold finite values in \[0, 1\]"):
        checks.gray_image("image", np.array([[1.0 + 1e-12]]), kinds="f", unit_range=True)

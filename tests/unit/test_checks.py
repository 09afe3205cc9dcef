"""The shared argument checks: the messages every explorer module gives."""

import pytest

from explorer import checks


def test_integer_accepts_in_range_and_numpy_integers():
    import numpy as np

    assert checks.integer("k", 3, 2, 12) == 3
    assert checks.integer("k", np.int64(12), 2, 12) == 12
    assert checks.integer("n", 10**9, 1) == 10**9  # no upper bound


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (1, ValueError, "k must be from 2 to 12, got 1"),
        (13, ValueError, "k must be from 2 to 12, got 13"),
        (True, TypeError, "k must be an integer, got bool"),
        (2.0, TypeError, "k must be an integer, got float"),
        ("3", TypeError, "k must be an integer, got str"),
    ],
)
def test_integer_refuses_with_the_parameter_named(value, error, message):
    with pytest.raises(error) as caught:
        checks.integer("k", value, 2, 12)
    assert str(caught.value) == message


def test_integer_without_upper_bound_says_so():
    with pytest.raises(ValueError, match=r"n must be >= 1, got 0"):
        checks.integer("n", 0, 1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-0.5, "sigma must be from 0.0 to 8.0, got -0.5"),
        (float("nan"), "sigma must be a finite number from 0.0 to 8.0, got nan"),
        (float("inf"), "sigma must be a finite number from 0.0 to 8.0, got inf"),
        ("1", "sigma must be a finite number from 0.0 to 8.0, got '1'"),
    ],
)
def test_number_refuses_with_the_parameter_named(value, message):
    with pytest.raises(ValueError) as caught:
        checks.number("sigma", value, 0.0, 8.0)
    assert str(caught.value) == message


def test_number_returns_a_float():
    assert checks.number("sigma", 2, 0.0, 8.0) == 2.0 and isinstance(checks.number("sigma", 2, 0.0, 8.0), float)

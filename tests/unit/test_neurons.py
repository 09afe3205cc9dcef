"""explorer.nets.neurons: the lesson's worked example, perceptron training by hand, XOR, backprop against finite
differences, activations against SciPy/NumPy and finite differences, softmax against SciPy, losses against
scikit-learn, and the error messages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import special
from sklearn.metrics import log_loss, mean_squared_error

from explorer.nets import neurons


# ------------------------------------------------------------------------------------- worked example
def test_the_lessons_worked_example_made_consistent():
    # x = (1, -1), w = (0.8, 0.4), target 0, rate 1, linear unit: 0.8 - 0.4 = 0.4; error -0.4;
    # w1 = 0.8 + (-0.4)(1) = 0.4; w2 = 0.4 + (-0.4)(-1) = 0.8.
    record = neurons.perceptron_step((0.8, 0.4), 0.0, (1, -1), 0, rate=1, activation="linear", learn_bias=False)
    assert record.sum == pytest.approx(0.4)
    assert record.output == pytest.approx(0.4)
    assert record.error == pytest.approx(-0.4)
    assert record.new_weights == pytest.approx((0.4, 0.8))
    assert record.new_bias == 0.0
    # The page's remark: with rate 1 the new sum is 0.4 - 0.8 = -0.4 (overshoot); with rate 0.5,
    # w = (0.8 - 0.2, 0.4 + 0.2) = (0.6, 0.6) and the new sum is exactly 0.
    again = neurons.perceptron_step(record.new_weights, 0.0, (1, -1), 0, rate=1, activation="linear")
    assert again.sum == pytest.approx(-0.4)
    half = neurons.perceptron_step((0.8, 0.4), 0.0, (1, -1), 0, rate=0.5, activation="linear", learn_bias=False)
    assert half.new_weights == pytest.approx((0.6, 0.6))


def test_a_step_unit_by_hand():
    # sum = 0.8*1 + 0.4*0 - 0.5 = 0.3 > 0, so it fires; target 0: error -1; w = (0.8 - 0.5, 0.4), b = -0.5 - 0.5.
    record = neurons.perceptron_step((0.8, 0.4), -0.5, (1, 0), 0, rate=0.5)
    assert (record.sum, record.output, record.error) == pytest.approx((0.3, 1.0, -1.0))
    assert record.new_weights == pytest.approx((0.3, 0.4)) and record.new_bias == pytest.approx(-1.0)
    # A right answer changes nothing; a sum of exactly 0 does not fire.
    still = neurons.perceptron_step((1.0, -1.0), 0.0, (1, 1), 0, rate=1)
    assert still.output == 0.0 and still.error == 0.0 and still.new_weights == (1.0, -1.0)


# ----------------------------------------------------------------------------------------- perceptron
def test_first_two_epochs_on_and_by_hand():
    # From w = (0, 0), b = 0, rate 1. Epoch 1: only (1, 1) is wrong (sum 0 -> 0, target 1): w = (1, 1), b = 1.
    # Epoch 2: (0,0) sum 1 -> w (1,1) b 0; (0,1) sum 1 -> w (1,0) b -1; (1,0) sum 0 ok; (1,1) sum 0 -> w (2,1) b 0.
    state = neurons.initial_state()
    state = neurons.perceptron_epoch(state, "AND", rate=1)
    assert (state.weights, state.bias, state.history) == ((1.0, 1.0), 1.0, (1,))
    state = neurons.perceptron_advance(state, "AND", rate=1)
    assert (state.weights, state.bias, state.position, state.mistakes) == ((1.0, 1.0), 0.0, 1, 1)
    assert state.previous == ((1.0, 1.0), 1.0) and state.last_index == 0 and state.last.error == -1.0
    state = neurons.perceptron_epoch(state, "AND", rate=1)  # finishes epoch 2
    assert (state.weights, state.bias, state.epoch, state.history) == ((2.0, 1.0), 0.0, 2, (1, 3))
    assert state.position == 0 and state.mistakes == 0 and not state.converged


@pytest.mark.parametrize("gate", ["AND", "OR"])
@pytest.mark.parametrize("rate", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("start", [((0.0, 0.0), 0.0), ((0.8, 0.4), -0.5), ((-0.4, 0.8), 0.5)])
def test_perceptron_learns_and_and_or(gate, rate, start):
    state = neurons.train_perceptron(gate, rate=rate, epochs=50, weights=start[0], bias=start[1])
    assert state.converged and state.epoch <= 20, state.history
    # The learned line puts every corner on its target's side (checked directly, not through the module).
    w, b = np.array(state.weights), state.bias
    np.testing.assert_array_equal(neurons.INPUTS @ w + b > 0, neurons.GATES[gate] == 1)
    np.testing.assert_array_equal(neurons.perceptron_predict(w, b, neurons.INPUTS), neurons.GATES[gate])


@pytest.mark.parametrize("rate", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("start", [((0.0, 0.0), 0.0), ((0.8, 0.4), -0.5), ((1.0, 1.0), -1.5)])
def test_perceptron_never_converges_on_xor(rate, start):
    state = neurons.train_perceptron("XOR", rate=rate, epochs=100, weights=start[0], bias=start[1])
    assert state.epoch == 100 and len(state.history) == 100
    assert min(state.history) >= 1 and not state.converged


def test_history_is_bounded():
    long = dataclasses.replace(neurons.initial_state(), history=(4,) * neurons.MAX_HISTORY, epoch=neurons.MAX_HISTORY)
    after = neurons.perceptron_epoch(long, "XOR", rate=1)
    assert len(after.history) == neurons.MAX_HISTORY and after.epoch == neurons.MAX_HISTORY + 1


def test_decision_line_lies_on_the_boundary():
    for weights, bias in (((1.0, 1.0), -1.5), ((2.0, 0.0), -1.0), ((0.3, -2.0), 0.4)):
        ends = neurons.decision_line(weights, bias)
        np.testing.assert_allclose(ends @ np.array(weights) + bias, 0.0, atol=1e-12)
        assert not np.allclose(ends[0], ends[1])
    np.testing.assert_allclose(neurons.decision_line((2.0, 0.0), -1.0)[:, 0], 0.5)  # the vertical line x1 = 0.5
    assert neurons.decision_line((0.0, 0.0), 1.0) is None


@pytest.mark.parametrize(
    ("weights", "bias", "expected"),
    [
        # x2 = 0.5 (horizontal), across the whole default square [-0.5, 1.5]
        ((0.0, 2.0), -1.0, [[-0.5, 0.5], [1.5, 0.5]]),
        # x1 + x2 = 1: enters at (-0.5, 1.5), leaves at (1.5, -0.5), a diagonal through two corners
        ((1.0, 1.0), -1.0, [[-0.5, 1.5], [1.5, -0.5]]),
        # x2 = x1 / 2 + 1: from (-0.5, 0.75) to the top side at x1 = 1
        ((-0.5, 1.0), -1.0, [[-0.5, 0.75], [1.0, 1.5]]),
    ],
)
def test_decision_line_is_clipped_to_the_square(weights, bias, expected):
    ends = neurons.decision_line(weights, bias)
    # The order of the two ends doesn't matter.
    assert sorted(map(tuple, ends.round(12))) == sorted(map(tuple, np.array(expected)))


def test_decision_line_outside_the_square_is_none():
    # -0.2 x1 + 0.4 x2 - 1.5 = 0, i.e. x2 = 3.75 + 0.5 x1: above the square everywhere (the page's third step).
    assert neurons.decision_line((-0.2, 0.4), -1.5) is None
    assert neurons.decision_line((1.0, 1.0), 3.0) is None  # x1 + x2 = -3 misses it
    assert neurons.decision_line((1.0, 1.0), 1.0) is None  # x1 + x2 = -1 touches the corner (-0.5, -0.5) only
    assert neurons.decision_line((-0.2, 0.4), -1.5, low=-5.0, high=5.0) is not None  # a bigger square holds it
    with pytest.raises(ValueError, match="low must be below high"):
        neurons.decision_line((1.0, 1.0), 0.0, low=1.0, high=1.0)


def test_grid_rows_follow_x2():
    axis, points = neurons.grid(low=0, high=1, size=3)
    np.testing.assert_allclose(axis, [0, 0.5, 1])
    np.testing.assert_allclose(points[:4], [[0, 0], [0.5, 0], [1, 0], [0, 0.5]])


# ------------------------------------------------------------------------------------------------- MLP
def _bce(params, targets):
    w1, b1, w2, b2 = params
    p = special.expit(special.expit(neurons.INPUTS @ w1 + b1) @ w2 + b2)
    return log_loss(targets, p, labels=[0, 1])


def test_mlp_solves_xor_with_the_default_seed():
    run = neurons.train_mlp("XOR")
    assert run.accuracy == 1.0
    np.testing.assert_allclose(run.outputs, [0, 1, 1, 0], atol=0.1)
    assert run.losses.shape == (neurons.DEFAULT_MLP_EPOCHS,) and run.losses[-1] < 0.05 < run.losses[0]
    assert run.hidden_weights.shape == (2, 2) and run.hidden_bias.shape == (2,) and run.output_weights.shape == (2,)
    # The outputs agree with an independent forward pass (SciPy's expit).
    hidden, outputs = neurons.mlp_forward(run, neurons.INPUTS)
    np.testing.assert_allclose(hidden, special.expit(neurons.INPUTS @ run.hidden_weights + run.hidden_bias))
    np.testing.assert_allclose(outputs, run.outputs)


def test_mlp_is_deterministic_by_seed_and_some_seeds_stall():
    a, b = neurons.train_mlp("XOR", seed=3, epochs=300), neurons.train_mlp("XOR", seed=3, epochs=300)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.hidden_weights, b.hidden_weights)
    assert not np.array_equal(a.hidden_weights, neurons.train_mlp("XOR", seed=4, epochs=300).hidden_weights)
    assert neurons.train_mlp("XOR", seed=neurons.STUCK_SEED).accuracy < 1.0


def test_one_backprop_update_is_minus_rate_times_the_numerical_gradient():
    seed, rate = 11, 0.5
    rng = np.random.default_rng(seed)  # the initialisation the docstring states
    start = [rng.normal(0.0, 1.0, (2, 2)), np.zeros(2), rng.normal(0.0, 1.0, 2), 0.0]
    targets = neurons.GATES["XOR"]
    run = neurons.train_mlp("XOR", seed=seed, epochs=1, rate=rate)
    assert run.losses[0] == pytest.approx(_bce(start, targets), rel=1e-9)  # against sklearn's log_loss
    after = [run.hidden_weights, run.hidden_bias, run.output_weights, run.output_bias]
    h = 1e-6
    for index in range(4):
        base = np.atleast_1d(np.asarray(start[index], dtype=np.float64))
        numeric = np.zeros_like(base)
        for position in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[position] += h
            minus[position] -= h
            shape = np.shape(start[index])
            params_plus = [*start[:index], plus.reshape(shape), *start[index + 1 :]]
            params_minus = [*start[:index], minus.reshape(shape), *start[index + 1 :]]
            numeric[position] = (_bce(params_plus, targets) - _bce(params_minus, targets)) / (2 * h)
        np.testing.assert_allclose((base - np.atleast_1d(after[index])) / rate, numeric, atol=1e-7)


# ----------------------------------------------------------------------------------------- activations
Z = np.array([-4.0, -1.3, -0.2, 0.15, 0.7, 3.5])  # no kinks (0) among them


def test_activations_against_references():
    np.testing.assert_allclose(neurons.activation(Z, name="sigmoid"), special.expit(Z))
    np.testing.assert_allclose(neurons.activation(Z, name="tanh"), np.tanh(Z))
    np.testing.assert_array_equal(neurons.activation(Z, name="relu"), np.maximum(Z, 0))
    np.testing.assert_array_equal(
        neurons.activation([-1.0, 0.0, 2.0], name="step"), np.heaviside([-1.0, 0.0, 2.0], 0.0)
    )
    np.testing.assert_allclose(neurons.activation([-2.0, 3.0], name="leaky_relu", negative_slope=0.1), [-0.2, 3.0])
    np.testing.assert_allclose(neurons.activation([-2.0], name="leaky_relu"), [-0.02])  # PyTorch's default 0.01
    with np.errstate(over="raise", invalid="raise"):  # no overflow for huge sums
        np.testing.assert_array_equal(neurons.activation([-1000.0, 1000.0], name="sigmoid"), [0.0, 1.0])


@pytest.mark.parametrize("name", neurons.ACTIVATIONS)
def test_derivatives_match_central_differences(name):
    h = 1e-6
    numeric = (neurons.activation(Z + h, name=name) - neurons.activation(Z - h, name=name)) / (2 * h)
    np.testing.assert_allclose(neurons.derivative(Z, name=name), numeric, atol=1e-7)


def test_derivative_identities():
    s = special.expit(Z)
    np.testing.assert_allclose(neurons.derivative(Z, name="sigmoid"), s * (1 - s))
    np.testing.assert_allclose(neurons.derivative(Z, name="tanh"), 1 - np.tanh(Z) ** 2)
    assert neurons.derivative(0.0, name="sigmoid") == pytest.approx(0.25)
    # At the kink the left-hand slope is used, as PyTorch does.
    assert neurons.derivative(0.0, name="relu") == 0.0
    assert neurons.derivative(0.0, name="leaky_relu", negative_slope=0.1) == pytest.approx(0.1)


# ------------------------------------------------------------------------------------ softmax and losses
@pytest.mark.parametrize("logits", [[2, 1, 0.1], [1000, 1001], [-1000, -1001, -999], [5.0], [0, 0, 0, 0]])
def test_softmax_matches_scipy(logits):
    with np.errstate(all="raise"):
        result = neurons.softmax(logits)
    np.testing.assert_allclose(result, special.softmax(np.array(logits, dtype=np.float64)), rtol=1e-12)
    assert result.sum() == pytest.approx(1.0)


def test_parse_logits():
    np.testing.assert_array_equal(neurons.parse_logits("2, 1, 0.1"), [2, 1, 0.1])
    np.testing.assert_array_equal(neurons.parse_logits(" 1;-2   3e1 ,"), [1, -2, 30])


def test_cross_entropy_and_mse_against_sklearn():
    for _, true_class, probabilities in neurons.LOSS_EXAMPLES:
        expected_ce = log_loss([true_class], [probabilities], labels=[0, 1, 2])
        assert neurons.cross_entropy(probabilities, true_class) == pytest.approx(expected_ce, rel=1e-9)
        one_hot = np.eye(3)[true_class]
        expected_mse = mean_squared_error(one_hot, probabilities)
        assert neurons.squared_error(probabilities, true_class) == pytest.approx(expected_mse, rel=1e-12)
    # By hand: -ln 0.9 = 0.10536; ((0.1)^2 + 0.05^2 + 0.05^2) / 3 = 0.005.
    assert neurons.cross_entropy((0.9, 0.05, 0.05), 0) == pytest.approx(0.1053605, abs=1e-7)
    assert neurons.squared_error((0.9, 0.05, 0.05), 0) == pytest.approx(0.005)


def test_cross_entropy_punishes_confident_mistakes_much_more():
    rows = {row["example"]: row for row in neurons.loss_table()}
    right, wrong = rows["confident and right"], rows["very confident and wrong"]
    assert wrong["cross-entropy"] == pytest.approx(-np.log(0.001))  # 6.91
    assert wrong["MSE"] < 2 / 3  # MSE can never exceed 2/3 with three classes
    # From "confident and wrong" (p(cat) = 0.05) to "very confident and wrong" (0.001), by hand:
    # CE goes from -ln 0.05 = 3.00 to -ln 0.001 = 6.91 (+3.9); MSE from (0.95² + 0.9² + 0.05²)/3 = 0.572
    # to (0.999² + 0.998² + 0.001²)/3 = 0.665 (+0.09).
    confident = rows["confident and wrong"]
    assert confident["cross-entropy"] == pytest.approx(2.9957323) and confident["MSE"] == pytest.approx(0.5716667)
    assert wrong["MSE"] == pytest.approx(0.6646687)
    assert wrong["cross-entropy"] - confident["cross-entropy"] > 30 * (wrong["MSE"] - confident["MSE"])
    assert right["true class"] == "cat" and right["p(cat)"] == 0.9
    ce, mse = neurons.loss_curves([0.5, 1.0])
    np.testing.assert_allclose(ce, [np.log(2), 0.0], atol=1e-15)
    np.testing.assert_allclose(mse, [0.25, 0.0])


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: neurons.perceptron_step((1, 1), 0, (1, 1), 1, rate=0), "rate must be > 0.0, got 0"),
        (lambda: neurons.perceptron_step((1, 1), 0, (1, 1), 1, rate=-0.5), "rate must be > 0.0, got -0.5"),
        (
            lambda: neurons.perceptron_step((1, 1), 0, (1, 1, 1), 1, rate=1),
            "x must have 2 values (one per weight), got 3",
        ),
        (
            lambda: neurons.perceptron_step([[1, 1]], 0, (1, 1), 1, rate=1),
            "weights must be a non-empty 1-D vector, got shape (1, 2)",
        ),
        (
            lambda: neurons.perceptron_step((1, np.nan), 0, (1, 1), 1, rate=1),
            "weights must be finite numbers, got [1.0, nan]",
        ),
        (
            lambda: neurons.perceptron_step((1, 1), 0, (1, 1), 1, rate=1, activation="relu"),
            "activation must be one of ('step', 'linear'), got 'relu'",
        ),
        (lambda: neurons.initial_state(weights=(1, 2, 3)), "weights must have 2 values (one per weight), got 3"),
        (
            lambda: neurons.perceptron_advance(neurons.initial_state(), "NAND", rate=1),
            "gate must be one of AND, OR, XOR; got 'NAND'",
        ),
        (lambda: neurons.train_perceptron("AND", rate=1, epochs=0), "epochs must be from 1 to 1000, got 0"),
        (lambda: neurons.train_mlp("XOR", hidden=9), "hidden must be from 1 to 8, got 9"),
        (lambda: neurons.train_mlp("XOR", rate=0), "rate must be > 0.0, got 0"),
        (lambda: neurons.train_mlp("XOR", epochs=neurons.MAX_EPOCHS + 1), "epochs must be from 1 to 20000, got 20001"),
        (lambda: neurons.perceptron_predict((1, 1), 0, [1, 1]), "inputs must be (N, 2), got shape (2,)"),
        (
            lambda: neurons.activation([1.0], name="swish"),
            "name must be one of ('step', 'sigmoid', 'tanh', 'relu', 'leaky_relu'), got 'swish'",
        ),
        (lambda: neurons.softmax([]), "logits must be a non-empty 1-D vector, got shape (0,)"),
        (lambda: neurons.softmax([1.0, np.nan]), "logits must be finite numbers, got [1.0, nan]"),
        (lambda: neurons.softmax([[1.0, 2.0]]), "logits must be a non-empty 1-D vector, got shape (1, 2)"),
        (lambda: neurons.parse_logits("   "), "logits must hold at least one number, got an empty text"),
        (lambda: neurons.parse_logits("2, x, 1"), "logits must be numbers separated by commas, got 'x' as number 2"),
        (lambda: neurons.parse_logits("1, nan"), "logits must be finite numbers, got 'nan' as number 2"),
        (lambda: neurons.parse_logits(",".join(["1"] * 21)), "logits can hold at most 20 numbers, got 21"),
        (lambda: neurons.cross_entropy((0.5, 0.6), 0), "probabilities must lie in [0, 1] and add up to 1"),
        (lambda: neurons.cross_entropy((0.5, 0.5), 2), "true_class must be from 0 to 1, got 2"),
        (lambda: neurons.loss_curves([1.5]), "p must lie in [0, 1], got values from 1.5 to 1.5"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError) as caught:
        call()
    assert message in str(caught.value)


def test_wrong_types_are_type_errors():
    with pytest.raises(TypeError, match="rate must be a finite number > 0.0, got 'fast'"):
        neurons.perceptron_step((1, 1), 0, (1, 1), 1, rate="fast")
    with pytest.raises(TypeError, match=r"seed must be an integer from 0 to 4294967295, got 1.5 \(float\)"):
        neurons.train_mlp("XOR", seed=1.5)
    with pytest.raises(TypeError, match="logits text must be a string, got list"):
        neurons.parse_logits([1, 2])

"""Single neurons and a tiny network in numpy: the perceptron rule, XOR, activations, softmax and losses.

A neuron here has a handful of weights, so these functions work on small ``float64`` vectors, not images.
Training is written as pure functions on a frozen :class:`PerceptronState`: each call takes a state and
returns the next one, so a page can keep the state between clicks and a notebook can replay it.

The two-input examples use the four corners of the unit square, ``INPUTS`` ``(4, 2)``, in the order
(0, 0), (0, 1), (1, 0), (1, 1); ``GATES`` holds each gate's targets ``(4,)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from explorer.core import checks

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
INPUTS.setflags(write=False)
GATES = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
for _targets in GATES.values():
    _targets.setflags(write=False)

UNIT_OUTPUTS = ("step", "linear")  # what perceptron_step does with the weighted sum
ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "leaky_relu")
# PyTorch's default negative slope for LeakyReLU.
LEAKY_SLOPE = 0.01
# Clicking "Run epoch" for ever must not grow a session's state without bound; 1000 epochs is far more than
# AND or OR need (a handful) and plenty to see that XOR never settles.
MAX_HISTORY = 1000
# The XOR network trains live on a page: 20 000 full-batch epochs of a 2-2-1 net take well under a second.
MAX_EPOCHS = 20_000
# A hidden layer wider than this adds nothing to a four-point problem and only makes the picture busy.
MAX_HIDDEN = 8
# Defaults of the XOR network (2 sigmoid hidden units, sigmoid output, cross-entropy loss, full batch):
# with this seed, rate and epoch count it reaches 100 % with a clear margin (checked in the tests).
DEFAULT_SEED = 0
DEFAULT_MLP_RATE = 2.0
DEFAULT_MLP_EPOCHS = 1000
# With the default rate and epochs, this seed starts the two hidden units so that training stalls on a
# plateau (two outputs stuck near 0.5): two hidden units *can* solve XOR, but gradient descent may not find it.
STUCK_SEED = 6
# A grid finer than this only makes the shaded regions slower to send, not visibly smoother.
MAX_GRID = 400
# More logits than this no longer fit as labelled bars on a page.
MAX_LOGITS = 20
# log(0) is -infinity: a probability is floored at this before the logarithm (frameworks do the same, or
# work from the logits), so a prediction of exactly 0 for the true class costs a large but finite 27.6.
PROBABILITY_FLOOR = 1e-12
# Probabilities read as a distribution may be off by rounding; more than this is a mistake in the input.
SUM_TOLERANCE = 1e-6

CLASSES = ("cat", "dog", "bird")
# (description, true class index, predicted probabilities over CLASSES): from a confident right answer to a
# confident wrong one, to compare how the two losses grow.
LOSS_EXAMPLES = (
    ("confident and right", 0, (0.90, 0.05, 0.05)),
    ("unsure but right", 0, (0.50, 0.30, 0.20)),
    ("unsure and wrong", 0, (0.30, 0.50, 0.20)),
    ("confident and wrong", 0, (0.05, 0.90, 0.05)),
    ("very confident and wrong", 0, (0.001, 0.998, 0.001)),
)


# ----------------------------------------------------------------------------------------- input checks
def _vector(value, name: str, *, length: int | None = None) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {value!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D vector, got shape {array.shape}")
    if length is not None and array.size != length:
        raise ValueError(f"{name} must have {length} values (one per weight), got {array.size}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers, got {array.tolist()}")
    return array


def _number(value, name: str) -> float:
    return checks.number(name, value, wrong_type=TypeError)


def _rate(rate) -> float:
    return checks.number("rate", rate, 0.0, low_open=True, wrong_type=TypeError)


def _gate(gate: str) -> np.ndarray:
    if gate not in GATES:
        raise ValueError(f"gate must be one of {', '.join(GATES)}; got {gate!r}")
    return GATES[gate]


# ------------------------------------------------------------------------------------------ perceptron
@dataclass(frozen=True)
class StepRecord:
    """One application of the rule ``w <- w + rate * (target - output) * x`` (and ``b <- b + rate * error``)."""

    sum: float  # w . x + b
    output: float  # step: 1.0 if sum > 0 else 0.0; linear: the sum itself
    error: float  # target - output
    new_weights: tuple[float, ...]
    new_bias: float


def perceptron_step(
    weights, bias, x, target, *, rate: float, activation: str = "step", learn_bias: bool = True
) -> StepRecord:
    """One perceptron update on one example.

    ``weights`` and ``x``: (n,) numbers; ``bias``, ``target``: numbers; ``rate`` > 0. ``activation="step"``
    fires (outputs 1) when the sum is above 0, i.e. when ``w . x`` is above the threshold ``-bias``;
    ``"linear"`` outputs the sum itself (the unit of the lesson's worked example). With
    ``learn_bias=False`` the bias (a fixed threshold) is left as it is.
    """
    w = _vector(weights, "weights")
    x = _vector(x, "x", length=w.size)
    bias, target, rate = _number(bias, "bias"), _number(target, "target"), _rate(rate)
    if activation not in UNIT_OUTPUTS:
        raise ValueError(f"activation must be one of {UNIT_OUTPUTS}, got {activation!r}")
    total = float(w @ x + bias)
    output = (1.0 if total > 0 else 0.0) if activation == "step" else total
    error = target - output
    new_weights = w + rate * error * x
    new_bias = bias + rate * error if learn_bias else bias
    return StepRecord(total, output, error, tuple(float(v) for v in new_weights), float(new_bias))


@dataclass(frozen=True)
class PerceptronState:
    """Where a step-by-step perceptron training stands (two inputs, step output, learned bias)."""

    weights: tuple[float, float]
    bias: float
    epoch: int = 0  # completed epochs
    position: int = 0  # index into INPUTS of the next example
    mistakes: int = 0  # mistakes so far in the current epoch
    history: tuple[int, ...] = ()  # mistakes of each completed epoch (the last MAX_HISTORY)
    last: StepRecord | None = None  # the latest step
    last_index: int | None = None  # which example the latest step used
    previous: tuple[tuple[float, float], float] | None = None  # (weights, bias) before the latest step

    @property
    def converged(self) -> bool:
        """True once a whole epoch went by without a mistake: every example is on the right side."""
        return bool(self.history) and self.history[-1] == 0


def initial_state(*, weights=(0.0, 0.0), bias: float = 0.0) -> PerceptronState:
    """A fresh training from the given starting weights (2,) and bias."""
    w = _vector(weights, "weights", length=2)
    return PerceptronState((float(w[0]), float(w[1])), _number(bias, "bias"))


def perceptron_advance(state: PerceptronState, gate: str, *, rate: float) -> PerceptronState:
    """The next state after one step on the next example of ``gate`` (examples in the order of INPUTS)."""
    targets = _gate(gate)
    index = state.position
    record = perceptron_step(state.weights, state.bias, INPUTS[index], targets[index], rate=rate)
    mistakes = state.mistakes + (record.error != 0)
    epoch, history, position = state.epoch, state.history, index + 1
    if position == len(INPUTS):
        epoch, history, position, mistakes = epoch + 1, (history + (mistakes,))[-MAX_HISTORY:], 0, 0
    return replace(
        state,
        weights=(record.new_weights[0], record.new_weights[1]),
        bias=record.new_bias,
        epoch=epoch,
        position=position,
        mistakes=mistakes,
        history=history,
        last=record,
        last_index=index,
        previous=(state.weights, state.bias),
    )


def perceptron_epoch(state: PerceptronState, gate: str, *, rate: float) -> PerceptronState:
    """Steps until the current epoch is complete (a whole epoch when the state is at its start)."""
    state = perceptron_advance(state, gate, rate=rate)
    while state.position != 0:
        state = perceptron_advance(state, gate, rate=rate)
    return state


def train_perceptron(
    gate: str, *, rate: float, epochs: int, weights=(0.0, 0.0), bias: float = 0.0, stop_when_converged: bool = True
) -> PerceptronState:
    """Up to ``epochs`` whole epochs from a fresh state; stops after the first epoch without a mistake."""
    epochs = checks.integer("epochs", epochs, 1, MAX_HISTORY)
    state = initial_state(weights=weights, bias=bias)
    for _ in range(epochs):
        state = perceptron_epoch(state, gate, rate=rate)
        if stop_when_converged and state.converged:
            break
    return state


def perceptron_predict(weights, bias, inputs) -> np.ndarray:
    """Step outputs (N,) of 0.0/1.0 for ``inputs`` (N, n)."""
    w = _vector(weights, "weights")
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 2 or inputs.shape[1] != w.size:
        raise ValueError(f"inputs must be (N, {w.size}), got shape {inputs.shape}")
    return (inputs @ w + _number(bias, "bias") > 0).astype(np.float64)


def decision_line(weights, bias, *, low: float = -0.5, high: float = 1.5) -> np.ndarray | None:
    """The part of the line ``w1 x1 + w2 x2 + b = 0`` inside the square ``[low, high]²``: its two ends
    ``[[x1, x2], [x1, x2]]``, both in the square, so a plot with that square as its axes shows all of it.

    None when both weights are 0 (the unit gives the same answer everywhere and there is no line) and when the
    line misses the square or only touches a corner (the unit gives one answer over the whole square).
    """
    w1, w2 = _vector(weights, "weights", length=2)
    bias = _number(bias, "bias")
    low, high = _number(low, "low"), _number(high, "high")
    if not low < high:
        raise ValueError(f"low must be below high, got low={low:g}, high={high:g}")
    if w1 == 0 and w2 == 0:
        return None
    # Where the line crosses each side of the square, kept when the crossing lies on that side.
    tolerance = 1e-12 * (high - low)
    crossings = []
    for edge in (low, high):
        if w2 != 0:  # the vertical sides x1 = edge
            x2 = -(bias + w1 * edge) / w2
            if low - tolerance <= x2 <= high + tolerance:
                crossings.append((edge, min(max(x2, low), high)))
        if w1 != 0:  # the horizontal sides x2 = edge
            x1 = -(bias + w2 * edge) / w1
            if low - tolerance <= x1 <= high + tolerance:
                crossings.append((min(max(x1, low), high), edge))
    if len(crossings) < 2:
        return None
    points = np.array(crossings, dtype=np.float64)
    # A line through a corner crosses two sides there: keep the two crossings farthest apart.
    gaps = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    first, second = np.unravel_index(np.argmax(gaps), gaps.shape)
    if gaps[first, second] <= tolerance:
        return None
    return points[[first, second]]


def grid(*, low: float = -0.5, high: float = 1.5, size: int = 81) -> tuple[np.ndarray, np.ndarray]:
    """Axis values (size,) and the points of a square grid over them, (size * size, 2) as (x1, x2), x1 fastest."""
    size = checks.integer("size", size, 2, MAX_GRID)
    axis = np.linspace(low, high, size)
    x1, x2 = np.meshgrid(axis, axis)  # rows follow x2, columns x1
    return axis, np.stack([x1.ravel(), x2.ravel()], axis=1)


# --------------------------------------------------------------------------------- a hidden layer (MLP)
@dataclass(frozen=True, eq=False)
class MLPRun:
    """A 2-H-1 network with sigmoid units, and how its training went."""

    hidden_weights: np.ndarray  # (2, H)
    hidden_bias: np.ndarray  # (H,)
    output_weights: np.ndarray  # (H,)
    output_bias: float
    losses: np.ndarray  # (epochs,) mean cross-entropy before each update
    outputs: np.ndarray  # (4,) output probabilities on INPUTS after training
    accuracy: float  # share of INPUTS whose rounded output equals the target


def sigmoid(z) -> np.ndarray:
    """``1 / (1 + exp(-z))`` without overflow for large ``|z|``; float64, same shape as ``z``."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def mlp_forward(run: MLPRun, inputs) -> tuple[np.ndarray, np.ndarray]:
    """Hidden activations (N, H) and output probabilities (N,) for ``inputs`` (N, 2)."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim != 2 or inputs.shape[1] != 2:
        raise ValueError(f"inputs must be (N, 2), got shape {inputs.shape}")
    hidden = sigmoid(inputs @ run.hidden_weights + run.hidden_bias)
    return hidden, sigmoid(hidden @ run.output_weights + run.output_bias)


def train_mlp(
    gate: str = "XOR",
    *,
    hidden: int = 2,
    seed: int = DEFAULT_SEED,
    epochs: int = DEFAULT_MLP_EPOCHS,
    rate: float = DEFAULT_MLP_RATE,
) -> MLPRun:
    """Full-batch gradient descent (backpropagation by hand) of a 2-``hidden``-1 sigmoid network on ``gate``.

    Weights start as N(0, 1) draws from ``np.random.default_rng(seed)``, biases at 0. The loss is the mean
    binary cross-entropy over the four examples. Deterministic given the arguments.
    """
    targets = _gate(gate)
    hidden = checks.integer("hidden", hidden, 1, MAX_HIDDEN)
    seed = checks.integer("seed", seed, 0, 2**32 - 1)
    epochs = checks.integer("epochs", epochs, 1, MAX_EPOCHS)
    rate = _rate(rate)
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(0.0, 1.0, (2, hidden)), np.zeros(hidden)
    w2, b2 = rng.normal(0.0, 1.0, hidden), 0.0
    losses = np.empty(epochs)
    n = len(INPUTS)
    for epoch in range(epochs):
        h = sigmoid(INPUTS @ w1 + b1)  # (4, H)
        p = sigmoid(h @ w2 + b2)  # (4,)
        clipped = np.clip(p, PROBABILITY_FLOOR, 1.0 - PROBABILITY_FLOOR)
        losses[epoch] = -np.mean(targets * np.log(clipped) + (1 - targets) * np.log(1 - clipped))
        d_out = (p - targets) / n  # dLoss/d(output pre-activation), sigmoid + cross-entropy   (4,)
        d_hidden = np.outer(d_out, w2) * h * (1.0 - h)  # back through w2 and the hidden sigmoid   (4, H)
        w2 = w2 - rate * (h.T @ d_out)
        b2 = b2 - rate * float(d_out.sum())
        w1 = w1 - rate * (INPUTS.T @ d_hidden)
        b1 = b1 - rate * d_hidden.sum(axis=0)
    outputs = sigmoid(sigmoid(INPUTS @ w1 + b1) @ w2 + b2)
    accuracy = float(np.mean((outputs > 0.5) == (targets > 0.5)))
    return MLPRun(w1, b1, w2, float(b2), losses, outputs, accuracy)


# ------------------------------------------------------------------------------------------ activations
def activation(z, *, name: str, negative_slope: float = LEAKY_SLOPE) -> np.ndarray:
    """``name`` (one of ACTIVATIONS) applied elementwise; float64, same shape as ``z``. Step: 1 where z > 0."""
    z = np.asarray(z, dtype=np.float64)
    if name == "step":
        return (z > 0).astype(np.float64)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, _number(negative_slope, "negative_slope") * z)
    raise ValueError(f"name must be one of {ACTIVATIONS}, got {name!r}")


def derivative(z, *, name: str, negative_slope: float = LEAKY_SLOPE) -> np.ndarray:
    """The derivative of :func:`activation` at ``z``. At a kink (z = 0) the left-hand value is used, as
    PyTorch does (0 for step and ReLU); the step's true derivative at 0 does not exist."""
    z = np.asarray(z, dtype=np.float64)
    if name == "step":
        return np.zeros_like(z)
    if name == "sigmoid":
        s = sigmoid(z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, _number(negative_slope, "negative_slope"))
    raise ValueError(f"name must be one of {ACTIVATIONS}, got {name!r}")


# ----------------------------------------------------------------------------------- softmax and losses
def parse_logits(text: str) -> np.ndarray:
    """Numbers separated by commas, semicolons or spaces (``"2, 1, 0.1"``) -> (n,) float64."""
    if not isinstance(text, str):
        raise TypeError(f"logits text must be a string, got {type(text).__name__}")
    tokens = [token for token in re.split(r"[,;\s]+", text.strip()) if token]
    if not tokens:
        raise ValueError("logits must hold at least one number, got an empty text")
    if len(tokens) > MAX_LOGITS:
        raise ValueError(f"logits can hold at most {MAX_LOGITS} numbers, got {len(tokens)}")
    values = []
    for position, token in enumerate(tokens, start=1):
        try:
            value = float(token)
        except ValueError:
            raise ValueError(
                f"logits must be numbers separated by commas, got {token!r} as number {position}"
            ) from None
        if not np.isfinite(value):
            raise ValueError(f"logits must be finite numbers, got {token!r} as number {position}")
        values.append(value)
    return np.array(values)


def softmax(logits) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` for logits (n,), computed as ``exp(z - max z)`` so large logits don't overflow."""
    z = _vector(logits, "logits")
    e = np.exp(z - z.max())
    return e / e.sum()


def _distribution(probabilities, true_class) -> tuple[np.ndarray, int]:
    p = _vector(probabilities, "probabilities")
    if np.any(p < 0) or np.any(p > 1) or abs(p.sum() - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"probabilities must lie in [0, 1] and add up to 1, got {p.tolist()} (sum {p.sum():.6g})")
    return p, checks.integer("true_class", true_class, 0, p.size - 1)


def cross_entropy(probabilities, true_class: int) -> float:
    """``-ln p[true_class]`` for one prediction (n,) (natural log, p floored at PROBABILITY_FLOOR)."""
    p, k = _distribution(probabilities, true_class)
    return float(-np.log(max(p[k], PROBABILITY_FLOOR)))


def squared_error(probabilities, true_class: int) -> float:
    """Mean over the n classes of ``(p - one_hot)^2`` for one prediction (n,) (the MSE of the one-hot target)."""
    p, k = _distribution(probabilities, true_class)
    return float(np.mean((p - np.eye(p.size)[k]) ** 2))


def loss_table(examples=LOSS_EXAMPLES) -> list[dict]:
    """One row per ``(description, true class index, probabilities over CLASSES)``: inputs, CE and MSE."""
    rows = []
    for description, true_class, probabilities in examples:
        p = _vector(probabilities, "probabilities", length=len(CLASSES))
        row = {
            "example": description,
            "true class": CLASSES[checks.integer("true_class", true_class, 0, len(CLASSES) - 1)],
        }
        row.update({f"p({name})": float(v) for name, v in zip(CLASSES, p)})
        row["cross-entropy"] = cross_entropy(p, true_class)
        row["MSE"] = squared_error(p, true_class)
        rows.append(row)
    return rows


def loss_curves(p) -> tuple[np.ndarray, np.ndarray]:
    """For two classes, both losses as the probability ``p`` (m,) given to the true class varies:
    cross-entropy ``-ln p`` and MSE ``(1 - p)^2`` (the mean of two equal squared errors)."""
    p = _vector(p, "p")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(f"p must lie in [0, 1], got values from {p.min()} to {p.max()}")
    return -np.log(np.maximum(p, PROBABILITY_FLOOR)), (1.0 - p) ** 2

"""Neurons: a perceptron learning AND and OR step by step, why XOR needs a hidden layer, activation
functions, softmax and the cross-entropy loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from explorer.nets import neurons
from ui import common, urlstate
from ui.cached import neurons as cached

STATE_KEY = "neurons.state"  # the perceptron's training state (not a widget)
STARTED_KEY = "neurons.state_start"  # the gate and starting weights that state began from
RATES = (0.1, 0.2, 0.5, 1.0)
MLP_RATES = (0.5, 1.0, 2.0, 4.0)
MLP_EPOCHS = (100, 250, 500, 1000, 2000, 5000)
# A single perceptron on XOR is run this long: far past the handful of epochs AND and OR need.
XOR_EPOCHS = 100
# Grid resolution of the shaded regions: fine enough for smooth edges, small enough to send quickly.
REGION_SIZE = 81
# Drawn with a steeper negative slope than PyTorch's 0.01, so that the leak is visible on the plot.
LEAKY_SHOWN = 0.1
DEFAULT_LOGITS = "2, 1, 0.1"
WEIGHT_LIMIT = 2.0
MAX_SEED = 999
# The input plane shown: the unit square with half a unit around it, so the four corners sit well inside.
PLANE_LOW, PLANE_HIGH = -0.5, 1.5

ACTIVATION_LABELS = {"step": "step", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "leaky ReLU"}
ACTIVATION_TEXT = {
    "step": "f(z) = 1 if z > 0 else 0. Its slope is 0 everywhere (and undefined at 0), so a gradient carries no "
    "information back through it: this is why networks trained by backpropagation don't use it.",
    "sigmoid": "f(z) = 1 / (1 + e^(−z)), squashing any number into (0, 1). Slope f′ = f · (1 − f): at most 0.25 "
    "(at z = 0) and almost 0 for large |z|, so stacking many sigmoids shrinks gradients.",
    "tanh": "f(z) = tanh z, like a sigmoid stretched to (−1, 1) and centred on 0. Slope f′ = 1 − f², at most 1.",
    "relu": "f(z) = max(0, z). Slope 1 for positive inputs and 0 for negative ones: cheap, and it doesn't shrink "
    "gradients where the unit is active. The usual choice after a convolution.",
    "leaky_relu": f"f(z) = z for z > 0, else a·z (a = {LEAKY_SHOWN} here; PyTorch's default is {neurons.LEAKY_SLOPE}). "
    "The small slope on the left keeps a unit that went negative from stopping learning for good.",
}


def _logits_text(text: str) -> str:
    neurons.parse_logits(text)  # raises ValueError with the reason
    return text


PARAMS = (
    urlstate.Param("gate", "neurons.gate", "AND", parse=urlstate.one_of(tuple(neurons.GATES))),
    urlstate.Param("rate", "neurons.rate", 1.0, parse=urlstate.number_from(RATES), format="{:g}".format),
    urlstate.Param("w1", "neurons.w1", 0.8, parse=urlstate.float_in(-WEIGHT_LIMIT, WEIGHT_LIMIT), format="{:g}".format),
    urlstate.Param("w2", "neurons.w2", 0.4, parse=urlstate.float_in(-WEIGHT_LIMIT, WEIGHT_LIMIT), format="{:g}".format),
    urlstate.Param("b", "neurons.b", -0.5, parse=urlstate.float_in(-WEIGHT_LIMIT, WEIGHT_LIMIT), format="{:g}".format),
    urlstate.Param("seed", "neurons.seed", neurons.DEFAULT_SEED, parse=urlstate.int_in(0, MAX_SEED)),
    urlstate.Param(
        "mlp_rate",
        "neurons.mlp_rate",
        neurons.DEFAULT_MLP_RATE,
        parse=urlstate.number_from(MLP_RATES),
        format="{:g}".format,
    ),
    urlstate.Param("epochs", "neurons.epochs", neurons.DEFAULT_MLP_EPOCHS, parse=urlstate.number_from(MLP_EPOCHS)),
    urlstate.Param("act", "neurons.activation", "sigmoid", parse=urlstate.one_of(neurons.ACTIVATIONS)),
    urlstate.Param("logits", "neurons.logits", DEFAULT_LOGITS, parse=_logits_text),
    urlstate.Param("true", "neurons.true_class", 0, parse=urlstate.int_in(0, neurons.MAX_LOGITS - 1)),
)


def _n(value: float) -> str:
    """A number as people write it: at most 4 decimals, no trailing zeros, a real minus sign."""
    return f"{round(float(value), 4) + 0.0:g}".replace("-", "−")


def _vec(values) -> str:
    return "(" + ", ".join(_n(v) for v in values) + ")"


# Figures are plain dicts: building them through plotly's graph objects validates every property and took
# most of this page's rerun time; st.plotly_chart validates the finished figure once anyway.
def _layout(title: str, height: int, **settings) -> dict:
    return {
        "title": {"text": title},
        "height": height,
        "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18},
        **settings,
    }


def _plane(title: str, height: int = 420) -> dict:
    # Fixed ranges: the view stays on the square whatever the lines do (decision_line clips them to it).
    axis = {"range": [PLANE_LOW, PLANE_HIGH], "autorange": False, "zeroline": False, "constrain": "domain"}
    return {
        "data": [],
        "layout": _layout(
            title,
            height,
            xaxis={"title": {"text": "x1"}, **axis},
            yaxis={"title": {"text": "x2"}, "scaleanchor": "x", **axis},
        ),
    }


def _bars(title: str, values, *, height: int = 240) -> dict:
    data = [{"type": "bar", "x": list(range(1, len(values) + 1)), "y": list(values)}]
    axes = {"xaxis": {"title": {"text": "epoch"}}, "yaxis": {"range": [0, 4.2], "title": {"text": "mistakes"}}}
    return {"data": data, "layout": _layout(title, height, **axes)}


def _add_region(figure: dict, axis, values, *, name: str, binary: bool = False) -> None:
    # Sent as float32 (the hover shows 2 decimals), a perceptron's 0/1 outputs as uint8: as float64 the two
    # regions were 140 kB of the page's 255 kB of messages, on every visit and after every step.
    z = np.asarray(values, dtype=np.uint8 if binary else np.float32)
    figure["data"].append(
        {
            "type": "heatmap",
            "x": axis,
            "y": axis,
            "z": z,
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "name": name,
            "colorscale": [[0, "#d8e6f3"], [1, "#f6d5d8"]],
            "hovertemplate": "x1 %{x:.2f}, x2 %{y:.2f}: %{z:.2f}<extra>" + name + "</extra>",
        }
    )


def _line(weights, bias):
    """The decision line's ends inside the plotted square, or None when it misses the square."""
    return neurons.decision_line(weights, bias, low=PLANE_LOW, high=PLANE_HIGH)


def _add_line(figure: dict, ends, *, name: str, color: str, dash: str = "solid") -> None:
    if ends is not None:
        figure["data"].append(
            {
                "type": "scatter",
                "x": ends[:, 0].tolist(),
                "y": ends[:, 1].tolist(),
                "mode": "lines",
                "name": name,
                "line": {"color": color, "dash": dash, "width": 3},
            }
        )


def _add_points(figure: dict, targets, *, highlight: int | None = None) -> None:
    for label, symbol, color in ((1.0, "circle", "#b2182b"), (0.0, "x", "#2166ac")):
        chosen = [i for i, t in enumerate(targets) if t == label]
        figure["data"].append(
            {
                "type": "scatter",
                "x": [neurons.INPUTS[i, 0] for i in chosen],
                "y": [neurons.INPUTS[i, 1] for i in chosen],
                "mode": "markers",
                "name": f"target {label:g}",
                "marker": {"symbol": symbol, "size": 16, "color": color, "line": {"width": 2}},
            }
        )
    if highlight is not None:
        figure["data"].append(
            {
                "type": "scatter",
                "x": [neurons.INPUTS[highlight, 0]],
                "y": [neurons.INPUTS[highlight, 1]],
                "mode": "markers",
                "name": "last example",
                "marker": {"symbol": "circle-open", "size": 30, "color": "#333", "line": {"width": 3}},
            }
        )


st.title("Neurons")
urlstate.restore("neurons", PARAMS)
st.markdown(
    """
An artificial neuron is a tiny calculator. It multiplies each input by a **weight**, adds the products and a
**bias**, and passes that **weighted sum** through an **activation function**. The oldest kind, the
**perceptron**, uses a step: it outputs 1 ("fires") when the sum is above 0 and 0 otherwise. Learning means
nudging the weights after every example it gets wrong. Stack many neurons in layers and you have a neural
network: a CNN is built from the same pieces.
"""
)

# ---- a worked example -------------------------------------------------------------------------------------
st.header("One update, by hand")
example = neurons.perceptron_step((0.8, 0.4), 0.0, (1.0, -1.0), 0.0, rate=1.0, activation="linear", learn_bias=False)
again = neurons.perceptron_step(
    example.new_weights, 0.0, (1.0, -1.0), 0.0, rate=1.0, activation="linear", learn_bias=False
)
st.markdown(
    f"""
The update rule is **w ← w + η (t − o) x**: target t minus output o is the error; each weight moves by the
error times its own input, scaled by the learning rate η. Take a *linear* unit (the output
is the weighted sum itself, no step) with inputs x = (1, −1), weights w = (0.8, 0.4), target 0 and η = 1:

| | input x | weight w | w · x |
|---|---|---|---|
| first input | 1 | 0.8 | 0.8 · 1 |
| second input | −1 | 0.4 | 0.4 · (−1) |

- weighted sum: 0.8 · 1 + 0.4 · (−1) = **{_n(example.sum)}**, and that is the output o
- error: t − o = 0 − {_n(example.output)} = **{_n(example.error)}**
- new w1 = 0.8 + 1 · ({_n(example.error)}) · 1 = **{_n(example.new_weights[0])}**
- new w2 = 0.4 + 1 · ({_n(example.error)}) · (−1) = **{_n(example.new_weights[1])}**

The output was too high, so the weight of the positive input went down and the weight of the negative input
went up: both changes lower the sum. With the new weights it is {_n(example.new_weights[0])} − {_n(example.new_weights[1])} =
{_n(again.sum)}: with η = 1 this step overshoots the target 0 by as much as it missed it before. A smaller learning
rate takes a smaller, safer step (with η = 0.5 the new sum would be exactly 0).
"""
)

# ---- the perceptron, step by step -------------------------------------------------------------------------
st.header("A perceptron learns AND and OR")
st.markdown(
    "The four corners of the square are the four possible inputs; the gate decides which should give 1. The "
    "perceptron fires on one side of the line w1·x1 + w2·x2 + b = 0 (the shaded red side). Press **Step** to "
    "show it one example and apply the rule; the dashed line is where it was before. One **epoch** is one pass "
    "over all four examples. Here the bias b is learned too, like a weight whose input is always 1."
)
settings, start = st.columns([1.2, 1.0], gap="medium")
gate = settings.radio("Gate", tuple(neurons.GATES), key="neurons.gate", horizontal=True)
rate = settings.select_slider("Learning rate η", RATES, key="neurons.rate")
w1_col, w2_col, b_col = start.columns(3)
w1 = w1_col.number_input("start w1", -WEIGHT_LIMIT, WEIGHT_LIMIT, step=0.1, key="neurons.w1")
w2 = w2_col.number_input("start w2", -WEIGHT_LIMIT, WEIGHT_LIMIT, step=0.1, key="neurons.w2")
bias = b_col.number_input("start b", -WEIGHT_LIMIT, WEIGHT_LIMIT, step=0.1, key="neurons.b")
start.caption("Changing the gate or a starting weight starts the training again.")

begin = (gate, w1, w2, bias)
if st.session_state.get(STARTED_KEY) != begin or STATE_KEY not in st.session_state:
    st.session_state[STATE_KEY] = neurons.initial_state(weights=(w1, w2), bias=bias)
    st.session_state[STARTED_KEY] = begin
buttons = st.columns(3)
step_clicked = buttons[0].button("Step", key="_neurons.step", width="stretch")
epoch_clicked = buttons[1].button("Run epoch", key="_neurons.epoch", width="stretch")
reset_clicked = buttons[2].button("Reset", key="_neurons.reset", width="stretch")
with common.user_errors():
    state = st.session_state[STATE_KEY]
    if reset_clicked:
        state = neurons.initial_state(weights=(w1, w2), bias=bias)
    elif step_clicked:
        state = neurons.perceptron_advance(state, gate, rate=rate)
    elif epoch_clicked:
        state = neurons.perceptron_epoch(state, gate, rate=rate)
    st.session_state[STATE_KEY] = state
    targets = neurons.GATES[gate]
    axis, points = neurons.grid(low=PLANE_LOW, high=PLANE_HIGH, size=REGION_SIZE)
    region = neurons.perceptron_predict(state.weights, state.bias, points).reshape(REGION_SIZE, REGION_SIZE)
    outputs = neurons.perceptron_predict(state.weights, state.bias, neurons.INPUTS)

plot_col, steps_col = st.columns([1.1, 1.0], gap="medium")
with plot_col:
    figure = _plane(f"{gate}: where the perceptron fires")
    _add_region(figure, axis, region, name="output", binary=True)
    if state.previous is not None:
        _add_line(figure, _line(*state.previous), name="line before the step", color="#888", dash="dash")
    line = _line(state.weights, state.bias)
    _add_line(figure, line, name="decision line", color="#222")
    _add_points(figure, targets, highlight=state.last_index)
    st.plotly_chart(figure, key="_neurons.perceptron_chart")
    if line is None:
        answer = "fires" if region.max() > 0 else "stays silent"
        st.caption(
            f"No decision line in view: w1·x1 + w2·x2 + b = 0 lies outside this square (or w = 0), so the "
            f"perceptron {answer} everywhere here. Keep stepping: a mistake moves it back."
        )
with steps_col:
    counters = st.columns(3)
    counters[0].metric("Epochs done", state.epoch)
    counters[1].metric("Next example", f"{state.position + 1} of 4")
    counters[2].metric("Mistakes this epoch", state.mistakes)
    st.markdown(f"**Now:** w = {_vec(state.weights)}, b = {_n(state.bias)}")
    record = state.last
    if record is None:
        st.markdown("**Last step:** none yet. Press Step.")
    else:
        (old_w, old_b), x = state.previous, neurons.INPUTS[state.last_index]
        target = targets[state.last_index]
        verdict = "fires" if record.output else "stays silent"
        st.markdown(
            f"""
**Last step:** example x = {_vec(x)}, target t = {_n(target)}
- sum = {_n(old_w[0])}·{_n(x[0])} + {_n(old_w[1])}·{_n(x[1])} + ({_n(old_b)}) = **{_n(record.sum)}**
- output o = {_n(record.output)} (the sum is {"above" if record.output else "not above"} 0, so it {verdict})
- error t − o = **{_n(record.error)}**{" — right, nothing changes" if record.error == 0 else ""}
- w ← {_vec(old_w)} + {_n(rate)} · ({_n(record.error)}) · {_vec(x)} = **{_vec(record.new_weights)}**
- b ← {_n(old_b)} + {_n(rate)} · ({_n(record.error)}) = **{_n(record.new_bias)}**
"""
        )
    st.dataframe(
        pd.DataFrame(
            {
                "x1": neurons.INPUTS[:, 0],
                "x2": neurons.INPUTS[:, 1],
                "target": targets,
                "output now": outputs,
                "right?": ["yes" if o == t else "no" for o, t in zip(outputs, targets)],
            }
        ),
        hide_index=True,
    )
    if state.converged:
        st.success(f"Learned {gate}: epoch {state.epoch} went by without a mistake, so the line separates the points.")
    elif gate == "XOR" and state.epoch:
        st.warning(
            "No straight line puts (0, 1) and (1, 0) on one side and (0, 0), (1, 1) on the other: keep "
            "clicking, the mistakes never reach 0."
        )
    if state.history:
        st.markdown(
            "**Mistakes in each epoch so far:** "
            + ", ".join(str(m) for m in state.history[-30:])
            + (" (the last 30)" if len(state.history) > 30 else "")
        )

# ---- XOR ----------------------------------------------------------------------------------------------------
st.header("XOR: one line is not enough")
xor_run = cached.perceptron_run("XOR", rate, XOR_EPOCHS, (w1, w2, bias))
single_col, text_col = st.columns([1.0, 1.0], gap="medium")
with single_col:
    figure = _plane(f"One perceptron after {XOR_EPOCHS} epochs on XOR", height=360)
    _add_line(figure, _line(xor_run.weights, xor_run.bias), name="its last line", color="#222")
    _add_points(figure, neurons.GATES["XOR"])
    st.plotly_chart(figure, key="_neurons.xor_single_chart")
with text_col:
    st.markdown(
        f"""
XOR is 1 when exactly one input is 1. Its 1s sit on one diagonal of the square and its 0s on the other, and
no straight line can split the two diagonals. A single perceptron draws exactly one line, so some example is
always wrong and the weights never stop moving. The same perceptron as above (same start, η = {_n(rate)}),
run for {XOR_EPOCHS} epochs on XOR:
"""
    )
    st.plotly_chart(_bars("Mistakes in each epoch", xor_run.history), key="_neurons.xor_mistakes_chart")
    st.metric("Fewest mistakes in any epoch", min(xor_run.history))

st.subheader("Two hidden units solve it")
st.markdown(
    "Put two neurons in between (a **hidden layer**) and let a third combine their answers. Each hidden unit "
    'draws its own line; the output unit can then say "between the two lines", which is exactly XOR. These '
    "units use a smooth sigmoid instead of a step, so the error can be passed back through them to every weight "
    "(**backpropagation**). The network below trains live, from random starting weights chosen by the seed."
)
controls = st.columns(3)
seed = controls[0].number_input("Seed (random starting weights)", 0, MAX_SEED, step=1, key="neurons.seed")
mlp_rate = controls[1].select_slider("Learning rate", MLP_RATES, key="neurons.mlp_rate")
epochs = controls[2].select_slider("Epochs", MLP_EPOCHS, key="neurons.epochs")
with common.user_errors():
    run = cached.train_mlp(int(seed), int(epochs), float(mlp_rate))
    region_axis, region_values = cached.mlp_region(int(seed), int(epochs), float(mlp_rate), REGION_SIZE)
    hidden_values, _ = neurons.mlp_forward(run, neurons.INPUTS)
scores = st.columns(3)
scores[0].metric("Accuracy on the 4 points", f"{run.accuracy:.0%}")
scores[1].metric("Loss at the start", f"{run.losses[0]:.3f}")
scores[2].metric("Loss at the end", f"{run.losses[-1]:.4f}")
if run.accuracy < 1:
    st.warning(
        "This start got stuck: the loss stopped falling before every point was right. Gradient descent "
        "only goes downhill from where it starts; try another seed or more epochs."
    )
loss_col, region_col = st.columns(2, gap="medium")
with loss_col:
    loss = {
        "data": [{"type": "scatter", "x": list(range(1, len(run.losses) + 1)), "y": run.losses, "mode": "lines"}],
        "layout": _layout(
            "Loss (cross-entropy) while training",
            420,
            xaxis={"title": {"text": "epoch"}},
            yaxis={"title": {"text": "loss"}},
        ),
    }
    st.plotly_chart(loss, key="_neurons.loss_chart")
with region_col:
    figure = _plane("Output of the network (red: says 1) and the hidden units' lines")
    _add_region(figure, region_axis, region_values, name="network output")
    for unit, color in zip(range(run.hidden_weights.shape[1]), ("#1b7837", "#762a83")):
        ends = _line(run.hidden_weights[:, unit], run.hidden_bias[unit])
        _add_line(figure, ends, name=f"hidden unit {unit + 1}", color=color)
    _add_points(figure, neurons.GATES["XOR"])
    st.plotly_chart(figure, key="_neurons.mlp_chart")
st.dataframe(
    pd.DataFrame(
        {
            "x1": neurons.INPUTS[:, 0],
            "x2": neurons.INPUTS[:, 1],
            "hidden 1": hidden_values[:, 0],
            "hidden 2": hidden_values[:, 1],
            "output": run.outputs,
            "target": neurons.GATES["XOR"],
        }
    ),
    hide_index=True,
)
st.caption(
    f"The hidden units turn the four inputs into four new points (columns hidden 1 and hidden 2) that one line "
    f"can separate. Not every start works: with the defaults, seed {neurons.STUCK_SEED} gets stuck."
)

# ---- activation functions -----------------------------------------------------------------------------------
st.header("Activation functions and their slopes")
st.markdown(
    "Learning by backpropagation needs the slope (derivative) of every activation: it says how much the output "
    "moves when the sum moves. The dashed curve is that slope."
)
name = st.radio(
    "Activation", neurons.ACTIVATIONS, key="neurons.activation", format_func=ACTIVATION_LABELS.get, horizontal=True
)
z, values, slopes = cached.activation_curve(name, LEAKY_SHOWN)
curves = {
    "data": [
        {
            "type": "scatter",
            "x": z,
            "y": values,
            "mode": "lines",
            "name": f"{ACTIVATION_LABELS[name]}(z)",
            "line": {"width": 3},
        },
        {
            "type": "scatter",
            "x": z,
            "y": slopes,
            "mode": "lines",
            "name": "its derivative",
            "line": {"dash": "dash", "width": 3},
        },
    ],
    "layout": _layout("", 340, xaxis={"title": {"text": "z (the weighted sum)"}}),
}
st.plotly_chart(curves, key="_neurons.activation_chart")
st.markdown(f"**{ACTIVATION_LABELS[name]}.** {ACTIVATION_TEXT[name]}")

# ---- softmax and losses -------------------------------------------------------------------------------------
st.header("From scores to probabilities: softmax")
st.markdown(
    "A classifier's last layer gives one raw score (**logit**) per class. **Softmax** turns them into "
    "probabilities: exponentiate each, divide by the total. Bigger scores get a bigger share, every share is "
    "positive and they add up to 1. Subtracting the largest logit first changes nothing in the result but keeps "
    "e^z from overflowing: try `1000, 1001`."
)
logits_col, probs_col = st.columns([1.0, 1.4], gap="medium")
text = logits_col.text_input("Logits, separated by commas", key="neurons.logits")
# A typo in the logits only hides this section's results: the error is shown and the page goes on.
true_class = 0
try:
    logits = neurons.parse_logits(text)
    probabilities = neurons.softmax(logits)
except ValueError as error:
    logits = None
    logits_col.error(str(error))
if logits is not None:
    if st.session_state.get("neurons.true_class", 0) >= len(logits):
        st.session_state["neurons.true_class"] = 0
    true_class = logits_col.selectbox(
        "True class", range(len(logits)), key="neurons.true_class", format_func=lambda k: f"class {k + 1}"
    )
    logits_col.metric("Cross-entropy for that class", f"{neurons.cross_entropy(probabilities, true_class):.4f}")
    logits_col.metric("MSE for that class", f"{neurons.squared_error(probabilities, true_class):.4f}")
    with probs_col:
        labels = [f"class {k + 1}" for k in range(len(logits))]
        st.dataframe(
            pd.DataFrame({"class": labels, "logit": logits, "probability": probabilities}),
            hide_index=True,
            column_config={
                "probability": st.column_config.ProgressColumn(
                    "softmax probability", format="%.4f", min_value=0.0, max_value=1.0
                )
            },
        )

st.subheader("Cross-entropy versus squared error")
st.markdown(
    "A loss scores a prediction against the truth. **Cross-entropy** (CE) is −ln of the probability given to "
    "the true class. **MSE** here is the mean over classes of (probability − one-hot target)². Both are small "
    "when the model is confidently right, but a confident mistake costs MSE at most 2/3 with three classes, "
    "while CE grows without limit: that steep penalty is what pushes a classifier hard away from confident "
    "errors, and why classifiers are trained with CE."
)
st.dataframe(
    pd.DataFrame(neurons.loss_table()),
    hide_index=True,
    column_config={name: st.column_config.NumberColumn(format="%.4f") for name in ("cross-entropy", "MSE")},
)
p_true = [i / 200 for i in range(1, 201)]
ce_curve, mse_curve = neurons.loss_curves(p_true)
losses = {
    "data": [
        {"type": "scatter", "x": p_true, "y": ce_curve, "mode": "lines", "name": "cross-entropy −ln p"},
        {"type": "scatter", "x": p_true, "y": mse_curve, "mode": "lines", "name": "MSE (1 − p)²"},
    ],
    "layout": _layout(
        "Two classes: loss against p(true class)",
        320,
        xaxis={"title": {"text": "probability given to the true class"}},
        yaxis={"range": [0, 5]},
        legend={"x": 0.98, "xanchor": "right", "y": 0.98, "yanchor": "top"},
    ),
}
curve_col, note_col = st.columns([1.2, 1.0], gap="medium")
curve_col.plotly_chart(losses, key="_neurons.loss_compare_chart")
note_col.markdown(
    "With two classes the picture is simple. When the true class gets probability p, MSE is (1 − p)²: never more "
    "than 1, and nearly flat as p approaches 0. Cross-entropy −ln p shoots up as p approaches 0: "
    "a model that is sure of the wrong answer gets a large loss and, in training, a large correction."
)

common.check_yourself(
    "Why can't a single perceptron learn XOR however many epochs it trains, while two hidden units can?",
    "A perceptron answers 1 on one side of a single straight line. XOR's 1s, (0, 1) and (1, 0), sit on one "
    "diagonal and its 0s on the other; any line that has both 1s on its firing side also has at least one 0 there. "
    "So every epoch contains a mistake and the weights keep changing. With a hidden layer each hidden unit draws "
    'its own line, and the output unit combines them: "above one line and below the other" picks out exactly '
    "the two 1s.",
    key="neurons.check",
)
common.show_code(
    f"""from explorer.nets import neurons

# the worked example: a linear unit, x = (1, -1), target 0, rate 1
neurons.perceptron_step((0.8, 0.4), 0.0, (1, -1), 0, rate=1, activation="linear", learn_bias=False)

# the perceptron on {gate}, epoch by epoch (perceptron_advance does one step)
state = neurons.initial_state(weights=({w1:g}, {w2:g}), bias={bias:g})
state = neurons.perceptron_epoch(state, {gate!r}, rate={rate:g})
print(state.weights, state.bias, state.history)
print(neurons.train_perceptron("XOR", rate={rate:g}, epochs={XOR_EPOCHS}, weights=({w1:g}, {w2:g}), bias={bias:g},
                               stop_when_converged=False).history)

# two hidden units on XOR
run = neurons.train_mlp("XOR", hidden=2, seed={int(seed)}, epochs={int(epochs)}, rate={mlp_rate:g})
print(run.accuracy, run.losses[-1], run.outputs)

z = [-2.0, -0.5, 0.5, 2.0]
print(neurons.activation(z, name={name!r}), neurons.derivative(z, name={name!r}))
probabilities = neurons.softmax(neurons.parse_logits({text!r}))
print(probabilities, neurons.cross_entropy(probabilities, true_class={true_class}))"""
)

urlstate.publish(PARAMS)

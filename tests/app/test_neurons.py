"""AppTests of the Neurons page: the worked example, Step / Run epoch / Reset, XOR, the hidden layer,
activations, softmax, links.

Numbers read from the page are checked against hand-computed perceptron steps, SciPy's softmax and expit.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import special

from explorer.nets import neurons

PAGE = "app_pages/neurons.py"


def _markdown(at) -> str:
    return "\n".join(md.value for md in at.markdown)


def _metric(at, prefix: str) -> str:
    (metric,) = [metric for metric in at.metric if metric.label.startswith(prefix)]
    return metric.value


def _chart(at, trace_name: str) -> dict:
    """The plotly figure (as JSON) with a trace of this name."""
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if any(trace.get("name") == trace_name for trace in spec["data"]):
            return spec
    raise AssertionError(f"no chart has a trace named {trace_name!r}")


def _frame(at, column: str):
    (frame,) = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def _click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_renders_the_worked_example(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "Neurons"
    assert len(at.warning) == 0 and len(at.error) == 0
    text = _markdown(at)
    # 0.8·1 + 0.4·(−1) = 0.4; error 0 − 0.4 = −0.4; w = (0.4, 0.8).
    assert "weighted sum: 0.8 · 1 + 0.4 · (−1) = **0.4**" in text
    assert "error: t − o = 0 − 0.4 = **−0.4**" in text
    assert "new w1 = 0.8 + 1 · (−0.4) · 1 = **0.4**" in text
    assert "new w2 = 0.4 + 1 · (−0.4) · (−1) = **0.8**" in text
    # The page speaks in its own voice: no authoring notes about the lesson's text.
    page_text = text + "\n".join(caption.value for caption in at.caption)
    assert "not consistent" not in page_text and "lesson's own text" not in page_text
    assert "Check yourself" in text


def test_step_run_epoch_and_reset(open_page):
    at = open_page(PAGE)
    assert "**Last step:** none yet" in _markdown(at)
    # Default start w = (0.8, 0.4), b = -0.5, AND, rate 1. Example 1 is (0, 0): sum -0.5, silent, right.
    _click(at, "_neurons.step")
    assert "sum = 0.8·0 + 0.4·0 + (−0.5) = **−0.5**" in _markdown(at)
    assert _metric(at, "Next example") == "2 of 4"
    # (0, 1): sum -0.1, right. (1, 0): sum 0.3 fires, target 0: w = (-0.2, 0.4), b = -1.5.
    _click(at, "_neurons.step")
    _click(at, "_neurons.step")
    text = _markdown(at)
    assert "error t − o = **−1**" in text
    assert "w ← (0.8, 0.4) + 1 · (−1) · (1, 0) = **(−0.2, 0.4)**" in text
    assert "**Now:** w = (−0.2, 0.4), b = −1.5" in text
    # The decision line moved: the dashed line is where it was (0.8 x1 + 0.4 x2 - 0.5 = 0).
    spec = _chart(at, "line before the step")
    before = next(t for t in spec["data"] if t["name"] == "line before the step")
    assert 0.8 * before["x"][0] + 0.4 * before["y"][0] - 0.5 == pytest.approx(0.0, abs=1e-9)
    _click(at, "_neurons.epoch")  # finishes epoch 1
    assert _metric(at, "Epochs done") == "1" and _metric(at, "Next example") == "1 of 4"
    _click(at, "_neurons.reset")
    assert _metric(at, "Epochs done") == "0" and "**Last step:** none yet" in _markdown(at)


@pytest.mark.parametrize("gate", ["AND", "OR"])
def test_run_epoch_until_the_gate_is_learned(open_page, gate):
    at = open_page(PAGE)
    at.radio(key="neurons.gate").set_value(gate).run()
    for _ in range(10):
        _click(at, "_neurons.epoch")
        if at.success:
            break
    assert at.success and f"Learned {gate}" in at.success[0].value
    frame = _frame(at, "output now")
    np.testing.assert_array_equal(frame["output now"], neurons.GATES[gate])
    assert list(frame["right?"]) == ["yes"] * 4


def test_xor_never_settles(open_page):
    at = open_page(PAGE)
    at.radio(key="neurons.gate").set_value("XOR").run()
    for _ in range(5):
        _click(at, "_neurons.epoch")
    assert not at.success
    assert any("No straight line" in warning.value for warning in at.warning)
    assert int(_metric(at, "Fewest mistakes in any epoch")) >= 1
    # The 100-epoch run is drawn: 100 bars, none at 0.
    runs = [json.loads(element.proto.spec)["data"][0] for element in at.get("plotly_chart")]
    (long_run,) = [trace for trace in runs if trace["type"] == "bar" and len(trace["y"]) == 100]
    assert min(long_run["y"]) >= 1


def test_changing_a_start_weight_restarts_training(open_page):
    at = open_page(PAGE)
    _click(at, "_neurons.epoch")
    assert _metric(at, "Epochs done") == "1"
    at.number_input(key="neurons.w1").set_value(0.2).run()
    assert not at.exception
    assert _metric(at, "Epochs done") == "0" and "**Now:** w = (0.2, 0.4), b = −0.5" in _markdown(at)
    assert at.query_params["w1"] == "0.2"


def test_hidden_layer_solves_xor_and_the_seed_matters(open_page):
    at = open_page(PAGE)
    assert _metric(at, "Accuracy on the 4 points") == "100%"
    frame = _frame(at, "hidden 1")
    np.testing.assert_allclose(frame["output"], [0, 1, 1, 0], atol=0.1)
    # The output column is the network applied to the hidden columns (an independent forward pass).
    run = neurons.train_mlp("XOR")
    hidden = frame[["hidden 1", "hidden 2"]].to_numpy()
    np.testing.assert_allclose(frame["output"], special.expit(hidden @ run.output_weights + run.output_bias))
    before = _metric(at, "Loss at the end")
    at.number_input(key="neurons.seed").set_value(neurons.STUCK_SEED).run()
    assert not at.exception
    assert _metric(at, "Loss at the end") != before
    assert _metric(at, "Accuracy on the 4 points") != "100%"
    assert any("got stuck" in warning.value for warning in at.warning)
    assert at.query_params["seed"] == str(neurons.STUCK_SEED)


def test_activation_choice_changes_the_curves(open_page):
    at = open_page(PAGE)
    curve = next(t for t in _chart(at, "its derivative")["data"] if t["name"] == "sigmoid(z)")
    assert curve["name"] == "sigmoid(z)"
    at.radio(key="neurons.activation").set_value("relu").run()
    assert not at.exception
    names = [t["name"] for t in _chart(at, "its derivative")["data"]]
    assert "ReLU(z)" in names and "sigmoid(z)" not in names
    assert any(md.value.startswith("**ReLU.**") for md in at.markdown)
    assert at.query_params["act"] == "relu"


def test_softmax_of_typed_logits(open_page):
    at = open_page(PAGE)
    at.text_input(key="neurons.logits").set_value("1000, 1001").run()
    assert not at.exception
    frame = _frame(at, "probability")
    np.testing.assert_allclose(frame["probability"], special.softmax([1000.0, 1001.0]))
    # Cross-entropy for class 1 is -ln p(class 1) = ln(1 + e) = 1.3133.
    assert _metric(at, "Cross-entropy for that class") == "1.3133"
    at.selectbox(key="neurons.true_class").set_value(1).run()
    assert _metric(at, "Cross-entropy for that class") == "0.3133"


def test_bad_logits_show_the_reason_and_the_page_goes_on(open_page):
    at = open_page(PAGE)
    at.text_input(key="neurons.logits").set_value("2, x").run()
    assert not at.exception
    assert [error.value for error in at.error] == ["logits must be numbers separated by commas, got 'x' as number 2"]
    assert "Check yourself" in _markdown(at)  # the rest of the page is drawn
    at.text_input(key="neurons.logits").set_value("").run()
    assert "logits must hold at least one number" in at.error[0].value


def test_a_shrinking_logit_vector_resets_the_true_class(open_page):
    at = open_page(PAGE)
    at.selectbox(key="neurons.true_class").set_value(2).run()
    at.text_input(key="neurons.logits").set_value("3, 1").run()
    assert not at.exception
    assert at.selectbox(key="neurons.true_class").value == 0


def test_deep_link_sets_the_page(open_page):
    at = open_page(
        PAGE, query={"gate": "OR", "rate": "0.5", "w1": "-0.4", "seed": "6", "act": "tanh", "logits": "1,2,3"}
    )
    assert not at.exception and not any("could not be used" in w.value for w in at.warning)
    assert at.radio(key="neurons.gate").value == "OR"
    assert at.select_slider(key="neurons.rate").value == 0.5
    assert "**Now:** w = (−0.4, 0.4), b = −0.5" in _markdown(at)
    assert at.number_input(key="neurons.seed").value == 6
    assert at.radio(key="neurons.activation").value == "tanh"
    np.testing.assert_allclose(_frame(at, "probability")["probability"], special.softmax([1.0, 2.0, 3.0]))


def test_garbage_in_the_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"gate": "NAND", "rate": "7", "seed": "-1", "epochs": "lots", "logits": "1, nan"})
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "could not be used" in w.value]
    for name in ("`gate`", "`rate`", "`seed`", "`epochs`", "`logits`"):
        assert name in warning
    assert "got 'nan' as number 2" in warning
    assert at.radio(key="neurons.gate").value == "AND"
    assert at.text_input(key="neurons.logits").value == "2, 1, 0.1"
    assert _metric(at, "Accuracy on the 4 points") == "100%"


def _lines_inside_fixed_axes(at) -> list[dict]:
    """The perceptron chart's line traces, after checking its axes are fixed to [-0.5, 1.5] and every point of
    every line lies inside them."""
    spec = _chart(at, "target 1")  # the perceptron's chart comes first on the page
    for axis in ("xaxis", "yaxis"):
        assert spec["layout"][axis]["range"] == [-0.5, 1.5]
        assert spec["layout"][axis]["autorange"] is False
    lines = [t for t in spec["data"] if t.get("mode") == "lines"]
    for trace in lines:
        for x1, x2 in zip(trace["x"], trace["y"]):
            assert -0.5 - 1e-9 <= x1 <= 1.5 + 1e-9 and -0.5 - 1e-9 <= x2 <= 1.5 + 1e-9, (trace["name"], x1, x2)
    return lines


def test_the_decision_line_stays_inside_the_fixed_plot(open_page):
    """After the third step (w = (-0.2, 0.4), b = -1.5) the line x2 = 3.75 + 0.5 x1 used to be drawn far above
    the square, out of view; now the axes stay fixed and only the part of a line inside them is drawn."""
    at = open_page(PAGE)
    _lines_inside_fixed_axes(at)
    for _ in range(3):
        _click(at, "_neurons.step")
    lines = _lines_inside_fixed_axes(at)
    # The new line misses the square: it isn't drawn, and the caption says the perceptron is silent everywhere.
    assert [t["name"] for t in lines] == ["line before the step"]
    assert any("No decision line in view" in c.value and "stays silent" in c.value for c in at.caption)
    # The old line 0.8 x1 + 0.4 x2 - 0.5 = 0 is drawn from side to side of the square, its ends on the line.
    (before,) = lines
    for x1, x2 in zip(before["x"], before["y"]):
        assert 0.8 * x1 + 0.4 * x2 - 0.5 == pytest.approx(0.0, abs=1e-9)
        assert min(abs(x1 + 0.5), abs(x1 - 1.5), abs(x2 + 0.5), abs(x2 - 1.5)) < 1e-9  # on the border
    for _ in range(6):
        _click(at, "_neurons.epoch")
        _lines_inside_fixed_axes(at)
    assert "Learned AND" in "\n".join(s.value for s in at.success)
    assert [t["name"] for t in _lines_inside_fixed_axes(at)][-1] == "decision line"

"""AppTests of the Draw & predict page. The canvas can't draw under AppTest: tests put a drawing where the canvas
leaves it (``st.session_state["draw.picture"]``, (H, W, 3) uint8), as tests/app/test_train_try.py does (the
browser test tests/e2e/test_draw_predict.py draws for real).

References: the probabilities of explorer.data.datasets.drawing_to_digit's 8×8 digit (the digits' own
preprocessing, not the page's steps), the shipped models' class names, the weights' hash before and after."""

from __future__ import annotations

import json
import time

import cv2
import numpy as np

from explorer.data import datasets
from explorer.nets import checkpoints, predict_one
from explorer.nets.architecture import Activation, ArchitectureSpec, Conv, Dense, Flatten, build
from tests.app.helpers import model_state, trained_in_session
from ui import common
from ui.cached import train as cached_train

PAGE = "app_pages/draw_predict.py"
PICTURE_KEY = "draw.picture"
BLACK = (0, 0, 0)
WAIT_S = 120


def drawn_one() -> np.ndarray:
    one = np.full((280, 280, 3), 255, np.uint8)
    cv2.line(one, (150, 40), (130, 240), BLACK, 20)
    return one


def drawn_ring() -> np.ndarray:
    ring = np.full((280, 280, 3), 255, np.uint8)
    cv2.circle(ring, (140, 140), 80, BLACK, 20)
    return ring


def captions(at) -> list[str]:
    return [img.caption for element in at.get("image") for img in element.proto.imgs]


def chart(at) -> dict:
    (element,) = [c for c in at.get("plotly_chart") if '"probability"' in c.proto.spec]
    return json.loads(element.proto.spec)


def run_until(at, done, timeout: float = WAIT_S):
    """Rerun until ``done(at)`` (the worker jobs' results show up on a rerun; AppTest doesn't tick fragments)."""
    end = time.monotonic() + timeout
    while True:
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        if done(at) or time.monotonic() > end:
            return at
        time.sleep(0.2)


def class_pictures_shown(names) -> callable:
    return lambda at: (
        all(common.plain(name) in captions(at) for name in names)
        and any(c.startswith("channel 0 of") for c in captions(at))
    )


def test_without_a_drawing_the_page_asks_for_one_and_shows_the_class_pictures(open_page):
    at = open_page(PAGE)
    assert any("Draw on the canvas" in i.value for i in at.info)
    assert not [c for c in at.get("plotly_chart") if '"probability"' in c.proto.spec]
    names = [str(d) for d in range(10)]
    run_until(at, class_pictures_shown(names))
    assert all(name in captions(at) for name in names)
    assert "channel 0 of 8. conv 64 3×3, padding same" in captions(at)  # the last conv layer first
    assert not at.error


def test_a_drawn_one_gets_the_digits_probabilities_steps_maps_and_saliency(open_page):
    model = checkpoints.load_default("digits").model
    before = model_state(model)
    at = open_page(PAGE)
    at.session_state[PICTURE_KEY] = drawn_one()
    at.run()
    assert not at.exception and not at.error
    digit = (datasets.drawing_to_digit(drawn_one()) / 16)[None].astype(np.float32)  # (1, 8, 8)
    expected = predict_one.class_probabilities(model, digit)
    np.testing.assert_allclose(chart(at)["data"][0]["x"], expected, rtol=1e-6)
    assert any(m.value.startswith("The network says **1**") for m in at.markdown)
    shown = captions(at)
    for step in ("your drawing", "scaled to 32×32", "8×8: the ink in each 4×4 block, 0–16"):
        assert step in shown
    assert "saliency" in shown and "over the input" in shown
    assert any(c.startswith("3. relu: 32 maps of 8×8") for c in shown)
    assert any(c.startswith("10. relu: 64 maps of 4×4") for c in shown)
    run_until(at, class_pictures_shown([str(d) for d in range(10)]))
    assert model_state(model) == before  # the page's calls (and its workers) never change the model


def test_the_shapes_model_reads_a_drawn_ring(open_page):
    at = open_page(PAGE, query={"model": "shapes"})
    at.session_state[PICTURE_KEY] = drawn_ring()
    at.run()
    assert not at.exception and not at.error
    assert any(m.value.startswith("The network says **ring**") for m in at.markdown)
    assert "turned to light on dark, as the training pictures" in captions(at)


def test_a_blank_drawing_is_explained_not_classified(open_page):
    at = open_page(PAGE)
    at.session_state[PICTURE_KEY] = np.full((280, 280, 3), 255, np.uint8)
    at.run()
    assert not at.exception and not at.error
    assert any(i.value.startswith("Nothing to recognise yet: image holds no drawing") for i in at.info)


def test_a_model_trained_in_the_session(open_page):
    at = open_page(PAGE)
    trained = trained_in_session()
    at.session_state["train.model"] = trained
    at.session_state[PICTURE_KEY] = drawn_one()
    at.run()
    assert not at.exception and not at.error
    assert at.selectbox(key="inspect.model").value == "session"
    digit = (datasets.drawing_to_digit(drawn_one()) / 16)[None].astype(np.float32)
    np.testing.assert_allclose(
        chart(at)["data"][0]["x"], predict_one.class_probabilities(trained.model, digit), rtol=1e-6
    )
    run_until(at, class_pictures_shown(list(trained.class_names)))
    assert at.query_params["model"] == "own"


def colour_model(class_names) -> cached_train.TrainedModel:
    spec = ArchitectureSpec(
        "tiny colour", (3, 8, 8), (Conv(4, 3), Activation("relu"), Flatten(), Dense(len(class_names))), 2
    )
    return cached_train.TrainedModel(build(spec, seed=0).eval(), spec, tuple(class_names), "draw colour", "a test")


def test_a_colour_network_gets_colour_pickers_and_its_class_names_stay_text(open_page):
    hostile = ("<b>red</b>", "**blue** [x](http://example.invalid)")
    at = open_page(PAGE)
    at.session_state["train.model"] = colour_model(hostile)
    picture = np.zeros((280, 280, 3), np.uint8)
    picture[..., 2] = 200  # a blue page
    cv2.circle(picture, (140, 140), 70, (250, 200, 40), 25)
    at.session_state[PICTURE_KEY] = picture
    at.run()
    assert not at.exception and not at.error
    assert [p.label for p in at.color_picker] == ["Pen", "Paper"]
    assert "scaled to 8×8" in captions(at)
    assert chart(at)["data"][0]["y"] == ["&lt;b&gt;red&lt;/b&gt;", "**blue** [x](http://example.invalid)"]
    run_until(at, class_pictures_shown(hostile))
    assert all(common.plain(name) in captions(at) for name in hostile)  # captions are Markdown: escaped


def test_the_url_keeps_the_channel_layer_and_seed_and_refuses_bad_values(open_page):
    at = open_page(PAGE, query={"layer": "2", "channel": "5", "seed": "3"})
    assert at.selectbox(key="draw.layer").value == 2
    assert at.number_input(key="draw.channel").value == 5
    assert at.number_input(key="draw.seed").value == 3
    at.number_input(key="draw.channel").set_value(7).run()
    assert at.query_params["channel"] == "7"
    bad = open_page(PAGE, query={"seed": "many"})
    assert any("`seed`" in w.value for w in bad.warning)
    assert bad.number_input(key="draw.seed").value == 0

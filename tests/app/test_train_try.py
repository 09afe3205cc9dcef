"""AppTests of the Train page's "Try your model" panel. Drawings, uploads and photos can't be made under
AppTest: the panel keeps the last picture of each source in session_state, and the tests put pictures there
(the browser test tests/e2e/test_train_try.py draws and uploads for real)."""

from __future__ import annotations

import json

import cv2
import numpy as np

from explorer.nets import predict_one
from ui import common, try_model
from ui.cached import train as cached

PAGE = "app_pages/train.py"


def drawn_seven() -> np.ndarray:
    seven = np.full((280, 280, 3), 255, np.uint8)  # black strokes on white, as the canvas draws them
    cv2.line(seven, (60, 50), (220, 50), (0, 0, 0), 20)
    cv2.line(seven, (220, 50), (110, 250), (0, 0, 0), 20)
    return seven


def with_default_model(open_page):
    at = open_page(PAGE)
    at.button(key="_train.use_default").click().run()
    assert not at.exception
    return at


def chart(at) -> dict:
    (element,) = [c for c in at.get("plotly_chart") if '"probability"' in c.proto.spec]
    return json.loads(element.proto.spec)


def test_without_a_model_the_panel_says_what_to_do(open_page):
    at = open_page(PAGE)
    assert any(c.value.startswith("Train a network (or load one below), then try it here") for c in at.caption)
    assert not at.get("plotly_chart")


def test_a_drawing_gets_the_models_probabilities(open_page):
    at = with_default_model(open_page)
    assert any("Draw on the white square" in i.value for i in at.info)  # the panel waits for a picture
    at.session_state[try_model.PICTURES_KEY] = {"draw": drawn_seven()}
    at.run()
    assert not at.exception and not at.error
    trained = at.session_state["train.model"]
    # The reference: the same model on the drawing made into the digits' format by datasets' own function.
    from explorer.data import datasets

    digit = datasets.drawing_to_digit(drawn_seven())[None] / 16  # (1, 8, 8) in [0, 1]
    expected = predict_one.class_probabilities(trained.model, digit.astype(np.float32))
    bars = chart(at)["data"][0]
    assert bars["y"] == list(trained.class_names)
    np.testing.assert_allclose(bars["x"], expected, rtol=1e-6)
    assert any(m.value.startswith("The network says **7**") for m in at.markdown)
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert "What the network sees: 8×8, gray" in captions


def test_each_source_keeps_its_own_picture_and_a_bad_file_gets_a_message(open_page):
    at = with_default_model(open_page)
    at.session_state[try_model.PICTURES_KEY] = {"draw": drawn_seven()}
    at.session_state[try_model.ERRORS_KEY] = {"upload": "That picture could not be used: the file is empty"}
    at.run()
    at.radio(key=try_model.SOURCE_KEY).set_value("upload").run()
    assert not at.exception
    assert [e.value for e in at.error] == [common.plain("That picture could not be used: the file is empty")]
    assert not [c for c in at.get("plotly_chart") if '"probability"' in c.proto.spec]
    at.radio(key=try_model.SOURCE_KEY).set_value("camera").run()
    assert any("Take a photo" in i.value for i in at.info) and not at.error
    at.radio(key=try_model.SOURCE_KEY).set_value("draw").run()
    assert chart(at)  # the drawing is still there


def test_a_blank_drawing_is_explained_not_classified(open_page):
    at = with_default_model(open_page)
    at.session_state[try_model.PICTURES_KEY] = {"draw": np.full((280, 280, 3), 255, np.uint8)}
    at.run()
    assert not at.exception and not at.error
    assert any(i.value.startswith("Nothing to recognise yet: image holds no drawing") for i in at.info)


def test_a_colour_model_sees_a_photo_in_colour_and_hostile_class_names_stay_text(open_page):
    at = open_page(PAGE)
    hostile = ("<b>red</b>", "**blue** [x](http://example.invalid)")
    trained = colour_model(hostile)
    at.session_state["train.model"] = trained
    photo = np.zeros((60, 90, 3), np.uint8)
    photo[..., 0] = 255  # a red photo
    at.session_state[try_model.PICTURES_KEY] = {"draw": photo}
    at.run()
    assert not at.exception and not at.error
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert "What the network sees: 4×4, colour" in captions
    bars = chart(at)["data"][0]
    assert bars["y"] == ["&lt;b&gt;red&lt;/b&gt;", "**blue** [x](http://example.invalid)"]  # plotly: no markup
    red = np.zeros((3, 4, 4), np.float32)
    red[0] = 1.0  # what the network should see: a 4×4 red square
    expected = predict_one.class_probabilities(trained.model, red)
    np.testing.assert_allclose(bars["x"], expected, rtol=1e-6)
    top = hostile[int(np.argmax(expected))]
    (said,) = [m.value for m in at.markdown if m.value.startswith("The network says")]
    assert said.startswith(f"The network says **{common.plain(top)}**")  # escaped: shown as typed


def colour_model(class_names) -> cached.TrainedModel:
    from explorer.nets.architecture import ArchitectureSpec, Dense, Flatten, build

    spec = ArchitectureSpec("tiny colour", (3, 4, 4), (Flatten(), Dense(len(class_names))), len(class_names))
    return cached.TrainedModel(build(spec, seed=0).eval(), spec, tuple(class_names), "test colour", "a test")

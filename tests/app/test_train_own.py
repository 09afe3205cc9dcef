"""AppTests of "Train a CNN" with your own pictures per class: the page stays whole while the classes fill
(progress per class, the network sized for the pictures to come, only Start waiting), thumbnails of the camera
pictures with a ✕ each, and what a short or badly named class says. Camera pictures are put in session_state
as the camera's callback keeps them (the browser test tests/e2e/test_train_own.py takes real photos)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from explorer.data import own_images
from tests.app.helpers import metric
from ui import train_data
from ui.train_settings import OWN_SIZES

PAGE = "app_pages/train.py"
QUERY = {
    "data": "own",
    "own": "classes",
    "classes": "2",
    "class1": "rock",
    "class2": "paper",
    "camera": "1",
    "net": "small_cnn",
}


def photo(value: int, shape=(30, 40)) -> bytes:
    """A small PNG, all one gray ``value`` (each one different, as photos are)."""
    ok, encoded = cv2.imencode(".png", np.full((*shape, 3), value, np.uint8))
    assert ok
    return encoded.tobytes()


def subheaders(at) -> list[str]:
    return [h.value for h in at.subheader]


def summary_shapes(at) -> list[str]:
    frame = next(frame.value for frame in at.dataframe if "output shape" in frame.value.columns)
    return list(frame["output shape"])


def progress_texts(at) -> list[str]:
    """The progress bars' texts, as typed (the page escapes them: class names are shown as plain text)."""
    return [unescape(p.proto.text) for p in at.get("progress")]


def unescape(text: str) -> str:
    return text.replace("\\", "")


def infos(at) -> list[str]:
    return [unescape(i.value) for i in at.info]


def test_a_half_filled_data_set_keeps_the_whole_page_and_only_start_waits(open_page):
    at = open_page(PAGE, query=QUERY)
    at.session_state[train_data.CAPTURES_KEY] = {0: [photo(v) for v in range(10, 70, 10)], 1: [photo(200), photo(210)]}
    at.run()
    assert not at.exception and not at.error
    assert progress_texts(at) == ["rock: 6 pictures, enough", "paper: 2 of 5"]
    # Every section is drawn: the network, training, results, trying and saving.
    for title in ("2. The network", "3. How to train", "4. Train", "5. Results", "6. Try your model"):
        assert title in subheaders(at)
    assert "7. Save or load a model" in subheaders(at)
    # The network is sized for the pictures to come: 32×32 colour, two classes. Small CNN by hand:
    # conv 16·(27 + 1) + conv 32·(16·9 + 1) + dense (32·8·8 + 1)·64 + output (64 + 1)·2
    assert summary_shapes(at)[0] == "32×32×16" and summary_shapes(at)[-1] == "2"
    assert metric(at, "Parameters to learn") == f"{448 + 4640 + 2049 * 64 + 130:,}"
    assert at.button(key="_train.start").disabled is True
    waiting = "Each class needs at least 5 pictures. Still short: paper: 2 of 5."
    assert waiting in infos(at)
    assert any(c.value.startswith("Start waits for your pictures.") for c in at.caption)


def test_enough_pictures_in_every_class_make_a_data_set_and_start_is_enabled(open_page):
    at = open_page(PAGE, query=QUERY)
    at.session_state[train_data.CAPTURES_KEY] = {
        0: [photo(v) for v in range(0, 50, 10)],
        1: [photo(200 + v) for v in range(5)],
    }
    at.run()
    assert not at.exception and not at.error
    assert progress_texts(at) == ["rock: 5 pictures, enough", "paper: 5 pictures, enough"]
    assert any("**10 images** of 32×32 pixels, colour" in m.value for m in at.markdown)
    assert at.button(key="_train.start").disabled is False


def test_a_thumbnails_cross_forgets_that_picture_only(open_page):
    at = open_page(PAGE, query=QUERY)
    pictures = [photo(v) for v in (10, 20, 30)]
    at.session_state[train_data.CAPTURES_KEY] = {0: list(pictures), 1: [photo(99)]}
    at.run()
    thumbnails = [img for element in at.get("image") for img in element.proto.imgs]
    assert len(thumbnails) == 4  # three for rock, one for paper; no preview yet
    at.button(key="_train.drop0.1").click().run()
    assert not at.exception
    assert at.session_state[train_data.CAPTURES_KEY][0] == [pictures[0], pictures[2]]
    assert progress_texts(at)[0] == "rock: 2 of 5"


def test_a_stale_cross_still_forgets_the_picture_it_showed():
    """Two quick clicks: the second ✕ was drawn before the first picture went; its digest finds its picture."""
    from ui.cached import train as cached

    pictures = [photo(v) for v in (10, 20, 30)]
    state = {train_data.CAPTURES_KEY: {0: list(pictures)}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(train_data.st, "session_state", state)
        train_data._drop(0, 0, cached.digest(pictures[0]))
        train_data._drop(0, 2, cached.digest(pictures[2]))  # now at position 1
    assert state[train_data.CAPTURES_KEY][0] == [pictures[1]]


def test_two_classes_with_one_name_are_pointed_out(open_page):
    at = open_page(PAGE, query={**QUERY, "class2": "rock"})
    at.session_state[train_data.CAPTURES_KEY] = {0: [photo(v) for v in range(5)], 1: [photo(100 + v) for v in range(5)]}
    at.run()
    assert not at.exception
    assert "Two classes are both named rock: give each class its own name." in infos(at)
    assert at.button(key="_train.start").disabled is True
    assert "7. Save or load a model" in subheaders(at)


def test_unreadable_pictures_that_leave_a_class_short_are_explained_and_the_page_goes_on(open_page):
    at = open_page(PAGE, query=QUERY)
    at.session_state[train_data.CAPTURES_KEY] = {
        0: [photo(v) for v in range(5)],
        1: [photo(100), photo(110), photo(120), photo(130), b"not a picture"],
    }
    at.run()
    assert not at.exception
    (error,) = at.error
    assert unescape(error.value).startswith("These pictures don't make a data set yet: class 'paper' has 4 usable")
    assert at.button(key="_train.start").disabled is True
    assert "7. Save or load a model" in subheaders(at)
    assert any(c.value == "unreadable" for c in at.caption)  # its thumbnail says so


def test_nothing_yet_with_the_camera_on_says_how_to_take_pictures(open_page):
    at = open_page(PAGE, query=QUERY)
    assert any(i.startswith("Choose a class next to the camera and press Take Photo") for i in infos(at))
    assert not any("switch the camera on" in i for i in infos(at))
    at.toggle(key="train.use_camera").set_value(False).run()
    assert any("or switch the camera on" in i for i in infos(at))
    assert "2. The network" in subheaders(at) and summary_shapes(at)[-1] == "2"


@pytest.mark.parametrize("color", [True, False])
def test_the_default_network_fits_own_pictures_of_every_size(open_page, color):
    at = open_page(PAGE, query={**QUERY, "own_color": "1" if color else "0"})
    for size in OWN_SIZES:
        at.select_slider(key="train.own_size").set_value(size).run()
        assert not at.exception and not at.error, size
        assert summary_shapes(at)[0] == f"{size}×{size}×16"
    assert own_images.MIN_IMAGES_PER_CLASS == 5  # the progress texts above count to 5

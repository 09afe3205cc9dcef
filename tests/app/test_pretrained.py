"""The "A pretrained network" page: offline it says what it needs and keeps the pixel neighbours; with weights in the
cache (a random SqueezeNet saved where the real weights go: only downloads are hash-checked) it shows the top-5,
Grad-CAM, feature maps, neighbours, a link to transfer learning, URL state and code that runs."""

from __future__ import annotations

import numpy as np

from explorer.deep import backbone, predict
from explorer.images import samples
from tests.app.helpers import ok, use_own_image
from tests.app.test_show_the_code import run_snippet, snippets

PAGE = "app_pages/pretrained.py"


def test_offline_the_page_says_what_it_needs_and_keeps_the_pixel_neighbours(open_page, offline):
    at = open_page(PAGE)
    notices = " ".join(info.value for info in at.info)
    assert "one-time download" in notices and backbone.PREFETCH_COMMAND in notices
    assert not at.button  # nothing to press: the server is offline
    (layers,) = at.dataframe  # what the network is, without its weights (channels as in the SqueezeNet paper)
    assert list(layers.value["layer"]) == list(backbone.LAYERS)
    assert list(layers.value["channels"]) == [64, 128, 128, 256, 256, 384, 384, 512, 512]
    # the pixel neighbours of the astronaut among the other samples, best first, without the astronaut
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert len(captions) == 3 and not any(c.startswith("astronaut") for c in captions)
    similarities = [float(c.rsplit(" ", 1)[1]) for c in captions]
    assert similarities == sorted(similarities, reverse=True)
    assert any("Needs the network's weights" in c.value for c in at.caption)
    assert "pretrained=False" in snippets(at)[0]  # the code says how to run it without the weights


def test_with_weights_the_page_shows_top5_gradcam_maps_and_neighbours(open_page, fake_weights, astronaut):
    at = open_page(PAGE)
    assert not at.info or all("one-time download" not in info.value for info in at.info)
    model = backbone.build(pretrained=True)
    image = backbone.to_input(astronaut, 192)[0].numpy()
    expected = predict.top_k(predict.probabilities(model, image), k=5)
    (table,) = at.dataframe
    assert list(table.value["class"]) == [p.name for p in expected]
    np.testing.assert_allclose(table.value["probability"], [p.probability for p in expected], rtol=1e-6)
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any(c.startswith("Grad-CAM: where it sees") and expected[0].name in c for c in captions)
    for layer in ("conv1", "fire3", "fire6", "fire9"):
        assert any(c.startswith(f"{layer}: the first") for c in captions), layer
    assert any(c.startswith("fire9: the first 32 of 512 maps") for c in captions)
    assert sum(" · " in c for c in captions) == 6  # three neighbours by deep features, three by pixels

    # choosing another class by search changes the Grad-CAM, and the URL carries it
    at.text_input(key="pretrained.search").input("goldfish")
    ok(at.run())
    at.selectbox(key="pretrained.target").set_value(1)
    ok(at.run())
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any(c.startswith("Grad-CAM: where it sees “goldfish”") for c in captions)
    assert at.query_params["class"] == "1"

    # Grad-CAM on fire9 instead of the class maps: another picture (bigger maps), the URL and the code say so
    def cam_picture(at):
        return next(
            img.url for element in at.get("image") for img in element.proto.imgs if img.caption.startswith("Grad-CAM")
        )

    class_maps = cam_picture(at)
    at.selectbox(key="pretrained.cam").set_value("fire9")
    ok(at.run())
    assert cam_picture(at) != class_maps and at.query_params["cam"] == "fire9"
    assert f"layer={backbone.LAYERS['fire9']})" in snippets(at)[0]
    at.multiselect(key="pretrained.layers").set_value(["fire5"])
    ok(at.run())
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert [c for c in captions if ": the first" in c] == ["fire5: the first 32 of 256 maps, 23×23 each"]
    assert at.query_params["layers"] == "fire5"


def test_a_link_opens_the_page_on_a_class_and_layers_and_bad_values_fall_back(open_page, fake_weights):
    at = open_page(PAGE, query={"class": "1", "layers": "fire2,fire9"})
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    assert any(c.startswith("Grad-CAM: where it sees “goldfish”") for c in captions)
    assert [c.split(":")[0] for c in captions if ": the first" in c] == ["fire2", "fire9"]
    at = open_page(PAGE, query={"cam": "fire5"})
    assert at.selectbox(key="pretrained.cam").value == "fire5"
    at = open_page(PAGE, query={"class": "5000", "layers": "fc7"})
    assert "could not be used" in at.warning[0].value
    assert at.session_state["pretrained.layers"] == ["conv1", "fire3", "fire6", "fire9"]


def test_an_upload_is_classified_and_every_sample_is_a_neighbour_candidate(open_page, fake_weights):
    at = open_page(PAGE)
    picture = samples.load_builtin("sample:chelsea")[::2, ::2].copy()  # not a sample itself: none is left out
    ok(use_own_image(at, picture, "pretrained-cat"))
    captions = [img.caption for element in at.get("image") for img in element.proto.imgs]
    neighbours = [c for c in captions if " · " in c]
    assert len(neighbours) == 6 and neighbours[3].startswith("chelsea")  # by pixels: the same cat, shrunk
    assert 'open("your_image.jpg"' in snippets(at)[0]


def test_the_code_runs_with_the_weights_and_prints_the_pages_top5(open_page, fake_weights, monkeypatch, tmp_path):
    at = open_page(PAGE)
    (code,) = snippets(at)
    assert "pretrained=True" in code
    monkeypatch.setenv("XDG_CACHE_HOME", str(fake_weights.parents[2]))  # the subprocess finds the same weights
    names, shown = run_snippet(code, cwd=str(tmp_path), checks=["[p.name for p in top5]", "list(by_index)"])
    assert names == list(at.dataframe[0].value["class"])
    assert set(shown) >= set(backbone.LAYERS.values())


def test_the_train_page_link_opens_own_pictures_with_the_pretrained_start_on(open_page, offline):
    import urllib.parse

    at = open_page(PAGE)
    links = [link for link in at.get("page_link")]
    assert links and "pretrained backbone" in links[0].proto.label and links[0].proto.page == "train"
    assert links[0].proto.icon == ""  # no :material/ icon: those are fetched from the internet
    query = dict(urllib.parse.parse_qsl(links[0].proto.query_string))
    assert query == {"data": "own", "pretrained": "1"}
    train = open_page("app_pages/train.py", query=query)
    assert train.session_state["train.dataset"] == "own" and train.session_state["train.pretrained"] is True


def test_a_picture_too_thin_for_the_network_is_refused_with_a_message(open_page, fake_weights):
    at = open_page(PAGE)
    thin = np.full((6, 400, 3), 200, np.uint8)  # 3 × 192 px at the network's size: its pools leave nothing
    at = use_own_image(at, thin, "pretrained-thin")
    assert at.error and "does not fit the model" in at.error[0].value

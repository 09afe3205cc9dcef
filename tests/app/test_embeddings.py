"""AppTests of the "Embeddings" page: the maps of the default digits and shapes models (their points against
scikit-learn's PCA of the model's features, computed here), nearest neighbours against scikit-learn's cosine
similarity, the map across epochs of a model trained in the session, the URL state, and the model left as it
was. The projections run in worker processes: the tests rerun the page until their results show (AppTest
does not tick the waiting fragment's timer)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics.pairwise import cosine_similarity

from explorer.interpret import embeddings
from explorer.nets import checkpoints, evaluation, recipes
from tests.app.helpers import model_state, ok, trained_in_session
from ui import challenge_board, inspect_jobs

PAGE = "app_pages/embeddings.py"
WAIT_S = 180  # a cold worker imports torch and openTSNE; a loaded 2-core machine is slow


def charts(at) -> list[dict]:
    """The plotly figures on the page, as the browser receives them."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def until(at, condition, what: str):
    """Rerun ``at`` until ``condition(at)`` holds (the waiting fragment would rerun the page in a browser)."""
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        ok(at)
        if condition(at):
            return at
        time.sleep(0.3)
        at.run()
    raise AssertionError(f"gave up waiting for {what}")


def points(figure: dict) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, xy)`` of the figure's class traces (every point once), sorted by test index."""
    traces = [t for t in figure["data"] if t["name"] != "selected" and not t["name"].startswith("wrong")]
    indices = np.concatenate([t["customdata"] for t in traces]).astype(int)
    xy = np.column_stack([np.concatenate([t["x"] for t in traces]), np.concatenate([t["y"] for t in traces])])
    order = np.argsort(indices)
    return indices[order], xy[order]


@pytest.fixture(scope="module")
def digits():
    checkpoint = checkpoints.load_default("digits")
    test = recipes.RECIPES["digits"].data()[1]
    return checkpoint.model, test


def test_default_digits_pca_maps_are_sklearns_pca_of_pixels_and_features(open_page, digits):
    model, test = digits
    at = open_page(PAGE, query={"proj": "pca"})
    assert at.title[0].value == "Embeddings"
    assert at.radio(key="emb.method").value == "pca"
    until(at, lambda at: len(at.get("plotly_chart")) == 2, "both maps")
    pixel_figure, feature_figure = charts(at)
    features = evaluation.embeddings(model, test)
    for figure, space in ((pixel_figure, test.images.reshape(len(test), -1)), (feature_figure, features)):
        indices, xy = points(figure)
        np.testing.assert_array_equal(indices, np.arange(len(test)))  # all 359 test images, once each
        reference = PCA(n_components=2).fit_transform(space.astype(np.float64))
        for axis in range(2):
            sign = np.sign(xy[:, axis] @ reference[:, axis])
            np.testing.assert_allclose(xy[:, axis], sign * reference[:, axis], rtol=1e-3, atol=1e-3)
    # the rings are the model's mistakes
    predictions, _ = evaluation.predict(model, test)
    ring = next(t for t in feature_figure["data"] if t["name"].startswith("wrong"))
    assert sorted(ring["customdata"]) == np.flatnonzero(predictions != test.labels).tolist()
    assert at.button(key="_emb.to_attribution") is not None
    assert len(at.get("download_button")) == 1
    # a model without training record: the epochs part says how to get one
    assert any("Train a CNN" in info.value for info in at.info)


def test_nearest_neighbours_agree_with_sklearn_cosine(open_page, digits):
    model, test = digits
    at = open_page(PAGE, query={"i": "7", "k": "4"})
    assert at.number_input(key="inspect.test_index").value == 7
    assert at.slider(key="emb.k").value == 4
    features = evaluation.embeddings(model, test)
    pixels = test.images.reshape(len(test), -1)
    captions = [
        [caption.replace("\\", "") for caption in element.captions]  # Markdown, escaped: shown as typed
        for element in at.get("image")
        if element.captions[0].startswith("\\#")
    ]
    assert len(captions) == 2
    for shown, space in zip(captions, (pixels, features), strict=True):
        similarity = cosine_similarity(space[7:8], space)[0]
        similarity[7] = -np.inf  # the query itself is left out
        expected = np.argsort(-similarity, kind="stable")[:4]
        assert [int(c.split(" · ")[0].lstrip("#")) for c in shown] == expected.tolist()
        # "#index · similarity", then the true class on a line of its own
        assert [float(c.split(" · ")[1].split()[0]) for c in shown] == pytest.approx(similarity[expected], abs=1e-3)
        assert [c.split("\n")[1] for c in shown] == [test.class_names[test.labels[i]] for i in expected]


def test_default_shapes_model_maps_and_the_model_is_left_as_it_was(open_page):
    at = open_page(PAGE, query={"model": "shapes", "proj": "pca"})
    from ui import inspect_model

    model = inspect_model.default_model("shapes").model
    before = model_state(model)
    until(at, lambda at: len(at.get("plotly_chart")) == 2, "both maps")
    texts = " ".join(m.value for m in at.markdown)
    assert "784 numbers per image" in texts and "64 numbers per image" in texts  # 28×28 pixels; 64 features
    indices, _ = points(charts(at)[1])
    assert len(indices) == len(inspect_model.default_test("shapes"))
    at.number_input(key="inspect.test_index").set_value(3).run()
    ok(at)
    assert model_state(model) == before and not model.training


def test_a_model_trained_in_the_session_has_a_map_per_epoch(open_page):
    trained = trained_in_session()
    before = model_state(trained.model)
    at = open_page(PAGE, query={"proj": "pca"})
    at.session_state["train.model"] = trained
    at.run()
    until(at, lambda at: len(at.get("plotly_chart")) == 3, "the maps and the epochs' map")
    assert at.selectbox(key="inspect.model").value == "session"
    slider = at.select_slider(key="emb.epoch")
    assert list(slider.options) == ["1", "2", "3"] and slider.value == 3
    frames = embeddings.project_frames([s.embeddings for s in trained.snapshots], method="pca")
    last = charts(at)[2]
    indices, xy = points(last)
    order = np.argsort(trained.snapshots[-1].indices)
    np.testing.assert_array_equal(indices, trained.snapshots[-1].indices[order])
    np.testing.assert_allclose(xy, frames[2][order], rtol=1e-5, atol=1e-5)
    slider.set_value(1).run()
    ok(at)
    _, first_xy = points(charts(at)[2])
    np.testing.assert_allclose(first_xy, frames[0][order], rtol=1e-5, atol=1e-5)
    assert np.abs(first_xy - xy).max() > 0.1  # the points moved
    assert "After epoch 1 of 3" in " ".join(c.value for c in at.caption)
    assert model_state(trained.model) == before and not trained.model.training


def test_bad_link_values_fall_back_with_a_warning(open_page):
    at = open_page(PAGE, query={"proj": "umap", "k": "99"})
    assert at.radio(key="emb.method").value == "tsne"
    assert at.slider(key="emb.k").value == 6
    assert any("could not be used" in w.value for w in at.warning)


def teardown_module() -> None:
    inspect_jobs.clear()


def test_the_challenge_is_graded_on_the_query(open_page):
    at = open_page(PAGE, query={"i": "7"})
    assert any(info.value.startswith("Not yet.") for info in at.info)
    assert not at.success
    at.number_input(key="inspect.test_index").set_value(19).run()
    ok(at)
    (success,) = at.success
    assert success.value.startswith("Found!")
    assert "emb.pixels_mislead" in at.session_state[challenge_board.PASSED_KEY]


def test_a_blank_uploaded_query_is_explained_not_raised(open_page):
    at = open_page(PAGE, query={"model": "shapes"})
    at.session_state["inspect.input"] = "upload"
    at.session_state["inspect.pictures"] = {"upload": ("black", np.zeros((40, 40, 3), np.uint8))}
    at.run()
    ok(at)
    texts = " ".join(info.value for info in at.info)
    assert "No neighbours for this picture: query is all zeros" in texts, texts
    assert at.get("expander")  # the page went on: "Show the code" is there


def test_the_shown_image_opens_on_the_attribution_page(open_page):
    at = open_page(PAGE, query={"i": "12", "proj": "pca"})
    assert "**Test image 12**" in " ".join(m.value for m in at.markdown)
    at.button(key="_emb.to_attribution").click().run()
    ok(at)
    assert at.title[0].value == "Attribution"
    assert at.session_state["inspect.test_index"] == 12 and at.session_state["inspect.input"] == "test"

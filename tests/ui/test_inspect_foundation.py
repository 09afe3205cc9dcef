"""The Inspect section's shared pieces: the model choice (ui.inspect_model), the input choice
(ui.inspect_input) and heavy work in worker processes (ui.inspect_jobs, ui.inspect_worker).

References: the default models' own test accuracy (explorer.nets.evaluation on the recipe's split), the
explorer functions run in this process, the test set's labels."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from explorer.interpret import occlusion
from explorer.nets import checkpoints, evaluation, recipes
from tests.app.helpers import trained_in_session
from ui import inspect_jobs, inspect_worker

SCRIPT = """
import streamlit as st
from ui import inspect_input, inspect_model, urlstate

inspected = inspect_model.choose()
if inspected is None:
    st.stop()
st.text("model: " + inspected.describe())
st.text("kind: " + inspected.kind + " epochs with weights: " + str(inspected.epochs_with_weights()))
chosen = inspect_input.choose(inspected, page="t")
if chosen is not None:
    st.text("input: " + chosen.title + " key: " + chosen.key + " shape: " + str(chosen.image.shape))
    st.text("sum: " + repr(float(chosen.image.sum())))
urlstate.publish(inspect_model.PARAMS + inspect_input.PARAMS)
"""


def _app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    return at


def _texts(at) -> dict[str, str]:
    return {t.value.split(": ", 1)[0]: t.value.split(": ", 1)[1] for t in at.text}


def _wait(call, timeout: float = 90.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value, view = inspect_jobs.result(call, label="test")
        if view is None:
            return value
        if view.finished:
            return view
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_the_default_model_and_a_test_image_from_the_link():
    at = _app({"i": "5"}).run()
    assert not at.exception, [e.value for e in at.exception]
    texts = _texts(at)
    train, test = recipes.RECIPES["digits"].data()
    model = checkpoints.load_default("digits").model
    predictions, _ = evaluation.predict(model, test)
    accuracy = float(np.mean(predictions == test.labels))
    assert texts["model"].startswith(f"Digits CNN 8×8 · test accuracy {accuracy:.1%} on Digits 8×8")
    assert texts["input"].startswith(f"test image 5 (true class: {test.class_names[test.labels[5]]})")
    assert float(texts["sum"]) == pytest.approx(float(test.images[5].sum()), rel=1e-6)


def test_choosing_shapes_changes_model_and_test_set():
    at = _app().run()
    at.selectbox(key="inspect.model").set_value("shapes").run()
    assert not at.exception
    texts = _texts(at)
    assert texts["model"].startswith("Shapes CNN 28×28") and "shape: (1, 28, 28)" in texts["input"]
    assert at.query_params["model"] in ("shapes", ["shapes"])


def test_a_link_to_someone_elses_model_falls_back_to_digits_and_says_so():
    at = _app({"model": "own"}).run()
    assert not at.exception
    assert any("someone's own network" in info.value for info in at.info)
    assert _texts(at)["kind"].startswith("digits")


def test_a_new_session_model_is_chosen_and_its_epochs_can_be_rebuilt():
    trained = trained_in_session()
    at = _app()
    at.session_state["train.model"] = trained
    at.run()
    assert not at.exception
    texts = _texts(at)
    assert texts["kind"] == "session epochs with weights: [1, 2, 3]"
    assert "3 epochs" in texts["model"] and f"{trained.history[-1].test_accuracy:.1%}" in texts["model"]
    # the snapshot of the last epoch is the trained model itself: same predictions on the test set
    from ui import inspect_model

    inspected = inspect_model.Inspected(trained, trained.test, None, "session", "digits")
    last = inspected.snapshot_model(3)
    first = inspected.snapshot_model(1)
    assert trained.test is not None
    np.testing.assert_array_equal(
        evaluation.predict(last, trained.test)[0], evaluation.predict(trained.model, trained.test)[0]
    )
    assert not np.array_equal(evaluation.predict(first, trained.test)[1], evaluation.predict(last, trained.test)[1])
    with pytest.raises(ValueError, match="epoch 9"):
        inspected.snapshot_model(9)


def test_a_damaged_model_file_is_refused_with_a_message():
    at = _app().run()
    at.selectbox(key="inspect.model").set_value("upload").run()
    assert not at.exception and any("Upload a network" in info.value for info in at.info)
    at.session_state["inspect.model_error"] = "This file can't be used as a model: not a safetensors file"
    at.run()
    assert any("can't be used as a model" in error.value for error in at.error)


def test_the_sidebar_picture_is_prepared_for_the_network():
    at = _app({"src": "picker"}).run()
    assert not at.exception
    texts = _texts(at)
    assert texts["input"].startswith("the sidebar's picture key: picker:sample:astronaut shape: (1, 8, 8)")


# ------------------------------------------------------------------------------------------ heavy jobs
@pytest.fixture(scope="module")
def digits():
    checkpoint = checkpoints.load_default("digits")
    test = recipes.RECIPES["digits"].data()[1]
    return checkpoint, test, inspect_worker.model_ref(checkpoint.model, checkpoint.spec, "default digits")


def test_a_call_names_a_public_explorer_interpret_function():
    with pytest.raises(ValueError, match="function"):
        inspect_worker.Call("os.system", ("k",))
    with pytest.raises(ValueError, match="function"):
        inspect_worker.Call("occlusion._private", ("k",))
    with pytest.raises(TypeError):
        inspect_worker.Call("occlusion.occlusion", (["unhashable"],))


def test_a_worker_computes_what_this_process_computes_and_shares_it_read_only(digits):
    checkpoint, test, ref = digits
    inspect_jobs.clear()
    weights = hashlib.sha256(b"".join(t.numpy().tobytes() for t in checkpoint.model.state_dict().values()))
    call = inspect_worker.Call(
        "occlusion.occlusion", ("test occlusion", 0), ref, (test.images[0],), {"window": 2, "stride": 1}
    )
    first, view = inspect_jobs.result(call, label="Occlusion")
    assert first is None and view is not None
    second, _ = inspect_jobs.result(call, label="Occlusion")  # a second asker joins the same job
    assert len(inspect_jobs._jobs) == 1
    value = _wait(call)
    expected = occlusion.occlusion(checkpoint.model, test.images[0], window=2, stride=1)
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-7)
    assert not value.flags.writeable
    again, view = inspect_jobs.result(call, label="Occlusion")
    assert again is value and view is None  # from the server-wide cache
    after = hashlib.sha256(b"".join(t.numpy().tobytes() for t in checkpoint.model.state_dict().values()))
    assert weights.hexdigest() == after.hexdigest()


def test_a_refused_setting_fails_the_job_with_the_explorer_message_until_forgotten(digits):
    _, test, ref = digits
    call = inspect_worker.Call("occlusion.occlusion", ("test bad window",), ref, (test.images[0],), {"window": 99})
    view = _wait(call)
    assert view.status == "failed" and view.message.startswith("This could not be computed: window must be")
    assert inspect_jobs.result(call, label="x")[1].status == "failed"  # kept: the page shows it once
    inspect_jobs.forget(call.key)
    _, view = inspect_jobs.result(call, label="x")
    assert view is not None and view.status in ("queued", "running", "failed")
    inspect_jobs.join(call.key)


def test_progress_reports_are_thinned_out_but_the_end_always_arrives():
    reports: list = []

    class Channel:
        def report(self, message):
            reports.append(message)

    on_progress = inspect_worker._throttled(Channel())  # type: ignore[arg-type]
    for step in range(1, 1001):  # a thousand reports within a few milliseconds
        on_progress(step / 1000)
    assert 1 <= len(reports) <= 3 and reports[-1] == 1.0
    on_progress(1.7)  # clamped
    assert reports[-1] == 1.0


def test_a_call_without_a_model_runs_the_function_on_its_arguments():
    features = np.random.default_rng(0).normal(size=(12, 5)).astype(np.float32)
    call = inspect_worker.Call("embeddings.project", ("pca test",), None, (features,), {"method": "pca"})
    from explorer.interpret import embeddings

    layout = inspect_worker.run(call, None)  # type: ignore[arg-type]
    np.testing.assert_allclose(layout, embeddings.project(features, method="pca"), rtol=1e-6)


def test_the_limit_comes_from_the_environment():
    assert inspect_jobs.max_inspections_from_env({}) == inspect_jobs.DEFAULT_MAX_INSPECTIONS
    assert inspect_jobs.max_inspections_from_env({"VISION_EXPLORER_MAX_INSPECTIONS": "3"}) == 3
    assert inspect_jobs.max_inspections_from_env({"VISION_EXPLORER_MAX_INSPECTIONS": "lots"}) == 2


def test_a_click_on_the_grid_picks_that_test_image():
    at = _app().run()
    # digits: 8-pixel cells and 1-pixel gaps, enlarged 5× (48 / 9), 8 columns in 370 pixels: cell 12 is row 1,
    # column 4; the grid takes the classes in turn
    at.session_state["_inspect.grid_click.t.first"] = {"x": (4 * 9 + 3) * 5, "y": (1 * 9 + 3) * 5}
    at.run()
    assert not at.exception
    test = recipes.RECIPES["digits"].data()[1]
    twelfth = [i for rank in range(4) for c in range(10) for i in [np.flatnonzero(test.labels == c)[rank]]][12]
    assert _texts(at)["input"].startswith(f"test image {twelfth} ")
    at.radio(key="inspect.grid").set_value("wrong").run()  # the mistakes: the grid shows evaluation.wrong
    predictions, probabilities = evaluation.predict(checkpoints.load_default("digits").model, test)
    wrong = evaluation.misclassified(test.labels, predictions, probabilities)
    at.session_state["_inspect.grid_click.t.wrong"] = {"x": 5, "y": 5}
    at.run()
    assert _texts(at)["input"].startswith(f"test image {wrong[0]} ")


@pytest.mark.parametrize("source, title", [("upload", "your uploaded picture"), ("camera", "your photo")])
def test_a_picture_from_a_file_is_prepared_as_the_try_your_model_panel_does(source, title):
    from explorer.nets import predict_one
    from ui import inspect_input

    picture = np.full((60, 40, 3), 255, np.uint8)
    picture[10:50, 18:22] = 0  # a dark vertical stroke on white paper: a "1"
    at = _app().run()
    at.session_state[inspect_input.PICTURES_KEY] = {source: ("abc", picture)}
    at.radio(key=inspect_input.SOURCE_KEY).set_value(source).run()
    assert not at.exception
    texts = _texts(at)
    assert texts["input"].startswith(f"{title} key: {source}:abc shape: (1, 8, 8)")
    expected = predict_one.prepare_picture(picture, (1, 8, 8), style="digits")
    assert float(texts["sum"]) == pytest.approx(float(expected.sum()), rel=1e-6)


def test_an_unreadable_file_is_refused_with_a_message_and_nothing_else_is_lost():
    from ui import inspect_input

    at = _app().run()
    at.radio(key=inspect_input.SOURCE_KEY).set_value("upload").run()
    assert any("Upload a picture" in info.value for info in at.info)
    at.session_state[inspect_input.FILE_ERRORS_KEY] = {"upload": "That picture could not be used: not an image"}
    at.run()
    assert len(at.error) == 1 and "could not be used" in at.error[0].value
    at.radio(key=inspect_input.SOURCE_KEY).set_value("test").run()  # the test image is still there
    assert _texts(at)["input"].startswith("test image 0 ")


def test_a_transfer_network_travels_to_a_worker_and_is_inspected_flat():
    """A network trained from the pretrained backbone (random weights here): the Inspect pages hold it flat
    (the trunk's layers laid out, explorer.deep.transfer.flat), its weights travel under the spec's names, and a
    worker computes on it what this process computes on the network as the Train page built it."""
    import torch

    from explorer.deep import backbone, transfer
    from explorer.interpret import activations
    from explorer.nets import architecture

    spec = transfer.spec((3, 32, 32), 2, size=64)
    nested = checkpoints.model_from_weights(
        spec, transfer.initial_weights(spec, backbone.build(pretrained=False, seed=4), seed=1)
    )
    flat = transfer.flat(nested)
    assert len(flat) == 14 + 4 and isinstance(flat[1], torch.nn.Conv2d)  # resize, conv1, ... fire9, then the rest
    picture = np.random.default_rng(0).random((3, 32, 32), dtype=np.float32)
    torch.testing.assert_close(flat(torch.from_numpy(picture)[None]), nested(torch.from_numpy(picture)[None]))
    ref = inspect_worker.model_ref(flat, spec, "test transfer")
    assert list(ref.weights) == list(architecture.build(spec).state_dict())
    assert activations.conv1_filters(flat).shape == (64, 3, 3, 3)  # ImageNet's conv1, not a resize or a pool
    inspect_jobs.clear()
    call = inspect_worker.Call("activations.feature_maps", ("test transfer maps",), ref, (picture,))
    inspect_jobs.result(call, label="Feature maps")
    value = _wait(call)
    expected = activations.feature_maps(flat, picture)
    assert list(value) == list(expected) and "15. relu" in value  # fire9's 512 maps, through the last relu
    for name in expected:
        np.testing.assert_allclose(value[name], expected[name], rtol=1e-5, atol=1e-5)

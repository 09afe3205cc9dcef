"""AppTests of the "Train a CNN" page: data and network choices, the layer editor, links, and the job's
states (driven through session_state: the live fragment's timer does not tick under AppTest)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from explorer.data import datasets, own_images
from explorer.nets import checkpoints, layer_table, training
from tests.app.helpers import metric, run_fragments, switch_page_as_a_browser
from ui import training_jobs as tj
from ui import training_worker
from ui.cached import train as cached

PAGE = "app_pages/train.py"


def summary_frame(at):
    return next(frame.value for frame in at.dataframe if "output shape" in frame.value.columns)


def test_renders_with_the_digits_cnn_on_digits(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "Train a CNN"
    assert at.selectbox(key="train.preset").value == "digits_cnn"  # the default digits model's network
    # conv 32·(9 + 1), batch norm 2·32, conv 32·(9·32 + 1), 2·32, conv 64·(9·32 + 1), 2·64, output (2·2·64 + 1)·10,
    # counted by hand
    assert metric(at, "Parameters to learn") == "30,890"
    assert "1,438 to train on, 359 to test" in " ".join(m.value for m in at.markdown)
    assert not at.error
    assert at.button(key="_train.start").disabled is False


def test_dataset_choice_changes_the_summary(open_page):
    at = open_page(PAGE)
    at.selectbox(key="train.dataset").set_value("digits16").run()
    assert not at.exception
    # 16×16 input: after two poolings 4×4×64 = 1,024 values feed the output layer: 320 + 64 + 9,248 + 64 +
    # 18,496 + 128 + 1,025·10
    assert metric(at, "Parameters to learn") == "38,570"
    assert summary_frame(at)["output shape"].iloc[0] == "16×16×32"


def test_shapes_have_eight_classes(open_page):
    at = open_page(PAGE)
    at.selectbox(key="train.dataset").set_value("shapes").run()
    assert not at.exception
    assert summary_frame(at)["output shape"].iloc[-1] == "8"
    counts = next(frame.value for frame in at.dataframe if list(frame.value.columns) == ["class", "images"])
    assert list(counts["class"]) == [
        "horizontal stripes",
        "vertical stripes",
        "diagonal stripes",
        "disc",
        "ring",
        "square",
        "triangle",
        "cross",
    ]
    assert set(counts["images"]) == {300}


def test_preset_that_does_not_fit_names_the_layer(open_page):
    at = open_page(PAGE)
    at.selectbox(key="train.preset").set_value("tf_cnn").run()
    assert not at.exception
    (error,) = at.error
    assert "layer 6 (maxpool 2): input is 1×1, too small to pool with size 2" in error.value
    assert at.button(key="_train.start").disabled is True
    at.selectbox(key="train.dataset").set_value("digits28").run()  # 28×28 fits the TensorFlow network
    assert not at.error
    assert metric(at, "Parameters to learn") == "93,322"  # Keras' count for this network on 28×28×1


def test_editing_a_layer_changes_the_spec_and_reports_the_failing_layer(open_page):
    at = open_page(PAGE, query={"net": "small_cnn"})
    key = f"_train.layers.{at.session_state['train.layers_version']}"
    at.session_state[key] = {"edited_rows": {2: {"size": 8}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    (error,) = at.error
    assert "layer 6 (maxpool 2): input is 1×1, too small to pool with size 2" in error.value
    at.session_state[key] = {"edited_rows": {7: {"size": 32}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.error
    # dense 32 instead of 64: 160 + 4640 + 129·32 + 33·10
    assert metric(at, "Parameters to learn") == "9,258"


def test_unused_layer_cells_are_blank_not_none(open_page):
    """A relu row has no size, kernel, stride or padding: the editor used to write "None" in those cells."""
    at = open_page(PAGE, query={"net": "small_cnn"})
    (editor,) = [d for d in at.dataframe if list(d.value.columns) == list(layer_table.COLUMNS)]
    relu = editor.value.loc[2]  # the Small CNN's second layer
    assert relu["layer"] == "relu"
    # The cells hold no value (not the text "None") and are drawn as empty text.
    assert all(cell is None or cell != cell for cell in relu[["size", "kernel", "stride", "padding"]])
    assert editor.proto.HasField("placeholder") and editor.proto.placeholder == ""
    # What the editor returned still makes the network: blank cells are None for rows_to_spec.
    rows = at.session_state["train.layers_rows"]
    assert rows[1] == {"layer": "relu", "size": None, "kernel": None, "stride": None, "padding": None}
    # On 8×8 digits: conv 16·(9 + 1) + conv 32·(16·9 + 1) + dense (32·2·2 + 1)·64 + output (64 + 1)·10
    assert metric(at, "Parameters to learn") == "13,706"


def test_deep_link_and_garbage_link(open_page):
    at = open_page(PAGE, query={"data": "digits16", "net": "mlp", "lr": "0.01", "opt": "sgd"})
    assert at.selectbox(key="train.dataset").value == "digits16"
    assert at.selectbox(key="train.preset").value == "mlp"
    assert at.select_slider(key="train.lr").value == 0.01
    assert at.radio(key="train.optimizer").value == "sgd"
    # flatten 256, dense 128, dense 64, dense 10: 257·128 + 129·64 + 65·10
    assert metric(at, "Parameters to learn") == "41,802"
    bad = open_page(PAGE, query={"lr": "banana", "data": "imagenet"})
    assert bad.select_slider(key="train.lr").value == 0.001
    assert bad.selectbox(key="train.dataset").value == "digits8"
    assert "could not be used" in bad.warning[0].value


def test_own_image_settings_travel_in_the_link(open_page):
    query = {
        "data": "own",
        "own": "classes",
        "classes": "3",
        "class1": "rock",
        "class2": "paper",
        "class3": "scissors",
        "own_size": "48",
        "own_color": "0",
        "camera": "1",
    }
    at = open_page(PAGE, query=query)
    assert not at.exception and not at.warning
    assert at.radio(key="train.own_mode").value == "classes"
    assert at.number_input(key="train.own_classes").value == 3
    assert [at.text_input(key=f"train.own_name{i}").value for i in range(3)] == ["rock", "paper", "scissors"]
    assert at.select_slider(key="train.own_size").value == 48
    assert at.toggle(key="train.own_color").value is False
    assert at.toggle(key="train.use_camera").value is True
    assert len(at.get("camera_input")) == 1  # one camera, and a choice of the class it fills
    assert at.radio(key="train.camera_class").options == ["rock", "paper", "scissors"]
    # and what the page shows is written back into its address
    assert {name: at.query_params[name] for name in query} == query


def test_own_image_settings_from_a_bad_link_fall_back(open_page):
    at = open_page(
        PAGE, query={"data": "own", "own": "folders", "classes": "99", "own_size": "33", "class1": "\u200b\u0007 "}
    )
    assert not at.exception
    assert at.radio(key="train.own_mode").value == "zip"
    assert at.select_slider(key="train.own_size").value == 32
    problems = next(w.value for w in at.warning if "could not be used" in w.value)
    for name in ("own", "classes", "own_size", "class1"):
        assert f"`{name}`" in problems
    at.radio(key="train.own_mode").set_value("classes").run()  # the class fields show their defaults too
    assert at.number_input(key="train.own_classes").value == 2
    assert at.text_input(key="train.own_name0").value == ""


def test_augmentation_preview_appears_when_switched_on(open_page):
    at = open_page(PAGE)
    count = lambda: sum(len(element.proto.imgs) for element in at.get("image"))  # noqa: E731
    assert count() == 1  # the data set's preview grid
    at.toggle(key="train.hflip").set_value(True).run()
    assert not at.exception
    assert count() == 1 + 2 * cached.AUGMENT_PREVIEW_IMAGES  # originals and their augmented copies


# --------------------------------------------------------------------------------------- job states
@pytest.fixture(scope="module")
def tiny_run():
    """One epoch of the small CNN on the 8×8 digits: a real trainer, a real result (a fraction of a second)."""
    train, test = datasets.digits(size=8).split(0.2, seed=0)
    spec = layer_table.rows_to_spec(
        layer_table.preset_rows("small_cnn"), name="small", input_shape=(1, 8, 8), num_classes=10
    )
    config = training.TrainConfig(epochs=1, batch_size=32)
    trainer = training.Trainer(spec, train, test, config)
    trainer.run()
    request = training_worker.TrainingRequest(spec, train, test, config, 1)
    return cached.TrainingRun(request, trainer.state(), "Digits 8×8")


@pytest.fixture(scope="module")
def tiny_model(tiny_run):
    """The trained model of ``tiny_run``, built from its weights."""
    return checkpoints.model_from_weights(tiny_run.request.spec, tiny_run.state.weights)


def worst_cell_by_hand(run) -> tuple[int, int]:
    """The worst confusion of ``run``'s model on its test set, counted with scikit-learn and searched cell by cell."""
    import torch
    from sklearn.metrics import confusion_matrix

    model = checkpoints.model_from_weights(run.request.spec, run.state.weights)
    predictions = model(torch.tensor(run.test.images)).argmax(1).numpy()
    matrix = confusion_matrix(run.test.labels, predictions, labels=range(run.test.n_classes))
    cells = [(t, p) for t in range(len(matrix)) for p in range(len(matrix)) if t != p]
    worst = max(cells, key=lambda cell: (matrix[cell], -cells.index(cell)))  # the first of the largest
    assert matrix[worst] > 0, "the test needs a model that makes mistakes"
    return worst


@pytest.fixture(scope="module")
def other_run():
    """Another short training (seed 1, 2 epochs): another model, with mistakes of its own."""
    train, test = datasets.digits(size=8).split(0.2, seed=0)
    spec = layer_table.rows_to_spec(
        layer_table.preset_rows("small_cnn"), name="small", input_shape=(1, 8, 8), num_classes=10
    )
    config = training.TrainConfig(epochs=2, batch_size=32, seed=1)
    trainer = training.Trainer(spec, train, test, config)
    trainer.run()
    request = training_worker.TrainingRequest(spec, train, test, config, 2)
    return cached.TrainingRun(request, trainer.state(), "Digits 8×8")


def finished_job(run) -> tj.Job:
    job = tj.Scheduler(1).submit(lambda control: run)
    assert job.join(5)
    return job


def test_a_finished_job_shows_curves_confusion_matrix_and_mistakes(open_page, tiny_run, tiny_model):
    at = open_page(PAGE)
    job = finished_job(tiny_run)
    at.session_state["train.job"] = job
    at.run()
    assert not at.exception
    accuracy, seconds = tiny_run.history[-1].test_accuracy, job.view().seconds
    assert at.success[0].value == f"Training finished: 1 epoch(s) in {seconds:,.1f} s, test accuracy {accuracy:.1%}."
    assert at.session_state["train.model"].history == tiny_run.history
    texts = " ".join(m.value for m in at.markdown)
    assert f"Test accuracy: {accuracy:.1%}" in texts
    # the confusion matrix agrees with a count by hand of the model's predictions
    predictions = tiny_model(__import__("torch").tensor(tiny_run.test.images)).argmax(1).numpy()
    per_class = next(frame.value for frame in at.dataframe if "test images" in frame.value.columns)
    expected = [np.mean(predictions[tiny_run.test.labels == c] == c) for c in range(10)]
    np.testing.assert_allclose(per_class["accuracy"].to_numpy(dtype=float), expected)
    wrong = int((predictions != tiny_run.test.labels).sum())
    captions = [picture.caption for element in at.get("image") for picture in element.proto.imgs]
    assert any(r"said\: " in caption for caption in captions) == (wrong > 0)
    # picking a cell shows that cell's images
    at.selectbox(key="train.cell_true").set_value(3).run()
    at.selectbox(key="train.cell_pred").set_value(3).run()
    in_cell = int(((tiny_run.test.labels == 3) & (predictions == 3)).sum())
    assert any(c.value.startswith(f"{in_cell} test image(s) in this cell") for c in at.caption)
    assert at.button(key="_train.continue").disabled is False


def cell(at) -> tuple[int, int]:
    return at.selectbox(key="train.cell_true").value, at.selectbox(key="train.cell_pred").value


def test_results_open_on_the_worst_confusion_until_a_cell_is_picked(open_page, tiny_run, other_run):
    at = open_page(PAGE)
    at.session_state["train.job"] = finished_job(tiny_run)
    at.run()
    assert not at.exception
    assert cell(at) == worst_cell_by_hand(tiny_run)
    # a cell picked by hand stays picked, also on the next runs
    at.selectbox(key="train.cell_true").set_value(2).run()
    at.selectbox(key="train.cell_pred").set_value(2).run()
    at.run()
    assert cell(at) == (2, 2)
    # another training's results open on their own worst confusion
    at.session_state["train.job"] = finished_job(other_run)
    at.run()
    assert not at.exception
    assert at.session_state["train.model"].history == other_run.history
    assert cell(at) == worst_cell_by_hand(other_run)


def test_a_diverged_job_suggests_a_lower_learning_rate(open_page, tiny_run):
    at = open_page(PAGE)
    message = "Training broke off: the loss became NaN at epoch 1, batch 3 — try a lower learning rate, e.g. 0.1."
    job = tj.Scheduler(1).submit(lambda control: tj.Outcome(tj.DIVERGED, tiny_run, message))
    assert job.join(5)
    at.session_state["train.job"] = job
    at.run()
    assert not at.exception
    assert "try a lower learning rate" in at.error[0].value
    assert "train.model" not in at.session_state


def test_a_running_job_shows_progress_and_a_stop_button(open_page, tiny_run):
    at = open_page(PAGE)
    release = threading.Event()
    history = tiny_run.history
    # epoch 2 under way (epoch 1 is in the history): 7 of its 45 batches averaged a loss of 0.4, 81 % right
    progress = training.Progress(2, 5, 7, 45, 0.3, 1234.0, 12.0, 0.25, history, epoch_loss=0.4, epoch_accuracy=0.81)
    live = cached.LiveState(progress, tiny_run.test, tiny_run.state.evaluation, 1)

    def work(control):
        control.report(live)
        while not release.wait(0.01):
            if control.should_stop():
                return tiny_run
        return tiny_run

    job = tj.Scheduler(1).submit(work)
    try:
        at.session_state["train.job"] = job
        at.run()
        assert not at.exception
        texts = [p.proto.text for p in at.get("progress")]
        assert any(t.startswith("Epoch 2 of 5, batch 7 of 45 · 1,234 images/s · about 12 s left") for t in texts)
        assert at.button(key="_train.start").disabled is True
        assert any(c.value.startswith("After epoch 1") for c in at.caption)
        # the training curves end at epoch 1 + 7/45 with the running values; the test curves at epoch 1
        figure = json.loads(next(c for c in at.get("plotly_chart") if "Accuracy" in c.proto.spec).proto.spec)
        train_loss, test_loss, train_accuracy, test_accuracy = figure["data"]
        assert train_loss["x"] == pytest.approx([1, 1 + 7 / 45]) and train_loss["y"][-1] == 0.4
        assert train_accuracy["y"][-1] == 0.81 and test_accuracy["x"] == [1]
        assert test_loss["y"] == pytest.approx([history[0].test_loss])
        at.button(key="_train.stop").click().run()
        assert job.join(5) and job.view().status == tj.STOPPED
    finally:
        release.set()
        job.join(5)


def test_a_queued_job_shows_its_place_in_line(open_page):
    at = open_page(PAGE)
    scheduler = tj.Scheduler(1)
    release = threading.Event()
    first = scheduler.submit(lambda control: release.wait(5))
    second = scheduler.submit(lambda control: None)
    try:
        at.session_state["train.job"] = second
        at.run()
        assert not at.exception
        assert "you are **1st in line**" in at.info[0].value
        leave = at.button(key="_train.stop")
        assert leave.label == "Leave the line"
        leave.click().run()
        assert second.join(5) and second.view().status == tj.STOPPED  # it left the line without training
        at.run()
        assert not at.exception
        assert any("never started" in w.value for w in at.warning), [w.value for w in at.warning]
    finally:
        release.set()
        assert first.join(5) and second.join(5)


def test_default_digits_model_is_tested_on_the_digits(open_page):
    at = open_page(PAGE)
    at.button(key="_train.use_default").click().run()
    assert not at.exception and not at.error
    trained = at.session_state["train.model"]
    assert trained.token == "default digits" and trained.spec.input_shape == (1, 8, 8)
    texts = " ".join(m.value for m in at.markdown)
    assert "Test accuracy:" in texts and "on 359 test images" in texts
    assert at.get("download_button")  # the loaded model can be downloaded again
    at.selectbox(key="train.dataset").set_value("shapes").run()  # 28×28, 8 classes: does not fit
    assert any("This model takes 8×8 gray images and tells 10 classes apart" in i.value for i in at.info)


def test_an_uploaded_models_file_name_is_shown_as_text(open_page):
    at = open_page(PAGE)
    at.button(key="_train.use_default").click().run()
    data = cached.checkpoint_bytes(at.session_state["train.model"].token, at.session_state["train.model"])
    hostile = "![x](http://example.invalid/x.png).safetensors"
    at.session_state["train.model"] = cached.load_uploaded(data, hostile)  # what the uploader's callback does
    at.run()
    assert not at.exception and not at.error
    captions = [c.value for c in at.caption if c.value.startswith("Model:")]
    assert captions and all("\\!\\[x\\]\\(http" in c and hostile not in c for c in captions)


def test_a_class_camera_pictures_can_be_forgotten(open_page):
    at = open_page(PAGE, query={"data": "own", "own": "classes", "camera": "1"})
    at.session_state["train.captures"] = {0: [b"first"], 1: [b"second", b"third"]}  # what the cameras kept
    at.run()
    kept = [c.value for c in at.caption if c.value.endswith("camera picture(s)")]
    assert kept == ["1 camera picture(s)", "2 camera picture(s)"]
    at.button(key="_train.forget1").click().run()
    assert not at.exception
    assert at.session_state["train.captures"] == {0: [b"first"]}
    assert [c.value for c in at.caption if c.value.endswith("camera picture(s)")] == ["1 camera picture(s)"]


def test_the_camera_stops_keeping_pictures_at_the_data_set_limit(open_page):
    at = open_page(PAGE, query={"data": "own", "own": "classes", "camera": "1"})
    assert not any("the most a data set can hold" in w.value for w in at.warning)
    half = own_images.MAX_IMAGES // 2
    at.session_state["train.captures"] = {0: [b"x"] * half, 1: [b"y"] * (own_images.MAX_IMAGES - half)}
    at.run()
    assert not at.exception
    assert any(f"{own_images.MAX_IMAGES:,} pictures is the most a data set can hold" in w.value for w in at.warning)


# ------------------------------------------------------------------------------ leaving the page and coming back
# Settings a user might have chosen; TinyVGG takes 16×16 digits but not the 8×8 ones (the old failure put the
# data set back to Digits 8×8 and "Start from" to Small CNN while the layer table kept TinyVGG's rows).
CHOSEN = {"data": "digits16", "net": "tinyvgg", "hflip": "1", "rotate": "10", "lr": "0.003", "epochs": "2", "seed": "7"}


def assert_chosen_settings(at):
    assert at.selectbox(key="train.dataset").value == "digits16"
    assert at.selectbox(key="train.preset").value == "tinyvgg"
    assert at.toggle(key="train.hflip").value is True and at.slider(key="train.rotation").value == 10
    assert at.select_slider(key="train.lr").value == 0.003 and at.slider(key="train.epochs").value == 2
    assert at.number_input(key="train.seed").value == 7
    assert not at.error, [e.value for e in at.error]  # no "This network can't take 8×8 images"
    # TinyVGG on 16×16, by hand: conv 10 3×3 on 1 channel 10·(9 + 1), three conv 10 3×3 on 10 channels
    # 10·(90 + 1) each, and the output layer on the 1×1×10 left after two poolings 10·(10 + 1)
    assert metric(at, "Parameters to learn") == "2,940"
    assert {name: at.query_params[name] for name in CHOSEN} == CHOSEN  # and the address still says so


def test_settings_survive_leaving_during_a_training(open_page, tiny_run):
    """The reported failure: a page switch right after a run of the live panel (a fragment: the router,
    which keeps the page's widget values, doesn't run) dropped every widget value of the page."""
    at = open_page(PAGE, query=CHOSEN)
    assert_chosen_settings(at)
    release = threading.Event()
    progress = training.Progress(2, 5, 7, 45, 0.3, 1234.0, 12.0, 0.25, tiny_run.history)
    live = cached.LiveState(progress, tiny_run.test, tiny_run.state.evaluation, 1)

    def work(control):
        control.report(live)
        while not release.wait(0.01) and not control.should_stop():
            pass
        return tiny_run

    job = tj.Scheduler(1).submit(work)
    try:
        at.session_state["train.job"] = job
        at.run()
        assert at.button(key="_train.start").disabled is True  # training
        run_fragments(at)  # the live panel's once-a-second run
        assert any(p.proto.text.startswith("Epoch 2 of 5") for p in at.get("progress"))
        assert switch_page_as_a_browser(at, "app_pages/kernels.py").title[0].value == "Kernels"
        switch_page_as_a_browser(at, PAGE)
        assert_chosen_settings(at)
        assert at.button(key="_train.start").disabled is True  # still training: Start waits for it
        assert any(p.proto.text.startswith("Epoch 2 of 5") for p in at.get("progress"))
    finally:
        release.set()
        assert job.join(5)
    at.run()
    assert at.button(key="_train.start").disabled is False


def test_settings_and_the_chosen_cell_survive_leaving_after_a_training(open_page):
    at = open_page(PAGE, query=CHOSEN)
    at.button(key="_train.start").click().run()
    job = at.session_state["train.job"]
    assert job.join(60) and job.view().status == tj.DONE  # 2 epochs of TinyVGG on 1,438 digits
    at.run()  # what the live panel asks for when the job ends: the model becomes the session's
    assert at.session_state["train.model"].token == f"job {job.id}"
    at.selectbox(key="train.cell_true").set_value(4)
    at.selectbox(key="train.cell_pred").set_value(9)
    run_fragments(at)  # a change inside the results (a fragment) reruns only them
    switch_page_as_a_browser(at, "app_pages/neurons.py")
    switch_page_as_a_browser(at, PAGE)
    assert_chosen_settings(at)
    assert at.button(key="_train.start").disabled is False
    assert (at.selectbox(key="train.cell_true").value, at.selectbox(key="train.cell_pred").value) == (4, 9)
    assert at.session_state["train.model"].token == f"job {job.id}"  # the trained model is still there

"""The "Train a CNN" page's model plumbing (ui.cached.train): uploaded checkpoints, the trained-model copy,
and the job that trains in the background."""

from __future__ import annotations

import io
import os
import signal
import time

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix

from explorer.data import datasets
from explorer.nets import architecture, checkpoints, layer_table, training
from ui import training_jobs as tj
from ui.cached import train as cached


@pytest.fixture(scope="module")
def digits_split():
    return datasets.digits(size=8).split(0.2, seed=0)


@pytest.fixture(scope="module")
def spec():
    return layer_table.rows_to_spec(
        [{"layer": "flatten"}, {"layer": "dense", "size": 16}, {"layer": "relu"}],
        name="tiny",
        input_shape=(1, 8, 8),
        num_classes=10,
    )


def test_a_saved_model_loads_back_with_the_same_predictions(spec, digits_split):
    train, test = digits_split
    trainer = training.Trainer(spec, train, test, training.TrainConfig(epochs=1))
    trainer.run()
    data = checkpoints.save_checkpoint(trainer.model, spec, class_names=test.class_names, metrics={"a": 1.0})
    loaded = cached.load_uploaded(data, "mine.safetensors")
    assert loaded.spec == spec and loaded.class_names == test.class_names
    assert loaded.source == "loaded from mine.safetensors" and loaded.token == f"upload {cached.digest(data)}"
    x = torch.tensor(test.images)
    with torch.inference_mode():
        np.testing.assert_array_equal(loaded.model(x).argmax(1).numpy(), trainer.model(x).argmax(1).numpy())


def test_garbage_upload_is_refused_with_a_message():
    with pytest.raises(ValueError, match="not a checkpoint: expected a .safetensors file"):
        cached.load_uploaded(b"this is not a model at all", "notes.safetensors")


RAN: list[str] = []  # what unpickling the file below did, if it ran its code


def _record(what: str) -> None:
    RAN.append(what)


class RunsCodeOnLoad:
    """Pickled as "call _record('code ran')": any unpickler that rebuilds it runs that call."""

    def __reduce__(self):
        return (_record, ("code ran",))


@pytest.fixture
def evil_pt(spec) -> bytes:
    """A real ``torch.save`` file (zip format, as ``.pt`` files are) of a state dict with the right tensor
    names and shapes, plus one entry whose unpickling runs code."""
    state = {**architecture.build(spec).state_dict(), "extra": RunsCodeOnLoad()}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    RAN.clear()
    return buffer.getvalue()


def test_the_evil_file_really_runs_code_when_unpickled_unsafely(evil_pt):
    # The control: without weights_only the payload is live, so the tests below could fail.
    torch.load(io.BytesIO(evil_pt), weights_only=False)
    assert RAN == ["code ran"]


def test_a_pickle_that_would_run_code_is_refused_and_never_runs(spec, evil_pt):
    # The page's uploader gives no architecture: a .pt file is refused before it is opened at all.
    with pytest.raises(ValueError, match=r"this is a PyTorch \.pt file: it holds weights only"):
        cached.load_uploaded(evil_pt, "evil.pt")
    # With the architecture, the file passes every earlier check and reaches the unpickler, which refuses it.
    with pytest.raises(ValueError, match=r"refused this \.pt file: it is not a plain state dict of tensors") as error:
        checkpoints.load_checkpoint(evil_pt, spec=spec)
    assert "can run code when opened" in str(error.value)
    assert RAN == []


def _finished(job, timeout=120):
    assert job.join(timeout), "the training did not finish"
    return job.view()


def test_a_training_runs_in_a_worker_and_matches_the_same_training_in_process(spec, digits_split):
    train, test = digits_split
    config = training.TrainConfig(epochs=2, batch_size=64, seed=3)
    view = _finished(cached.start_training(spec, train, test, config, title="Digits 8×8"))
    assert view.status == tj.DONE and isinstance(view.value, cached.TrainingRun)
    # the reference: the same training in this process (same seed, same data: the same numbers)
    torch.set_num_threads(1)
    reference = training.Trainer(spec, train, test, config)
    reference.run()
    assert [r.test_accuracy for r in view.value.history] == [r.test_accuracy for r in reference.history]
    assert [r.train_loss for r in view.value.history] == pytest.approx([r.train_loss for r in reference.history])
    # the live state after the last epoch: the test results, as scikit-learn counts them for the reference model
    live = view.progress
    assert isinstance(live, cached.LiveState) and live.evaluation_epoch == 2 and live.test is test
    with torch.inference_mode():
        expected = reference.model(torch.from_numpy(test.images.copy())).argmax(1).numpy()
    np.testing.assert_array_equal(live.evaluation.predictions, expected)
    np.testing.assert_array_equal(live.evaluation.matrix, confusion_matrix(test.labels, expected, labels=range(10)))
    # the session's model is built here from the worker's weights, in eval mode
    kept = cached.trained_model(view.value, 7)
    assert kept.token == "job 7" and kept.metrics["epochs"] == 2 and kept.test is test and not kept.model.training
    with torch.inference_mode():
        np.testing.assert_array_equal(kept.model(torch.from_numpy(test.images.copy())).argmax(1).numpy(), expected)


def test_continue_carries_on_in_a_worker_as_one_long_run(spec, digits_split):
    train, test = digits_split
    config = training.TrainConfig(epochs=1, batch_size=64, seed=4)
    first = _finished(cached.start_training(spec, train, test, config, title="Digits 8×8"))
    kept = cached.trained_model(first.value, 1)
    before = {k: v.clone() for k, v in kept.model.state_dict().items()}
    second = _finished(cached.continue_training(first.value, 2))
    assert second.status == tj.DONE and [r.epoch for r in second.value.history] == [1, 2, 3]
    torch.set_num_threads(1)
    reference = training.Trainer(spec, train, test, config)
    reference.run(epochs=3)
    assert [r.test_accuracy for r in second.value.history] == [r.test_accuracy for r in reference.history]
    # the first run's model is unchanged by continuing (it lives in this process, the training elsewhere)
    assert all(torch.equal(v, before[k]) for k, v in kept.model.state_dict().items())


def test_a_setting_that_does_not_fit_is_refused_before_anything_is_queued(spec, digits_split):
    train, test = digits_split
    running = tj.SCHEDULER.counts()
    bigger = datasets.digits(size=16).split(0.2, seed=0)[0]
    with pytest.raises(ValueError, match=r"takes images of shape \(1, 8, 8\)"):
        cached.start_training(spec, bigger, test, training.TrainConfig(), title="Digits 16×16")
    assert tj.SCHEDULER.counts() == running


def test_a_diverging_training_ends_as_diverged(digits_split):
    # Three dense layers with no activation: SGD at 10 blows the loss up within the first epoch.
    linear = layer_table.rows_to_spec(
        [{"layer": "flatten"}, {"layer": "dense", "size": 32}, {"layer": "dense", "size": 32}],
        name="linear",
        input_shape=(1, 8, 8),
        num_classes=10,
    )
    config = training.TrainConfig(optimizer="sgd", learning_rate=10.0, epochs=2)
    view = _finished(cached.start_training(linear, *digits_split, config, title="Digits 8×8"))
    assert view.status == tj.DIVERGED
    assert view.message.startswith("Training broke off: the loss became ")
    assert view.message.endswith("try a lower learning rate, e.g. 1.")


def _long_training_under_way(spec, train, test):
    """A 30-epoch training, once its worker has sent the first report."""
    job = cached.start_training(spec, train, test, training.TrainConfig(epochs=30, batch_size=8), title="Digits")
    deadline = time.monotonic() + 60
    while job.view().progress is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.view().progress is not None, "the training never reported"
    return job


def test_stop_ends_the_training_in_the_worker_after_its_current_batch(spec, digits_split):
    train, test = digits_split
    job = _long_training_under_way(spec, train, test)
    job.stop()
    view = _finished(job, 30)
    assert view.status == tj.STOPPED and view.message == "Stopped because Stop was pressed."
    assert 1 <= len(view.value.history) < 30 and view.value.history[-1].fraction <= 1.0


def test_to_pictures_layouts():
    gray = np.zeros((2, 1, 3, 4), np.float32)
    gray[0, 0, 1, 2] = 1.0
    pictures = cached.to_pictures(gray)
    assert pictures.shape == (2, 3, 4) and pictures.dtype == np.uint8 and pictures[0, 1, 2] == 255
    colour = np.full((1, 3, 2, 2), 0.5, np.float32)
    assert cached.to_pictures(colour).shape == (1, 2, 2, 3)
    assert cached.to_pictures(colour)[0, 0, 0, 0] == 128  # round(0.5 · 255)


def test_a_worker_killed_mid_training_fails_the_job_with_a_message_and_the_next_training_runs(spec, digits_split):
    train, test = digits_split
    job = _long_training_under_way(spec, train, test)
    (pid,) = tj.WORKERS.busy_pids()
    os.kill(pid, signal.SIGKILL)  # what the kernel's out-of-memory killer would do
    view = _finished(job, 30)
    assert view.status == tj.FAILED
    assert view.message.startswith("The training stopped: the worker process ended unexpectedly")
    assert "press Start to train again" in view.message
    again = _finished(cached.start_training(spec, train, test, training.TrainConfig(epochs=1), title="Digits"))
    assert again.status == tj.DONE and len(again.value.history) == 1

"""The "Train a CNN" page's model plumbing (ui.cached.train): uploaded checkpoints, the trained-model copy,
and the job that trains in the background."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

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


def test_the_session_model_is_a_copy_that_continuing_does_not_change(spec, digits_split):
    train, test = digits_split
    trainer = training.Trainer(spec, train, test, training.TrainConfig(epochs=1))
    run = cached.TrainingRun(trainer, trainer.run(), test, "Digits 8×8")
    kept = cached.trained_model(run, 7)
    before = {k: v.clone() for k, v in kept.model.state_dict().items()}
    trainer.run(epochs=1)  # "Continue" trains the trainer's own model further
    for name, value in kept.model.state_dict().items():
        assert torch.equal(value, before[name])
    assert kept.token == "job 7" and kept.metrics["epochs"] == 1 and kept.test is test
    assert not kept.model.training


def test_the_background_job_trains_reports_and_returns_the_run(spec, digits_split):
    train, test = digits_split
    config = training.TrainConfig(epochs=2, batch_size=64)
    trainer = training.Trainer(spec, train, test, config)
    reports = []
    job = tj.Scheduler(1).submit(cached._work(trainer, 2, test, "Digits 8×8"))
    assert job.join(10)
    view = job.view()
    assert view.status == tj.DONE and view.value.trainer is trainer
    assert [r.epoch for r in view.value.result.history] == [1, 2]
    reports.append(view.progress)
    live = view.progress
    assert isinstance(live, cached.LiveState) and live.model_epoch == 2 and live.model is not trainer.model
    # the live copy is the model after the last epoch: same predictions as the trainer's
    x = torch.tensor(test.images)
    with torch.inference_mode():
        np.testing.assert_array_equal(live.model.eval()(x).argmax(1).numpy(), trainer.model(x).argmax(1).numpy())


class DivergingTrainer:
    """Stands in for a Trainer whose loss became NaN (the engine's own tests cover when that happens)."""

    history: list = []
    model = None

    def run(self, *, epochs, on_progress, should_stop):
        message = "the loss became NaN at epoch 1, batch 3 — try a lower learning rate, e.g. 0.1"
        return training.TrainResult((), False, message, ())


def test_a_diverging_training_ends_as_diverged(digits_split):
    job = tj.Scheduler(1).submit(cached._work(DivergingTrainer(), 3, digits_split[1], "Digits 8×8"))
    assert job.join(10)
    view = job.view()
    assert view.status == tj.DIVERGED
    assert view.message == (
        "Training broke off: the loss became NaN at epoch 1, batch 3 — try a lower learning rate, e.g. 0.1."
    )


def test_to_pictures_layouts():
    gray = np.zeros((2, 1, 3, 4), np.float32)
    gray[0, 0, 1, 2] = 1.0
    pictures = cached.to_pictures(gray)
    assert pictures.shape == (2, 3, 4) and pictures.dtype == np.uint8 and pictures[0, 1, 2] == 255
    colour = np.full((1, 3, 2, 2), 0.5, np.float32)
    assert cached.to_pictures(colour).shape == (1, 2, 2, 3)
    assert cached.to_pictures(colour)[0, 0, 0, 0] == 128  # round(0.5 · 255)

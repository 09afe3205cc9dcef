"""The page's job functions run in this process with a stand-in channel: every step's losses reach the server
once, in order, the last frame is the last step, the style picture's Gram matrix comes with the first frame,
and a stop request ends the job after the current step."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from torchvision import models

from explorer.deep import backbone, dream, style
from explorer.images import samples
from explorer.nets import checkpoints
from ui import dream_worker, inspect_worker, workers


class FakeChannel:
    def __init__(self, stop_after: int | None = None) -> None:
        self.frames: list[dream_worker.Frame] = []
        self.stop_after = stop_after
        self.asked = 0

    def report(self, message) -> None:
        self.frames.append(message)

    def should_stop(self) -> bool:
        self.asked += 1
        return self.stop_after is not None and self.asked > self.stop_after


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache")
    path = backbone.weights_path(folder)
    path.parent.mkdir(parents=True)
    torch.manual_seed(0)
    torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
    return str(folder)


def _picture(side: int) -> np.ndarray:
    return np.ascontiguousarray(samples.load_sample("astronaut")[:: 512 // side, :: 512 // side])


def test_a_dream_reports_every_steps_value_once_and_ends_on_the_last_step(root, monkeypatch):
    monkeypatch.setattr(dream_worker, "REPORT_INTERVAL_S", 0.0)  # a frame per step: every value is seen
    channel = FakeChannel()
    settings = dream.Settings(octaves=2, steps=3, octave_scale=2.0)
    request = dream_worker.DreamRequest(_picture(64), backbone.LAYERS["fire3"], settings, root=root)
    finished = dream_worker.dream(request, channel)
    assert [frame.step for frame in channel.frames] == [1, 2, 3, 4, 5, 6]
    assert all(frame.total == 6 and frame.picture.dtype == np.uint8 for frame in channel.frames)
    values = [v for frame in channel.frames for v in frame.losses["activation"]]
    np.testing.assert_allclose(values, finished.losses["activation"])
    assert finished.picture.shape == (64, 64, 3) and finished.picture.dtype == np.uint8
    assert finished.steps == 6 and not finished.stopped


def test_frames_are_throttled_but_no_loss_is_lost(root):
    channel = FakeChannel()
    request = dream_worker.DreamRequest(_picture(64), 1, dream.Settings(octaves=1, steps=8), root=root)
    finished = dream_worker.dream(request, channel)  # 8 quick steps: fewer frames than steps
    assert 1 <= len(channel.frames) < 8 and channel.frames[-1].step == 8
    values = [v for frame in channel.frames for v in frame.losses["activation"]]
    np.testing.assert_allclose(values, finished.losses["activation"])


def test_a_small_network_dreams_from_its_weights():
    trained = checkpoints.load_default("digits")
    ref = inspect_worker.model_ref(trained.model, trained.spec, "default digits")
    channel = FakeChannel()
    request = dream_worker.DreamRequest(_picture(32), 0, dream.Settings(octaves=1, steps=2), model=ref)
    finished = dream_worker.dream(request, channel)
    assert finished.picture.shape == (32, 32) and finished.steps == 2


def test_a_style_job_sends_the_style_gram_first_and_stops_when_asked(root, monkeypatch):
    monkeypatch.setattr(dream_worker, "REPORT_INTERVAL_S", 0.0)
    channel = FakeChannel(stop_after=4)
    settings = style.Settings(size=64, steps=50)
    request = dream_worker.StyleRequest(_picture(64), _picture(64)[:, ::-1].copy(), settings, root, "conv1")
    finished = dream_worker.style(request, channel)
    assert finished.stopped and finished.steps == 4 and len(channel.frames) == 4
    assert channel.frames[0].style_gram is not None and channel.frames[0].style_gram.shape == (64, 64)
    assert all(frame.style_gram is None for frame in channel.frames[1:])
    np.testing.assert_array_equal(finished.grams["style"], channel.frames[0].style_gram)
    assert set(finished.grams) == {"style", "content", "result"}


def test_without_weights_the_job_says_what_is_missing(tmp_path):
    request = dream_worker.DreamRequest(_picture(64), 1, dream.DEFAULT, root=str(tmp_path))
    with pytest.raises(backbone.WeightsUnavailableError, match="one-time download"):
        dream_worker.dream(request, FakeChannel())


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            workers.RemoteError("WeightsUnavailableError", "The pretrained network needs a one-time download"),
            "^The pretrained network needs",
        ),
        (ValueError("layer 17 gives no feature maps"), "^The dream could not run: layer 17 gives no feature maps$"),
        (workers.WorkerCrashed("the worker process ended unexpectedly (exit code -9)"), "fresh worker"),
        (MemoryError(), "ran out of memory"),
    ],
)
def test_a_failed_job_says_why_in_plain_words(monkeypatch, error, expected):
    from ui import training_jobs
    from ui.cached import dreams_style

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(training_jobs.WORKERS, "run", fail)
    job = training_jobs.Scheduler(1).submit(
        dreams_style._work("dream", dream_worker.dream, None, np.zeros((4, 4, 3), np.uint8), "")
    )
    assert job.join(5)
    view = job.view()
    assert view.status == training_jobs.FAILED
    assert re.search(expected, view.message), view.message

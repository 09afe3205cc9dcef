"""The Train page's job as it runs in a worker process (:mod:`ui.workers`): plain data in, plain data out.

The server sends a :class:`TrainingRequest` (the spec, both data sets, the settings, and the state to continue
from, if any); the worker builds an :class:`explorer.nets.training.Trainer`, trains, and reports an
:class:`Update` about five times a second: the latest ``Progress`` and, once after each epoch, the test set's
:class:`~explorer.nets.evaluation.Evaluation` (so the live confusion matrix needs no model in the server). The
job returns the trainer's :class:`~explorer.nets.training.TrainerState`: the server builds the finished model
from its weights, and "Continue" sends it back in the next request.

No streamlit here: the worker imports this module, ``explorer`` and torch only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.data.datasets import Dataset
from explorer.nets.architecture import ArchitectureSpec
from explorer.nets.evaluation import Evaluation
from explorer.nets.training import Progress, TrainConfig, Trainer, TrainerState
from ui.workers import Channel


@dataclass(frozen=True, eq=False)
class TrainingRequest:
    """What a worker needs to train: ``epochs`` more epochs of ``spec`` on ``train``, measured on ``test``,
    from scratch (``resume`` None) or continuing a :class:`TrainerState`. ``initial``: the weights a new
    training starts from instead of the seed's (a pretrained backbone's, ``explorer.deep.transfer``), as arrays;
    ignored when continuing."""

    spec: ArchitectureSpec
    train: Dataset
    test: Dataset
    config: TrainConfig
    epochs: int
    resume: TrainerState | None = None
    initial: dict[str, np.ndarray] | None = None


@dataclass(frozen=True, eq=False)
class Update:
    """A report from the worker: the latest progress, and the evaluation after epoch ``evaluation_epoch``
    (sent once, with the first report after that epoch ended; None otherwise)."""

    progress: Progress
    evaluation: Evaluation | None = None
    evaluation_epoch: int = 0


def train(request: TrainingRequest, channel: Channel) -> TrainerState:
    """Worker job: train as ``request`` says, reporting :class:`Update` s; the trainer's state at the end.

    ``ValueError`` for settings that don't fit (raised before the first batch)."""
    start = None
    if request.resume is None and request.initial is not None:
        import torch

        start = {name: torch.from_numpy(np.array(array)) for name, array in request.initial.items()}
    trainer = Trainer(
        request.spec, request.train, request.test, request.config, state_dict=start, resume=request.resume
    )
    sent_epoch = len(trainer.history)

    def on_progress(progress: Progress) -> None:
        nonlocal sent_epoch
        if len(progress.history) > sent_epoch:
            sent_epoch = len(progress.history)
            channel.report(Update(progress, trainer.evaluation, sent_epoch))
        else:
            channel.report(Update(progress))

    trainer.run(epochs=request.epochs, on_progress=on_progress, should_stop=channel.should_stop)
    return trainer.state()


# Workers run at a lower CPU priority than the server (Unix "nice" 0-19, higher is kinder): when both cores
# are training, a page run still gets a core at once instead of a share of it, and a training loses only the
# moments a page runs. bench_trainings.py measures both sides.
WORKER_NICENESS = 10


def prepare() -> None:
    """Worker initializer: a lower priority, one torch thread (as the server's own torch work), and this
    module's imports done before the first job arrives."""
    import os

    from ui import torch_runtime

    os.nice(WORKER_NICENESS)
    torch_runtime.configure()

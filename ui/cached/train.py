"""Cached pieces of the "Train a CNN" page: data sets, previews, evaluations, checkpoints, and the job that
trains. Only neural-network pages import this module (it uses torch through ``explorer``).

- Data sets are ``st.cache_resource``: one read-only copy shared by every session (``Dataset`` arrays are
  read-only), keyed by a short data-set key (``"digits:8"``, ``"shapes:color:300"``, ``"own:<sha256>"``).
- Results are ``st.cache_data`` keyed by small stable keys: the data-set key, the split seed, a model token
  (``"job 3, epoch 2"``, the SHA-256 of an uploaded checkpoint), a frozen config.
- :func:`start_training` hands a training to ``ui.training_jobs.SCHEDULER``; the work function reports a
  :class:`LiveState` after every batch and a copy of the weights after every epoch, so the page can draw
  curves and a confusion matrix while the model trains.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import streamlit as st

from explorer.core import resize
from explorer.data import datasets, own_images, shapes, torchvision_sets
from explorer.data.datasets import Dataset
from explorer.nets import architecture, augment, evaluation
from ui import torch_runtime, training_jobs

if TYPE_CHECKING:  # torch and the trainer load lazily, on the first training or evaluation
    from torch import nn

    from explorer.nets.checkpoints import Checkpoint
    from explorer.nets.training import EpochRecord, Progress, Snapshot, TrainConfig, Trainer, TrainResult

# Own-image sets and uploaded checkpoints are keyed by content: a session tries a few, a workshop a few dozen.
MAX_UPLOADS = 16
# A session evaluates a few models (one per epoch, a couple of uploads) on a few data sets.
MAX_RESULTS = 64
# Pictures in the augmentation preview: two rows of eight.
AUGMENT_PREVIEW_IMAGES = 16


# ------------------------------------------------------------------------------------------------ data sets
@st.cache_resource(show_spinner=False)
def digits(size: int) -> Dataset:
    """``datasets.digits(size=size)``, shared read-only."""
    return datasets.digits(size=size)


@st.cache_resource(show_spinner=False)
def shapes_set(color: bool, per_class: int) -> Dataset:
    """``shapes.make_shapes(per_class, color=color, seed=0)``, shared read-only."""
    return shapes.make_shapes(per_class, color=color, seed=0)


@st.cache_resource(show_spinner=False, max_entries=6)
def torchvision_set(
    name: str, per_class: int, _download: bool = False, _on_progress: Callable | None = None
) -> Dataset:
    """The first ``per_class`` training images of each class of MNIST, Fashion-MNIST or CIFAR-10.

    ``_download`` is not part of the key: a call without it raises ``ValueError`` when the files are not in
    the cache folder (nothing is cached then), so the page can offer the download instead of starting one.
    """
    return torchvision_sets.load_torchvision(
        name, train=True, max_per_class=per_class, download=_download, on_progress=_on_progress
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_resource(show_spinner=False, max_entries=MAX_UPLOADS)
def own_zip(key: str, image_size: int, color: bool, _data: bytes) -> own_images.OwnImagesResult:
    """``own_images.from_zip`` keyed by the ZIP's SHA-256."""
    return own_images.from_zip(_data, image_size=image_size, color=color)


@st.cache_resource(show_spinner=False, max_entries=MAX_UPLOADS)
def own_files(key: str, image_size: int, color: bool, _files: dict[str, list[bytes]]) -> own_images.OwnImagesResult:
    """``own_images.from_class_files`` keyed by a hash over the class names and files."""
    return own_images.from_class_files(_files, image_size=image_size, color=color)


def files_key(files: dict[str, list[bytes]]) -> str:
    """One SHA-256 over the class names and the files' bytes, in order."""
    hasher = hashlib.sha256()
    for name, items in files.items():
        hasher.update(name.encode() + b"\0")
        for item in items:
            hasher.update(digest(item).encode())
        hasher.update(b"\1")
    return hasher.hexdigest()


@st.cache_resource(show_spinner=False, max_entries=MAX_RESULTS)
def split(dataset_key: str, test_fraction: float, seed: int, _dataset: Dataset) -> tuple[Dataset, Dataset]:
    """``dataset.split(test_fraction, seed=seed)``: ``(train, test)``, shared read-only."""
    return _dataset.split(test_fraction, seed=seed)


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def preview(dataset_key: str, per_class: int, _dataset: Dataset) -> np.ndarray:
    """``dataset.preview(per_class=...)`` enlarged to whole screen pixels: ``uint8``, a row per class."""
    picture = _dataset.preview(per_class=per_class, gap=1)
    scale = resize.screen_factor(_dataset.image_shape[1], target=48)  # a cell about 48 screen pixels high
    return resize.enlarge(picture, factor=scale)


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def augmented(
    dataset_key: str, config: augment.AugmentConfig, seed: int, _dataset: Dataset
) -> tuple[np.ndarray, np.ndarray]:
    """``(originals, augmented)``: the first :data:`AUGMENT_PREVIEW_IMAGES` images as ``(N, H, W[, 3]) uint8``."""
    torch_runtime.configure()
    images = np.ascontiguousarray(_dataset.images[:AUGMENT_PREVIEW_IMAGES])
    changed = augment.augmentation_preview(images, config, seed=seed)
    return to_pictures(images), to_pictures(changed)


def to_pictures(images: np.ndarray) -> np.ndarray:
    """``(N, C, H, W) float32`` in [0, 1] -> ``(N, H, W) uint8`` (gray) or ``(N, H, W, 3) uint8``."""
    pictures = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8).transpose(0, 2, 3, 1)
    return pictures[..., 0] if pictures.shape[-1] == 1 else pictures


# -------------------------------------------------------------------------------------------- evaluation
@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def evaluate(model_token: str, dataset_key: str, _model: nn.Sequential, _test: Dataset) -> evaluation.Evaluation:
    """``evaluation.evaluate(model, test)``. ``model_token`` names the weights exactly."""
    torch_runtime.configure()
    return evaluation.evaluate(_model, _test)


# ---------------------------------------------------------------------------------------- trained models
@dataclass(frozen=True, eq=False)
class TrainedModel:
    """What ``st.session_state["train.model"]`` holds: a model ready to use, and where it came from.

    model : ``torch.nn.Sequential`` (``architecture.build(spec)``) in eval mode; never trained in place again.
    spec, class_names : its architecture and the name of each output.
    token : names the weights exactly (a cache key): ``"job 3"``, ``"upload <sha256>"``, ``"default digits"``.
    source : for people ("trained here on Digits 8×8", "uploaded file model.pt").
    history : the ``EpochRecord`` of each epoch trained here (empty for uploads).
    snapshots : what the training kept after each epoch (for the Inspect pages).
    metrics : numbers stored with a checkpoint (``{"test_accuracy": ...}``).
    """

    model: nn.Sequential
    spec: architecture.ArchitectureSpec
    class_names: tuple[str, ...]
    token: str
    source: str
    history: tuple[EpochRecord, ...] = ()
    snapshots: tuple[Snapshot, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    test: Dataset | None = None  # the test set it was measured on (None: not known, e.g. an upload)


# -------------------------------------------------------------------------------------------- training
@dataclass(frozen=True, eq=False)
class LiveState:
    """What a training job reports: the latest ``Progress`` and a copy of the model after the last epoch."""

    progress: Progress
    test: Dataset  # the test set the job measures on
    model: nn.Sequential | None = None  # a deep copy taken after epoch ``model_epoch`` (None before epoch 1 ends)
    model_epoch: int = 0


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A job's value: the trainer (to continue training), its result, and the data it trained on."""

    trainer: Trainer
    result: TrainResult
    test: Dataset
    dataset_title: str


# The Train page's job: it reports a LiveState after every batch and returns a TrainingRun.
TrainingJob: TypeAlias = "training_jobs.Job[LiveState, TrainingRun]"
TrainingControl: TypeAlias = "training_jobs.Control[LiveState, TrainingRun]"


def _work(
    trainer: Trainer, epochs: int, test: Dataset, title: str
) -> Callable[[TrainingControl], TrainingRun | training_jobs.Outcome[TrainingRun]]:
    """The function the job's thread runs: ``trainer.run`` with live reports and a model copy per epoch."""

    def work(control: TrainingControl) -> TrainingRun | training_jobs.Outcome[TrainingRun]:
        torch_runtime.configure()
        # The latest copy of the model and the epoch after which it was taken (continuing: the model as it
        # is now is the latest epoch's; a new training has no copy before its first epoch ends).
        model = copy.deepcopy(trainer.model) if trainer.history else None
        model_epoch = len(trainer.history)

        def on_progress(progress: Progress) -> None:
            nonlocal model, model_epoch
            # Called on this thread between two batches, so the weights are not changing while copied.
            if len(progress.history) > model_epoch:
                model, model_epoch = copy.deepcopy(trainer.model), len(progress.history)
            control.report(LiveState(progress, test, model, model_epoch))

        result = trainer.run(epochs=epochs, on_progress=on_progress, should_stop=control.should_stop)
        run = TrainingRun(trainer, result, test, title)
        if result.diverged_message:
            return training_jobs.Outcome(training_jobs.DIVERGED, run, f"Training broke off: {result.diverged_message}.")
        return run

    return work


def start_training(
    spec: architecture.ArchitectureSpec, train: Dataset, test: Dataset, config: TrainConfig, *, title: str
) -> TrainingJob:
    """A new :class:`explorer.nets.training.Trainer` on ``train``/``test``, queued on the server's scheduler.

    The trainer is built here, on the script thread, so a setting that doesn't fit (``ValueError``) is
    reported right away rather than from the thread.
    """
    from explorer.nets import training

    torch_runtime.configure()
    trainer = training.Trainer(spec, train, test, config)
    return continue_training(trainer, config.epochs, test=test, title=title)


def continue_training(trainer: Trainer, epochs: int, *, test: Dataset, title: str) -> TrainingJob:
    """Train ``trainer`` ``epochs`` more epochs in a new job (the history and optimizer state carry on)."""
    session = training_jobs.current_session_id()
    return training_jobs.SCHEDULER.submit(
        _work(trainer, epochs, test, title), label=title, is_alive=training_jobs.session_alive(session)
    )


def trained_model(run: TrainingRun, job_id: int) -> TrainedModel:
    """A finished job's model as the session's model: a copy, so continuing the training can't change it."""
    history = run.result.history
    return TrainedModel(
        copy.deepcopy(run.trainer.model).eval(),
        run.trainer.spec,
        tuple(run.trainer.class_names),
        token=f"job {job_id}",
        source=f"trained here on {run.dataset_title}, {len(history)} epoch(s)",
        history=history,
        snapshots=run.result.snapshots,
        metrics={"test_accuracy": history[-1].test_accuracy, "epochs": len(history)} if history else {},
        test=run.test,
    )


# ----------------------------------------------------------------------------------------- checkpoints
@st.cache_data(show_spinner=False, max_entries=MAX_UPLOADS)
def checkpoint_bytes(token: str, _trained: TrainedModel) -> bytes:
    """``checkpoints.save_checkpoint`` of the session's model (the token names its weights)."""
    from explorer.nets import checkpoints

    return checkpoints.save_checkpoint(
        _trained.model, _trained.spec, class_names=_trained.class_names, metrics=dict(_trained.metrics)
    )


@st.cache_resource(show_spinner=False, max_entries=MAX_UPLOADS)
def _load_checkpoint(key: str, _data: bytes) -> Checkpoint:
    from explorer.nets import checkpoints

    torch_runtime.configure()
    return checkpoints.load_checkpoint(_data)


@st.cache_resource(show_spinner=False)
def _default(name: str) -> Checkpoint:
    from explorer.nets import checkpoints

    torch_runtime.configure()
    return checkpoints.load_default(name)


def _from_checkpoint(checkpoint: Checkpoint, *, token: str, source: str) -> TrainedModel:
    return TrainedModel(
        checkpoint.model,
        checkpoint.spec,
        tuple(checkpoint.class_names),
        token=token,
        source=source,
        metrics=dict(checkpoint.metrics or {}),
    )


def load_uploaded(data: bytes, file_name: str) -> TrainedModel:
    """An uploaded checkpoint as a :class:`TrainedModel`; ``ValueError`` with the reason if it is refused."""
    key = digest(data)
    checkpoint = _load_checkpoint(key, data)
    return _from_checkpoint(checkpoint, token=f"upload {key}", source=f"loaded from {file_name}")


def use_uploaded_model(uploader_key: str, model_key: str, error_key: str) -> None:
    """``on_change`` of the checkpoint uploader: the upload becomes the session's model, or an error message."""
    st.session_state[error_key] = ""
    upload = st.session_state.get(uploader_key)
    if upload is None:
        return
    try:
        st.session_state[model_key] = load_uploaded(upload.getvalue(), upload.name)
    except ValueError as error:
        st.session_state[error_key] = f"This file can't be used as a model: {error}"


def use_default_model(model_key: str, error_key: str) -> None:
    """``on_click`` of "Use the default digits model": the shipped model, or an error message."""
    st.session_state[error_key] = ""
    try:
        checkpoint = _default("digits")
    except (ValueError, OSError) as error:  # a missing or damaged file in assets/models
        st.session_state[error_key] = f"The default model could not be loaded: {error}"
        return
    st.session_state[model_key] = _from_checkpoint(
        checkpoint, token="default digits", source="the default digits model shipped with the app"
    )

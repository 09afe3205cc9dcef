"""Cached pieces of the "Train a CNN" page: data sets, previews, evaluations, checkpoints, and the job that
trains. Only neural-network pages import this module (it uses torch through ``explorer``).

- Data sets are ``st.cache_resource``: one read-only copy shared by every session (``Dataset`` arrays are
  read-only), keyed by a short data-set key (``"digits:8"``, ``"shapes:color:300"``, ``"own:<sha256>"``).
- Results are ``st.cache_data`` keyed by small stable keys: the data-set key, the split seed, a model token
  (``"job 3, epoch 2"``, the SHA-256 of an uploaded checkpoint), a frozen config.
- :func:`start_training` hands a training to ``ui.training_jobs.SCHEDULER``; once admitted, it runs in a
  worker process (``ui.training_jobs.WORKERS``, job function ``ui.training_worker.train``) that reports the
  progress and, after every epoch, the test results, so the page can draw curves and a confusion matrix while
  the model trains without any training work in the server's process.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.core import resize
from explorer.data import datasets, own_images, shapes, torchvision_sets
from explorer.data.datasets import Dataset
from explorer.images import imageio
from explorer.nets import architecture, augment, evaluation, predict_one
from explorer.nets.evaluation import Evaluation
from ui import torch_runtime, train_figures, training_jobs, training_worker
from ui.cached import shared

if TYPE_CHECKING:  # torch and the trainer load lazily, on the first training or evaluation
    from torch import nn

    from explorer.nets.checkpoints import Checkpoint
    from explorer.nets.training import EpochRecord, Progress, Snapshot, TrainConfig, TrainerState

# Where the Train page keeps the session's model (a TrainedModel): the Inspect pages look at it too.
MODEL_KEY = "train.model"
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


@st.cache_resource(show_spinner=False, max_entries=MAX_RESULTS)
def confusion_figure(matrix: np.ndarray, class_names: tuple[str, ...], selected: tuple[int, int] | None) -> go.Figure:
    """``train_figures.confusion_figure``, built once per matrix and selected cell and shared read-only
    (``st.plotly_chart`` copies a figure into its message and never changes it): the live panel redraws it."""
    return train_figures.confusion_figure(matrix, class_names, selected=selected)


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
    evaluation: Evaluation | None = None  # its results on ``test``, when the training measured them


# -------------------------------------------------------------------------------------------- training
@dataclass(frozen=True, eq=False)
class LiveState:
    """What the page reads while a job trains: the latest ``Progress`` and the test results after the last
    finished epoch (``evaluation_epoch``; None and 0 before epoch 1 ends)."""

    progress: Progress
    test: Dataset  # the test set the job measures on
    evaluation: Evaluation | None = None
    evaluation_epoch: int = 0


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """A job's value: what it trained (the request, to continue it) and the trainer's state at the end."""

    request: training_worker.TrainingRequest
    state: TrainerState
    dataset_title: str

    @property
    def history(self) -> tuple[EpochRecord, ...]:
        return self.state.history

    @property
    def test(self) -> Dataset:
        return self.request.test


# The Train page's job: it reports a LiveState after every batch and returns a TrainingRun.
TrainingJob: TypeAlias = "training_jobs.Job[LiveState, TrainingRun]"
TrainingControl: TypeAlias = "training_jobs.Control[LiveState, TrainingRun]"


def _work(
    request: training_worker.TrainingRequest, title: str
) -> Callable[[TrainingControl], TrainingRun | training_jobs.Outcome[TrainingRun]]:
    """What the job's thread runs: the training in a worker process, its updates turned into LiveStates."""

    def work(control: TrainingControl) -> TrainingRun | training_jobs.Outcome[TrainingRun]:
        latest = request.resume.evaluation if request.resume is not None else None
        latest_epoch = len(request.resume.history) if request.resume is not None else 0

        def on_report(update: training_worker.Update) -> None:
            nonlocal latest, latest_epoch
            if update.evaluation is not None:
                latest, latest_epoch = update.evaluation, update.evaluation_epoch
            control.report(LiveState(update.progress, request.test, latest, latest_epoch))

        state = training_jobs.WORKERS.run(
            training_worker.train, request, on_report=on_report, should_stop=control.should_stop
        )
        run = TrainingRun(request, state, title)
        if state.diverged_message:
            return training_jobs.Outcome(training_jobs.DIVERGED, run, f"Training broke off: {state.diverged_message}.")
        return run

    return work


def start_training(
    spec: architecture.ArchitectureSpec,
    train: Dataset,
    test: Dataset,
    config: TrainConfig,
    *,
    title: str,
    initial: dict[str, np.ndarray] | None = None,
) -> TrainingJob:
    """A new training of ``spec`` on ``train``/``test``, queued on the server's scheduler; it runs in a worker.
    ``initial``: the weights to start from (a transfer network's, ``ui.train_transfer.initial_weights``).

    The settings are checked here, on the script thread (``explorer.nets.training.check_fit``), so one that
    doesn't fit is reported right away (``ValueError``) rather than from the worker.
    """
    from explorer.nets import training

    training.check_fit(spec, train, test, config)
    request = training_worker.TrainingRequest(spec, train, test, config, config.epochs, initial=initial)
    return _submit(request, title)


def continue_training(run: TrainingRun, epochs: int) -> TrainingJob:
    """Train ``epochs`` more epochs from where ``run`` ended (the history and optimizer state carry on)."""
    request = dataclasses.replace(run.request, epochs=epochs, resume=run.state)
    return _submit(request, run.dataset_title)


def _submit(request: training_worker.TrainingRequest, title: str) -> TrainingJob:
    session = training_jobs.current_session_id()
    training_jobs.WORKERS.warm_up()
    return training_jobs.SCHEDULER.submit(
        _work(request, title),
        label=title,
        is_alive=training_jobs.session_alive(session),
        kind="training",
        session_id=session,
    )


def trained_model(run: TrainingRun, job_id: int) -> TrainedModel:
    """A finished job's model as the session's model, built in this process from the weights the worker sent."""
    from explorer.nets import checkpoints

    torch_runtime.configure()
    spec, history = run.request.spec, run.state.history
    return TrainedModel(
        checkpoints.model_from_weights(spec, run.state.weights),
        spec,
        tuple(run.request.train.class_names),
        token=f"job {job_id}",
        source=f"trained here on {run.dataset_title}, {len(history)} epoch(s)",
        history=history,
        snapshots=run.state.snapshots,
        metrics={"test_accuracy": history[-1].test_accuracy, "epochs": len(history)} if history else {},
        test=run.test,
        evaluation=run.state.evaluation,
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
def default_checkpoint(name: str) -> Checkpoint:
    """A model shipped in ``assets/models`` (``"digits"`` or ``"shapes"``), loaded once per server."""
    from explorer.nets import checkpoints

    torch_runtime.configure()
    return checkpoints.load_default(name)


def from_checkpoint(checkpoint: Checkpoint, *, token: str, source: str) -> TrainedModel:
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
    return from_checkpoint(checkpoint, token=f"upload {key}", source=f"loaded from {file_name}")


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
        checkpoint = default_checkpoint("digits")
    except (ValueError, OSError) as error:  # a missing or damaged file in assets/models
        st.session_state[error_key] = f"The default model could not be loaded: {error}"
        return
    st.session_state[model_key] = from_checkpoint(
        checkpoint, token="default digits", source="the default digits model shipped with the app"
    )


# ------------------------------------------------------------------------------- your own pictures per class
# Thumbnails are drawn about this many screen pixels a side: four fit across a class card.
THUMB_SIDE = 56
# Camera photos are kept at most this big: own_images decodes every picture at max(4 × size, 256) pixels a
# side, 256 for every size the page offers (at most 64), so nothing the data set uses is lost, and a kept
# photo is about 20 kB instead of the camera's 100-200 kB JPEG at full quality.
KEPT_SIDE = 256


def kept_photo(data: bytes) -> bytes:
    """A camera photo as the page keeps it: at most :data:`KEPT_SIDE` pixels a side, JPEG (quality 90);
    the file itself if it can't be decoded (the data set then reports it as unreadable)."""
    try:
        return shared.encode(imageio.load_image(data, max_side=KEPT_SIDE), format="JPEG")
    except ValueError:
        return data


@st.cache_data(show_spinner=False, max_entries=own_images.MAX_IMAGES)
def thumbnail(key: str, _data: bytes) -> bytes:
    """PNG of the picture's centre square, :data:`THUMB_SIDE` pixels a side: the part of the picture the data
    set keeps (``own_images.picture``). ``key`` is :func:`digest` of ``_data``; ``ValueError`` for a file that is
    not a readable picture."""
    return shared.encode(own_images.picture(_data, image_size=THUMB_SIDE))


# ------------------------------------------------------------------------------------------ try your model
# A picture to try is made at most 64×64 (or cut to its ink): 256 pixels a side keeps every detail that
# survives, and a session keeps a few such pictures.
MAX_PICTURE_SIDE = 256


def picture_key(picture: np.ndarray) -> str:
    """A digest of the picture's shape, dtype and pixels (the cache key of a picture)."""
    hasher = hashlib.sha256(f"{picture.shape}{picture.dtype}".encode())
    hasher.update(np.ascontiguousarray(picture).tobytes())
    return hasher.hexdigest()


def decode_picture(data: bytes) -> np.ndarray:
    """An uploaded or photographed file as ``(H, W, 3) uint8``, at most :data:`MAX_PICTURE_SIDE` a side;
    ``ValueError`` with the reason for anything that is not a readable picture."""
    return imageio.load_image(data, max_side=MAX_PICTURE_SIDE)


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def probabilities(
    model_token: str,
    key: str,
    style: str,
    _model,
    _input_shape: tuple[int, int, int],
    _picture: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(image (C, H, W) float32, probabilities (K,) float64)``: ``predict_one.prepare_picture`` then
    ``predict_one.class_probabilities``. Keys are small: the model's token (it names the weights exactly, see
    :class:`TrainedModel`), ``key`` (:func:`picture_key` of ``_picture``) and the style."""
    torch_runtime.configure()
    image = predict_one.prepare_picture(_picture, _input_shape, style=style)
    return image, predict_one.class_probabilities(_model, image)

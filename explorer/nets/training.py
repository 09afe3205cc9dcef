"""Training a network from :mod:`explorer.nets.architecture` on a :class:`~explorer.data.datasets.Dataset`.

:class:`TrainConfig` holds the settings (checked on construction); :class:`Trainer` owns a fresh model
built from the spec and trains it batch by batch, reporting :class:`Progress` to a callback, obeying a
stop request after every batch, evaluating the test set after each epoch (:class:`EpochRecord`) and
keeping a :class:`Snapshot` of the features and first-layer filters for the Inspect pages. Calling
:meth:`Trainer.run` again continues where it stopped: the history grows, the optimizer keeps its state.

Speed: both sets live in memory as tensors (no ``DataLoader``): an epoch is a permutation of indices
sliced into batches; the model computes in ``channels_last`` layout (see :class:`Trainer`); Adam and SGD
are torch's fused update kernels (:func:`explorer.nets.optimizers.make_optimizer`, which says why not
through ``torch.optim``).
``benchmarks/bench_training.py`` measures the result.

Determinism: the model starts from ``build(spec, seed=config.seed)``; each epoch draws its order,
augmentation and dropout from its own generator, seeded by ``(seed, epoch)``, never from torch's global
random state (shared by every session of the app). The same seed gives the same losses and accuracies,
and training 2 epochs in one call or in two calls gives the same model.

A network that starts with frozen layers (a pretrained backbone, :class:`~explorer.nets.architecture.Backbone`)
has them computed once per run: every picture goes through the frozen layers a single time (reported as
progress with ``batch == 0``), and the epochs train the layers after them on what came out. The same numbers as
running the whole network every batch, many times faster; not with augmentation (each epoch's pictures differ).

Torch is imported inside the functions: the configuration classes import cheaply.
"""

from __future__ import annotations

import math
import numbers
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from explorer.core import checks
from explorer.data.datasets import Dataset
from explorer.nets.architecture import ArchitectureSpec, BatchNorm, build, summary
from explorer.nets.augment import AugmentConfig, augment_batch
from explorer.nets.evaluation import Evaluation, forward_chunks, head_index, summarize
from explorer.nets.optimizers import OPTIMIZERS, OptimizerState, make_optimizer

# A workshop training lasts minutes at most: 100 epochs of the digits is already far past convergence.
# This also bounds a trainer's history: runs continue up to MAX_EPOCHS epochs in total.
MAX_EPOCHS = 100
# 1024 images of 3×32×32 and their feature maps fit in a few hundred MB; larger batches don't train faster.
MAX_BATCH = 1024
# Below 1e-6 nothing moves in a workshop's time; up to 10 lets people watch SGD blow up.
LEARNING_RATE_RANGE = (1e-6, 10.0)
MAX_WEIGHT_DECAY = 0.1  # stronger L2 shrinks every weight towards 0 faster than the data can pull it back
MAX_MOMENTUM = 0.99
MAX_SEED = 2**31 - 1
PROGRESS_INTERVAL = 0.2  # seconds between two progress reports: smooth for people, cheap for the app
# Pictures per step of the pass through frozen layers: a pretrained backbone takes 10-30 ms a picture on one
# thread, so a step of 16 reports progress about twice a second.
FROZEN_CHUNK = 16
# The share of a run's progress bar given to the pass through frozen layers: the epochs after it train a
# single layer on the stored outputs, which takes a few percent of the pass's time.
FROZEN_SHARE = 0.9
# A snapshot keeps the features of up to 500 test images (enough for a readable 2-D map) and at most
# 100,000 numbers (400 kB), so 100 epochs of snapshots stay under 40 MB.
SNAPSHOT_IMAGES = 500
MAX_SNAPSHOT_VALUES = 100_000
# The weights kept after the epochs, all epochs together: 4 M numbers (16 MB). The small networks of the page
# (30 k - 300 k parameters) keep every epoch of a 30-epoch run; longer runs thin out (thin_weights).
MAX_SNAPSHOT_WEIGHT_VALUES = 4_000_000
# build() seeds torch's global generator for a moment: two sessions starting at once must take turns,
# or one could initialise its weights from the other's seed.
_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class TrainConfig:
    """How to train. Defaults: Adam at 0.001 (its usual starting point), batches of 32 (Keras' default; on
    our CPU, 28×28 networks also train fastest per image at 32, as larger batches' feature maps spill out of
    the cache), 10 epochs, no weight decay, no augmentation.

    optimizer : ``"adam"`` or ``"sgd"`` (with ``momentum``, 0 to :data:`MAX_MOMENTUM`; Adam ignores it).
    learning_rate : :data:`LEARNING_RATE_RANGE`. batch_size : 1 to :data:`MAX_BATCH`.
    epochs : 1 to :data:`MAX_EPOCHS`, the default for :meth:`Trainer.run`.
    weight_decay : L2 penalty added to the gradient (as ``torch.optim``), 0 to :data:`MAX_WEIGHT_DECAY`.
    seed : 0 to :data:`MAX_SEED`: initial weights, batch order, augmentation and dropout.
    """

    optimizer: str = "adam"
    learning_rate: float = 0.001
    momentum: float = 0.9
    batch_size: int = 32
    epochs: int = 10
    weight_decay: float = 0.0
    seed: int = 0
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def __post_init__(self) -> None:
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        object.__setattr__(
            self, "learning_rate", checks.number("learning_rate", self.learning_rate, *LEARNING_RATE_RANGE)
        )
        object.__setattr__(self, "momentum", checks.number("momentum", self.momentum, 0.0, MAX_MOMENTUM))
        object.__setattr__(
            self, "batch_size", checks.integer("batch_size", self.batch_size, 1, MAX_BATCH, wrong_type=ValueError)
        )
        object.__setattr__(self, "epochs", checks.integer("epochs", self.epochs, 1, MAX_EPOCHS, wrong_type=ValueError))
        object.__setattr__(
            self, "weight_decay", checks.number("weight_decay", self.weight_decay, 0.0, MAX_WEIGHT_DECAY)
        )
        object.__setattr__(self, "seed", checks.integer("seed", self.seed, 0, MAX_SEED, wrong_type=ValueError))
        if not isinstance(self.augment, AugmentConfig):
            raise TypeError(f"augment must be an AugmentConfig, got {type(self.augment).__name__}")


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: training loss/accuracy averaged over its batches (in training mode: with dropout and
    augmentation), test loss/accuracy measured after it, its duration. ``fraction`` < 1 for an epoch
    stopped part way (the share of its batches that ran)."""

    epoch: int
    train_loss: float
    train_accuracy: float
    test_loss: float
    test_accuracy: float
    seconds: float
    fraction: float = 1.0


@dataclass(frozen=True)
class Progress:
    """A report during :meth:`Trainer.run`. ``epoch`` counts from the trainer's first run (1-based) and
    ``epochs`` is the epoch this run ends with; ``batch`` is 1-based within the epoch (0 while the pictures
    go through frozen leading layers once, before the epoch's first batch; see the module docstring). ``fraction_done``
    and ``eta_seconds`` are for this run; ``history`` holds every finished epoch. ``epoch_loss`` and
    ``epoch_accuracy`` average the training batches of epoch ``epoch`` so far (what its record will say
    when it ends), so a curve can move within a long epoch."""

    epoch: int
    epochs: int
    batch: int
    batches_per_epoch: int
    fraction_done: float
    images_per_second: float
    eta_seconds: float
    last_loss: float
    history: tuple[EpochRecord, ...]
    epoch_loss: float = math.nan
    epoch_accuracy: float = math.nan


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class Snapshot:
    """After an epoch: ``embeddings (n_kept, D) float32``, the classifier's input for the test images at
    ``indices (n_kept,) int64`` (the same images every epoch), their ``labels (n_kept,) int64``, the
    first convolution's weights ``conv1_filters (F, C, kh, kw) float32`` (None without convolutions), and
    ``weights``, the whole ``state_dict`` as arrays, so the Inspect pages can rebuild the network as it was
    after this epoch (None when the training's weight budget, :data:`MAX_SNAPSHOT_WEIGHT_VALUES`, had no
    room left for this epoch: see :func:`thin_weights`)."""

    epoch: int
    embeddings: np.ndarray
    labels: np.ndarray
    conv1_filters: np.ndarray | None
    indices: np.ndarray
    weights: dict[str, np.ndarray] | None = None


def thin_weights(snapshots: list[Snapshot], *, budget: int = MAX_SNAPSHOT_WEIGHT_VALUES) -> list[Snapshot]:
    """``snapshots`` with the weights of every second epoch dropped (the first and the last always kept),
    as often as it takes for the kept weights to hold at most ``budget`` numbers: a long training keeps its
    weights evenly spread over the epochs instead of only its first ones."""

    def size(snapshot: Snapshot) -> int:
        return sum(int(array.size) for array in (snapshot.weights or {}).values())

    snapshots = list(snapshots)
    while True:
        weighted = [i for i, snapshot in enumerate(snapshots) if snapshot.weights is not None]
        if len(weighted) <= 2 or sum(size(snapshots[i]) for i in weighted) <= budget:
            return snapshots
        for i in weighted[1:-1:2]:
            snapshots[i] = replace(snapshots[i], weights=None)


@dataclass(frozen=True)
class TrainResult:
    """What :meth:`Trainer.run` ends with: the whole history and snapshots so far, whether a stop request
    ended it, and why training broke off if the loss stopped being a finite number."""

    history: tuple[EpochRecord, ...]
    stopped: bool
    diverged_message: str | None
    snapshots: tuple[Snapshot, ...]


@dataclass(frozen=True, eq=False)
class TrainerState:
    """Everything a :class:`Trainer` has learned, as plain data: a trainer made with ``resume=state`` (in this
    process or another) continues exactly where the one that gave it stopped.

    weights : the model's ``state_dict()`` as ``float32``/``int64`` arrays (batch-norm statistics included).
    optimizer : the optimizer's buffers and step count. steps : batches trained over every run.
    history, snapshots, diverged_message : as on the trainer.
    evaluation : the test set's results after the last epoch (None before the first).
    """

    weights: dict[str, np.ndarray]
    optimizer: OptimizerState
    history: tuple[EpochRecord, ...]
    snapshots: tuple[Snapshot, ...]
    diverged_message: str | None
    steps: int
    evaluation: Evaluation | None = None


def _epoch_generator(seed: int, epoch: int):
    import torch

    state = np.random.SeedSequence([seed, epoch]).generate_state(2)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


def _as_tensor(array: np.ndarray):
    import torch

    with warnings.catch_warnings():  # the arrays are read-only and we never write to them: share, don't copy
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)


def _divergence_message(loss: float, epoch: int, batch: int, learning_rate: float) -> str:
    word = "NaN" if math.isnan(loss) else "infinite"
    suggestion = float(f"{learning_rate / 10:.0e}")
    return f"the loss became {word} at epoch {epoch}, batch {batch} — try a lower learning rate, e.g. {suggestion:g}"


def frozen_prefix(model) -> int:
    """How many leading modules of ``model`` training can compute once: every parameter in them frozen
    (``requires_grad=False``), and nothing that acts differently in training (dropout, batch norm). 0 when
    those modules hold no parameters at all (a leading flatten is not worth storing outputs for)."""
    from torch import nn

    count = 0
    for module in list(model)[:-1]:  # the last layer always trains
        parts = list(module.modules())
        if any(p.requires_grad for p in module.parameters()) or any(
            isinstance(part, (nn.Dropout, nn.BatchNorm1d, nn.BatchNorm2d)) for part in parts
        ):
            break
        count += 1
    return count if any(True for module in list(model)[:count] for _ in module.parameters()) else 0


def check_fit(spec: ArchitectureSpec, train: Dataset, test: Dataset, config: TrainConfig) -> None:
    """``TypeError``/``ValueError`` (naming what doesn't fit) unless a :class:`Trainer` can train ``spec`` on
    ``train`` and ``test`` with ``config``: image shapes, class counts and names, batch norm's batch size.
    Cheap (no model is built), so a page can check settings before it sends a training elsewhere."""
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    for name, data in (("train", train), ("test", test)):
        if not isinstance(data, Dataset):
            raise TypeError(f"{name} must be a Dataset, got {type(data).__name__}")
        if data.image_shape != spec.input_shape:
            raise ValueError(
                f"the network takes images of shape {spec.input_shape} (C, H, W), "
                f"but the {name} images are {data.image_shape}"
            )
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if test.class_names != train.class_names:
        raise ValueError("train and test must have the same class names")
    if spec.num_classes != train.n_classes:
        raise ValueError(f"the network has {spec.num_classes} outputs but the data has {train.n_classes} classes")
    if config.batch_size == 1 and any(isinstance(layer, BatchNorm) for layer in spec.layers):
        raise ValueError("batch_size must be at least 2 for a network with batch normalisation, got 1")


class Trainer:
    """Trains a model built from ``spec`` on ``train``, measuring it on ``test`` after every epoch.

    ``state_dict`` (optional) starts from those weights instead (to continue training a saved model); it
    must match ``build(spec)`` exactly. ``resume`` (optional, instead of ``state_dict``) continues a
    :class:`TrainerState` from :meth:`state`: weights, optimizer, history and snapshots; with the same spec,
    data and config, training on gives the same numbers as the trainer that made it would have. The trainer
    builds its own model, so the state dict passed in (a cached default model's, say) is never changed.
    ``trainer.model`` is in ``eval()`` mode between runs.

    ``clock()`` gives the time in seconds (any origin, never going back): when to report progress, the speed
    and time left it reports and each epoch's ``seconds``. ``time.perf_counter`` by default (a monotonic clock
    with the finest resolution); tests pass a fake one.
    """

    def __init__(
        self,
        spec: ArchitectureSpec,
        train: Dataset,
        test: Dataset,
        config: TrainConfig,
        *,
        state_dict: dict | None = None,
        resume: TrainerState | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        import torch

        check_fit(spec, train, test, config)
        if resume is not None and not isinstance(resume, TrainerState):
            raise TypeError(f"resume must be a TrainerState, got {type(resume).__name__}")
        if resume is not None and state_dict is not None:
            raise ValueError("give state_dict or resume, not both")
        if not callable(clock):
            raise TypeError(f"clock must be callable, got {type(clock).__name__}")
        self.spec, self.config, self.class_names, self._clock = spec, config, train.class_names, clock
        # channels_last (N, H, W, C in memory): oneDNN's pooling and batch norm run 3-15× faster on the
        # CPU than in the default layout, convolutions ~10 % faster. Same results up to float rounding.
        with _BUILD_LOCK:
            self.model = build(spec, seed=config.seed).to(memory_format=torch.channels_last)
        if resume is not None:
            state_dict = {name: torch.from_numpy(np.array(value)) for name, value in resume.weights.items()}
        if state_dict is not None:
            try:
                self.model.load_state_dict(state_dict, strict=True)
            except (RuntimeError, TypeError, AttributeError) as error:
                raise ValueError(f"state_dict does not fit this architecture: {str(error)[:300]}") from None
        self.model.eval()
        self._x, self._y = _as_tensor(train.images), _as_tensor(train.labels)
        self._test_x, self._test_y = _as_tensor(test.images), _as_tensor(test.labels)
        self._optimizer = make_optimizer(
            self.model.parameters(),
            config.optimizer,
            lr=config.learning_rate,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
        )
        kept = min(len(test), SNAPSHOT_IMAGES, max(1, MAX_SNAPSHOT_VALUES // max(1, self._feature_size())))
        self._kept = np.sort(np.random.default_rng(config.seed).permutation(len(test))[:kept])
        self.history: list[EpochRecord] = []
        self.snapshots: list[Snapshot] = []
        self.diverged_message: str | None = None
        # Frozen leading layers (a pretrained backbone) run once; _start: the first module the epochs run.
        self._frozen = frozen_prefix(self.model) if config.augment.is_identity else 0
        self._start = 0
        self.steps = 0  # batches trained, over every run
        self.evaluation: Evaluation | None = None  # the test set's results after the last epoch
        if resume is not None:
            self._optimizer.load_state(resume.optimizer)
            self.history, self.snapshots = list(resume.history), list(resume.snapshots)
            self.diverged_message, self.steps, self.evaluation = (
                resume.diverged_message,
                resume.steps,
                resume.evaluation,
            )

    def state(self) -> TrainerState:
        """A copy of what the trainer has learned (see :class:`TrainerState`), safe to send to another process."""
        weights = {name: tensor.detach().numpy().copy() for name, tensor in self.model.state_dict().items()}
        return TrainerState(
            weights,
            self._optimizer.state(),
            tuple(self.history),
            tuple(self.snapshots),
            self.diverged_message,
            self.steps,
            self.evaluation,
        )

    @property
    def batches_per_epoch(self) -> int:
        full, rest = divmod(len(self._y), self.config.batch_size)
        # A last batch of a single image is dropped (each epoch a different one): batch norm needs two.
        return full + (1 if rest > 1 or (rest == 1 and full == 0) else 0)

    def _feature_size(self) -> int:
        rows = summary(self.spec)
        index = head_index(self.model)
        shape = self.spec.input_shape if index == 0 else rows[index - 1].output_shape
        return int(np.prod(shape))

    def _forward(self, x, generator):
        """Training-mode forward pass; dropout masks come from ``generator`` instead of the global RNG."""
        import torch
        from torch import nn

        for module in list(self.model)[self._start :]:
            if isinstance(module, nn.Dropout):
                if module.p > 0:
                    keep = torch.rand(x.shape, generator=generator) >= module.p
                    x = x * keep / (1.0 - module.p)
            else:
                x = module(x)
        return x

    def run(
        self,
        *,
        epochs: int | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> TrainResult:
        """Train ``epochs`` more epochs (default ``config.epochs``).

        ``should_stop()`` is asked after every batch: when it returns True the run ends after that batch
        (the part of the epoch that ran is recorded, with its ``fraction``). ``on_progress(progress)`` is
        called at most every :data:`PROGRESS_INTERVAL` seconds and after each epoch. A NaN or infinite
        loss ends training for good (``diverged_message`` says where); it never raises.
        """
        import torch
        import torch.nn.functional as F

        epochs = self.config.epochs if epochs is None else epochs
        room = MAX_EPOCHS - len(self.history)
        if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or not 1 <= epochs <= max(1, room):
            raise ValueError(
                f"epochs must be a whole number from 1 to {room} (at most {MAX_EPOCHS} in all), got {epochs!r}"
            )
        if room <= 0:
            raise ValueError(f"this model has trained {len(self.history)} epochs, the limit is {MAX_EPOCHS}")
        if self.diverged_message is not None:
            return self._result(stopped=False)
        config, n = self.config, len(self._y)
        batches, first_epoch = self.batches_per_epoch, len(self.history) + 1
        last_epoch = first_epoch + epochs - 1
        total_batches, done_batches, done_images = epochs * batches, 0, 0
        clock = self._clock
        share = FROZEN_SHARE if self._frozen and not self._start else 0.0  # of the bar, for the frozen pass
        if share and not self._through_frozen(first_epoch, last_epoch, share, on_progress, should_stop):
            return self._result(stopped=True)
        start = last_report = clock()
        stopped = False
        loss_sum, correct, seen = 0.0, 0, 0  # this epoch's batches so far (report() reads them)

        def report(epoch: int, batch: int, loss: float) -> None:
            elapsed = max(clock() - start, 1e-9)
            remaining = (total_batches - done_batches) * elapsed / max(done_batches, 1)
            on_progress(
                Progress(
                    epoch,
                    last_epoch,
                    batch,
                    batches,
                    share + (1.0 - share) * done_batches / total_batches,
                    done_images / elapsed,
                    remaining,
                    loss,
                    tuple(self.history),
                    loss_sum / max(seen, 1),
                    correct / max(seen, 1),
                )
            )

        try:
            for epoch in range(first_epoch, last_epoch + 1):
                epoch_start = clock()
                generator = _epoch_generator(config.seed, epoch)
                order = torch.randperm(n, generator=generator)
                loss_sum, correct, seen, loss_value = 0.0, 0, 0, float("nan")
                self.model.train()
                for batch in range(1, batches + 1):
                    index = order[(batch - 1) * config.batch_size : batch * config.batch_size]
                    x, y = self._x[index], self._y[index]
                    if x.ndim == 4:
                        x = x.contiguous(memory_format=torch.channels_last)
                    if not config.augment.is_identity:
                        x = augment_batch(x, config.augment, generator=generator)
                    logits = self._forward(x, generator)
                    loss = F.cross_entropy(logits, y)
                    loss_value = loss.item()
                    if not math.isfinite(loss_value):
                        self.diverged_message = _divergence_message(loss_value, epoch, batch, config.learning_rate)
                        return self._result(stopped=False)
                    self._optimizer.zero_grad()
                    loss.backward()
                    self._optimizer.step()
                    self.steps += 1
                    done_batches, done_images, seen = done_batches + 1, done_images + len(y), seen + len(y)
                    loss_sum += loss_value * len(y)
                    correct += int((logits.argmax(1) == y).sum())
                    if should_stop is not None and should_stop():
                        stopped = True
                        break
                    if on_progress is not None and clock() - last_report >= PROGRESS_INTERVAL:
                        report(epoch, batch, loss_value)
                        last_report = clock()
                self._end_epoch(
                    epoch,
                    loss_sum / seen,
                    correct / seen,
                    clock() - epoch_start,
                    fraction=1.0 if not stopped else batch / batches,
                )
                if on_progress is not None:
                    report(epoch, batch, loss_value)
                    last_report = clock()
                if stopped:
                    break
        finally:
            self.model.eval()
        return self._result(stopped=stopped)

    def _through_frozen(self, epoch: int, last_epoch: int, share: float, on_progress, should_stop) -> bool:
        """Run the training and test pictures through the frozen leading layers once, :data:`FROZEN_CHUNK` at a
        time, reporting progress (``batch`` 0, up to ``share`` of the bar); keep what comes out as the inputs of
        the layers after them. False (nothing changed) when ``should_stop()`` says so before the end."""
        import torch

        body = self.model[: self._frozen].eval()
        total, done = len(self._x) + len(self._test_x), 0
        start = last_report = self._clock()
        outputs: list[list] = [[], []]
        # no_grad, not inference_mode: the stored outputs are the input of layers that train (autograd keeps them).
        with torch.no_grad():
            for which, images in enumerate((self._x, self._test_x)):
                for first in range(0, len(images), FROZEN_CHUNK):
                    outputs[which].append(body(images[first : first + FROZEN_CHUNK]))
                    done += len(outputs[which][-1])
                    if should_stop is not None and should_stop():
                        return False
                    now = self._clock()
                    if on_progress is not None and (now - last_report >= PROGRESS_INTERVAL or done == total):
                        last_report, elapsed = now, max(now - start, 1e-9)
                        on_progress(
                            Progress(
                                epoch,
                                last_epoch,
                                0,
                                self.batches_per_epoch,
                                share * done / total,
                                done / elapsed,
                                (total - done) * elapsed / done,
                                math.nan,
                                tuple(self.history),
                            )
                        )
        self._x, self._test_x = torch.cat(outputs[0]), torch.cat(outputs[1])
        self._start = self._frozen
        return True

    def _end_epoch(self, epoch: int, train_loss: float, train_accuracy: float, seconds: float, *, fraction: float):
        """Measure the test set, append the epoch's record and snapshot."""
        import torch
        import torch.nn.functional as F
        from torch import nn

        features, logits = forward_chunks(self.model[self._start :], self._test_x, features=True)
        test_loss = float(F.cross_entropy(logits, self._test_y))
        test_accuracy = float((logits.argmax(1) == self._test_y).double().mean())
        probabilities = torch.softmax(logits, dim=1).numpy()
        self.evaluation = summarize(
            self._test_y.numpy(),
            probabilities.argmax(axis=1).astype(np.int64),
            probabilities,
            num_classes=len(self.class_names),
        )
        self.history.append(EpochRecord(epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds, fraction))
        conv = next((m for m in self.model if isinstance(m, nn.Conv2d)), None)
        kept = torch.from_numpy(self._kept)
        self.snapshots.append(
            Snapshot(
                epoch=epoch,
                embeddings=features[kept].numpy().astype(np.float32),
                labels=self._test_y[kept].numpy().copy(),
                conv1_filters=None if conv is None else np.array(conv.weight.detach().numpy(), np.float32, order="C"),
                indices=self._kept.astype(np.int64),
                weights={name: tensor.detach().numpy().copy() for name, tensor in self.model.state_dict().items()},
            )
        )
        self.snapshots = thin_weights(self.snapshots)

    def _result(self, *, stopped: bool) -> TrainResult:
        return TrainResult(tuple(self.history), stopped, self.diverged_message, tuple(self.snapshots))

"""Learning curves as numbers: loss and accuracy per epoch, on the training and the test images, plus the
point of an epoch still under way (so a curve moves within a long epoch).

``history`` is a sequence of :class:`explorer.nets.training.EpochRecord` (epoch ``e`` ends at ``x = e``);
``progress`` a :class:`explorer.nets.training.Progress` reported between two batches. Plain Python, no torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.core import checks

if TYPE_CHECKING:
    from explorer.nets.training import EpochRecord, Progress


def fractional_epoch(epoch: int, batch: int, batches_per_epoch: int) -> float:
    """Where batch ``batch`` (1-based) of epoch ``epoch`` ends on an epoch axis: ``epoch - 1 + batch / batches``.

    The last batch of epoch 2 is at 2.0, where the finished epoch's point is drawn.
    """
    epoch = checks.integer("epoch", epoch, 1, wrong_type=ValueError)
    batches_per_epoch = checks.integer("batches_per_epoch", batches_per_epoch, 1, wrong_type=ValueError)
    batch = checks.integer("batch", batch, 0, batches_per_epoch, wrong_type=ValueError)
    return epoch - 1 + batch / batches_per_epoch


def unfinished_epoch(progress: Progress | None, history: Sequence[EpochRecord]) -> Progress | None:
    """``progress`` when it is within an epoch that ``history`` doesn't hold yet, else None (nothing to add)."""
    if progress is None:
        return None
    last = history[-1].epoch if history else 0
    return progress if progress.epoch > last else None


@dataclass(frozen=True)
class Curves:
    """The series of a loss plot and an accuracy plot. Test points sit on whole epochs (``epochs``); the
    training series may end with one more point, at a fractional epoch (``train_x``)."""

    epochs: tuple[int, ...]
    train_x: tuple[float, ...]
    train_loss: tuple[float, ...]
    train_accuracy: tuple[float, ...]
    test_loss: tuple[float, ...]
    test_accuracy: tuple[float, ...]


def learning_curves(history: Sequence[EpochRecord], running: Progress | None = None) -> Curves:
    """The curves of ``history``; ``running`` (see :func:`unfinished_epoch`) adds its training loss and accuracy
    so far (``epoch_loss``, ``epoch_accuracy``) at :func:`fractional_epoch` to the training series."""
    epochs = tuple(record.epoch for record in history)
    train_x: tuple[float, ...] = epochs
    train_loss = tuple(record.train_loss for record in history)
    train_accuracy = tuple(record.train_accuracy for record in history)
    if running is not None:
        train_x = (*epochs, fractional_epoch(running.epoch, running.batch, running.batches_per_epoch))
        train_loss = (*train_loss, running.epoch_loss)
        train_accuracy = (*train_accuracy, running.epoch_accuracy)
    return Curves(
        epochs=epochs,
        train_x=train_x,
        train_loss=train_loss,
        train_accuracy=train_accuracy,
        test_loss=tuple(record.test_loss for record in history),
        test_accuracy=tuple(record.test_accuracy for record in history),
    )

"""explorer.nets.curves: the fractional epoch of a batch, when a progress report adds a point, and the series of
the learning curves, against hand-computed values."""

import math

import pytest

from explorer.nets import curves
from explorer.nets.training import EpochRecord, Progress


def _record(epoch, train_loss, train_accuracy, test_loss, test_accuracy):
    return EpochRecord(epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds=1.0)


def _progress(epoch, batch, batches, history=(), loss=math.nan, accuracy=math.nan):
    return Progress(epoch, 5, batch, batches, 0.5, 100.0, 3.0, 0.2, tuple(history), loss, accuracy)


HISTORY = (_record(1, 1.5, 0.4, 1.6, 0.35), _record(2, 0.9, 0.7, 1.1, 0.6))


def test_fractional_epoch_by_hand():
    assert curves.fractional_epoch(2, 7, 45) == pytest.approx(1 + 7 / 45)
    assert curves.fractional_epoch(1, 45, 45) == 1.0  # the last batch sits where the epoch's point is drawn
    assert curves.fractional_epoch(3, 0, 10) == 2.0
    assert curves.fractional_epoch(4, 5, 20) == 3.25


def test_fractional_epoch_bad_input():
    with pytest.raises(ValueError, match=r"batch must be from 0 to 45, got 46"):
        curves.fractional_epoch(1, 46, 45)
    with pytest.raises(ValueError, match=r"batches_per_epoch must be"):
        curves.fractional_epoch(1, 0, 0)
    with pytest.raises(ValueError, match=r"epoch must be"):
        curves.fractional_epoch(0, 1, 10)


def test_unfinished_epoch_only_beyond_the_history():
    ahead = _progress(3, 4, 10, HISTORY)
    assert curves.unfinished_epoch(ahead, HISTORY) is ahead
    assert curves.unfinished_epoch(_progress(2, 10, 10, HISTORY), HISTORY) is None  # epoch 2 is in the history
    first = _progress(1, 1, 10)
    assert curves.unfinished_epoch(first, ()) is first
    assert curves.unfinished_epoch(None, HISTORY) is None


def test_learning_curves_of_a_history():
    result = curves.learning_curves(HISTORY)
    assert result.epochs == (1, 2) and result.train_x == (1, 2)
    assert result.train_loss == (1.5, 0.9) and result.train_accuracy == (0.4, 0.7)
    assert result.test_loss == (1.6, 1.1) and result.test_accuracy == (0.35, 0.6)


def test_a_running_epoch_extends_only_the_training_series():
    result = curves.learning_curves(HISTORY, _progress(3, 5, 20, HISTORY, loss=0.8, accuracy=0.75))
    assert result.train_x == (1, 2, 2.25)
    assert result.train_loss == (1.5, 0.9, 0.8) and result.train_accuracy == (0.4, 0.7, 0.75)
    assert result.epochs == (1, 2) and result.test_loss == (1.6, 1.1) and result.test_accuracy == (0.35, 0.6)


def test_no_history_yet():
    result = curves.learning_curves((), _progress(1, 3, 12, loss=2.0, accuracy=0.25))
    assert result.train_x == (0.25,) and result.train_loss == (2.0,) and result.train_accuracy == (0.25,)
    assert result.epochs == () and result.test_loss == ()

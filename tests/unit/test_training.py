"""explorer.nets.training: learning on small sets, stop within one batch, divergence caught, continuing = training
in one go, determinism by seed, progress on a fake clock, snapshots, agreement with a torch.optim loop, messages."""

import dataclasses

import numpy as np
import pytest
import torch

from explorer.data import datasets
from explorer.nets.architecture import Activation, ArchitectureSpec, Dense, Dropout, Flatten, build, preset
from explorer.nets.augment import AugmentConfig
from explorer.nets.checkpoints import model_from_weights
from explorer.nets.evaluation import predict
from explorer.nets.recipes import DEFAULT_DIGITS_RECIPE, DIGITS_SPEC
from explorer.nets.training import (
    MAX_EPOCHS,
    PROGRESS_INTERVAL,
    Snapshot,
    TrainConfig,
    Trainer,
    TrainerState,
    thin_weights,
)

DIGITS = datasets.digits(size=8)
TRAIN, TEST = DIGITS.split(0.2, seed=0)
SMALL_TRAIN = TRAIN.subset(np.arange(200))  # 200 images: an epoch of a small net takes a few ms
MLP = ArchitectureSpec("mlp", (1, 8, 8), (Flatten(), Dense(32), Dropout(0.2), Dense(10)), 10)


def _weights(model):
    return [p.detach().clone() for p in model.state_dict().values()]


# ------------------------------------------------------------------------------------------ learning
def test_loss_goes_down_on_a_tiny_set():
    tiny = TRAIN.subset(np.arange(40))
    history = Trainer(MLP, tiny, tiny, TrainConfig(learning_rate=0.01, batch_size=8, epochs=15)).run().history
    assert history[-1].train_loss < 0.3 * history[0].train_loss
    assert history[-1].test_accuracy == 1.0  # 40 images memorised


def test_digits_reach_90_percent_in_two_epochs():
    trainer = Trainer(DIGITS_SPEC, TRAIN, TEST, DEFAULT_DIGITS_RECIPE.config)
    result = trainer.run(epochs=2)
    assert result.history[-1].test_accuracy >= 0.9
    assert not result.stopped and result.diverged_message is None
    assert not trainer.model.training  # eval() mode after a run


def test_stop_ends_within_one_batch():
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) == 3

    trainer = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(batch_size=16, epochs=5))
    result = trainer.run(should_stop=should_stop)
    assert result.stopped and trainer.steps == 3 and len(calls) == 3
    assert [record.fraction for record in result.history] == [3 / trainer.batches_per_epoch]
    again = trainer.run(epochs=1)  # and it can go on: a full epoch 2
    assert not again.stopped and [r.epoch for r in again.history] == [1, 2] and again.history[1].fraction == 1.0


def test_a_huge_learning_rate_reports_divergence_without_raising():
    # Three dense layers with no activation: the gradient is a product of weights, which SGD at 10 blows up.
    linear = ArchitectureSpec("linear", (1, 8, 8), (Flatten(), Dense(32), Dense(32), Dense(10)), 10)
    trainer = Trainer(linear, TRAIN, TEST, TrainConfig(optimizer="sgd", learning_rate=10.0, epochs=2))
    result = trainer.run()
    assert result.diverged_message is not None
    assert result.diverged_message.startswith("the loss became ")
    assert "at epoch 1, batch " in result.diverged_message
    assert result.diverged_message.endswith("try a lower learning rate, e.g. 1")
    assert trainer.run(epochs=1).diverged_message == result.diverged_message  # and it stays stopped


def test_continuing_appends_history_and_equals_one_long_run():
    config = TrainConfig(batch_size=32, epochs=2, seed=5)
    in_two = Trainer(MLP, SMALL_TRAIN, TEST, config)
    first = in_two.run(epochs=1)
    second = in_two.run(epochs=1)
    assert [r.epoch for r in first.history] == [1] and [r.epoch for r in second.history] == [1, 2]
    assert second.history[0] == first.history[0] and len(second.snapshots) == 2
    in_one = Trainer(MLP, SMALL_TRAIN, TEST, config)
    in_one.run(epochs=2)
    assert all(torch.equal(a, b) for a, b in zip(_weights(in_two.model), _weights(in_one.model)))


@pytest.mark.parametrize(
    "spec, config",
    [
        (MLP, TrainConfig(batch_size=32, seed=5)),  # Adam, with dropout
        (MLP, TrainConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, batch_size=32, seed=2)),
        (DIGITS_SPEC, TrainConfig(batch_size=64, seed=1)),  # convolutions and batch norm statistics
    ],
)
def test_a_trainer_resumed_from_its_state_equals_one_long_run(spec, config):
    first = Trainer(spec, SMALL_TRAIN, TEST, config)
    first.run(epochs=1)
    state = first.state()
    assert isinstance(state, TrainerState) and all(isinstance(v, np.ndarray) for v in state.weights.values())
    resumed = Trainer(spec, SMALL_TRAIN, TEST, config, resume=state)
    resumed.run(epochs=1)
    in_one = Trainer(spec, SMALL_TRAIN, TEST, config)
    in_one.run(epochs=2)
    assert all(torch.equal(a, b) for a, b in zip(_weights(resumed.model), _weights(in_one.model)))

    def numbers(history):  # everything but the seconds each epoch took
        return [dataclasses.replace(record, seconds=0.0) for record in history]

    assert numbers(resumed.history) == numbers(in_one.history) and len(resumed.history) == 2
    assert resumed.steps == in_one.steps and len(resumed.snapshots) == 2
    # the state is a copy: training the first trainer on leaves it as it was
    saved = {name: array.copy() for name, array in state.weights.items()}
    first.run(epochs=1)
    assert all(np.array_equal(state.weights[name], saved[name]) for name in saved)
    assert not all(np.array_equal(state.weights[name], first.state().weights[name]) for name in saved)


def test_the_evaluation_after_an_epoch_matches_scikit_learn_on_the_models_predictions():
    from sklearn.metrics import confusion_matrix

    trainer = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(epochs=1))
    trainer.run()
    with torch.inference_mode():
        predictions = trainer.model(torch.from_numpy(TEST.images.copy())).argmax(1).numpy()
    result = trainer.state().evaluation
    np.testing.assert_array_equal(result.predictions, predictions)
    np.testing.assert_array_equal(result.matrix, confusion_matrix(TEST.labels, predictions, labels=range(10)))
    assert result.accuracy == pytest.approx(trainer.history[-1].test_accuracy)


def test_resume_refuses_what_does_not_fit():
    state = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(epochs=1)).state()
    with pytest.raises(TypeError, match="resume must be a TrainerState"):
        Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(), resume={"weights": {}})
    with pytest.raises(ValueError, match="not both"):
        Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(), resume=state, state_dict={})
    with pytest.raises(ValueError, match="'adam' optimizer's, this one is 'sgd'"):
        Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(optimizer="sgd"), resume=state)
    other = ArchitectureSpec("mlp", (1, 8, 8), (Flatten(), Dense(16), Dense(10)), 10)
    with pytest.raises(ValueError, match="state_dict does not fit"):
        Trainer(other, SMALL_TRAIN, TEST, TrainConfig(), resume=state)


def test_same_seed_same_history_other_seed_differs():
    config = TrainConfig(batch_size=32, epochs=2, seed=7, augment=AugmentConfig(shift=0.1, noise_std=0.05))

    def curve(seed):
        history = Trainer(MLP, SMALL_TRAIN, TEST, dataclasses.replace(config, seed=seed)).run().history
        return [(r.train_loss, r.train_accuracy, r.test_loss, r.test_accuracy) for r in history]

    assert curve(7) == curve(7)
    assert curve(7) != curve(8)


class SteppingClock:
    """A fake clock: time moves only when ``tick()`` is called (once per batch, from ``should_stop``)."""

    def __init__(self, seconds_per_batch: float) -> None:
        self.now, self.step = 100.0, seconds_per_batch

    def __call__(self) -> float:
        return self.now

    def tick(self) -> bool:
        self.now += self.step
        return False  # never asks to stop


def test_progress_is_reported_exactly_when_the_clock_passes_the_interval():
    # 10 batches of 20 per epoch; each batch "takes" 0.26 intervals, so 4 batches are the first to pass one.
    clock = SteppingClock(0.26 * PROGRESS_INTERVAL)
    trainer = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(batch_size=20, epochs=2), clock=clock)
    reports = []
    result = trainer.run(on_progress=reports.append, should_stop=clock.tick)
    # after batches 4 and 8, then at the end of each epoch (which starts the count again)
    assert [(r.epoch, r.batch) for r in reports] == [(1, 4), (1, 8), (1, 10), (2, 4), (2, 8), (2, 10)]
    first = reports[0]  # 4 batches = 80 images in 4 · 0.26 intervals; 16 batches of 20 to go at the same pace
    assert first.images_per_second == pytest.approx(80 / (4 * 0.26 * PROGRESS_INTERVAL))
    assert first.eta_seconds == pytest.approx(16 * 0.26 * PROGRESS_INTERVAL)
    assert first.fraction_done == pytest.approx(4 / 20)
    assert [record.seconds for record in result.history] == pytest.approx([10 * 0.26 * PROGRESS_INTERVAL] * 2)
    # a clock that stands still: only the end-of-epoch reports
    frozen = SteppingClock(0.0)
    reports.clear()
    Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(batch_size=20, epochs=2), clock=frozen).run(
        on_progress=reports.append, should_stop=frozen.tick
    )
    assert [(r.epoch, r.batch) for r in reports] == [(1, 10), (2, 10)]


def test_progress_reports_and_snapshots():
    reports = []
    trainer = Trainer(DIGITS_SPEC, SMALL_TRAIN, TEST, TrainConfig(batch_size=50, epochs=2))
    result = trainer.run(on_progress=reports.append)
    assert reports[-1].fraction_done == 1.0 and reports[-1].epoch == reports[-1].epochs == 2
    assert reports[-1].batches_per_epoch == 4 and len(reports[-1].history) == 2 and reports[-1].eta_seconds == 0
    # the running means of an epoch's batches, reported at its end, are what its record says
    assert reports[-1].epoch_loss == pytest.approx(result.history[-1].train_loss)
    assert reports[-1].epoch_accuracy == pytest.approx(result.history[-1].train_accuracy)
    snapshot = result.snapshots[-1]
    assert snapshot.embeddings.shape == (len(TEST), 64 * 2 * 2) and snapshot.embeddings.dtype == np.float32
    np.testing.assert_array_equal(snapshot.labels, TEST.labels[snapshot.indices])
    np.testing.assert_array_equal(snapshot.conv1_filters, trainer.model[0].weight.detach().numpy())
    assert snapshot.conv1_filters.shape == (32, 1, 3, 3)
    assert result.snapshots[0].conv1_filters is not snapshot.conv1_filters  # a copy per epoch


def test_snapshot_weights_rebuild_the_network_of_each_epoch():
    # Reference: the test accuracy the trainer measured after each epoch, from its own model at that moment.
    trainer = Trainer(DIGITS_SPEC, SMALL_TRAIN, TEST, TrainConfig(batch_size=50, epochs=3, learning_rate=0.01))
    result = trainer.run()
    accuracies = []
    for snapshot in result.snapshots:
        predictions, _ = predict(model_from_weights(DIGITS_SPEC, snapshot.weights), TEST)
        accuracies.append(float(np.mean(predictions == TEST.labels)))
    assert accuracies == pytest.approx([record.test_accuracy for record in result.history], abs=1e-9)
    assert len(set(accuracies)) > 1  # the epochs really differ


def test_thin_weights_keeps_first_and_last_and_spreads_the_rest():
    def snapshot(epoch):
        empty = np.zeros((1, 1), np.float32)
        return Snapshot(epoch, empty, np.zeros(1, np.int64), None, np.zeros(1, np.int64), {"w": np.zeros(10)})

    snapshots = [snapshot(epoch) for epoch in range(1, 10)]  # 9 epochs of 10 numbers
    assert thin_weights(snapshots, budget=90) == snapshots
    # 90 > 50: drop epochs 2, 4, 6, 8 -> 1, 3, 5, 7, 9 = 50 numbers
    kept = [s.epoch for s in thin_weights(snapshots, budget=50) if s.weights is not None]
    assert kept == [1, 3, 5, 7, 9]
    # 50 > 30: drop 3 and 7 of the kept -> 1, 5, 9
    kept = [s.epoch for s in thin_weights(snapshots, budget=30) if s.weights is not None]
    assert kept == [1, 5, 9]
    assert [s.epoch for s in thin_weights(snapshots, budget=0) if s.weights is not None] == [1, 9]


@pytest.mark.parametrize(
    "settings",
    [
        dict(optimizer="adam", learning_rate=0.01, weight_decay=0.01),
        dict(optimizer="sgd", learning_rate=0.1, momentum=0.5, weight_decay=0.01),
    ],
)
def test_full_batch_training_matches_a_torch_optim_loop(settings):
    # One batch per epoch (the whole set, so the order of the images only changes float rounding) and no dropout:
    # each epoch is one step of torch.optim's reference implementation on the same model.
    spec = ArchitectureSpec("relu mlp", (1, 8, 8), (Flatten(), Dense(32), Activation("relu"), Dense(10)), 10)
    config = TrainConfig(batch_size=len(SMALL_TRAIN), epochs=4, seed=2, **settings)
    trainer = Trainer(spec, SMALL_TRAIN, TEST, config)
    trainer.run()
    reference = build(spec, seed=2).train()
    if config.optimizer == "adam":
        optimizer = torch.optim.Adam(reference.parameters(), lr=config.learning_rate, weight_decay=0.01, foreach=False)
    else:
        optimizer = torch.optim.SGD(
            reference.parameters(), lr=config.learning_rate, momentum=0.5, weight_decay=0.01, foreach=False
        )
    x, y = torch.from_numpy(SMALL_TRAIN.images.copy()), torch.from_numpy(SMALL_TRAIN.labels.copy())
    for _ in range(config.epochs):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(reference(x), y).backward()
        optimizer.step()
    for mine, theirs in zip(trainer.model.parameters(), reference.parameters()):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)


def test_a_state_dict_passed_in_is_not_changed():
    source = build(MLP, seed=3)
    before = _weights(source)
    trainer = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig(epochs=1), state_dict=source.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(_weights(trainer.model), before))  # starts from it
    trainer.run()
    for a, b in zip(_weights(source), before):
        assert torch.equal(a, b)


# ---------------------------------------------------------------------------------------------- input
def test_config_and_trainer_messages():
    with pytest.raises(ValueError, match=r"optimizer must be one of \('adam', 'sgd'\), got 'rmsprop'"):
        TrainConfig(optimizer="rmsprop")
    with pytest.raises(ValueError, match=r"learning_rate must be from 1e-06 to 10.0, got 20"):
        TrainConfig(learning_rate=20)
    with pytest.raises(ValueError, match=rf"epochs must be from 1 to {MAX_EPOCHS}, got 0"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match=r"batch_size must be an integer from 1 to 1024, got 2.5 \(float\)"):
        TrainConfig(batch_size=2.5)
    with pytest.raises(TypeError, match=r"augment must be an AugmentConfig, got dict"):
        TrainConfig(augment={})
    big = preset("mlp", input_shape=(1, 16, 16))
    with pytest.raises(ValueError, match=r"takes images of shape \(1, 16, 16\).*train images are \(1, 8, 8\)"):
        Trainer(big, TRAIN, TEST, TrainConfig())
    with pytest.raises(ValueError, match=r"state_dict does not fit this architecture"):
        Trainer(MLP, TRAIN, TEST, TrainConfig(), state_dict=build(DIGITS_SPEC).state_dict())
    trainer = Trainer(MLP, SMALL_TRAIN, TEST, TrainConfig())
    with pytest.raises(ValueError, match=rf"epochs must be a whole number from 1 to {MAX_EPOCHS}"):
        trainer.run(epochs=MAX_EPOCHS + 1)

"""Transfer learning (explorer.deep.trunk, explorer.deep.transfer, the Backbone layer of explorer.nets.architecture
and the Trainer's single pass through frozen layers), with a backbone of random weights (no download).

References: torchvision's own squeezenet1_1 run by hand (resize, normalise, features), torch's parameter count,
the weights of the backbone the training started from, and the Trainer without its pass through frozen layers.
"""

from __future__ import annotations

import hashlib

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchvision import models

from explorer.data import own_images
from explorer.deep import backbone, transfer, trunk
from explorer.nets import architecture, checkpoints, layer_table, spec_json, training
from explorer.nets.architecture import Activation, ArchitectureSpec, Backbone, Conv, Dense, Flatten


@pytest.fixture(scope="module")
def pretrained():
    """SqueezeNet 1.1 with random weights standing in for ImageNet's (seed 5: not the trunk's default 0)."""
    return backbone.build(pretrained=False, seed=5)


def _png(colour: tuple[int, int, int], position: int, size: int = 40) -> bytes:
    picture = np.full((size, size, 3), 230, np.uint8)
    cv2.circle(picture, (8 + 3 * position, 12 + 2 * position), 7 + position % 4, colour, -1)
    ok, data = cv2.imencode(".png", picture[:, :, ::-1])
    assert ok
    return data.tobytes()


@pytest.fixture(scope="module")
def own_set():
    """A small own-image set as the Train page makes it: 2 classes × 8 pictures (red or blue discs), 32 px."""
    files = {
        "red": [_png((220, 30, 30), i) for i in range(8)],
        "blue": [_png((30, 30, 220), i) for i in range(8)],
    }
    dataset = own_images.from_class_files(files, image_size=32, color=True).dataset
    return dataset.split(0.25, seed=0)


def _digest(tensors) -> str:
    hasher = hashlib.sha256()
    for name, tensor in tensors:
        hasher.update(name.encode() + tensor.detach().numpy().tobytes())
    return hasher.hexdigest()


# ------------------------------------------------------------------------------------------------- the trunk


@pytest.mark.parametrize("size", [32, 33, 64, 100, 128, 224])
def test_output_side_is_what_the_trunk_outputs(size):
    # Hand-worked: 128 -> conv1 63 -> pools 31, 15, 7.
    assert trunk.output_side(128) == 7
    out = trunk.build(3, size)(torch.rand(1, 3, 20, 24))
    assert tuple(out.shape) == (1, 512, trunk.output_side(size), trunk.output_side(size))


@pytest.mark.parametrize("channels", [1, 3])
def test_param_count_matches_torch(channels):
    built = trunk.build(channels, 64)
    assert trunk.param_count(channels) == sum(p.numel() for p in built.parameters())
    assert not any(p.requires_grad for p in built.parameters())
    assert not built.training


def test_the_trunk_is_torchvisions_squeezenet_on_resized_normalised_pictures(pretrained):
    built = trunk.build(3, 96)
    built.load_state_dict(trunk.pretrained_state(3, pretrained))
    pictures = torch.rand(2, 3, 30, 30, generator=torch.Generator().manual_seed(0))
    reference_net = models.squeezenet1_1(weights=None)
    reference_net.features.load_state_dict({k: v for k, v in pretrained[:13].state_dict().items()}, strict=True)
    resized = F.interpolate(pictures, size=(96, 96), mode="bilinear", align_corners=False)
    mean, std = torch.tensor(backbone.MEAN).view(1, 3, 1, 1), torch.tensor(backbone.STD).view(1, 3, 1, 1)
    expected = reference_net.features((resized - mean) / std)
    torch.testing.assert_close(built(pictures), expected, rtol=1e-4, atol=1e-4)


def test_a_gray_picture_goes_in_as_three_equal_channels(pretrained):
    gray, rgb = trunk.build(1, 64), trunk.build(3, 64)
    gray.load_state_dict(trunk.pretrained_state(1, pretrained))
    rgb.load_state_dict(trunk.pretrained_state(3, pretrained))
    picture = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    # Summing conv1's channels first rounds differently from summing the products: float32 agreement.
    torch.testing.assert_close(gray(picture), rgb(picture.repeat(1, 3, 1, 1)), rtol=1e-4, atol=1e-4)


def test_trunk_refuses_bad_settings():
    with pytest.raises(ValueError, match="channels must be 1 .gray. or 3"):
        trunk.build(2, 64)
    with pytest.raises(ValueError, match="size must be from 32 to 224"):
        trunk.output_side(16)


# -------------------------------------------------------------------------------------- the Backbone layer


def test_transfer_spec_summary_by_hand():
    network = transfer.spec((3, 32, 32), 4)
    rows = architecture.summary(network)
    assert [row.output_shape for row in rows] == [(512, 7, 7), (512, 7, 7), (512, 1, 1), (512,), (4,)]
    assert [row.frozen for row in rows] == [True, False, False, False, False]
    assert architecture.count_trainable(network) == 512 * 4 + 4
    assert architecture.count_params(network) == 722_496 + 512 * 4 + 4  # SqueezeNet 1.1's features: 722,496
    model = architecture.build(network)
    assert len(model) == len(network.layers)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 512 * 4 + 4


def test_backbone_layer_errors_name_the_layer():
    with pytest.raises(
        ValueError, match=r"layer 2 \(pretrained SqueezeNet, frozen, 128 px\): a pretrained backbone must be the first"
    ):
        ArchitectureSpec("x", (3, 32, 32), (Conv(3, 1), Backbone(), Flatten(), Dense(2)), 2)
    with pytest.raises(ValueError, match="Backbone size must be from 32 to 224"):
        Backbone(16)
    with pytest.raises(ValueError, match="Pool size must be from 1 to 8, got 13"):
        transfer.spec((3, 32, 32), 2, size=224)  # the whole-map pool: 13×13 is past the pooling limit


def test_backbone_spec_round_trips_through_json_and_a_checkpoint(pretrained):
    network = transfer.spec((1, 24, 24), 3, size=64)
    assert spec_json.spec_from_dict(spec_json.spec_to_dict(network)) == network
    model = architecture.build(network)
    model.load_state_dict(transfer.to_state_dict(transfer.initial_weights(network, pretrained, seed=2)))
    data = checkpoints.save_checkpoint(model, network, class_names=("a", "b", "c"))
    loaded = checkpoints.load_checkpoint(data)
    pictures = torch.rand(2, 1, 24, 24)
    torch.testing.assert_close(loaded.model(pictures), model(pictures))
    assert loaded.spec == network


def test_receptive_fields_stop_at_the_backbone():
    network = ArchitectureSpec("x", (3, 32, 32), (Backbone(64), Conv(8, 3), Activation(), Flatten(), Dense(2)), 2)
    assert architecture.receptive_fields(network) == [None] * 5


# ----------------------------------------------------------------------------------------- initial weights


def test_initial_weights_take_the_trunk_from_the_pretrained_network(pretrained):
    network = transfer.spec((3, 32, 32), 2)
    weights = transfer.initial_weights(network, pretrained, seed=1)
    # Module 0 of the trunk resizes, 1.. are SqueezeNet's 0..12; conv1 with the normalisation folded in.
    conv1 = pretrained[0]
    scale = backbone.STD.reshape(1, 3, 1, 1)
    expected_bias = conv1.bias.numpy() - (conv1.weight.numpy() * backbone.MEAN.reshape(1, 3, 1, 1) / scale).sum(
        axis=(1, 2, 3)
    )
    np.testing.assert_allclose(weights["0.1.weight"], conv1.weight.numpy() / scale, rtol=1e-6)
    np.testing.assert_allclose(weights["0.1.bias"], expected_bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(weights["0.13.expand3x3.weight"], pretrained[12].expand3x3.weight.numpy())
    fresh = architecture.build(network, seed=1).state_dict()
    np.testing.assert_array_equal(weights["4.weight"], fresh["4.weight"].numpy())  # the new layer: from the seed
    with pytest.raises(ValueError, match="must start with a pretrained backbone"):
        transfer.initial_weights(
            layer_table.rows_to_spec([{"layer": "flatten"}], name="x", input_shape=(3, 8, 8), num_classes=2), pretrained
        )


# ----------------------------------------------------------------------------------------------- training


def test_a_frozen_backbone_trains_only_the_new_layer(own_set, pretrained):
    train, test = own_set
    network = transfer.spec(train.image_shape, train.n_classes, size=64)
    trainer = training.Trainer(
        network,
        train,
        test,
        training.TrainConfig(epochs=3, batch_size=4, learning_rate=0.01),
        state_dict=transfer.to_state_dict(transfer.initial_weights(network, pretrained, seed=0)),
    )
    before_trunk = _digest(trainer.model[0].state_dict().items())
    before_head = trainer.model[4].weight.detach().clone()
    result = trainer.run()
    assert len(result.history) == 3
    assert _digest(trainer.model[0].state_dict().items()) == before_trunk
    assert not torch.equal(trainer.model[4].weight, before_head)
    assert torch.equal(trainer.model[0][4].squeeze.weight, pretrained[3].squeeze.weight)  # fire2, untouched
    assert torch.equal(trainer.model[0][13].squeeze.weight, pretrained[12].squeeze.weight)  # and fire9
    snapshot = result.snapshots[-1]
    assert snapshot.embeddings.shape == (len(test), 512) and snapshot.conv1_filters is None


def test_the_single_pass_gives_the_numbers_of_running_the_whole_network(own_set, pretrained, monkeypatch):
    train, test = own_set
    network = transfer.spec(train.image_shape, train.n_classes, size=48)
    config = training.TrainConfig(epochs=2, batch_size=4)
    state = transfer.initial_weights(network, pretrained, seed=0)

    def history() -> tuple[training.EpochRecord, ...]:
        trainer = training.Trainer(network, train, test, config, state_dict=transfer.to_state_dict(state))
        return trainer.run().history

    stored = history()
    monkeypatch.setattr(training, "frozen_prefix", lambda model: 0)  # the Trainer before the single pass
    whole = history()
    for ours, reference in zip(stored, whole):
        assert ours.train_loss == pytest.approx(reference.train_loss, rel=1e-4)
        assert ours.test_loss == pytest.approx(reference.test_loss, rel=1e-4)
        assert ours.test_accuracy == reference.test_accuracy


def test_frozen_prefix_counts_frozen_layers_only(pretrained):
    network = transfer.spec((3, 32, 32), 2)
    assert training.frozen_prefix(architecture.build(network)) == 4  # backbone, relu, avgpool, flatten
    small = layer_table.rows_to_spec(
        [{"layer": "flatten"}, {"layer": "dense", "size": 8}], name="x", input_shape=(1, 8, 8), num_classes=2
    )
    assert training.frozen_prefix(architecture.build(small)) == 0  # a flatten alone is not worth storing


def test_the_pass_reports_progress_and_can_be_stopped(own_set, pretrained):
    train, test = own_set
    network = transfer.spec(train.image_shape, train.n_classes, size=48)
    state = transfer.initial_weights(network, pretrained, seed=0)
    config = training.TrainConfig(epochs=1, batch_size=4)
    ticks = iter(range(10_000))
    trainer = training.Trainer(
        network, train, test, config, state_dict=transfer.to_state_dict(state), clock=lambda: float(next(ticks))
    )
    reports: list[training.Progress] = []
    trainer.run(on_progress=reports.append)
    passing = [p for p in reports if p.batch == 0]
    assert passing and passing[-1].fraction_done == pytest.approx(training.FROZEN_SHARE)
    assert all(a.fraction_done <= b.fraction_done for a, b in zip(reports, reports[1:]))
    assert reports[-1].fraction_done == pytest.approx(1.0)
    stopped = training.Trainer(network, train, test, config, state_dict=transfer.to_state_dict(state))
    result = stopped.run(should_stop=lambda: True)
    assert result.stopped and result.history == ()


def test_augmentation_runs_the_backbone_every_batch(own_set, pretrained):
    train, test = own_set
    network = transfer.spec(train.image_shape, train.n_classes, size=48)
    from explorer.nets.augment import AugmentConfig

    config = training.TrainConfig(epochs=1, batch_size=4, augment=AugmentConfig(hflip=True))
    trainer = training.Trainer(
        network, train, test, config, state_dict=transfer.to_state_dict(transfer.initial_weights(network, pretrained))
    )
    reports: list[training.Progress] = []
    result = trainer.run(on_progress=reports.append)
    assert len(result.history) == 1 and all(p.batch > 0 for p in reports)


def test_compare_trains_both_networks_on_the_same_split(own_set, pretrained):
    train, test = own_set
    scratch = layer_table.rows_to_spec(
        [{"layer": "conv", "size": 4, "kernel": 3}, {"layer": "relu"}, {"layer": "flatten"}],
        name="small",
        input_shape=train.image_shape,
        num_classes=train.n_classes,
    )
    ticks = iter(range(10_000))
    result = transfer.compare(
        train,
        test,
        pretrained=pretrained,
        scratch=scratch,
        config=training.TrainConfig(epochs=2, batch_size=4),
        size=48,
        clock=lambda: float(next(ticks)),
    )
    assert len(result.pretrained) == len(result.scratch) == 2
    assert result.pretrained_params == 512 * 2 + 2
    assert result.scratch_params == architecture.count_params(scratch) == 4 * 28 + 4 * 30 * 30 * 2 + 2
    table = result.table()
    assert [row["network"] for row in table] == ["pretrained backbone + new layer", "from scratch"]
    assert all(0.0 <= row["test accuracy"] <= 1.0 for row in table)
    assert all(row["seconds"] > 0 for row in table)


def test_two_runs_and_a_resumed_trainer_give_the_numbers_of_one_run(own_set, pretrained):
    """The Train page's "Continue": a second run (the stored outputs reused) and a trainer resumed from the
    state in another process (the pass made again) train on exactly as one longer run."""
    train, test = own_set
    network = transfer.spec(train.image_shape, train.n_classes, size=48)
    state = transfer.to_state_dict(transfer.initial_weights(network, pretrained, seed=0))
    config = training.TrainConfig(epochs=1, batch_size=4)
    whole = training.Trainer(network, train, test, config, state_dict=state).run(epochs=2).history
    twice = training.Trainer(network, train, test, config, state_dict=state)
    twice.run()
    reports: list[training.Progress] = []
    second = twice.run(on_progress=reports.append).history
    assert all(p.batch > 0 for p in reports)  # no second pass through the backbone
    resumed = training.Trainer(network, train, test, config, resume=twice.state()).state()
    first_only = training.Trainer(network, train, test, config, state_dict=state)
    first_only.run()
    continued = training.Trainer(network, train, test, config, resume=first_only.state()).run().history
    for history in (second, continued):
        assert [r.train_loss for r in history] == pytest.approx([r.train_loss for r in whole], rel=1e-6)
        assert [r.test_accuracy for r in history] == [r.test_accuracy for r in whole]
    assert len(resumed.history) == 2

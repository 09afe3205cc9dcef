"""explorer.nets.architecture: the Keras figures of the TensorFlow tutorial, hand counts of TinyVGG and LeNet-5,
PyTorch builds that agree with the arithmetic, and bad specs refused with clear messages."""

import pytest
import torch

from explorer.nets import architecture as arch
from explorer.nets.architecture import Activation, ArchitectureSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool

INPUTS = [(3, 32, 32), (1, 28, 28), (1, 32, 32), (3, 64, 64)]


def _without_activations(rows):
    """Keras' summary folds activations into their layer: drop our separate activation rows."""
    return [row for row in rows if row.kind != "activation"]


def test_tf_tutorial_cnn_matches_keras_summary():
    spec = arch.preset("tf_cnn", input_shape=(3, 32, 32), num_classes=10)
    rows = _without_activations(arch.summary(spec))
    shapes = [arch.format_shape(row.output_shape) for row in rows]
    assert shapes == ["30×30×32", "15×15×32", "13×13×64", "6×6×64", "4×4×64", "1024", "64", "10"]
    assert [row.params for row in rows] == [896, 0, 18_496, 0, 36_928, 0, 65_600, 650]
    assert arch.count_params(spec) == 122_570


def test_tinyvgg_hand_count_on_cnn_explainer_input():
    spec = arch.preset("tinyvgg", input_shape=(3, 64, 64), num_classes=10)
    rows = _without_activations(arch.summary(spec))
    assert [row.output_shape for row in rows] == [
        (10, 62, 62),
        (10, 60, 60),
        (10, 30, 30),
        (10, 28, 28),
        (10, 26, 26),
        (10, 13, 13),
        (1690,),
        (10,),
    ]
    first = 10 * (3 * 3 * 3 + 1)  # 280
    later = 10 * (3 * 3 * 10 + 1)  # 910, three times
    dense = (13 * 13 * 10 + 1) * 10  # 16,910
    assert [row.params for row in rows] == [first, later, 0, later, later, 0, 0, dense]
    assert arch.count_params(spec) == first + 3 * later + dense == 19_920


def test_lenet5_classic_count():
    spec = arch.preset("lenet5", input_shape=(1, 32, 32), num_classes=10)
    c1 = 6 * (5 * 5 * 1 + 1)  # 156, output 28x28x6, pooled to 14x14
    c3 = 16 * (5 * 5 * 6 + 1)  # 2,416, output 10x10x16, pooled to 5x5
    f5 = (5 * 5 * 16 + 1) * 120  # 48,120
    f6 = (120 + 1) * 84  # 10,164
    out = (84 + 1) * 10  # 850
    assert arch.count_params(spec) == c1 + c3 + f5 + f6 + out == 61_706


@pytest.mark.parametrize("name", arch.PRESETS)
@pytest.mark.parametrize("input_shape", INPUTS)
def test_build_agrees_with_summary(name, input_shape):
    spec = arch.preset(name, input_shape=input_shape, num_classes=7)
    rows = arch.summary(spec)
    model = arch.build(spec, seed=0).eval()
    assert sum(p.numel() for p in model.parameters()) == sum(row.params for row in rows)
    assert len(model) == len(rows)
    x = torch.zeros(2, *input_shape)
    with torch.no_grad():
        for module, row in zip(model, rows):
            x = module(x)
            assert tuple(x.shape[1:]) == row.output_shape, row
            assert sum(p.numel() for p in module.parameters()) == row.params, row


def test_build_every_layer_kind():
    layers = (
        Conv(8, 3, padding="same"),
        BatchNorm(),
        Activation("leaky_relu"),
        Pool("avg", 3, stride=2),
        Conv(4, 4, stride=2, padding=1),
        Activation("sigmoid"),
        Dropout(0.25),
        Flatten(),
        Dense(16),
        BatchNorm(),
        Activation("tanh"),
        Dense(3),
    )
    spec = ArchitectureSpec("every kind", (1, 20, 20), layers, 3)
    rows = arch.summary(spec)
    # same: 20; pool 3/2: (20-3)//2+1 = 9; conv 4 stride 2 pad 1: (9+2-4)//2+1 = 4
    assert [row.output_shape for row in rows[:5]] == [(8, 20, 20), (8, 20, 20), (8, 20, 20), (8, 9, 9), (4, 4, 4)]
    assert rows[1].params == 16 and rows[9].params == 32  # BatchNorm: scale and shift per channel
    test_model = arch.build(spec, seed=1).eval()
    assert sum(p.numel() for p in test_model.parameters()) == arch.count_params(spec)
    assert test_model(torch.zeros(2, 1, 20, 20)).shape == (2, 3)


def test_build_is_seeded_and_leaves_the_global_rng_alone():
    spec = arch.preset("tinyvgg", input_shape=(1, 28, 28), num_classes=10)
    torch.manual_seed(5)
    a = arch.build(spec, seed=3)
    after = torch.rand(1)
    torch.manual_seed(5)
    b = arch.build(spec, seed=3)
    assert torch.equal(torch.rand(1), after)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    c = arch.build(spec, seed=4)
    assert not torch.equal(next(a.parameters()), next(c.parameters()))


def test_receptive_fields_of_the_tf_cnn():
    spec = arch.preset("tf_cnn", input_shape=(3, 32, 32), num_classes=10)
    # conv3: 3; pool2: 4 (jump 2); conv3: 4 + 2·2 = 8; pool2: 10 (jump 4); conv3: 10 + 2·4 = 18
    fields = [f for f, row in zip(arch.receptive_fields(spec), arch.summary(spec)) if row.kind != "activation"]
    assert fields == [3, 4, 8, 10, 18, None, None, None]


def test_impossible_specs_name_the_layer():
    with pytest.raises(ValueError, match=r"^layer 5 \(maxpool 2\): input is 1×1, too small to pool with size 2$"):
        arch.preset("tinyvgg", input_shape=(3, 5, 5), num_classes=10)
    with pytest.raises(ValueError, match=r"^layer 6 \(conv 10 3×3\): input is 2×2, too small to take a kernel of 3$"):
        arch.preset("tinyvgg", input_shape=(3, 8, 8), num_classes=10)
    with pytest.raises(
        ValueError, match=r"^layer 1 \(dense 10\): needs a flat vector, got 28×28×1 feature maps; add a flatten"
    ):
        ArchitectureSpec("x", (1, 28, 28), (Dense(10),), 10)
    with pytest.raises(ValueError, match=r"^layer 3 \(conv 4 3×3\): needs C×H×W feature maps, but comes after flatten"):
        ArchitectureSpec("x", (1, 28, 28), (Flatten(), Dense(10), Conv(4, 3)), 10)
    with pytest.raises(ValueError, match=r"^layer 2 \(flatten\): the input is already flat \(784\)"):
        ArchitectureSpec("x", (1, 28, 28), (Flatten(), Flatten(), Dense(10)), 10)
    with pytest.raises(ValueError, match=r"the last layer must output num_classes = 10 values, it outputs 5"):
        ArchitectureSpec("x", (1, 28, 28), (Flatten(), Dense(5)), 10)


def test_limits_are_enforced():
    # (3·256·256 + 1)·4096 + (4096 + 1)·10 = 805,310,464 + 40,970
    with pytest.raises(ValueError, match="the network has 805,351,434 parameters, more than the limit of 5,000,000"):
        ArchitectureSpec("huge", (3, 256, 256), (Flatten(), Dense(4096), Dense(10)), 10)
    with pytest.raises(
        ValueError, match=r"layer 1 \(conv 512 3×3, padding same\): outputs 256×256×512 = 33,554,432 values"
    ):
        ArchitectureSpec("wide", (3, 256, 256), (Conv(512, 3, padding="same"), Flatten(), Dense(10)), 10)
    with pytest.raises(ValueError, match=f"layers must be a list of 1 to {arch.MAX_LAYERS} layers, got 49"):
        ArchitectureSpec("deep", (1, 8, 8), (Activation(),) * 49, 10)
    with pytest.raises(ValueError, match="Conv padding 'same' needs stride 1, got stride 2"):
        Conv(4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Conv filters must be from 1 to 512, got 0"):
        Conv(0, 3)

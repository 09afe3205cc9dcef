"""The editable layer table of the "Train a CNN" page (explorer.nets.layer_table)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from explorer.nets import architecture
from explorer.nets import layer_table as table
from explorer.nets.architecture import Activation, Conv, Dense, Dropout, Flatten, Pool


def row(layer, size=None, kernel=None, stride=None, padding=None):
    return {"layer": layer, "size": size, "kernel": kernel, "stride": stride, "padding": padding}


def test_tf_cnn_rows_rebuild_the_keras_network():
    rows = table.preset_rows("tf_cnn")
    spec = table.rows_to_spec(rows, name="mine", input_shape=(3, 32, 32), num_classes=10)
    # The TensorFlow CIFAR-10 tutorial's model.summary(): 122,570 trainable parameters.
    assert architecture.count_params(spec) == 122_570
    assert [r["layer"] for r in rows] == [
        "conv",
        "relu",
        "maxpool",
        "conv",
        "relu",
        "maxpool",
        "conv",
        "relu",
        "flatten",
        "dense",
        "relu",
    ]
    assert spec.layers[-1] == Dense(10)


def test_output_layer_follows_the_number_of_classes():
    rows = [row("flatten"), row("dense", 16), row("relu")]
    spec = table.rows_to_spec(rows, name="mlp", input_shape=(1, 8, 8), num_classes=3)
    assert spec.layers == (Flatten(), Dense(16), Activation("relu"), Dense(3))
    # 8·8 = 64 inputs: (64 + 1)·16 + (16 + 1)·3 = 1040 + 51
    assert architecture.count_params(spec) == 1091


def test_every_kind_parses_with_defaults_and_text_cells():
    rows = [
        row("conv", "8", "3", None, "same"),
        row("batchnorm"),
        row("leaky_relu"),
        row("avgpool", 2),
        row("conv", 4.0, 3, 2, "1"),
        row("maxpool", 2, stride=1),
        row("dropout"),
        row("flatten"),
        row("dropout", "0.25"),
    ]
    spec = table.rows_to_spec(rows, name="all", input_shape=(1, 16, 16), num_classes=2)
    assert spec.layers[0] == Conv(8, 3, stride=1, padding="same")
    assert spec.layers[3] == Pool("avg", 2)
    assert spec.layers[4] == Conv(4, 3, stride=2, padding=1)
    assert spec.layers[5] == Pool("max", 2, stride=1)
    assert spec.layers[6] == Dropout(0.5) and spec.layers[8] == Dropout(0.25)
    # 16 -same-> 16 -avgpool 2-> 8 -conv 3, stride 2, pad 1-> ⌊(8 + 2 − 3)/2⌋ + 1 = 4 -maxpool 2, stride 1-> 3
    assert architecture.summary(spec)[5].output_shape == (4, 3, 3)


def test_rows_round_trip_through_a_data_frame_with_blank_cells():
    rows = table.preset_rows("lenet5")
    frame = pd.DataFrame(rows, columns=list(table.COLUMNS))
    back = frame.to_dict("records")  # blanks come back as None / NaN
    assert any(isinstance(v, float) and math.isnan(v) for r in back for v in r.values())
    spec = table.rows_to_spec(back, name="LeNet", input_shape=(1, 32, 32), num_classes=10)
    assert spec.layers == architecture.preset("lenet5", input_shape=(1, 32, 32), num_classes=10).layers
    assert architecture.count_params(spec) == 61_706  # LeNet-5 as usually rebuilt


def test_blank_rows_are_skipped():
    rows = [row(None), row("flatten"), {"layer": "", "size": float("nan"), "kernel": pd.NA}]
    spec = table.rows_to_spec(rows, name="x", input_shape=(1, 4, 4), num_classes=2)
    assert spec.layers == (Flatten(), Dense(2))


def test_impossible_spec_names_the_layer():
    rows = table.preset_rows("tf_cnn")
    with pytest.raises(ValueError, match=r"^layer 6 \(maxpool 2\): input is 1×1, too small to pool with size 2$"):
        table.rows_to_spec(rows, name="x", input_shape=(1, 8, 8), num_classes=10)


def test_dense_before_flatten_names_the_layer():
    with pytest.raises(ValueError, match=r"layer 2 \(dense 10\): needs a flat vector, got 6×6×4 feature maps"):
        table.rows_to_spec([row("conv", 4, 3), row("dense", 10)], name="x", input_shape=(1, 8, 8), num_classes=2)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row("conv", None, 3), "row 1 (conv): size (filters) is missing"),
        (row("conv", 8), "row 1 (conv): kernel is missing"),
        (row("conv", "eight", 3), "row 1 (conv): size (filters) must be a number, got 'eight'"),
        (row("conv", 2.5, 3), "row 1 (conv): size (filters) must be a whole number, got 2.5"),
        (row("conv", 8, 3, padding="full"), "row 1 (conv): padding must be a whole number or 'same', got 'full'"),
        (row("conv", 8, 3, padding=5), "row 1 (conv): Conv padding must be from 0 to 1, got 5"),
        (row("maxpool"), "row 1 (maxpool): size (window) is missing"),
        (row("dense", 0), "row 1 (dense): Dense units must be from 1 to 4096, got 0"),
        (row("dropout", 1.0), "row 1 (dropout): Dropout p must be a number from 0 up to (not including) 1, got 1.0"),
        (row("softmax"), "row 1: layer must be one of conv, maxpool, avgpool"),
        (row("conv", float("inf"), 3), "row 1 (conv): size (filters) must be a finite number, got inf"),
    ],
)
def test_bad_cells_name_the_row(bad, message):
    with pytest.raises(ValueError) as caught:
        table.rows_to_spec([bad], name="x", input_shape=(1, 8, 8), num_classes=2)
    assert str(caught.value).startswith(message)


def test_type_errors():
    with pytest.raises(TypeError, match="rows must be a sequence of mappings, got str"):
        table.rows_to_spec("conv", name="x", input_shape=(1, 8, 8), num_classes=2)
    with pytest.raises(TypeError, match="spec must be an ArchitectureSpec, got dict"):
        table.spec_to_rows({})


@pytest.mark.parametrize("name", architecture.PRESETS)
def test_every_preset_round_trips(name):
    spec = architecture.preset(name, input_shape=(3, 32, 32), num_classes=10)
    rebuilt = table.rows_to_spec(table.spec_to_rows(spec), name=spec.name, input_shape=(3, 32, 32), num_classes=10)
    assert rebuilt == spec


def test_small_cnn_fits_8x8_digits_with_a_hand_counted_size():
    spec = table.rows_to_spec(table.preset_rows(table.SMALL_CNN), name="s", input_shape=(1, 8, 8), num_classes=10)
    # 16·(9 + 1) + 32·(9·16 + 1) + (32·2·2 + 1)·64 + (64 + 1)·10 = 160 + 4640 + 8256 + 650
    assert architecture.count_params(spec) == 13_706
    assert architecture.summary(spec)[5].output_shape == (32, 2, 2)


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        table.preset_rows("resnet")


def test_digits_cnn_is_the_default_digits_models_network():
    from explorer.nets import recipes

    spec = table.rows_to_spec(table.preset_rows(table.DIGITS_CNN), name="d", input_shape=(1, 8, 8), num_classes=10)
    assert spec.layers == recipes.DIGITS_SPEC.layers
    # conv 32·(9 + 1), batch norm 2·32, conv 32·(9·32 + 1), 2·32, conv 64·(9·32 + 1), 2·64, then the 2×2×64
    # left after two poolings to the output layer: (256 + 1)·10 = 320 + 64 + 9,248 + 64 + 18,496 + 128 + 2,570
    assert architecture.count_params(spec) == 30_890

"""explorer.nets.spec_json: specs survive a JSON round trip, and untrusted dicts are refused with clear
messages."""

import json

import pytest

from explorer.nets import architecture as arch
from explorer.nets.architecture import ArchitectureSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool
from explorer.nets.spec_json import spec_from_dict, spec_to_dict


def _roundtrip(spec):
    return spec_from_dict(json.loads(json.dumps(spec_to_dict(spec))))


def test_dict_round_trip():
    for name in arch.PRESETS:
        spec = arch.preset(name, input_shape=(3, 32, 32), num_classes=10)
        assert _roundtrip(spec) == spec
    layers = (Conv(4, 3, padding="same"), BatchNorm(), Pool("avg", 2, stride=1), Dropout(0.1), Flatten(), Dense(2))
    spec = ArchitectureSpec("custom", (1, 6, 6), layers, 2)
    assert _roundtrip(spec) == spec
    assert spec_to_dict(spec)["layers"][0] == {
        "type": "conv",
        "filters": 4,
        "kernel": 3,
        "stride": 1,
        "padding": "same",
    }


def _good():
    return spec_to_dict(arch.preset("tf_cnn", input_shape=(3, 32, 32), num_classes=10))


def _with(change):
    data = _good()
    change(data)
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        ([1, 2], "an architecture must be a JSON object (dict), got list"),
        (_with(lambda d: d.pop("layers")), "the architecture is missing layers"),
        (_with(lambda d: d.update(extra=1)), "the architecture has unknown keys: extra"),
        (_with(lambda d: d.update(format_version=2)), "format_version must be 1, got 2"),
        (_with(lambda d: d.update(layers={})), "layers must be a list of 1 to 48 layers, got dict"),
        (_with(lambda d: d.update(layers=[])), "layers must be a list of 1 to 48 layers, got 0"),
        (_with(lambda d: d["layers"][0].update(type="lstm")), "layer 1 must be an object whose type is one of"),
        (
            _with(lambda d: d["layers"][0].update(filters=3.0)),
            "layer 1: Conv filters must be an integer from 1 to 512, got 3.0 (float)",
        ),
        (
            _with(lambda d: d["layers"][0].update(kernel=True)),
            "layer 1: Conv kernel must be an integer from 1 to 11, got True (bool)",
        ),
        (
            _with(lambda d: d["layers"][0].update(padding="valid")),
            "layer 1: Conv padding must be a whole number or 'same', got 'valid'",
        ),
        (_with(lambda d: d["layers"][0].update(bias=True)), "layer 1 (conv) has unknown keys: bias"),
        (_with(lambda d: d["layers"][2].pop("size")), None),  # Pool size has a default: still valid
        (_with(lambda d: d.update(input_shape=[3, 32])), "input_shape must be (channels, height, width), got (3, 32)"),
        (_with(lambda d: d.update(input_shape="3x32x32")), "input_shape must be a list [channels, height, width]"),
        (_with(lambda d: d.update(num_classes=1)), "num_classes must be from 2 to 1000, got 1"),
        (_with(lambda d: d.update(name="")), "name must be a text of 1 to 64 characters"),
        (
            _with(lambda d: d["layers"].insert(0, {"type": "dropout", "p": 1})),
            "layer 1: Dropout p must be a number from 0 up to",
        ),
        (
            _with(lambda d: d["layers"].insert(0, {"type": "flatten"})),
            "needs C×H×W feature maps, but comes after flatten",
        ),
    ],
)
def test_bad_dicts_are_refused_with_a_reason(data, message):
    if message is None:
        assert spec_from_dict(data).layers[2] == Pool("max", 2)
        return
    with pytest.raises(ValueError) as error:
        spec_from_dict(data)
    assert message in str(error.value)

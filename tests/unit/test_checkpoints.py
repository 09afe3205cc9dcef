"""explorer.nets.checkpoints: a round trip gives the same predictions; the file is plain safetensors; files that
don't match their architecture, damaged files and pickles carrying code are refused, and the code never runs."""

import io
import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import load as safetensors_load
from safetensors.torch import save as safetensors_save

from explorer.data import datasets
from explorer.nets.architecture import ArchitectureSpec, Conv, Dense, Flatten, build
from explorer.nets.checkpoints import load_checkpoint, save_checkpoint
from explorer.nets.evaluation import predict
from explorer.nets.recipes import DIGITS_SPEC
from explorer.nets.spec_json import spec_to_dict

DIGITS = datasets.digits(size=8).subset(np.arange(100))
NAMES = tuple(str(d) for d in range(10))
MARKER_CALLS = []


def marker(*args):
    """Stands for any code a malicious pickle would run."""
    MARKER_CALLS.append(args)
    return {}


class RunsCode:
    def __reduce__(self):
        return (marker, ("ran",))


class RunsShell:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def _trained():
    model = build(DIGITS_SPEC, seed=4)
    with torch.no_grad():  # move the batch-norm statistics off their defaults, so they must round-trip too
        model.train()
        model(torch.tensor(DIGITS.images))
    return model.eval()


def test_round_trip_gives_the_same_predictions_spec_names_and_metrics():
    model = _trained()
    data = save_checkpoint(model, DIGITS_SPEC, class_names=NAMES, metrics={"test_accuracy": 0.98, "epochs": 8})
    loaded = load_checkpoint(data)
    assert loaded.spec == DIGITS_SPEC and loaded.class_names == NAMES
    assert loaded.metrics == {"test_accuracy": 0.98, "epochs": 8}
    assert not loaded.model.training
    expected, got = predict(model, DIGITS), predict(loaded.model, DIGITS)
    np.testing.assert_array_equal(got[0], expected[0])
    # The loaded model computes in channels_last layout: the same sums in another order, equal to rounding.
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(predict(load_checkpoint(data).model, DIGITS)[1], got[1])  # and deterministic


def test_the_file_is_plain_safetensors():
    model = _trained()
    tensors = safetensors_load(save_checkpoint(model, DIGITS_SPEC, class_names=NAMES))
    assert set(tensors) == set(model.state_dict())
    assert torch.equal(tensors["0.weight"], model[0].weight)


def _with_metadata(tensors, **changes):
    metadata = {
        "format": "vision-explorer-checkpoint",
        "format_version": "1",
        "spec": json.dumps(spec_to_dict(DIGITS_SPEC)),
        "class_names": json.dumps(list(NAMES)),
        "metrics": "{}",
    }
    return safetensors_save(tensors, metadata={**metadata, **changes})


def test_a_spec_that_does_not_match_the_tensors_is_refused():
    tensors = {k: v.contiguous() for k, v in build(DIGITS_SPEC).state_dict().items()}
    other = ArchitectureSpec("other", (1, 8, 8), (Conv(16, 3), Flatten(), Dense(10)), 10)
    with pytest.raises(ValueError, match=r"the weights don't match the architecture 'other': missing .*unexpected"):
        load_checkpoint(_with_metadata(tensors, spec=json.dumps(spec_to_dict(other))))
    wider = ArchitectureSpec("wider", (1, 8, 8), (Conv(33, 3, padding="same"), *DIGITS_SPEC.layers[1:]), 10)
    with pytest.raises(
        ValueError, match=r"'wider': 0.weight is \(32, 1, 3, 3\) float32, the architecture needs \(33, 1, 3, 3\)"
    ):
        load_checkpoint(_with_metadata(tensors, spec=json.dumps(spec_to_dict(wider))))
    bad = spec_to_dict(DIGITS_SPEC)
    bad["layers"][0]["filters"] = 0
    with pytest.raises(
        ValueError, match=r"the checkpoint's architecture is invalid: layer 1: Conv filters must be from 1"
    ):
        load_checkpoint(_with_metadata(tensors, spec=json.dumps(bad)))


def test_damaged_or_foreign_files_are_refused():
    tensors = {k: v.contiguous() for k, v in build(DIGITS_SPEC).state_dict().items()}
    with pytest.raises(ValueError, match=r"class_names must name the 10 outputs of the network, got 2 names"):
        load_checkpoint(_with_metadata(tensors, class_names='["a", "b"]'))
    with pytest.raises(ValueError, match=r"not saved by Vision Explorer"):
        load_checkpoint(safetensors_save(tensors))
    nan = dict(tensors, **{"0.weight": torch.full((32, 1, 3, 3), float("nan"))})
    with pytest.raises(ValueError, match=r"NaN or infinite values \(0.weight\)"):
        load_checkpoint(_with_metadata(nan))
    good = _with_metadata(tensors)
    with pytest.raises(ValueError, match=r"not a valid safetensors file"):
        load_checkpoint(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"not a checkpoint: expected a .safetensors file"):
        load_checkpoint(b"GIF89a" + bytes(100))
    with pytest.raises(TypeError, match=r"data must be the file's bytes, got str"):
        load_checkpoint("model.safetensors")


def test_a_plain_pt_state_dict_loads_with_its_spec():
    model = _trained()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    with pytest.raises(ValueError, match=r"this is a PyTorch .pt file: it holds weights only"):
        load_checkpoint(buffer.getvalue())
    loaded = load_checkpoint(buffer.getvalue(), spec=DIGITS_SPEC)
    assert loaded.class_names == NAMES and loaded.metrics == {}
    np.testing.assert_allclose(predict(loaded.model, DIGITS)[1], predict(model, DIGITS)[1], rtol=1e-5, atol=1e-7)


def test_a_pickle_with_code_is_refused_and_the_code_does_not_run(tmp_path):
    MARKER_CALLS.clear()
    evil = io.BytesIO()
    torch.save({"0.weight": RunsCode()}, evil)  # torch.save's zip format around the pickle
    with pytest.raises(ValueError, match=r"refused this .pt file: it is not a plain state dict of tensors"):
        load_checkpoint(evil.getvalue(), spec=DIGITS_SPEC)
    assert MARKER_CALLS == []
    shell_marker = tmp_path / "pwned"
    for data in (pickle.dumps(RunsShell(shell_marker), protocol=2), pickle.dumps({"x": RunsCode()}, protocol=2)):
        with pytest.raises(ValueError, match=r"refused this .pt file"):
            load_checkpoint(data, spec=DIGITS_SPEC)
    assert not shell_marker.exists() and MARKER_CALLS == []
    # The same pickle really would run code if opened carelessly: the test's bait is live.
    pickle.loads(pickle.dumps(RunsCode()))
    assert MARKER_CALLS == [("ran",)]


def test_save_checks_its_input():
    model = _trained()
    with pytest.raises(ValueError, match=r"class_names must name the 10 outputs of the network, got 3 names"):
        save_checkpoint(model, DIGITS_SPEC, class_names=("a", "b", "c"))
    with pytest.raises(ValueError, match=r"metrics must hold only JSON values"):
        save_checkpoint(model, DIGITS_SPEC, class_names=NAMES, metrics={"accuracy": float("nan")})
    other = ArchitectureSpec("other", (1, 8, 8), (Flatten(), Dense(10)), 10)
    with pytest.raises(ValueError, match=r"the weights don't match the architecture 'other'"):
        save_checkpoint(model, other, class_names=NAMES)

"""Saving and loading trained networks, and the default models shipped in ``assets/models/``.

A checkpoint is a ``.safetensors`` file: the weights as named tensors, and in its text metadata the
architecture (:func:`explorer.nets.spec_json.spec_to_dict` as JSON), the class names and a dict of metrics.
safetensors holds only numbers and text, so opening an uploaded file can never run code.

Loading treats the file as untrusted: the spec is checked by :func:`~explorer.nets.spec_json.spec_from_dict`,
and the tensors must have exactly the names, shapes and dtypes that ``build(spec)`` expects, with finite
values. A plain PyTorch ``.pt`` file (``torch.save(model.state_dict(), path)``) is accepted too, only
through ``torch.load(..., weights_only=True)`` (which refuses any pickled Python object other than tensors
and plain containers) and only with the architecture given separately, as a ``.pt`` file doesn't carry one.
Every problem is a ``ValueError`` that says what is wrong.
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.nets.architecture import ArchitectureSpec, build
from explorer.nets.spec_json import spec_from_dict, spec_to_dict

FORMAT = "vision-explorer-checkpoint"
FORMAT_VERSION = "1"
# The largest network the architecture limits allow (5 M parameters) is 20 MB of float32.
MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024
# The JSON header names each tensor and holds the spec and class names: a few kB, 1,000 classes included.
MAX_HEADER_BYTES = 1024 * 1024
MAX_CLASS_NAME = 64

MODELS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "assets", "models"
)
DEFAULT_MODELS = ("digits", "shapes")
ACCURACY_FILE = os.path.join(MODELS_DIR, "accuracy.json")


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """A loaded network: ``model`` (an ``nn.Sequential`` in ``eval()`` mode), its ``spec``, ``class_names``
    (one per output) and the ``metrics`` saved with it."""

    model: Any
    spec: ArchitectureSpec
    class_names: tuple[str, ...]
    metrics: dict


def _class_names(class_names: object, num_classes: int) -> tuple[str, ...]:
    if (
        isinstance(class_names, str)
        or not isinstance(class_names, (list, tuple))
        or not all(isinstance(name, str) and 0 < len(name) <= MAX_CLASS_NAME for name in class_names)
    ):
        raise ValueError(
            f"class_names must be a list of texts of 1 to {MAX_CLASS_NAME} characters, got {class_names!r:.120}"
        )
    if len(class_names) != num_classes:
        raise ValueError(
            f"class_names must name the {num_classes} outputs of the network, got {len(class_names)} names"
        )
    return tuple(class_names)


def _check_tensors(tensors: dict, spec: ArchitectureSpec):
    """A model from ``spec`` with ``tensors`` loaded, after checking names, shapes, dtypes and values."""
    import torch

    model = build(spec, seed=0)
    expected = model.state_dict()
    if not isinstance(tensors, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in tensors.items()
    ):
        raise ValueError("the weights must be a mapping from names to tensors")
    missing, unexpected = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or unexpected:
        details = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing[:6])}" if missing else "",
                f"unexpected {', '.join(unexpected[:6])}" if unexpected else "",
            )
            if part
        )
        raise ValueError(f"the weights don't match the architecture {spec.name!r}: {details}")
    for name, want in expected.items():  # in layer order, so the first mismatch named is the earliest
        tensor = tensors[name]
        if tuple(tensor.shape) != tuple(want.shape) or tensor.dtype != want.dtype:
            raise ValueError(
                f"the weights don't match the architecture {spec.name!r}: {name} is {tuple(tensor.shape)} "
                f"{str(tensor.dtype).removeprefix('torch.')}, the architecture needs {tuple(want.shape)} "
                f"{str(want.dtype).removeprefix('torch.')}"
            )
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(
                f"the weights hold NaN or infinite values ({name}): the network diverged when it was trained"
            )
    model.load_state_dict(tensors, strict=True)
    # channels_last: pooling and batch norm run several times faster on the CPU in this layout (as in training).
    return model.to(memory_format=torch.channels_last).eval()


def model_from_weights(spec: ArchitectureSpec, weights: dict[str, np.ndarray]):
    """``build(spec)`` with ``weights`` (a ``state_dict`` as arrays, e.g. ``TrainerState.weights``) loaded, in
    eval mode; ``ValueError`` naming the first tensor that doesn't fit, as for a checkpoint file."""
    import torch

    if not isinstance(weights, dict) or not all(isinstance(v, np.ndarray) for v in weights.values()):
        raise ValueError("weights must be a mapping from names to numpy arrays")
    return _check_tensors({name: torch.from_numpy(np.array(array)) for name, array in weights.items()}, spec)


def save_checkpoint(model, spec: ArchitectureSpec, *, class_names, metrics: dict | None = None) -> bytes:
    """The ``.safetensors`` bytes of ``model`` (built from ``spec``), with the spec, class names and metrics.

    ``metrics`` must be JSON-able (numbers, texts, lists, dicts), e.g. ``{"test_accuracy": 0.98}``.
    """
    import torch
    from safetensors.torch import save

    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    names = _class_names(list(class_names) if isinstance(class_names, tuple) else class_names, spec.num_classes)
    metrics = {} if metrics is None else metrics
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict, got {type(metrics).__name__}")
    try:
        metrics_json = json.dumps(metrics, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"metrics must hold only JSON values (finite numbers, texts, lists, dicts): {error}") from None
    tensors = {name: tensor.detach().cpu().contiguous() for name, tensor in model.state_dict().items()}
    _check_tensors(dict(tensors), spec)  # never write a file that load_checkpoint would refuse
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "spec": json.dumps(spec_to_dict(spec)),
        "class_names": json.dumps(list(names)),
        "metrics": metrics_json,
    }
    return save(tensors, metadata=metadata)


def _safetensors_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file, read from its JSON header (8-byte length, then JSON)."""
    size = int.from_bytes(data[:8], "little")
    if size > min(MAX_HEADER_BYTES, len(data) - 8):
        raise ValueError(f"not a valid safetensors file: its header claims {size:,} bytes")
    try:
        header = json.loads(data[8 : 8 + size])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("not a valid safetensors file: its header is not JSON") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise ValueError(
            "this safetensors file was not saved by Vision Explorer: it has no architecture in its metadata"
        )
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"checkpoint format_version must be {FORMAT_VERSION}, got {metadata.get('format_version')!r:.40}"
        )
    for key in ("spec", "class_names", "metrics"):
        if not isinstance(metadata.get(key), str):
            raise ValueError(f"the checkpoint's metadata is missing {key}")
    return metadata


def _load_safetensors(data: bytes) -> Checkpoint:
    from safetensors import SafetensorError
    from safetensors.torch import load

    metadata = _safetensors_metadata(data)
    try:
        spec_data, class_names, metrics = (json.loads(metadata[k]) for k in ("spec", "class_names", "metrics"))
    except json.JSONDecodeError as error:
        raise ValueError(f"the checkpoint's metadata is not valid JSON: {error}") from None
    try:
        spec = spec_from_dict(spec_data)
    except ValueError as error:
        raise ValueError(f"the checkpoint's architecture is invalid: {error}") from None
    names = _class_names(class_names, spec.num_classes)
    if not isinstance(metrics, dict):
        raise ValueError(f"the checkpoint's metrics must be a JSON object, got {type(metrics).__name__}")
    try:
        tensors = load(data)
    except SafetensorError as error:
        raise ValueError(f"not a valid safetensors file: {error}") from None
    return Checkpoint(_check_tensors(tensors, spec), spec, names, metrics)


def _load_pt(data: bytes, spec: ArchitectureSpec | None, class_names) -> Checkpoint:
    import pickle

    import torch

    if spec is None:
        raise ValueError(
            "this is a PyTorch .pt file: it holds weights only, so the architecture it was trained "
            "with must be given (spec=...); a .safetensors file from this app carries its own"
        )
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    try:
        # weights_only=True: the unpickler only rebuilds tensors and plain containers, and refuses every
        # other Python object before creating it, so a file that would run code is stopped here.
        state = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError, AttributeError, TypeError) as error:
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise ValueError(
            "refused this .pt file: it is not a plain state dict of tensors (only "
            "torch.save(model.state_dict(), path) files are accepted, because other pickled objects "
            f"can run code when opened). The loader said: {reason}"
        ) from None
    if class_names is None:
        names = tuple(str(i) for i in range(spec.num_classes))
    else:
        names = _class_names(class_names, spec.num_classes)
    return Checkpoint(_check_tensors(dict(state) if isinstance(state, dict) else state, spec), spec, names, {})


def load_checkpoint(data: bytes, *, spec: ArchitectureSpec | None = None, class_names=None) -> Checkpoint:
    """A :class:`Checkpoint` from the bytes of a ``.safetensors`` file saved by :func:`save_checkpoint`, or of
    a ``.pt`` state dict together with its ``spec`` (and optional ``class_names``; default "0", "1", ...).

    ``ValueError`` for anything else: other files, a spec that doesn't match the tensors, pickled objects.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be the file's bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_CHECKPOINT_BYTES:
        limit = MAX_CHECKPOINT_BYTES // 2**20
        raise ValueError(f"the file is {len(data) / 2**20:.1f} MB, more than the limit of {limit} MB")
    if len(data) > 9 and data[8:9] == b"{":
        return _load_safetensors(data)
    if data[:4] == b"PK\x03\x04" or data[:1] == b"\x80":  # torch.save's zip format, or a bare pickle
        return _load_pt(data, spec, class_names)
    raise ValueError("not a checkpoint: expected a .safetensors file saved by this app, or a PyTorch .pt state dict")


def load_default(name: str) -> Checkpoint:
    """One of the shipped models, :data:`DEFAULT_MODELS`: ``"digits"`` (8×8 digits) or ``"shapes"``."""
    if name not in DEFAULT_MODELS:
        raise ValueError(f"name must be one of {DEFAULT_MODELS}, got {name!r}")
    with open(os.path.join(MODELS_DIR, f"{name}.safetensors"), "rb") as file:
        return load_checkpoint(file.read())


def default_accuracy() -> dict[str, dict]:
    """``assets/models/accuracy.json``: per default model, its measured test accuracy, seed, split and date."""
    with open(ACCURACY_FILE, encoding="utf-8") as file:
        return json.load(file)

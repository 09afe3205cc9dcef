"""Network architectures as JSON-able dicts: :func:`spec_to_dict` and :func:`spec_from_dict`.

The format (version :data:`FORMAT_VERSION`) is ``{"format_version": 1, "name": str, "input_shape": [C, H, W],
"num_classes": int, "layers": [{"type": "conv", "filters": 32, "kernel": 3, "stride": 1, "padding": "same"},
...]}``: one object per layer spec of :mod:`explorer.nets.architecture`, its ``type`` a key of
:data:`~explorer.nets.architecture.LAYER_TYPES` and the other keys the layer's fields (a field with a default may
be left out).

Dicts are stored next to checkpoints and uploaded by users, so :func:`spec_from_dict` treats them as
untrusted: anything off is a ``ValueError`` naming the place (``"layer 1: Conv filters must be from 1 to
512, got 0"``), and what it returns is an :class:`~explorer.nets.architecture.ArchitectureSpec`, checked in full.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import MISSING, asdict, fields
from typing import Any

from explorer.nets.architecture import LAYER_TYPES, MAX_LAYERS, TYPE_NAMES, ArchitectureSpec

FORMAT_VERSION = 1


def spec_to_dict(spec: ArchitectureSpec) -> dict[str, Any]:
    """A JSON-able dict: ``{"format_version", "name", "input_shape", "num_classes", "layers": [{"type", ...}]}``."""
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    return {
        "format_version": FORMAT_VERSION,
        "name": spec.name,
        "input_shape": list(spec.input_shape),
        "num_classes": spec.num_classes,
        "layers": [{"type": TYPE_NAMES[type(layer)], **asdict(layer)} for layer in spec.layers],
    }


def spec_from_dict(data: Any) -> ArchitectureSpec:
    """Check and rebuild a spec from :func:`spec_to_dict`'s format. Untrusted input: ``ValueError`` on anything off.

    Unknown or missing keys, wrong types (``3.0`` or ``true`` for a whole number), values out of range and
    shapes that don't flow are all refused with a message naming the place.
    """
    if not isinstance(data, dict):
        raise ValueError(f"an architecture must be a JSON object (dict), got {type(data).__name__}")
    expected = {"format_version", "name", "input_shape", "num_classes", "layers"}
    _exact_keys(data, expected, "the architecture")
    if data["format_version"] != FORMAT_VERSION:
        raise ValueError(f"format_version must be {FORMAT_VERSION}, got {data['format_version']!r}")
    layers_data = data["layers"]
    if not isinstance(layers_data, list) or not 0 < len(layers_data) <= MAX_LAYERS:
        size = len(layers_data) if isinstance(layers_data, list) else type(layers_data).__name__
        raise ValueError(f"layers must be a list of 1 to {MAX_LAYERS} layers, got {size}")
    layers = []
    for index, item in enumerate(layers_data, start=1):
        if not isinstance(item, dict) or item.get("type") not in LAYER_TYPES:
            raise ValueError(
                f"layer {index} must be an object whose type is one of {tuple(LAYER_TYPES)}, got {item!r:.80}"
            )
        cls = LAYER_TYPES[item["type"]]
        # Fields with a default (a conv's stride, a pool's kind...) may be left out of hand-written files.
        optional = {f.name for f in fields(cls) if f.default is not MISSING}
        _exact_keys(
            item, {"type", *(f.name for f in fields(cls))}, f"layer {index} ({item['type']})", optional=optional
        )
        try:
            layers.append(cls(**{k: v for k, v in item.items() if k != "type"}))
        except ValueError as error:
            raise ValueError(f"layer {index}: {error}") from None
    if not isinstance(data["input_shape"], list):
        raise ValueError(f"input_shape must be a list [channels, height, width], got {data['input_shape']!r:.80}")
    return ArchitectureSpec(data["name"], tuple(data["input_shape"]), tuple(layers), data["num_classes"])


def _exact_keys(data: dict, expected: set[str], where: str, *, optional: AbstractSet[str] = frozenset()) -> None:
    missing = expected - optional - set(data)
    unknown = set(data) - expected
    if missing:
        raise ValueError(f"{where} is missing {', '.join(sorted(missing))}")
    if unknown:
        raise ValueError(f"{where} has unknown keys: {', '.join(sorted(map(str, unknown)))[:200]}")

"""A network's hidden layers as a table a person can edit, and back to an :class:`ArchitectureSpec`.

The "Train a CNN" page shows the layers in an editable table (one row per layer) and rebuilds the spec on
every edit. The table holds every layer **except the output layer**: that one is always ``Dense(num_classes)``
and is appended by :func:`rows_to_spec`, so a table keeps working when the data set (and so the number of
classes) changes.

A row is a dict with the keys of :data:`COLUMNS`:

- ``layer``: one of :data:`LAYER_KINDS` (``"conv"``, ``"maxpool"``, ``"relu"``, ``"dense"``, ...);
- ``size``: filters (conv), units (dense), window side (pools) or the drop probability (dropout);
- ``kernel``: the kernel side (conv only);
- ``stride``: conv or pool stride (blank: 1 for conv, the window side for pools);
- ``padding``: conv padding, a whole number or ``"same"`` (blank: 0).

Cells a layer doesn't use are ignored. Blank cells arrive as ``None``, ``""`` or NaN (what a data editor
returns). Errors are ``ValueError`` naming the row (1-based, which is also the layer's number in the spec):
``"row 3 (conv): size (filters) is missing"``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, cast

from explorer.nets import architecture
from explorer.nets.architecture import Activation, ArchitectureSpec, BatchNorm, Conv, Dense, Dropout, Flatten, Pool

COLUMNS = ("layer", "size", "kernel", "stride", "padding")
_POOLS = {"maxpool": "max", "avgpool": "avg"}
LAYER_KINDS = ("conv", "maxpool", "avgpool", "batchnorm", "dropout", *architecture.ACTIVATIONS, "flatten", "dense")
# What the "size" cell means for each kind that uses it (shown in messages and in the page's help).
SIZE_MEANING = {"conv": "filters", "dense": "units", "maxpool": "window", "avgpool": "window", "dropout": "p"}

Row = dict[str, Any]


def _blank(value: Any) -> bool:
    """An empty cell: missing (see :func:`_missing`) or text of spaces only."""
    return not value.strip() if isinstance(value, str) else _missing(value)


def _number(value: Any, where: str, column: str) -> float:
    """A cell as a float (numbers, or text holding a number)."""
    if isinstance(value, bool):
        raise ValueError(f"{where}: {column} must be a number, got {value!r}")
    if isinstance(value, numbers.Real):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{where}: {column} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{where}: {column} must be a finite number, got {value!r}")
    return number


def _whole(row: Mapping[str, Any], column: str, where: str, *, label: str, default: int | None = None) -> int:
    value = row.get(column)
    if _blank(value):
        if default is None:
            raise ValueError(f"{where}: {label} is missing")
        return default
    number = _number(value, where, label)
    if number != int(number):
        raise ValueError(f"{where}: {label} must be a whole number, got {value!r}")
    return int(number)


def _padding(row: Mapping[str, Any], where: str) -> int | str:
    value = row.get("padding")
    if _blank(value):
        return 0
    if isinstance(value, str) and value.strip().lower() == "same":
        return "same"
    try:
        number = _number(value, where, "padding")
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{where}: padding must be a whole number or 'same', got {value!r}")
    return int(number)


def row_to_layer(row: Mapping[str, Any], *, index: int) -> architecture.LayerSpec:
    """One table row (see the module docstring) to a layer spec; ``index`` is the 1-based row number."""
    if not isinstance(row, Mapping):
        raise TypeError(f"row {index} must be a mapping of column name to cell, got {type(row).__name__}")
    kind = row.get("layer")
    kind = kind.strip().lower() if isinstance(kind, str) else kind
    if kind not in LAYER_KINDS:
        raise ValueError(f"row {index}: layer must be one of {', '.join(LAYER_KINDS)}, got {kind!r}")
    where = f"row {index} ({kind})"
    try:
        if kind == "conv":
            filters = _whole(row, "size", where, label="size (filters)")
            kernel = _whole(row, "kernel", where, label="kernel")
            stride = _whole(row, "stride", where, label="stride", default=1)
            return Conv(filters, kernel, stride=stride, padding=_padding(row, where))
        if kind in _POOLS:
            size = _whole(row, "size", where, label="size (window)")
            stride_cell = row.get("stride")
            pool_stride = None if _blank(stride_cell) else _whole(row, "stride", where, label="stride")
            return Pool(_POOLS[kind], size, stride=None if pool_stride == size else pool_stride)
        if kind == "dense":
            return Dense(_whole(row, "size", where, label="size (units)"))
        if kind == "dropout":
            value = row.get("size")
            return Dropout(0.5 if _blank(value) else _number(value, where, "size (p)"))
        if kind == "batchnorm":
            return BatchNorm()
        if kind == "flatten":
            return Flatten()
        return Activation(kind)
    except ValueError as error:
        message = str(error)
        raise ValueError(message if message.startswith(where) else f"{where}: {message}") from None


def rows_to_spec(
    rows: Sequence[Mapping[str, Any]], *, name: str, input_shape: tuple[int, int, int], num_classes: int
) -> ArchitectureSpec:
    """The table's rows plus the output layer ``Dense(num_classes)``, checked as a whole.

    Rows whose every cell is blank (a row just added in an editor) are skipped. Shape errors come from
    :class:`ArchitectureSpec` and name the layer as ``"layer N (...)"``, where ``N`` is the row number
    (``N = len(rows) + 1`` is the output layer).
    """
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of mappings, got {type(rows).__name__}")
    kept = [row for row in rows if not (isinstance(row, Mapping) and all(_blank(row.get(c)) for c in COLUMNS))]
    layers = [row_to_layer(row, index=index) for index, row in enumerate(kept, start=1)]
    shape = cast(tuple[int, int, int], tuple(input_shape))  # ArchitectureSpec checks it is (C, H, W)
    return ArchitectureSpec(name, shape, (*layers, Dense(num_classes)), num_classes)


def layer_to_row(layer: architecture.LayerSpec) -> Row:
    """One layer spec to a table row (unused cells are ``None``)."""
    row: Row = dict.fromkeys(COLUMNS)
    if isinstance(layer, Conv):
        row.update(
            layer="conv", size=layer.filters, kernel=layer.kernel, stride=layer.stride, padding=str(layer.padding)
        )
    elif isinstance(layer, Pool):
        row.update(layer=f"{layer.kind}pool", size=layer.size, stride=layer.step)
    elif isinstance(layer, Dense):
        row.update(layer="dense", size=layer.units)
    elif isinstance(layer, Dropout):
        row.update(layer="dropout", size=float(layer.p))
    elif isinstance(layer, Activation):
        row.update(layer=layer.kind)
    elif isinstance(layer, BatchNorm):
        row.update(layer="batchnorm")
    elif isinstance(layer, Flatten):
        row.update(layer="flatten")
    else:
        raise TypeError(f"layer must be an architecture layer spec, got {type(layer).__name__}")
    return row


def spec_to_rows(spec: ArchitectureSpec) -> list[Row]:
    """The spec's layers as rows, without the output layer (the last layer, ``Dense(num_classes)``)."""
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    layers = spec.layers
    if isinstance(layers[-1], Dense) and layers[-1].units == spec.num_classes:
        layers = layers[:-1]
    return [layer_to_row(layer) for layer in layers]


# Presets are defined on an input shape; their layers don't depend on it. This side is large enough for
# every preset, so their rows can be listed even when they don't fit the data set chosen (the page then
# shows which layer fails, and the user can edit it).
_PRESET_PROBE_SHAPE = (1, 64, 64)


# Two starting points that fit every data set of the page, down to the 8×8 digits, where the presets'
# unpadded convolutions run out of pixels: "same" padding keeps the size, two poolings take 8×8 to 2×2.
# The Digits CNN is the network of the shipped digits model (explorer.nets.recipes.DIGITS_SPEC, a test keeps
# them equal): batch norm after each convolution makes it train reliably, so it is the page's first choice.
DIGITS_CNN = "digits_cnn"
SMALL_CNN = "small_cnn"
TABLE_PRESETS = (DIGITS_CNN, SMALL_CNN, *architecture.PRESETS)
TABLE_PRESET_TITLES = {
    DIGITS_CNN: "Digits CNN (the default digits model's network)",
    SMALL_CNN: "Small CNN (fits 8×8 images)",
    **architecture.PRESET_TITLES,
}
_DIGITS_CNN_ROWS = (
    {"layer": "conv", "size": 32, "kernel": 3, "stride": 1, "padding": "same"},
    {"layer": "batchnorm"},
    {"layer": "relu"},
    {"layer": "conv", "size": 32, "kernel": 3, "stride": 1, "padding": "same"},
    {"layer": "batchnorm"},
    {"layer": "relu"},
    {"layer": "maxpool", "size": 2, "stride": 2},
    {"layer": "conv", "size": 64, "kernel": 3, "stride": 1, "padding": "same"},
    {"layer": "batchnorm"},
    {"layer": "relu"},
    {"layer": "maxpool", "size": 2, "stride": 2},
    {"layer": "flatten"},
)
_SMALL_CNN_ROWS = (
    {"layer": "conv", "size": 16, "kernel": 3, "stride": 1, "padding": "same"},
    {"layer": "relu"},
    {"layer": "maxpool", "size": 2, "stride": 2},
    {"layer": "conv", "size": 32, "kernel": 3, "stride": 1, "padding": "same"},
    {"layer": "relu"},
    {"layer": "maxpool", "size": 2, "stride": 2},
    {"layer": "flatten"},
    {"layer": "dense", "size": 64},
    {"layer": "relu"},
)


def preset_rows(name: str) -> list[Row]:
    """The hidden layers of one of :data:`TABLE_PRESETS` as table rows (the output layer is not a row)."""
    if name in (DIGITS_CNN, SMALL_CNN):
        return [
            {**dict.fromkeys(COLUMNS), **row} for row in (_DIGITS_CNN_ROWS if name == DIGITS_CNN else _SMALL_CNN_ROWS)
        ]
    if name not in architecture.PRESETS:
        raise ValueError(f"name must be one of {TABLE_PRESETS}, got {name!r}")
    return spec_to_rows(architecture.preset(name, input_shape=_PRESET_PROBE_SHAPE, num_classes=2))


def _missing(value: Any) -> bool:
    """None, NaN or pandas.NA: what a data editor returns for an empty number cell."""
    if value is None:
        return True
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return math.isnan(float(value))
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas here


def clean_rows(records: Sequence[Mapping[str, Any]]) -> list[Row]:
    """Rows as a data editor returns them (``frame.to_dict("records")``) -> plain rows: only the keys of
    :data:`COLUMNS`, and ``None`` for every empty cell (NaN, ``pandas.NA``), so rows compare and print simply."""
    return [{c: (None if _missing(v) else v) for c, v in record.items() if c in COLUMNS} for record in records]

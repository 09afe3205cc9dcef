"""The "Train a CNN" page's network: the editable layer table (a :class:`ui.versioned_editor.VersionedEditor`
started from a preset) and the summary of the network it makes."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from explorer.nets import architecture, layer_table
from ui.versioned_editor import VersionedEditor

PRESET_KEY = "train.preset"
# Column widths (px) that fit the table in the Train page's left column on a 1280-pixel screen: "leaky_relu"
# and "batchnorm" are the longest layer names, numbers have at most 3 digits, padding says at most "same",
# the row numbers (the layers' numbers in messages) one or two digits.
# Column widths in pixels: at 1280×800 the editor's column is about 415 px wide, the row selector takes ~46
# and each header's edit icon ~20, so every header ("kernel", "padding") is read whole.
INDEX_PX, LAYER_PX, PADDING_PX = 28, 76, 74
NUMBER_PX = {"size": 52, "kernel": 64, "stride": 64}
# A fresh editor starts from "train.layers_base"; "train.layers_rows" is what it returned last run (it survives
# page switches). AppTests edit "_train.layers.<version>".
EDITOR = VersionedEditor(
    prefix="_train.layers",
    version_key="train.layers_version",
    base_key="train.layers_base",
    value_key="train.layers_rows",
)


def load_preset() -> None:
    """``on_change`` of the preset choice: a fresh editor with the preset's rows."""
    EDITOR.reset(layer_table.preset_rows(st.session_state[PRESET_KEY]))


def rows() -> list[dict[str, Any]] | None:
    """The rows the editor returned last run (None before it was drawn)."""
    return st.session_state.get(EDITOR.value_key)


def edit_layers() -> list[dict[str, Any]]:
    """The editable layer table; returns its rows (``layer_table`` rows, ``None`` for an empty cell)."""
    if EDITOR.base_key not in st.session_state:
        load_preset()
    else:
        EDITOR.keep_edits()  # back from another page: keep the edits
    frame = pd.DataFrame(EDITOR.base(), columns=list(layer_table.COLUMNS))
    frame = frame.astype({"size": "float64", "kernel": "float64", "stride": "float64", "padding": "object"})
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # numbered as the summary and the error messages number layers
    edited = EDITOR.draw(
        frame,
        num_rows="dynamic",
        hide_index=False,
        placeholder="",  # a cell the layer doesn't use is blank, not the word "None"
        column_config={
            "_index": st.column_config.Column(width=INDEX_PX),
            "layer": st.column_config.SelectboxColumn(
                "layer", options=list(layer_table.LAYER_KINDS), required=True, width=LAYER_PX
            ),
            "size": st.column_config.NumberColumn(
                "size",
                help="filters (conv), units (dense), window (pools), drop probability (dropout)",
                format="%g",
                width=NUMBER_PX["size"],
            ),
            "kernel": st.column_config.NumberColumn(
                "kernel", help="kernel side (conv)", format="%d", width=NUMBER_PX["kernel"]
            ),
            "stride": st.column_config.NumberColumn(
                "stride", help="step (conv, pools)", format="%d", width=NUMBER_PX["stride"]
            ),
            "padding": st.column_config.TextColumn("padding", help="a whole number or same (conv)", width=PADDING_PX),
        },
    )
    edited_rows = layer_table.clean_rows(edited.to_dict("records"))
    EDITOR.remember(edited_rows)
    return edited_rows


def summary_table(spec: architecture.ArchitectureSpec) -> None:
    """Each layer's output shape and parameter count, and the total to learn."""
    summary = architecture.summary(spec)
    st.dataframe(
        pd.DataFrame(
            {
                "layer": [f"{i + 1}. {row.name}" for i, row in enumerate(summary)],
                "output shape": [architecture.format_shape(row.output_shape) for row in summary],
                "params": [f"{row.params:,}" + (" frozen" if row.frozen else "") for row in summary],
            }
        ),
        hide_index=True,
    )
    st.metric("Parameters to learn", f"{architecture.count_trainable(spec):,}")

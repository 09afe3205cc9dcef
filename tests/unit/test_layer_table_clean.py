"""explorer.nets.layer_table.clean_rows: rows as a pandas data editor returns them become plain rows (only the
table's columns, None for every empty cell), checked on a real DataFrame's records."""

import math

import numpy as np
import pandas as pd

from explorer.nets import layer_table


def test_rows_from_a_data_editor_frame():
    frame = pd.DataFrame(
        {
            "layer": ["conv", "relu", "dense"],
            "size": [16.0, np.nan, 64.0],
            "kernel": [3.0, np.nan, np.nan],
            "stride": pd.array([1, pd.NA, pd.NA], dtype="Int64"),
            "padding": ["same", None, ""],
            "_index": [1, 2, 3],  # not a table column: left out
        }
    )
    rows = layer_table.clean_rows(frame.to_dict("records"))
    assert rows == [
        {"layer": "conv", "size": 16.0, "kernel": 3.0, "stride": 1, "padding": "same"},
        {"layer": "relu", "size": None, "kernel": None, "stride": None, "padding": None},
        {"layer": "dense", "size": 64.0, "kernel": None, "stride": None, "padding": ""},  # text is kept as typed
    ]
    assert not any(isinstance(v, float) and math.isnan(v) for row in rows for v in row.values())


def test_clean_rows_make_the_same_spec():
    records = [{"layer": "flatten", "size": math.nan}, {"layer": "dense", "size": 8.0, "kernel": pd.NA}]
    spec = layer_table.rows_to_spec(layer_table.clean_rows(records), name="n", input_shape=(1, 4, 4), num_classes=3)
    assert spec == layer_table.rows_to_spec(records, name="n", input_shape=(1, 4, 4), num_classes=3)
    assert [type(layer).__name__ for layer in spec.layers] == ["Flatten", "Dense", "Dense"]

"""The "Train a CNN" page's plotly figures, as pure functions of their numbers (no Streamlit): the learning
curves and the confusion matrix."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from explorer.nets.curves import Curves

TRAIN_COLOR = "#1b6ca8"
TEST_COLOR = "#d95f02"


def plain(text: str) -> str:
    """A class name for plotly labels, which understand a little HTML: shown literally, never as markup."""
    return html.escape(text, quote=False)


# make_subplots' layout for two plots side by side, written out: building the figure in one go from plain
# dicts takes about 2 ms against 20 ms through make_subplots and add_scatter, and the live panel draws it
# every second while a network trains.
_PLOT_TITLES = ("Loss (lower is better)", "Accuracy")
_DOMAINS = ((0.0, 0.45), (0.55, 1.0))


def curves_figure(curves: Curves) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch; four traces in this order: train loss, test loss, train
    accuracy, test accuracy. The legend names "train" and "test" once."""
    traces = []
    for column, (train_values, test_values) in enumerate(
        ((curves.train_loss, curves.test_loss), (curves.train_accuracy, curves.test_accuracy)), start=1
    ):
        axis = "" if column == 1 else "2"
        for name, x, y, color in (
            ("train", curves.train_x, train_values, TRAIN_COLOR),
            ("test", curves.epochs, test_values, TEST_COLOR),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "x": list(x),
                    "y": list(y),
                    "mode": "lines+markers",
                    "name": name,
                    "line": {"color": color},
                    "showlegend": column == 1,
                    "xaxis": f"x{axis}",
                    "yaxis": f"y{axis}",
                }
            )
    layout = {
        "xaxis": {"anchor": "y", "domain": _DOMAINS[0], "title": {"text": "epoch"}, "rangemode": "tozero"},
        "yaxis": {"anchor": "x", "domain": (0.0, 1.0), "rangemode": "tozero"},
        "xaxis2": {"anchor": "y2", "domain": _DOMAINS[1], "title": {"text": "epoch"}, "rangemode": "tozero"},
        "yaxis2": {"anchor": "x2", "domain": (0.0, 1.0), "range": [0, 1.02], "tickformat": ".0%"},
        "annotations": [
            {
                "text": title,
                "x": sum(domain) / 2,
                "xref": "paper",
                "xanchor": "center",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 16},
            }
            for title, domain in zip(_PLOT_TITLES, _DOMAINS)
        ],
        "height": 320,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.25},
    }
    return go.Figure({"data": traces, "layout": layout})


def confusion_figure(matrix: np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """A heat map of the ``(K, K)`` confusion matrix (row = true class, first row at the top), each cell
    labelled with its count; class names are shown as text (:func:`plain`)."""
    names = [plain(name) for name in class_names]
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=names,
            y=names,
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z} images<extra></extra>",
        )
    )
    figure.update_layout(
        xaxis_title="predicted class",
        yaxis_title="true class",
        yaxis_autorange="reversed",
        height=140 + 36 * len(names),
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_type="category",
        yaxis_type="category",
    )
    return figure

"""The "Train a CNN" page's plotly figures, as pure functions of their numbers (no Streamlit): the learning
curves, the confusion matrix, and a picture's class probabilities ("Try your model")."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from explorer.nets.curves import Curves

TRAIN_COLOR = "#1b6ca8"
TEST_COLOR = "#d95f02"
TOP_COLOR, OTHER_COLOR = "#1b6ca8", "#9ab8d3"  # the most likely class's bar, the others'
CELL_COLOR = TEST_COLOR  # the outline of the confusion-matrix cell looked inside
CELL_MARKER_PX = 24  # the clickable square on each cell: within a cell of 10 classes in the page's column


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


def confusion_figure(
    matrix: np.ndarray, class_names: Sequence[str], *, selected: tuple[int, int] | None = None
) -> go.Figure:
    """A heat map of the ``(K, K)`` confusion matrix (row = true class, first row at the top), each cell
    labelled with its count, and a clickable point on each cell (trace 1); class names are shown as text
    (:func:`plain`). ``selected``: ``(true class, predicted class)`` of a cell to outline."""
    names = [plain(name) for name in class_names]
    k = len(names)
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            x=names,
            y=names,
            colorscale="Blues",
            text=matrix,
            texttemplate="%{text}",
            hoverinfo="skip",  # the points below answer instead
        )
    )
    # Plotly can't select a heat map's cells, only points: an invisible square point on each cell makes a
    # click select that cell (its x and y are the cell's labels, read back by clicked_cell). With no limit
    # on the hover distance the nearest point, the one of the cell under the mouse, answers anywhere.
    counts = np.asarray(matrix).reshape(-1)
    figure.add_scatter(
        x=[name for _ in range(k) for name in names],
        y=[name for name in names for _ in range(k)],
        customdata=counts,
        mode="markers",
        marker=dict(symbol="square", size=CELL_MARKER_PX, opacity=0),
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
        hovertemplate="true %{y}, predicted %{x}: %{customdata} images<extra></extra>",
        showlegend=False,
    )
    if selected is not None:
        true_class, predicted = selected
        # Category axes put class i at coordinate i; a cell spans ±0.5 around it (y runs downwards).
        figure.add_shape(
            type="rect",
            x0=predicted - 0.5,
            x1=predicted + 0.5,
            y0=true_class - 0.5,
            y1=true_class + 0.5,
            line=dict(color=CELL_COLOR, width=3),
        )
    figure.update_layout(
        xaxis_title="predicted class",
        yaxis_title="true class",
        # The cells exactly, first row at the top (autorange would leave room around the points' markers).
        xaxis_range=[-0.5, k - 0.5],
        yaxis_range=[k - 0.5, -0.5],
        height=140 + 36 * len(names),
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_type="category",
        yaxis_type="category",
        clickmode="event+select",
        hoverdistance=-1,
    )
    return figure


def clicked_cell(state: Mapping[str, Any] | None, class_names: Sequence[str]) -> tuple[int, int] | None:
    """``(true class, predicted class)`` of the confusion-matrix cell clicked, read from the selection state
    of ``st.plotly_chart(confusion_figure(...), on_select=...)`` (its points' ``x`` and ``y`` are the labels
    of :func:`confusion_figure`); the last point's, or None when no cell is selected."""
    selection = (state or {}).get("selection") or {}
    names = [plain(name) for name in class_names]
    for point in reversed(selection.get("points") or []):
        x, y = str(point.get("x")), str(point.get("y"))
        if x in names and y in names:
            return names.index(y), names.index(x)
    return None


def probabilities_figure(probabilities: Sequence[float] | np.ndarray, class_names: Sequence[str]) -> go.Figure:
    """Horizontal bars, one per class in class order (first at the top), the most likely in a stronger colour;
    class names are shown as text, never as markup."""
    values = [float(p) for p in probabilities]
    top = int(np.argmax(values))
    names = [plain(name) for name in class_names]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=names,
            orientation="h",
            marker_color=[TOP_COLOR if i == top else OTHER_COLOR for i in range(len(values))],
            text=[f"{v:.0%}" for v in values],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    figure.update_layout(
        height=70 + 28 * len(values),
        margin=dict(l=10, r=10, t=10, b=30),
        xaxis=dict(range=[0, 1.15], tickformat=".0%", title="probability"),
        yaxis=dict(autorange="reversed", type="category"),
    )
    return figure

"""The "Train a CNN" page's plotly figures, as pure functions of their numbers (no Streamlit): the learning
curves and the confusion matrix."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.nets.curves import Curves

TRAIN_COLOR = "#1b6ca8"
TEST_COLOR = "#d95f02"


def plain(text: str) -> str:
    """A class name for plotly labels, which understand a little HTML: shown literally, never as markup."""
    return html.escape(text, quote=False)


def curves_figure(curves: Curves) -> go.Figure:
    """Loss (left) and accuracy (right) per epoch; four traces in this order: train loss, test loss, train
    accuracy, test accuracy. The legend names "train" and "test" once."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss (lower is better)", "Accuracy"))
    for column, (train_values, test_values) in enumerate(
        ((curves.train_loss, curves.test_loss), (curves.train_accuracy, curves.test_accuracy)), start=1
    ):
        for name, x, y, color in (
            ("train", curves.train_x, train_values, TRAIN_COLOR),
            ("test", curves.epochs, test_values, TEST_COLOR),
        ):
            figure.add_scatter(
                x=list(x),
                y=list(y),
                mode="lines+markers",
                name=name,
                line_color=color,
                showlegend=column == 1,
                row=1,
                col=column,
            )
    figure.update_xaxes(title_text="epoch", rangemode="tozero")
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    figure.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return figure


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

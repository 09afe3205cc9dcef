"""The Attribution page's plotly figures, as pure functions of their numbers (no Streamlit): the sanity check's
similarity per randomised layer, and the deletion curves."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ui.train_figures import plain

# One colour per method, the same in every figure of the page (colour-blind-safe "Okabe-Ito" set).
METHOD_COLORS = {
    "saliency": "#0072b2",
    "integrated_gradients": "#d55e00",
    "input_x_gradient": "#009e73",
    "guided_backprop": "#cc79a7",
    "grad_cam": "#e69f00",
    "smoothgrad": "#56b4e9",
}
REFERENCE_COLOR = "#7f7f7f"  # the random ranking of the deletion curves
# The methods' names for people, and the deletion curves' reference (attribution.RANDOM).
LABELS = {
    "saliency": "Saliency",
    "integrated_gradients": "Integrated Gradients",
    "input_x_gradient": "Input × Gradient",
    "guided_backprop": "Guided Backprop",
    "grad_cam": "Grad-CAM",
    "smoothgrad": "SmoothGrad",
    "random": "random order",
}


def sanity_figure(
    steps: Mapping[str, Sequence[tuple[str, float]]], labels: Mapping[str, str], *, height: int = 300
) -> go.Figure:
    """Spearman's rho of each method's map with its trained map (``steps``: method -> ``[(layer name, rho),
    ...]``, top layer first) against the number of layers randomised, one line per method named by ``labels``;
    0 layers (the trained network, rho 1) comes first, the layer names show on hover. A rho that is NaN (a
    constant map) leaves a gap."""
    figure = go.Figure()
    for method, values in steps.items():
        label = plain(labels.get(method, method))
        figure.add_scatter(
            x=list(range(len(values) + 1)),
            y=[1.0, *(None if math.isnan(rho) else rho for _, rho in values)],
            customdata=["trained", *(plain(name) for name, _ in values)],
            mode="lines+markers",
            name=labels.get(method, method),
            line=dict(color=METHOD_COLORS.get(method)),
            hovertemplate="%{customdata}: ρ = %{y:.2f}<extra>" + label + "</extra>",
        )
    figure.add_hline(y=0, line=dict(color=REFERENCE_COLOR, width=1, dash="dot"))
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title="layers randomised (from the output down)", dtick=1, rangemode="tozero"),
        yaxis=dict(title="ρ with the trained map", range=[-1.05, 1.05]),
        legend=dict(orientation="v", x=1.02, y=1.0),
    )
    return figure


def deletion_figure(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray, float]],
    labels: Mapping[str, str],
    *,
    target_name: str,
    height: int = 320,
) -> go.Figure:
    """The target's probability against the fraction of pixels removed, one line per entry of ``curves``
    (name -> ``(fractions, probabilities, area)``) named by ``labels``; the entry without a colour of its own
    (the random ranking) is drawn dashed gray."""
    figure = go.Figure()
    for name, (fractions, probabilities, area) in curves.items():
        color = METHOD_COLORS.get(name)
        figure.add_scatter(
            x=np.asarray(fractions).tolist(),
            y=np.asarray(probabilities).tolist(),
            mode="lines+markers" if color else "lines",
            name=f"{labels.get(name, name)} (area {area:.2f})",
            line=dict(color=color or REFERENCE_COLOR, dash=None if color else "dash"),
            hovertemplate="%{x:.0%} removed: %{y:.1%}<extra>" + plain(labels.get(name, name)) + "</extra>",
        )
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(title="pixels removed, most important first", tickformat=".0%", range=[0, 1]),
        yaxis=dict(title=f"probability of {plain(target_name)}", tickformat=".0%", range=[0, 1.02]),
        legend=dict(orientation="h", y=-0.3),
    )
    return figure

"""The Embeddings page's plotly maps, as pure functions of their numbers (no Streamlit): a 2-D layout of test
images coloured by true class, mistakes ringed, the selected image marked.

Every point carries its test-set index as ``customdata``, so a click (``st.plotly_chart(on_select=...)``) tells
the page which image it was, whichever trace (class, ring, mark) the click landed on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ui.train_figures import plain

# Ten well-separated colours (plotly's "D3"), then 26 more ("Alphabet") for data sets with many classes.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#AA0DFE", "#3283FE", "#85660D", "#782AB6", "#565656", "#1C8356", "#16FF32", "#F7E1A0", "#E2E2E2", "#1CBE4F",
    "#C4451C", "#DEA0FD", "#FE00FA", "#325A9B", "#FEAF16", "#F8A19F", "#90AD1C", "#F6222E", "#1CFFCE", "#2ED9FF",
    "#B10DA1", "#C075A6", "#FC1CBF", "#B00068", "#FBE426", "#FA0087",
)  # fmt: skip
RING_COLOR = "#111111"
MARK_COLOR = "#d62728"
POINT_PX = 7
RING_PX = 13  # an open circle around a point of POINT_PX
MARK_PX = 20


def class_color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _hover(index: int, true: str, predicted: str | None) -> str:
    text = f"test image {index}<br>true: {plain(true)}"
    if predicted is not None:
        text += f"<br>predicted: {plain(predicted)}" + ("" if predicted == true else " (wrong)")
    return text


def map_figure(
    layout: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    *,
    indices: np.ndarray,
    predictions: np.ndarray | None = None,
    selected: int | None = None,
    ranges: tuple[tuple[float, float], tuple[float, float]] | None = None,
    height: int = 420,
    animate_ms: int = 0,
    legend: bool = True,
) -> go.Figure:
    """A scatter of ``layout (N, 2)``: one trace per class (colour, legend), then a trace of open rings round
    the mistakes (``predictions`` given, ``!= labels``), then a cross on the test image ``selected`` (if it is
    among ``indices``). ``indices (N,)`` are the points' test-set indices (``customdata``).

    ranges : fixed ``((x0, x1), (y0, y1))`` axes, so frames of an animation share one frame of reference.
    animate_ms : > 0 asks plotly to glide the points to their new places when the figure is redrawn.
    legend : False leaves the legend out (a map beside another one that shows it).
    """
    labels = np.asarray(labels)
    indices = np.asarray(indices)
    names = [str(name) for name in class_names]
    predicted_names = None if predictions is None else [names[int(p)] for p in predictions]
    hover = [
        _hover(int(indices[i]), names[int(labels[i])], None if predicted_names is None else predicted_names[i])
        for i in range(len(labels))
    ]
    traces: list[dict] = []
    for k, name in enumerate(names):
        members = np.flatnonzero(labels == k)
        traces.append(
            {
                "type": "scattergl" if len(labels) > 3000 else "scatter",
                "mode": "markers",
                "x": layout[members, 0].tolist(),
                "y": layout[members, 1].tolist(),
                "customdata": indices[members].tolist(),
                "hovertext": [hover[i] for i in members],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "name": plain(name),
                "marker": {"color": class_color(k), "size": POINT_PX, "line": {"width": 0}},
            }
        )
    if predictions is not None:
        wrong = np.flatnonzero(np.asarray(predictions) != labels)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": layout[wrong, 0].tolist(),
                "y": layout[wrong, 1].tolist(),
                "customdata": indices[wrong].tolist(),
                "hovertext": [hover[i] for i in wrong],
                "hovertemplate": "%{hovertext}<extra></extra>",
                "name": f"wrong ({len(wrong)})",
                "marker": {
                    "symbol": "circle-open",
                    "color": RING_COLOR,
                    "size": RING_PX,
                    "line": {"width": 1.5, "color": RING_COLOR},
                },
            }
        )
    at = np.flatnonzero(indices == selected) if selected is not None else np.array([], dtype=np.int64)
    traces.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": layout[at, 0].tolist(),
            "y": layout[at, 1].tolist(),
            "customdata": indices[at].tolist(),
            "hovertext": [hover[i] for i in at],
            "hovertemplate": "%{hovertext}<extra></extra>",
            "name": "selected",
            "showlegend": len(at) > 0,
            "marker": {"symbol": "x-thin-open", "color": MARK_COLOR, "size": MARK_PX, "line": {"width": 3}},
        }
    )
    axis = {"showticklabels": False, "zeroline": False, "showgrid": False, "title": {"text": ""}}
    figure_layout: dict = {
        "xaxis": dict(axis, **({"range": list(ranges[0])} if ranges else {})),
        "yaxis": dict(axis, **({"range": list(ranges[1])} if ranges else {})),
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "legend": {"itemclick": "toggleothers", "font": {"size": 11}, "tracegroupgap": 0},
        "clickmode": "event+select",
        "dragmode": "pan",
        "hovermode": "closest",
        "showlegend": legend,
    }
    if animate_ms > 0:
        figure_layout["transition"] = {"duration": animate_ms, "easing": "cubic-in-out"}
        figure_layout["uirevision"] = "keep"
    return go.Figure({"data": traces, "layout": figure_layout})


def frame_ranges(layouts: np.ndarray, *, margin: float = 0.05) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis ranges holding every point of ``layouts (E, N, 2)`` with ``margin`` of the span on each side."""
    low = layouts.reshape(-1, 2).min(axis=0)
    high = layouts.reshape(-1, 2).max(axis=0)
    pad = np.maximum(high - low, 1e-6) * margin
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))

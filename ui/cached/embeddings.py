"""Cached pieces of the "Embeddings" page: the test set's features (the classifier's input) and one picture's,
nearest neighbours, the calls that project them in a worker, the maps' figures, and the CSV export.

- Features are cheap (one forward pass of the test set, tens of ms on these models): cached keyed by the model's
  token and the test set's key, the model passed as ``_model`` (read-only use: eval mode, no hooks).
- Projections are heavy (a t-SNE of 640 points takes a second or more): :func:`projection_call` and
  :func:`frames_call` describe them for ``ui.inspect_jobs.result``, which runs them in a worker process and
  caches the result server-wide, so every attendee looking at the default models shares one computation.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.interpret import embeddings
from explorer.nets import evaluation
from ui import emb_figures, inspect_worker, torch_runtime

if TYPE_CHECKING:
    from torch import nn

# A session looks at a few models (defaults, its own, an upload, a few epochs): a workshop's worth of them.
MAX_MODELS = 32
# Queries: test images clicked, uploads, drawings.
MAX_QUERIES = 128
# The most points one map shows: a t-SNE of 2,000 points takes about 1.6 s in a worker (explorer docstring);
# bigger test sets are sampled evenly (embeddings.spread_indices). The default models' sets have 359 and 640.
MAP_POINTS = 2000
SPACES = ("pixels", "features")


@st.cache_resource(show_spinner=False, max_entries=MAX_MODELS)
def test_features(token: str, test_key: str, _model: nn.Sequential, _images: np.ndarray) -> np.ndarray:
    """``evaluation.embeddings(model, images)``: ``(N, D) float32``, the classifier's input for every test image,
    shared read-only (``cache_resource``: no copy per rerun; a network on 28×28 digits has 3,136 features an
    image). ``token`` names the weights, ``test_key`` the test set (the model's own, or a default one)."""
    torch_runtime.configure()
    features = evaluation.embeddings(_model, _images)
    features.flags.writeable = False
    return features


@st.cache_data(show_spinner=False, max_entries=MAX_QUERIES)
def query_features(token: str, input_key: str, _model: nn.Sequential, _image: np.ndarray) -> np.ndarray:
    """``(D,) float32``: the classifier's input for one image ``(C, H, W)``."""
    torch_runtime.configure()
    return evaluation.embeddings(_model, np.ascontiguousarray(_image[None], dtype=np.float32))[0]


@dataclass(frozen=True, eq=False)
class Neighbours:
    """The test images most similar to a query: ``indices (k,) int64`` and cosine ``similarities (k,)
    float32``, best first, in pixel space and in feature space."""

    pixel_indices: np.ndarray
    pixel_similarities: np.ndarray
    feature_indices: np.ndarray
    feature_similarities: np.ndarray


@st.cache_data(show_spinner=False, max_entries=MAX_QUERIES)
def neighbours(
    token: str,
    test_key: str,
    input_key: str,
    k: int,
    skip: int | None,
    _model: nn.Sequential,
    _images: np.ndarray,
    _image: np.ndarray,
) -> Neighbours:
    """``embeddings.nearest`` of the query image among the test images, by its pixels and by its features.

    skip : a test index left out of the answers (the query itself, when it is a test image).
    Raises ``ValueError`` for a query with no direction (all zeros).
    """
    bank_features = test_features(token, test_key, _model, _images)
    query = query_features(token, input_key, _model, _image)
    found = []
    for q, bank in (
        (embeddings.pixel_features(_image[None])[0], embeddings.pixel_features(_images)),
        (query, bank_features),
    ):
        extra = 1 if skip is not None else 0
        indices, similarities = embeddings.nearest(q, bank, k=min(k + extra, len(bank)))
        keep = indices != skip
        found += [indices[keep][:k], similarities[keep][:k]]
    return Neighbours(*found)


def map_indices(n: int) -> np.ndarray:
    """The test images one map shows: all, or :data:`MAP_POINTS` spread evenly over a bigger set."""
    return embeddings.spread_indices(n, limit=MAP_POINTS)


def projection_call(
    token: str, test_key: str, space: str, method: str, points: np.ndarray, *, seed: int = 0
) -> inspect_worker.Call:
    """The worker call projecting ``points (N, D)`` (pixel rows or features of the map's test images)."""
    return inspect_worker.Call(
        "embeddings.project",
        key=("emb.map", token, test_key, space, method, seed, len(points)),
        args=(points,),
        kwargs={"method": method, "seed": seed},
    )


def frames_call(token: str, method: str, frames: tuple[np.ndarray, ...], *, seed: int = 0) -> inspect_worker.Call:
    """The worker call laying out the snapshots' embeddings, one frame per epoch, each from the one before."""
    return inspect_worker.Call(
        "embeddings.project_frames",
        key=("emb.frames", token, method, seed, len(frames)),
        args=(list(frames),),
        kwargs={"method": method, "seed": seed},
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def map_figure(
    key: Hashable,
    selected: int | None,
    legend: bool,
    _layout: np.ndarray,
    _labels: np.ndarray,
    _class_names: tuple[str, ...],
    _indices: np.ndarray,
    _predictions: np.ndarray | None,
) -> go.Figure:
    """``emb_figures.map_figure`` (shared read-only: plotly_chart only reads it), keyed by the projection's
    key, the selected test image and whether it has a legend."""
    return emb_figures.map_figure(
        _layout, _labels, _class_names, indices=_indices, predictions=_predictions, selected=selected, legend=legend
    )


def points_csv(points: dict[str, np.ndarray], labels, predictions, class_names, indices) -> bytes:
    """``embeddings.points_csv`` as UTF-8 bytes, for ``st.download_button`` (made when the button is pressed)."""
    text = embeddings.points_csv(
        points, labels=labels, predictions=predictions, class_names=class_names, indices=indices
    )
    return text.encode("utf-8")

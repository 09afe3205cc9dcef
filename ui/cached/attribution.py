"""Cached pieces of the Attribution page: each one ``explorer.interpret.attribution`` call plus encoding.

Keys are small: the model's token (``Inspected.trained.token``, it names the weights exactly), the input's key
(``InputImage.key``: ``"test:17"``, ``"upload:<sha256>"``), the method and its options as a tuple of pairs
(:func:`options_key`), the target class. The model and the image go in as ``_model`` and ``_image``. The heavy
sanity check is not here: it runs in a worker (``ui.inspect_jobs``), see :func:`sanity_call`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.core import dtype, resize
from explorer.interpret import attribution
from explorer.nets import predict_one
from ui import attr_figures, inspect_worker, torch_runtime
from ui.cached import shared
from ui.cached.train import TrainedModel

OptionsKey = tuple[tuple[str, Any], ...]
MethodKey = tuple[str, OptionsKey]  # a method and its options: what names a map, with the model, input and target
# A session looks at a few images with up to six methods and a few settings each: maps cost ~1-15 ms and a few
# hundred bytes, pictures a few kB.
MAX_MAPS = 512
MAX_PICTURES = 256
MAX_CURVES = 64
# model_ref copies the weights (a fraction of a millisecond for our networks, but every rerun): once per model.
MAX_MODELS = 16


def options_key(options: Mapping[str, Any]) -> OptionsKey:
    """A method's options as a hashable, order-free cache key."""
    return tuple(sorted(options.items()))


@st.cache_data(show_spinner=False, max_entries=MAX_MAPS)
def attribution_map(
    model_token: str, input_key: str, method: str, options: OptionsKey, target: int, _model, _image: np.ndarray
) -> np.ndarray:
    """``attribution.attribute(model, image, method=method, target=target, **options)``: ``(H, W) float32``."""
    torch_runtime.configure()
    return attribution.attribute(_model, _image, method=method, target=target, **dict(options))


@st.cache_data(show_spinner=False, max_entries=MAX_PICTURES)
def overlay_png(
    model_token: str,
    input_key: str,
    method: str,
    options: OptionsKey,
    target: int,
    opacity: float,
    side: int,
    _model,
    _image: np.ndarray,
) -> bytes:
    """PNG of :func:`attribution.overlay` of the method's map over the image, enlarged in whole pixels to about
    ``side`` screen pixels a side."""
    heat = attribution_map(model_token, input_key, method, options, target, _model, _image)
    return map_png(heat, _image, opacity=opacity, signed=method in attribution.SIGNED_METHODS, side=side)


def map_png(heat: np.ndarray, image: np.ndarray | None, *, opacity: float | None, signed: bool, side: int) -> bytes:
    """PNG of ``heat`` over ``image`` (:func:`attribution.overlay`), or of the map alone (``opacity`` None:
    :func:`attribution.heat_colors`; ``image`` unused), enlarged in whole pixels to about ``side`` screen
    pixels a side."""
    if opacity is None or image is None:
        picture = dtype.to_uint8(attribution.heat_colors(heat, signed=signed))
    else:
        picture = attribution.overlay(image, heat, opacity=opacity, signed=signed)
    return shared.encode(resize.enlarge(picture, factor=resize.screen_factor(picture.shape[0], target=side)))


@st.cache_data(show_spinner=False, max_entries=MAX_MAPS)
def probabilities(model_token: str, input_key: str, _model, _image: np.ndarray) -> np.ndarray:
    """``predict_one.class_probabilities(model, image)``: ``(K,) float64``, the softmax of the logits."""
    torch_runtime.configure()
    return predict_one.class_probabilities(_model, _image)


@st.cache_data(show_spinner=False, max_entries=MAX_CURVES)
def deletion(
    model_token: str,
    input_key: str,
    methods: tuple[MethodKey, ...],
    target: int,
    baseline: str,
    _model,
    _image: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """``attribution.deletion_curves`` of each method's map (and a random ranking, ``attribution.RANDOM``), the
    removed pixels filled with ``baseline`` (``"black"``, ``"gray"``, ``"blurred"``): ``{name: (fractions,
    probabilities, area)}``."""
    maps = {
        method: attribution_map(model_token, input_key, method, options, target, _model, _image)
        for method, options in methods
    }
    torch_runtime.configure()
    return attribution.deletion_curves(_model, _image, maps, target=target, baseline=baseline)


@st.cache_data(show_spinner=False, max_entries=MAX_MAPS)
def epoch_saliency(
    model_token: str, epoch: int, input_key: str, target: int, _model, _image: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Saliency of the model after ``epoch`` (``_model``, its snapshot) and its class probabilities:
    ``(map (H, W) float32, probabilities (K,) float64)``."""
    torch_runtime.configure()
    heat = attribution.attribute(_model, _image, method="saliency", target=target)
    return heat, predict_one.class_probabilities(_model, _image)


def method_keys(methods: Sequence[str], options: Mapping[str, Mapping[str, Any]]) -> tuple[MethodKey, ...]:
    """``((method, options_key), ...)`` for the chosen methods, each with its options from ``options``."""
    return tuple((method, options_key(options.get(method, {}))) for method in methods)


@st.cache_resource(show_spinner=False, max_entries=MAX_MODELS)
def model_ref(model_token: str, _trained: TrainedModel) -> inspect_worker.ModelRef:
    """``inspect_worker.model_ref`` of the inspected network (what a worker rebuilds it from), once per token."""
    return inspect_worker.model_ref(_trained.model, _trained.spec, model_token)


def sanity_call(
    trained: TrainedModel,
    input_key: str,
    image: np.ndarray,
    methods: tuple[MethodKey, ...],
    target: int,
) -> inspect_worker.Call:
    """The worker call of ``attribution.sanity_checks`` for the chosen methods and their options (seed 0)."""
    return inspect_worker.Call(
        function="attribution.sanity_checks",
        key=("attribution.sanity_checks", trained.token, input_key, methods, target),
        model=model_ref(trained.token, trained),
        args=(image,),
        kwargs={
            "methods": [method for method, _ in methods],
            "options": {method: dict(options) for method, options in methods},
            "target": target,
        },
    )


# ------------------------------------------------------------------------------------- drawing the results
@st.cache_data(show_spinner=False, max_entries=MAX_PICTURES)
def sanity_pictures(
    call_key: Hashable, method: str, side: int, _original: np.ndarray, _steps: list
) -> tuple[list[bytes], list[str]]:
    """One method's row of the sanity check (``call_key`` names the check's result): PNGs of the trained map
    and of the map after each randomised layer (:func:`map_png`, the maps alone), and their captions with
    Spearman's rho ("–" for a flat map: no order of pixels to compare)."""
    signed = method in attribution.SIGNED_METHODS
    heats = [_original, *(heat for _, heat, _ in _steps)]
    pictures = [map_png(heat, None, opacity=None, signed=signed, side=side) for heat in heats]
    captions = [
        f"{attr_figures.LABELS[method]}, trained",
        *(f"+ {name}: ρ {'–' if math.isnan(rho) else f'{rho:.2f}'}" for name, _, rho in _steps),
    ]
    return pictures, captions


@st.cache_resource(show_spinner=False, max_entries=MAX_CURVES)
def sanity_figure(call_key: Hashable, methods: tuple[str, ...], _checked: Mapping) -> go.Figure:
    """``attr_figures.sanity_figure`` of a sanity check's result, built once and shared read-only
    (``st.plotly_chart`` copies a figure into its message and never changes it)."""
    steps = {method: [(name, rho) for name, _, rho in _checked[method][1]] for method in methods}
    return attr_figures.sanity_figure(steps, attr_figures.LABELS)


@st.cache_resource(show_spinner=False, max_entries=MAX_CURVES)
def deletion_figure(
    model_token: str,
    input_key: str,
    methods: tuple[MethodKey, ...],
    target: int,
    baseline: str,
    target_name: str,
    _curves: Mapping,
) -> go.Figure:
    """``attr_figures.deletion_figure`` of :func:`deletion`'s curves (same key), built once, shared read-only."""
    return attr_figures.deletion_figure(_curves, attr_figures.LABELS, target_name=target_name)

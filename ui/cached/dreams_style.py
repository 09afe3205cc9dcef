"""Cached pieces and the jobs of the "Dreams and style" page.

- The two heavy jobs, a dream and a style transfer, go through the Train page's server-wide queue
  (``ui.training_jobs.SCHEDULER``: at most ``VISION_EXPLORER_MAX_TRAININGS`` at once, the rest in line with
  their place shown, Stop, ended with their session, a JSON log line with ``kind="dream"`` or ``"style"``) and
  run in its worker processes (``ui.training_jobs.WORKERS``, job functions in :mod:`ui.dream_worker`). The job's
  thread turns the worker's frames into a :class:`LiveState` the page reads once a second.
- Pictures: the style picture (a built-in sample, or an upload keyed by its SHA-256), pictures brought to the
  size the job works at, a Gram matrix as a picture, the layers a small network can dream with.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from explorer.core import dtype, resize
from explorer.deep import dream, style
from explorer.images import imageio, samples
from ui import dream_worker, inspect_worker, training_jobs, workers

if TYPE_CHECKING:
    from torch import nn

# Uploaded style pictures are kept at most this big: the transfer works at 192 px at most.
STYLE_SIDE = 512
MAX_UPLOADS = 8
# The largest picture of a Gram matrix on the page, in screen pixels.
GRAM_SIDE = 256


@dataclass(frozen=True, eq=False)
class LiveState:
    """What the page reads while a job runs: the last frame's step (of ``total``) and picture, every step's
    losses so far (one tuple per loss), and the style picture's Gram matrix once known (style only)."""

    kind: str  # "dream" or "style"
    step: int
    total: int
    picture: np.ndarray
    curves: dict[str, tuple[float, ...]]
    style_gram: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Outcome:
    """A finished job's value: what the worker returned and what was asked."""

    kind: str
    finished: dream_worker.Finished
    source: np.ndarray  # the picture the job started from (the content picture, at the job's size)
    title: str


DreamsJob: TypeAlias = "training_jobs.Job[LiveState, Outcome]"
DreamsControl: TypeAlias = "training_jobs.Control[LiveState, Outcome]"


def _work(
    kind: str, function: Callable[[Any, Any], dream_worker.Finished], request: Any, source: np.ndarray, title: str
) -> Callable[[DreamsControl], Outcome]:
    """What the job's thread runs: the job in a worker process, its frames gathered into LiveStates."""

    def work(control: DreamsControl) -> Outcome:
        curves: dict[str, list[float]] = {}
        style_gram: list[np.ndarray] = []

        def on_report(frame: dream_worker.Frame) -> None:
            for name, values in frame.losses.items():
                curves.setdefault(name, []).extend(values)
            if frame.style_gram is not None:
                style_gram.append(frame.style_gram)
            control.report(
                LiveState(
                    kind,
                    frame.step,
                    frame.total,
                    frame.picture,
                    {name: tuple(values) for name, values in curves.items()},
                    style_gram[0] if style_gram else None,
                )
            )

        try:
            finished = training_jobs.WORKERS.run(
                function, request, on_report=on_report, should_stop=control.should_stop
            )
        except Exception as error:  # noqa: BLE001 - the page gets a message in plain words, never a traceback
            raise training_jobs.JobFailed(friendly_error(kind, error)) from error
        return Outcome(kind, finished, source, title)

    return work


def friendly_error(kind: str, error: BaseException) -> str:
    """Why a dream or a style transfer failed, for the page (``training_jobs.friendly_error`` speaks of
    trainings)."""
    what = "The dream" if kind == "dream" else "The style transfer"
    if isinstance(error, workers.RemoteError) and error.type_name == "WeightsUnavailableError":
        return error.text  # the weights went missing after the page looked: the notice's own words
    if isinstance(error, ValueError):
        return f"{what} could not run: {error}"
    if isinstance(error, MemoryError):
        return f"{what} ran out of memory. Try a smaller picture."
    if isinstance(error, workers.WorkerCrashed):
        return f"{what} stopped: {error}. The server has started a fresh worker; press Start to try again."
    if isinstance(error, workers.RemoteError):
        return f"{what} stopped because of an unexpected error ({error.type_name}: {error.text}). Try again."
    return f"{what} stopped because of an unexpected error ({type(error).__name__}: {error}). Try again."


def _submit(work: Callable[[DreamsControl], Outcome], kind: str, label: str) -> DreamsJob:
    session = training_jobs.current_session_id()
    training_jobs.WORKERS.warm_up()
    return training_jobs.SCHEDULER.submit(
        work, label=label, is_alive=training_jobs.session_alive(session), kind=kind, session_id=session
    )


def start_dream(
    picture: np.ndarray,
    *,
    layer: int,
    settings: dream.Settings,
    root: str | None = None,
    model: nn.Module | None = None,
    spec: Any = None,
    token: str = "",
    title: str = "",
) -> DreamsJob:
    """Queue a dream of ``picture`` (at the size to dream at) by module ``layer`` of the pretrained network
    (its weights in the cache folder ``root``) or of a small ``model`` (with its ``spec`` and ``token``)."""
    dream._check_settings(settings)  # a setting that doesn't fit is reported now, not from the worker
    ref = inspect_worker.model_ref(model, spec, token) if model is not None else None
    request = dream_worker.DreamRequest(np.ascontiguousarray(picture), layer, settings, root=root, model=ref)
    return _submit(_work("dream", dream_worker.dream, request, picture, title), "dream", "DeepDream")


def start_style(
    content: np.ndarray, style_picture: np.ndarray, *, settings: style.Settings, root: str, gram_layer: str
) -> DreamsJob:
    """Queue a style transfer of ``content`` in the style of ``style_picture`` on the pretrained network."""
    style._check_settings(settings)
    source = fit(content, settings.size)  # what the worker would make of it anyway: a smaller message
    request = dream_worker.StyleRequest(source, fit(style_picture, settings.size), settings, root, gram_layer)
    return _submit(_work("style", dream_worker.style, request, source, "style"), "style", "Style transfer")


def stop(job: DreamsJob) -> None:
    job.stop()


# ------------------------------------------------------------------------------------------------- pictures
@st.cache_data(show_spinner=False, max_entries=16)
def builtin_style(name: str) -> np.ndarray:
    """A built-in sample as the style picture, ``(H, W, 3) uint8``, at most :data:`STYLE_SIDE` a side."""
    return resize.fit_within(samples.load_sample(name), max_side=STYLE_SIDE)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@st.cache_data(show_spinner=False, max_entries=MAX_UPLOADS)
def uploaded_style(key: str, _data: bytes) -> np.ndarray:
    """An uploaded style picture (``key``: its SHA-256), ``(H, W, 3) uint8``; ``ValueError`` with the reason
    for a file that is not a readable picture."""
    return imageio.load_image(_data, max_side=STYLE_SIDE)


def fit(picture: np.ndarray, size: int) -> np.ndarray:
    """``picture`` resized so its longer side is ``size`` pixels (aspect kept), ``uint8``."""
    return dtype.to_uint8(resize.to_longer_side(dtype.to_float(picture), side=size))


@st.cache_data(show_spinner=False, max_entries=32)
def gram_picture(key: str, _matrix: np.ndarray) -> np.ndarray:
    """A Gram matrix as a gray ``uint8`` picture on a square-root scale (0 black, its largest entry white; a
    few channel pairs dominate, and on a linear scale the rest would all look black), each entry a square of
    whole screen pixels about :data:`GRAM_SIDE` wide."""
    picture = dtype.to_uint8(style.gram_display(_matrix))
    return resize.enlarge(picture, factor=max(1, GRAM_SIDE // max(picture.shape)))


def dream_layers(model: nn.Sequential) -> dict[str, int]:
    """``{name: module index}`` of the layers of a small network a dream can use: its convolutions, poolings
    and activations before the first layer that gives no feature maps (a flatten), named as the Inspect pages
    name them."""
    from torch import nn as torch_nn

    from explorer.interpret import activations

    mapped = [index for index, module in enumerate(model) if isinstance(module, activations.MAPPED)]
    names = dict(zip(mapped, activations.layer_names(model), strict=True))
    out = {}
    for index, module in enumerate(model):
        if isinstance(module, (torch_nn.Flatten, torch_nn.Linear)):
            break
        if index in names:
            out[names[index]] = index
    return out


def default_layer(layers: dict[str, int]) -> str:
    """A small network's deepest convolution or activation (its last poolings only shrink the maps)."""
    names = [name for name in layers if "conv" in name or "relu" in name] or list(layers)
    return names[-1]


def settings_code(settings: Any) -> str:
    """``Settings(a=1, b=2)`` with only the values that differ from the defaults (for "Show the code")."""
    default = type(settings)()
    changed = {
        f.name: getattr(settings, f.name)
        for f in dataclasses.fields(settings)
        if getattr(settings, f.name) != getattr(default, f.name)
    }
    return ", ".join(f"{name}={value!r}" for name, value in changed.items())


# -------------------------------------------------------------------------------------------------- figures
CURVE_NAMES = {
    "total": "total",
    "content": "content",
    "style": "style",
    "variation": "smoothness (variation)",
    "activation": "layer's response",
}


def curves_figure(curves: dict[str, Any], *, log: bool) -> go.Figure:
    """One line per loss over the steps (``log``: a logarithmic y axis, for losses that fall by orders)."""
    figure = go.Figure()
    for name, values in curves.items():
        steps = np.arange(1, len(values) + 1)
        figure.add_trace(
            go.Scatter(x=steps, y=np.asarray(values, dtype=float), mode="lines", name=CURVE_NAMES.get(name, name))
        )
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="step",
        yaxis_type="log" if log else "linear",
        legend={"orientation": "h", "y": 1.12},
    )
    return figure

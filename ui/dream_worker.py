"""The "Dreams and style" page's jobs as they run in a worker process (:mod:`ui.workers`): plain data in and out.

Two job functions, run by ``ui.training_jobs.WORKERS`` (the Train page's pool, at ``nice`` 10 with one torch
thread, ``ui.training_worker.prepare``):

- :func:`dream`: :func:`explorer.deep.dream.dream` of a :class:`DreamRequest`, on the pretrained SqueezeNet
  (rebuilt in the worker from the weights file in the cache folder the request names) or on a small network sent
  as a :class:`ui.inspect_worker.ModelRef`;
- :func:`style`: :func:`explorer.deep.style.transfer` of a :class:`StyleRequest` on the pretrained SqueezeNet,
  with the Gram matrices of one layer for the page.

Both report a :class:`Frame` (the picture so far as ``uint8``, the losses of the steps since the last frame) at
most every :data:`REPORT_INTERVAL_S` seconds and after the last step, and stop after the current step when the
server asks. The pretrained network is built once per worker and weights file.

No streamlit here: the worker imports this module, ``explorer`` and torch only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import dtype
from explorer.deep import backbone
from explorer.deep import dream as deep_dream
from explorer.deep import style as deep_style
from ui.inspect_worker import ModelRef
from ui.workers import Channel

# A frame is a picture of at most 384² pixels (about 0.4 MB) through a pipe: four a second cost the server
# almost nothing and the picture still changes smoothly; the page looks once a second.
REPORT_INTERVAL_S = 0.25


@dataclass(frozen=True, eq=False)
class DreamRequest:
    """A dream of ``picture`` (``(H, W, 3) uint8``, already at the size to dream at) by module ``layer``.

    root : the cache folder holding the pretrained weights (the worker builds SqueezeNet from it; it is passed,
        not read from the worker's own ``downloads.DEFAULT_ROOT``, so a server and its workers agree); None when
        ``model`` (a small network) is dreamed with instead.
    """

    picture: np.ndarray
    layer: int
    settings: deep_dream.Settings
    root: str | None = None
    model: ModelRef | None = None
    seed: int = 0


@dataclass(frozen=True, eq=False)
class StyleRequest:
    """A style transfer of ``content`` in the style of ``style`` (both ``(H, W, 3) uint8``) on the pretrained
    SqueezeNet from ``root``; ``gram_layer`` is the layer whose Gram matrices the page shows."""

    content: np.ndarray
    style: np.ndarray
    settings: deep_style.Settings
    root: str
    gram_layer: str = "conv1"


@dataclass(frozen=True, eq=False)
class Frame:
    """A report: the step reached (of ``total``), the picture then, the losses of each step since the last
    frame (``{"activation": (...)}`` for a dream; ``content``/``style``/``variation``/``total`` for style), and
    for a style transfer, once in the first frame, the style picture's Gram matrix (``style_gram``)."""

    step: int
    total: int
    picture: np.ndarray
    losses: dict[str, tuple[float, ...]]
    style_gram: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Finished:
    """A job's result: the final picture (``uint8``), every step's losses, the steps done, whether it was
    stopped, and for a style transfer the Gram matrices of ``gram_layer`` (``"style"``, ``"content"``,
    ``"result"``)."""

    picture: np.ndarray
    losses: dict[str, np.ndarray]
    steps: int
    stopped: bool
    grams: dict[str, np.ndarray] = field(default_factory=dict)


_backbones: dict[tuple[str, int], object] = {}


def _backbone(root: str):
    """The pretrained SqueezeNet from the weights in ``root`` (built once per worker and weights file)."""
    path = backbone.weights_path(root)
    if not path.is_file():
        raise backbone.WeightsUnavailableError(backbone.unavailable_message("they are not in the cache folder yet"))
    key = (str(path), path.stat().st_mtime_ns)
    if key not in _backbones:
        _backbones.clear()
        _backbones[key] = backbone.build(pretrained=True, root=Path(root))
    return _backbones[key]


def _small_model(ref: ModelRef):
    from explorer.nets.checkpoints import model_from_weights

    return model_from_weights(ref.spec, ref.weights)


class _Reporter:
    """Collects every step's losses and sends a :class:`Frame` at most every :data:`REPORT_INTERVAL_S`."""

    def __init__(self, channel: Channel, total: int) -> None:
        self.channel, self.total = channel, total
        self.pending: dict[str, list[float]] = {}
        self.last = 0.0
        self.extra: dict[str, np.ndarray] = {}

    def __call__(self, step: int, picture: np.ndarray, losses: Mapping[str, float]) -> None:
        for name, value in losses.items():
            self.pending.setdefault(name, []).append(float(value))
        now = time.monotonic()
        if now - self.last < REPORT_INTERVAL_S and step < self.total:
            return
        self.last = now
        frame = Frame(
            step,
            self.total,
            dtype.to_uint8(np.clip(picture, 0.0, 1.0)),
            {name: tuple(values) for name, values in self.pending.items()},
            self.extra.pop("style_gram", None),
        )
        self.pending = {}
        self.channel.report(frame)


def dream(request: DreamRequest, channel: Channel) -> Finished:
    """Worker job: :func:`explorer.deep.dream.dream` as ``request`` says, reporting :class:`Frame` s."""
    settings = request.settings
    reporter = _Reporter(channel, settings.octaves * settings.steps)
    if request.model is not None:
        model, mean, std = _small_model(request.model), None, None
    elif request.root is not None:
        model, mean, std = _backbone(request.root), backbone.MEAN, backbone.STD
    else:
        raise ValueError("a dream needs a network: neither the pretrained weights nor a model were given")
    result = deep_dream.dream(
        model,
        request.picture,
        layer=request.layer,
        settings=settings,
        mean=mean,
        std=std,
        seed=request.seed,
        on_progress=reporter,
        should_stop=channel.should_stop,
    )
    return Finished(
        dtype.to_uint8(np.clip(result.picture, 0.0, 1.0)),
        {"activation": result.objective},
        result.steps,
        result.stopped,
    )


def style(request: StyleRequest, channel: Channel) -> Finished:
    """Worker job: :func:`explorer.deep.style.transfer` as ``request`` says, reporting :class:`Frame` s (the
    first one with the style picture's Gram matrix of ``gram_layer``)."""
    model = _backbone(request.root)
    settings = request.settings
    layers = [request.gram_layer]
    style_gram = deep_style.gram_matrices(model, request.style, layers=layers, size=settings.size)[request.gram_layer]
    reporter = _Reporter(channel, settings.steps)
    reporter.extra["style_gram"] = style_gram
    stop: Callable[[], bool] = channel.should_stop
    result = deep_style.transfer(
        model, request.content, request.style, settings=settings, on_progress=reporter, should_stop=stop
    )
    grams = {
        "style": style_gram,
        "content": deep_style.gram_matrices(model, request.content, layers=layers, size=settings.size)[
            request.gram_layer
        ],
        "result": deep_style.gram_matrices(model, result.picture, layers=layers, size=settings.size)[
            request.gram_layer
        ],
    }
    return Finished(dtype.to_uint8(result.picture), result.losses, result.steps, result.stopped, grams)

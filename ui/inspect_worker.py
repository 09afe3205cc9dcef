"""The Inspect pages' heavy work as it runs in a worker process (:mod:`ui.workers`): one call of a public
function of ``explorer.interpret`` on a model rebuilt from its weights.

The server sends a :class:`Call`: which function (``"occlusion.occlusion"``, ``"embeddings.project"``…), the
model as a :class:`ModelRef` (its spec and ``state_dict`` as arrays; or several, for work across the training's
epochs), and the arguments as plain data. The worker rebuilds each model once per token (the last
:data:`MODELS_KEPT` are kept), calls the function and returns its result. A function that takes
``on_progress`` gets one that reports the fraction done (0..1) to the server, at most ten times a second; one
that takes ``should_stop`` gets the job's stop check.

No streamlit here: the worker imports this module, ``explorer`` and torch only.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.deep import transfer
from explorer.nets.architecture import ArchitectureSpec, Backbone
from ui.workers import Channel

# Modules of explorer.interpret a call may name (its public functions only).
MODULES = ("activations", "attribution", "class_visual", "embeddings", "occlusion")
# A worker keeps the models of the last few calls: the same model is usually asked about again and again.
MODELS_KEPT = 8
# Progress reports at most this often (a report is a pipe message and a lock in the server).
REPORT_INTERVAL_S = 0.1


@dataclass(frozen=True, eq=False)
class ModelRef:
    """A network as plain data: ``token`` names the weights exactly (``TrainedModel.token``, plus the epoch
    for a snapshot), ``spec`` its architecture, ``weights`` its ``state_dict`` as arrays."""

    token: str
    spec: ArchitectureSpec
    weights: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class Call:
    """``function(model, *args, **kwargs)`` in a worker.

    function : ``"module.name"`` of a public function in ``explorer.interpret.<module>`` (:data:`MODULES`).
    key : small hashable cache key naming the result exactly (model token, input key, settings).
    model : the model passed as the first argument: one :class:`ModelRef`, a tuple of them (passed as a list
        of models: work across epochs), or None (the function takes no model).
    """

    function: str
    key: Hashable
    model: ModelRef | tuple[ModelRef, ...] | None = None
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        module, _, name = self.function.partition(".")
        if module not in MODULES or not name or name.startswith("_") or "." in name:
            raise ValueError(f"function must be 'module.name' with module one of {MODULES}, got {self.function!r}")
        hash(self.key)  # a TypeError now, not in a cache lookup later


def model_ref(model, spec: ArchitectureSpec, token: str) -> ModelRef:
    """A :class:`ModelRef` of a built model (its ``state_dict`` copied to arrays); a transfer network may come
    as the Inspect pages hold it (``explorer.deep.transfer.flat``): its weights travel under the spec's names."""
    state = model.state_dict()
    if isinstance(spec.layers[0], Backbone) and len(model) != len(spec.layers):
        state = transfer.nested_state(state)
    weights = {name: tensor.detach().cpu().numpy().copy() for name, tensor in state.items()}
    return ModelRef(token, spec, weights)


_models: OrderedDict[str, Any] = OrderedDict()


def _model(ref: ModelRef):
    from explorer.nets.checkpoints import model_from_weights

    model = _models.get(ref.token)
    if model is None:  # a transfer network flat, as the Inspect pages hold it (their functions see its layers)
        model = transfer.flat(model_from_weights(ref.spec, ref.weights))
        _models[ref.token] = model
        while len(_models) > MODELS_KEPT:
            _models.popitem(last=False)
    _models.move_to_end(ref.token)
    return model


def resolve(function: str) -> Callable[..., Any]:
    """The function a :class:`Call` names (``ValueError`` if there is none)."""
    module_name, _, name = function.partition(".")
    module = importlib.import_module(f"explorer.interpret.{module_name}")
    target = getattr(module, name, None)
    if not callable(target):
        raise ValueError(f"explorer.interpret.{module_name} has no function {name!r}")
    return target


def _throttled(channel: Channel) -> Callable[[float], None]:
    last = [0.0]

    def on_progress(fraction: float) -> None:
        now = time.monotonic()
        if now - last[0] >= REPORT_INTERVAL_S or fraction >= 1.0:
            last[0] = now
            channel.report(float(min(max(fraction, 0.0), 1.0)))

    return on_progress


def run(call: Call, channel: Channel) -> Any:
    """Worker job: the call's result (plain data). Reports progress fractions as floats."""
    function = resolve(call.function)
    parameters = inspect.signature(function).parameters
    kwargs = dict(call.kwargs)
    if "on_progress" in parameters:
        kwargs["on_progress"] = _throttled(channel)
    if "should_stop" in parameters:
        kwargs["should_stop"] = channel.should_stop
    if call.model is None:
        return function(*call.args, **kwargs)
    if isinstance(call.model, tuple):
        return function([_model(ref) for ref in call.model], *call.args, **kwargs)
    return function(_model(call.model), *call.args, **kwargs)

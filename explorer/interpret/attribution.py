"""Which pixels a trained network's answer depends on: attribution maps with captum (``captum.attr``), the
sanity check of Adebayo et al. 2018 and the deletion curve that compares methods.

Captum's shape bound to our models: a ``model`` (a ``torch.nn.Module``, our ``nn.Sequential`` from
:func:`explorer.nets.architecture.build`) and one ``image`` ``(C, H, W)`` float32 (float64 for a float64
model) in, a NumPy map ``(H, W) float32`` out, settings keyword-only. ``target`` is a class index; ``None``
means the class the network predicts for ``image``. Attributions are of the target's *logit* (the model's
output), as captum does; the deletion curve reports the target's softmax *probability*.

- :func:`attribute`: one of :data:`METHODS`, see its docstring for how each map is made from captum's
  ``(C, H, W)`` attribution;
- :func:`sanity_check`: cascading randomisation from the top layer down, the map re-rendered at each step and
  compared with the original by Spearman's rank correlation;
- :func:`deletion_curve`: the target's probability as the most important pixels are replaced by a baseline;
  :func:`deletion_curves` for several maps at once, beside a random ranking for reference;
- :func:`sanity_checks`: :func:`sanity_check` for several methods, reporting its progress;
- :func:`overlay`: a map laid over its image as an RGB picture (:func:`heat_colors` colours the map).

The class probabilities themselves are :func:`explorer.nets.predict_one.class_probabilities`.

Nothing here changes the model. No hook is ever registered on its modules: Grad-CAM hooks a fresh
``nn.Identity`` placed after the chosen layer in a new ``nn.Sequential`` holding the same modules, and Guided
Backprop hooks fresh ``nn.ReLU`` modules put in place of the model's; the sanity check randomises a
``copy.deepcopy``. A model left in training mode is inspected through an eval-mode copy. So two threads can
inspect one model at once.
"""

from __future__ import annotations

import copy
import math
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cv2
import numpy as np
import torch
from captum.attr import (
    GuidedBackprop,
    InputXGradient,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    NoiseTunnel,
    Saliency,
)
from scipy import stats
from torch import nn

from explorer.core import checks, display
from explorer.interpret import activations

METHODS = ("saliency", "integrated_gradients", "input_x_gradient", "guided_backprop", "grad_cam", "smoothgrad")
# The keyword options of each method and their defaults.
OPTIONS: dict[str, dict[str, Any]] = {
    "saliency": {},
    # 50 steps (captum's default): on the digits model the map's sum then misses f(x) - f(b) by at most 2.3 %.
    "integrated_gradients": {"steps": 50, "baseline": "black"},
    "input_x_gradient": {},
    "guided_backprop": {},
    "grad_cam": {"layer": None},  # None: the last conv layer (the usual choice, Selvaraju et al.)
    # 20 noisy copies at 15 % of the [0, 1] range: Smilkov et al. find 10-20 % noise and a few dozen samples
    # enough to smooth the map; 20 keep it one batch of a few milliseconds on our models.
    "smoothgrad": {"samples": 20, "stdev": 0.15, "seed": 0},
}
BASELINES = ("black", "gray", "blurred")
GRAY = 0.5  # the middle of the [0, 1] range our images live in
# The blurred baseline: a Gaussian whose sigma is this fraction of the shorter side (at least 1 pixel), wide
# enough to wash out strokes and edges while keeping the image's overall brightness where it is.
BLUR_FRACTION = 1 / 8
MAX_STEPS = 1000  # integrated gradients: one batch of MAX_STEPS images; more no longer changes the sum
MAX_SAMPLES = 500  # smoothgrad
DELETION_STEP = 0.05  # the 5 % steps
# Maps with a sign (evidence for the class is positive, against it negative); the others are magnitudes (Saliency,
# SmoothGrad) or ReLU'd (Grad-CAM), never negative.
SIGNED_METHODS = ("integrated_gradients", "input_x_gradient", "guided_backprop")
RANDOM = "random"  # deletion_curves' reference entry: the pixels removed in a random order
# captum's NoiseTunnel draws from torch's global generator; seeding it must not interleave between threads.
_RNG_LOCK = threading.Lock()

# captum's GuidedBackprop says on every call that it hooks ReLUs (and removes the hooks); ours are fresh modules.
warnings.filterwarnings("ignore", message="Setting backward hooks on ReLU activations", category=UserWarning)


# ------------------------------------------------------------------------------------------------ checks
def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if any(module.training for module in model.modules()):
        # Never switch a shared model's mode: a copy in eval mode (dropout off, batch norm's running statistics).
        return copy.deepcopy(model).eval()
    return model


def _dtype(model: nn.Module) -> torch.dtype:
    parameter = next(model.parameters(), None)
    return parameter.dtype if parameter is not None and parameter.is_floating_point() else torch.float32


def check_image(image: object) -> np.ndarray:
    """``image`` checked: a ``(C, H, W)`` float32 or float64 array of finite values (else ``ValueError``)."""
    if not isinstance(image, np.ndarray) or image.dtype not in (np.float32, np.float64) or image.ndim != 3:
        got = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
        raise ValueError(f"image must be a (C, H, W) float32 array, got {got}")
    if 0 in image.shape:
        raise ValueError(f"image must not be empty, got shape {image.shape}")
    if not np.all(np.isfinite(image)):
        raise ValueError("image must hold finite values")
    return image


def _batch(model: nn.Module, image: np.ndarray) -> torch.Tensor:
    """``image`` as a ``(1, C, H, W)`` tensor of the model's dtype (a copy: captum sets requires_grad on it)."""
    return torch.tensor(np.asarray(image)[None], dtype=_dtype(model))


def _logits(model: nn.Module, batch: torch.Tensor) -> torch.Tensor:
    """``(N, K)`` logits without a graph; ``ValueError`` when the network can't take the input's shape."""
    try:
        with torch.inference_mode():
            logits = model(batch)
    except RuntimeError as error:  # torch's shape mismatch: the network was built for another input
        raise ValueError(f"an image of shape {tuple(batch.shape[1:])} does not fit this network ({error})") from None
    if logits.ndim != 2:
        raise ValueError(f"model must output (N, classes) logits, got shape {tuple(logits.shape)}")
    return logits


def _target(target: object, logits: torch.Tensor) -> int:
    """The class to explain: ``target`` checked against the number of classes, or the predicted class."""
    classes = logits.shape[1]
    if target is None:
        return int(logits[0].argmax())
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not 0 <= target < classes:
        raise ValueError(f"target must be a class index from 0 to {classes - 1} or None, got {target!r}")
    return int(target)


def _options(method: object, options: dict[str, Any]) -> dict[str, Any]:
    if method not in OPTIONS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    allowed = OPTIONS[str(method)]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no options"
        raise ValueError(f"method {method} has no option {unknown[0]!r} (it takes {takes})")
    return {**allowed, **options}


def conv_layers(model: nn.Module) -> list[int]:
    """Indices (in the ``nn.Sequential``, as in its printout and ``state_dict`` keys) of the conv layers, and of
    blocks holding convolutions (SqueezeNet's ``Fire`` modules: :func:`activations.is_conv_block`)."""
    if not isinstance(model, nn.Sequential):
        return []
    return [
        index
        for index, module in enumerate(model)
        if isinstance(module, nn.Conv2d) or activations.is_conv_block(module)
    ]


def conv_layer_names(model: nn.Module) -> dict[int, str]:
    """:func:`conv_layers` with a name for people, as the sanity check names layers: ``{3: "3 (conv 32 3×3)"}``."""
    modules = list(model.children())
    return {index: f"{index} ({_describe(modules[index])})" for index in conv_layers(model)}


def baseline_image(image: np.ndarray, baseline: object) -> np.ndarray:
    """The reference image "without information", same shape and dtype as ``image`` ``(C, H, W)``.

    baseline : ``"black"`` (zeros), ``"gray"`` (0.5 everywhere), ``"blurred"`` (each channel blurred by a
        Gaussian of sigma :data:`BLUR_FRACTION` of the shorter side, at least 1), a number (every value), or
        an array of the image's shape.
    """
    image = check_image(image)
    if isinstance(baseline, str):
        if baseline == "black":
            return np.zeros_like(image)
        if baseline == "gray":
            return np.full_like(image, GRAY)
        if baseline == "blurred":
            sigma = max(1.0, min(image.shape[1:]) * BLUR_FRACTION)
            return np.stack(
                [
                    cv2.GaussianBlur(np.ascontiguousarray(channel), (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
                    for channel in image
                ]
            ).astype(image.dtype)
        raise ValueError(f"baseline must be one of {', '.join(BASELINES)}, a number or an array, got {baseline!r}")
    if isinstance(baseline, np.ndarray):
        if baseline.shape != image.shape:
            raise ValueError(f"baseline must have the image's shape {image.shape}, got {baseline.shape}")
        if not np.all(np.isfinite(baseline)):
            raise ValueError("baseline must hold finite values")
        return baseline.astype(image.dtype)
    value = checks.number("baseline", baseline, wrong_type=ValueError)
    return np.full_like(image, value)


# ------------------------------------------------------------------------------------------------ methods
def _with_fresh_relus(module: nn.Module) -> nn.Module:
    """The same network with new ``nn.ReLU`` modules (so captum's ReLU hooks never land on the shared ones).

    Sequentials are rebuilt around the same layers (no weights copied); any other container holding a ReLU is
    deep-copied, as its forward can't be rebuilt from its children.
    """
    if isinstance(module, nn.ReLU):
        return nn.ReLU()
    if type(module) is nn.Sequential:
        return nn.Sequential(*(_with_fresh_relus(child) for child in module))
    if any(isinstance(child, nn.ReLU) for child in module.modules()):
        return copy.deepcopy(module)
    return module


def _grad_cam(model: nn.Module, batch: torch.Tensor, target: int, layer: object) -> torch.Tensor:
    convs = conv_layers(model)
    if not convs:
        raise ValueError("method grad_cam needs an nn.Sequential with a conv layer; this network has none")
    if layer is None:
        layer = convs[-1]
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) or int(layer) not in convs:
        raise ValueError(f"layer must be the index of a conv layer ({', '.join(map(str, convs))}), got {layer!r}")
    index = int(layer)
    assert isinstance(model, nn.Sequential)  # conv_layers found some, so it is one
    # A fresh Identity right after the conv layer: captum hooks it, never a module of the shared model.
    probe = nn.Identity()
    probed = nn.Sequential(*model[: index + 1], probe, *model[index + 1 :])
    cam = LayerGradCam(probed, probe).attribute(batch, target=target, relu_attributions=True)  # (1, 1, h, w)
    return LayerAttribution.interpolate(cam, tuple(batch.shape[2:]), interpolate_mode="bilinear")  # (1, 1, H, W)


def _attribution(model: nn.Module, batch: torch.Tensor, method: str, target: int, options: dict) -> torch.Tensor:
    """captum's attribution ``(1, C', H, W)`` of ``batch`` (``C'`` is 1 for Grad-CAM)."""
    if method == "saliency":
        return Saliency(model).attribute(batch, target=target, abs=True)
    if method == "integrated_gradients":
        steps = checks.integer("steps", options["steps"], 1, MAX_STEPS, wrong_type=ValueError)
        reference = torch.tensor(
            baseline_image(batch[0].detach().numpy(), options["baseline"])[None], dtype=batch.dtype
        )
        return IntegratedGradients(model).attribute(batch, baselines=reference, target=target, n_steps=steps)
    if method == "input_x_gradient":
        return InputXGradient(model).attribute(batch, target=target)
    if method == "guided_backprop":
        return GuidedBackprop(_with_fresh_relus(model)).attribute(batch, target=target)
    if method == "grad_cam":
        return _grad_cam(model, batch, target, options["layer"])
    samples = checks.integer("samples", options["samples"], 1, MAX_SAMPLES, wrong_type=ValueError)
    stdev = checks.number("stdev", options["stdev"], 0.0, 1.0, wrong_type=ValueError)
    seed = checks.integer("seed", options["seed"], 0, 2**63 - 1, wrong_type=ValueError)
    tunnel = NoiseTunnel(Saliency(model))
    # NoiseTunnel draws its noise from torch's global generator: seeded in a forked state, one thread at a time.
    with _RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return tunnel.attribute(batch, nt_type="smoothgrad", nt_samples=samples, stdevs=stdev, target=target, abs=True)


def _to_map(attribution: torch.Tensor, method: str) -> np.ndarray:
    values = attribution.detach()[0]  # (C', H, W)
    if method in ("saliency", "smoothgrad"):
        plane = values.abs().amax(dim=0)  # Simonyan et al.: the largest |gradient| over the channels
    else:
        plane = values.sum(dim=0)  # signed; for IG the map then still sums to f(x) - f(baseline)
    return np.ascontiguousarray(plane.to(torch.float32).numpy())


def attribute(model, image: np.ndarray, *, method: str, target: int | None = None, **options) -> np.ndarray:
    """How much each pixel of ``image`` matters to the network's ``target`` logit: ``(H, W) float32``.

    model : a ``torch.nn.Module`` (our ``nn.Sequential``), in eval mode (else an eval-mode copy is used);
        never changed.
    image : ``(C, H, W)`` float32 (float64 for a float64 model).
    method : one of :data:`METHODS`:

        - ``"saliency"``: captum ``Saliency``, the gradient's absolute value, maximum over channels (Simonyan
          et al. 2014);
        - ``"integrated_gradients"``: captum ``IntegratedGradients`` along the straight path from a baseline,
          summed over channels (signed; the map sums to ``f(image) - f(baseline)`` up to the integral's error).
          Options ``steps`` (default 50) and ``baseline`` (``"black"``, ``"gray"``, ``"blurred"``, see
          :func:`baseline_image`);
        - ``"input_x_gradient"``: captum ``InputXGradient``, summed over channels (signed);
        - ``"guided_backprop"``: captum ``GuidedBackprop`` (negative gradients stopped at every ReLU), summed
          over channels;
        - ``"grad_cam"``: captum ``LayerGradCam`` on the output of the conv layer with Sequential index
          ``layer`` (default: the last conv layer), ReLU of the weighted sum (Selvaraju et al. 2017),
          upsampled bilinearly to ``(H, W)``; see :func:`conv_layers`;
        - ``"smoothgrad"``: captum ``NoiseTunnel`` over ``Saliency``: the mean absolute gradient of
          ``samples`` (20) copies of the image with Gaussian noise of standard deviation ``stdev`` (0.15, in
          image units) drawn from ``seed`` (0), maximum over channels.
    target : the class index to explain; ``None``: the class the network predicts.

    Raises ``ValueError`` for an unknown method or option, a target out of range, a wrong image shape, a layer
    that is not a conv layer.
    """
    settings = _options(method, options)
    image = check_image(image)
    model = _check_model(model)
    batch = _batch(model, image)
    target = _target(target, _logits(model, batch))
    if method != "grad_cam":  # gradients with respect to the input (captum would warn that it set this itself)
        batch.requires_grad_()
    return _to_map(_attribution(model, batch, str(method), target, settings), str(method))


# ------------------------------------------------------------------------------------------------ sanity check
def _describe(module: nn.Module) -> str:
    if isinstance(module, nn.Conv2d):
        rows, cols = module.kernel_size
        return f"conv {module.out_channels} {rows}×{cols}"
    if isinstance(module, nn.Linear):
        return f"dense {module.out_features}"
    return type(module).__name__


@torch.no_grad()
def _randomise(module: nn.Module, generator: torch.Generator) -> None:
    """PyTorch's default initialisation of a conv or dense layer, U(-1/√fan_in, 1/√fan_in) for the weights
    and biases, drawn from ``generator`` (torch's own ``reset_parameters`` would use the global generator)."""
    assert isinstance(module, (nn.Conv2d, nn.Linear))
    fan_in = module.weight[0].numel()
    bound = 1.0 / math.sqrt(fan_in)
    module.weight.uniform_(-bound, bound, generator=generator)
    if module.bias is not None:
        module.bias.uniform_(-bound, bound, generator=generator)


def spearman(first: np.ndarray, second: np.ndarray) -> float:
    """Spearman's rank correlation of two maps (``scipy.stats.spearmanr``); NaN when one of them is constant."""
    a, b = np.ravel(first), np.ravel(second)
    if np.ptp(a) == 0 or np.ptp(b) == 0:  # no ranking to compare (scipy would warn and return NaN)
        return math.nan
    return float(stats.spearmanr(a, b).statistic)


def sanity_check(
    model,
    image: np.ndarray,
    *,
    method: str,
    target: int | None = None,
    seed: int = 0,
    on_progress: Callable[[float], None] | None = None,
    **options,
) -> list[tuple[str, np.ndarray, float]]:
    """Adebayo et al. 2018's model-randomisation test: does the map depend on what the network learned?

    On a ``copy.deepcopy`` of ``model``, the conv and dense layers are re-initialised one after another from
    the top (the classifier) down, cumulatively (cascading), with PyTorch's default initialisation drawn from
    ``seed``. After each layer the map of :func:`attribute` (same ``method``, ``options`` and ``target``,
    which ``None`` fixes to the class the *trained* network predicts) is made again and compared with the
    trained network's map by :func:`spearman`.

    Returns ``[(layer name, map (H, W) float32, rho), ...]``, one entry per randomised layer, top first; the
    layer name is its Sequential index and what it is, ``"12 (dense 10)"``. A map that stays similar (rho
    near 1) while the weights become random shows the method does not explain this network's decision.
    For ``"smoothgrad"``, ``seed`` also draws the noise. ``on_progress`` (if given) is called with the fraction
    done (0 to 1) after each layer.
    """
    settings = _options(method, options)
    seed = checks.integer("seed", seed, 0, 2**63 - 1, wrong_type=ValueError)
    if method == "smoothgrad":
        settings["seed"] = seed
    image = check_image(image)
    model = _check_model(model)
    target = _target(target, _logits(model, _batch(model, image)))
    original = attribute(model, image, method=method, target=target, **settings)
    randomised = copy.deepcopy(model).eval()
    generator = torch.Generator().manual_seed(seed)
    layers = [(name, m) for name, m in randomised.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    steps = []
    for name, module in reversed(layers):
        _randomise(module, generator)
        heat = attribute(randomised, image, method=method, target=target, **settings)
        steps.append((f"{name} ({_describe(module)})", heat, spearman(original, heat)))
        if on_progress is not None:
            on_progress(len(steps) / len(layers))
    return steps


def sanity_checks(
    model,
    image: np.ndarray,
    *,
    methods: Sequence[str],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    target: int | None = None,
    seed: int = 0,
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, tuple[np.ndarray, list[tuple[str, np.ndarray, float]]]]:
    """:func:`sanity_check` for each of ``methods`` on the same image and target: what a page shows side by side.

    options : each method's keyword options by method name (those not named get their defaults).
    target : ``None`` fixes it to the class the trained network predicts, for every method.
    on_progress : called with the fraction done (0 to 1) after each layer of each method.

    Returns ``{method: (the trained network's map (H, W) float32, sanity_check's steps)}`` in the order of
    ``methods``. ``ValueError`` for an empty or repeated method list, an unknown method or option.
    """
    methods = list(methods) if isinstance(methods, (list, tuple)) else methods
    if not isinstance(methods, list) or not methods:
        raise ValueError(f"methods must be a non-empty list of methods, got {methods!r}")
    if len(set(methods)) != len(methods):
        raise ValueError(f"methods must not repeat a method, got {methods!r}")
    options = dict(options or {})
    unknown = sorted(set(options) - set(methods))
    if unknown:
        raise ValueError(f"options names a method that is not in methods: {unknown[0]!r}")
    settings = {method: _options(method, dict(options.get(method, {}))) for method in methods}
    image = check_image(image)
    model = _check_model(model)
    target = _target(target, _logits(model, _batch(model, image)))
    results: dict[str, tuple[np.ndarray, list[tuple[str, np.ndarray, float]]]] = {}
    for done, method in enumerate(methods):
        report = None
        if on_progress is not None:
            report = lambda fraction, done=done: on_progress((done + fraction) / len(methods))  # noqa: E731
        method_settings = dict(settings[method])
        if method == "smoothgrad":
            method_settings.pop("seed")  # sanity_check's seed draws the noise too
            original = attribute(model, image, method=method, target=target, seed=seed, **method_settings)
        else:
            original = attribute(model, image, method=method, target=target, **method_settings)
        steps = sanity_check(
            model, image, method=method, target=target, seed=seed, on_progress=report, **method_settings
        )
        results[method] = (original, steps)
    return results


# ------------------------------------------------------------------------------------------------ deletion
def deletion_curve(
    model,
    image: np.ndarray,
    attribution_map: np.ndarray,
    *,
    target: int | None = None,
    step: float = DELETION_STEP,
    baseline: object = 0.0,
) -> tuple[np.ndarray, np.ndarray, float]:
    """The target's probability as the pixels ``attribution_map`` ranks most important are removed first.

    Pixels are replaced (every channel) by :func:`baseline_image`'s values (``baseline``: 0.0 by default,
    ``"black"``, ``"gray"``, ``"blurred"``, a number or an array), a fraction ``step`` of them more at each
    point (rounded to whole pixels), highest map value first (ties in row-major order), until all are gone.
    Every step's image goes through the network in one batch.

    attribution_map : ``(H, W)``, e.g. from :func:`attribute`.
    Returns ``(fractions (S,) float64`` removed, from 0 to 1, ``probabilities (S,) float64`` the target's softmax
    probability at each, ``area`` under that curve, trapezoid rule``)``: the faster the curve falls (the smaller
    the area), the better the map explains this network's decision.
    """
    image = check_image(image)
    step = checks.number("step", step, 0.0, 1.0, low_open=True, wrong_type=ValueError)
    heat = np.asarray(attribution_map) if isinstance(attribution_map, np.ndarray) else None
    if heat is None or heat.shape != image.shape[1:]:
        got = heat.shape if heat is not None else type(attribution_map).__name__
        raise ValueError(f"attribution_map must be the image's (H, W) = {image.shape[1:]}, got {got}")
    if not np.all(np.isfinite(heat)):
        raise ValueError("attribution_map must hold finite values")
    reference = baseline_image(image, baseline)
    model = _check_model(model)
    target = _target(target, _logits(model, _batch(model, image)))

    count = math.ceil(1.0 / step - 1e-9)  # 20 steps of 5 %
    pixels = heat.size
    # Whole pixels, halves rounded up; the curve's x is the fraction actually removed (64 pixels: 3 then 6 ...).
    removed = np.floor(np.minimum(np.arange(count + 1) * step, 1.0) * pixels + 0.5).astype(np.int64)  # (S,)
    fractions = removed / pixels
    rank = np.empty(pixels, dtype=np.int64)
    rank[np.argsort(-heat.ravel(), kind="stable")] = np.arange(pixels)  # 0 = most important
    masks = (rank[None, :] < removed[:, None]).reshape(len(fractions), 1, *heat.shape)  # (S, 1, H, W)
    images = np.where(masks, reference[None], image[None])  # (S, C, H, W)
    logits = _logits(model, torch.tensor(images, dtype=_dtype(model)))
    probabilities = torch.softmax(logits.to(torch.float64), dim=1)[:, target].numpy()
    area = float(np.trapezoid(probabilities, fractions))
    return fractions.astype(np.float64), probabilities.astype(np.float64), area


def deletion_curves(
    model,
    image: np.ndarray,
    maps: Mapping[str, np.ndarray],
    *,
    target: int | None = None,
    step: float = DELETION_STEP,
    baseline: object = 0.0,
    seed: int = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray, float]]:
    """:func:`deletion_curve` of each of ``maps`` (name -> ``(H, W)`` map) on the same image, target and baseline,
    and under :data:`RANDOM` the curve of a random ranking (uniform values drawn from ``seed``): the reference a
    map must beat to explain anything.

    Returns ``{name: (fractions, probabilities, area)}``, ``maps``' names in their order, then :data:`RANDOM`.
    ``target`` ``None`` is the predicted class.
    """
    if not isinstance(maps, Mapping) or RANDOM in maps:
        raise ValueError(f"maps must be a mapping of names (other than {RANDOM!r}) to (H, W) maps")
    image = check_image(image)
    seed = checks.integer("seed", seed, 0, 2**63 - 1, wrong_type=ValueError)
    model = _check_model(model)
    target = _target(target, _logits(model, _batch(model, image)))
    ranking = np.random.default_rng(seed).random(image.shape[1:]).astype(np.float32)
    curves = {}
    for name, heat in {**maps, RANDOM: ranking}.items():
        curves[name] = deletion_curve(model, image, heat, target=target, step=step, baseline=baseline)
    return curves


# ------------------------------------------------------------------------------------------------ pictures
# The colours of a magnitude map, from 0 to its full value: black, purple, red, orange, pale yellow (matplotlib's
# "inferno" at nine points joined by straight lines, within 0.07 of it; a dark zero so that an overlay only
# lights up where the map does, and the order stays readable in gray).
_HEAT_STOPS = np.array(
    [
        [0.001, 0.000, 0.014],
        [0.129, 0.047, 0.291],
        [0.342, 0.062, 0.429],
        [0.541, 0.135, 0.415],
        [0.736, 0.216, 0.330],
        [0.894, 0.353, 0.194],
        [0.978, 0.558, 0.035],
        [0.975, 0.798, 0.206],
        [0.988, 0.998, 0.645],
    ],
    dtype=np.float32,
)


def heat_colors(attribution_map: np.ndarray, *, signed: bool) -> np.ndarray:
    """A map's colours, ``(H, W) -> (H, W, 3) float32`` in ``[0, 1]``, at full colour from the 99th percentile
    of its magnitude (:func:`explorer.core.display.robust_limit`: one extreme pixel can't wash out the rest).

    signed : ``False``: 0 is black, rising through red to pale yellow (values below 0 count as 0); ``True``:
        :func:`explorer.core.display.diverging`, 0 white, evidence for the class red, against it blue.
    """
    heat = np.asarray(attribution_map, dtype=np.float32)
    if heat.ndim != 2 or heat.size == 0 or not np.all(np.isfinite(heat)):
        raise ValueError(f"attribution_map must be a finite (H, W) array, got shape {heat.shape}")
    limit = display.robust_limit(heat)
    if signed:
        return display.diverging(heat, limit=limit if limit > 0 else None)
    t = np.clip(heat / limit, 0.0, 1.0) if limit > 0 else np.zeros_like(heat)
    positions = np.linspace(0.0, 1.0, len(_HEAT_STOPS))
    return np.stack([np.interp(t, positions, _HEAT_STOPS[:, c]) for c in range(3)], axis=-1).astype(np.float32)


def overlay(
    image: np.ndarray, attribution_map: np.ndarray, *, opacity: float = 0.6, signed: bool = False
) -> np.ndarray:
    """``attribution_map`` (its :func:`heat_colors`) over ``image``: ``(H, W, 3) uint8``.

    image : ``(C, H, W)`` float in ``[0, 1]`` (1 channel gray or 3 RGB; values outside are clipped).
    attribution_map : ``(H, W)``, e.g. from :func:`attribute`.
    opacity : how much the map covers the image, 0 (the image alone) to 1. A magnitude map (``signed``
        False) covers it evenly: ``(1 - opacity) · image + opacity · colours``, so 1 is the map alone. A
        signed map's colours are white at 0, which would wash the image out: each pixel is covered by
        ``opacity · |t|``, ``t`` the value over the colours' full-colour limit (clipped to 1), so the image
        shows where the map is 0 and the colour where it is strong.
    signed : as in :func:`heat_colors` (``method in SIGNED_METHODS``).
    """
    image = check_image(image)
    if image.shape[0] not in (1, 3):
        raise ValueError(f"image must have 1 or 3 channels, got shape {image.shape}")
    if np.shape(attribution_map) != image.shape[1:]:
        raise ValueError(
            f"attribution_map must be the image's (H, W) = {image.shape[1:]}, got {np.shape(attribution_map)}"
        )
    opacity = checks.number("opacity", opacity, 0.0, 1.0, wrong_type=ValueError)
    base = np.clip(np.asarray(image, dtype=np.float32), 0.0, 1.0).transpose(1, 2, 0)  # (H, W, C)
    if base.shape[2] == 1:
        base = np.repeat(base, 3, axis=2)
    colours = heat_colors(attribution_map, signed=signed)  # (H, W, 3)
    if signed:
        heat = np.asarray(attribution_map, dtype=np.float32)
        limit = display.robust_limit(heat)
        strength = np.clip(np.abs(heat) / limit, 0.0, 1.0) if limit > 0 else np.zeros_like(heat)
        cover = (opacity * strength)[..., None]  # (H, W, 1)
    else:
        cover = np.full((1, 1, 1), opacity, dtype=np.float32)  # evenly
    blended = (1.0 - cover) * base + cover * colours
    return np.round(blended * 255.0).astype(np.uint8)

"""Neural style transfer (Gatys, Ecker and Bethge, 2016) on the pretrained SqueezeNet 1.1.

A picture is changed, pixel by pixel, by gradient descent on three losses measured inside the frozen network
(:func:`explorer.deep.backbone.build`, one flat ``nn.Sequential``):

- **content**: the squared distance between its feature maps at one layer and the content picture's, so the
  objects and their layout stay where they are;
- **style**: at several layers, the squared distance between its Gram matrices (:func:`gram`) and the style
  picture's. A Gram matrix says which channels fire *together*, averaged over every position, so it keeps the
  textures, colours and strokes of the style picture and forgets where they were;
- **total variation**: the squared differences between neighbouring pixels, so the picture stays smooth.

Which layers, and the loss weights (:class:`Settings`): those of Stanford's CS231n style-transfer assignment, which
uses the same network (content ``fire2``: early enough to keep the outlines, late enough to let their texture
change; style ``conv1``, ``fire3``, ``fire4``, ``fire5``: from small strokes and colour to larger motifs, the
weights falling with depth because a deeper layer's Gram matrix holds larger numbers). Layers after ``fire5`` add
little here: their maps are 1/16 of the picture's side, a few cells at 128-192 px.

Pixels are optimised in the network's normalised space (``(x - mean) / std``, as
:func:`explorer.deep.backbone.to_input`) with Adam, starting from the content picture. The loop calls
``on_progress(step, picture, losses)`` after every step and ends early when ``should_stop()`` turns True. The
model is never changed: it is frozen and only the picture gets gradients; no hook is registered.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from explorer.core import checks
from explorer.deep import backbone

# Where each named layer's output is taken in the flat model: conv1's after its ReLU (index 1; the convolution
# itself, index 0, can be negative), every fire module's own output (it ends in ReLUs).
LAYER_OUTPUTS: dict[str, int] = {name: (1 if name == "conv1" else index) for name, index in backbone.LAYERS.items()}
MIN_SIZE, MAX_SIZE = 64, 384  # the longer side in pixels: below 64 px fire5's maps are 4×4; 384 px is slow on CPU
MAX_STEPS = 1000


@dataclass(frozen=True)
class Settings:
    """How a style transfer runs (the defaults: CS231n's SqueezeNet recipe, see the module docstring)."""

    # The longer side of the content picture, in pixels (the style picture is brought to the same longer side).
    size: int = 160
    # CS231n runs 200 steps; the picture settles after about 150.
    steps: int = 200
    content_layer: str = "fire2"
    style_layers: tuple[str, ...] = ("conv1", "fire3", "fire4", "fire5")
    # One weight per style layer: a deeper layer's Gram entries are larger, so it needs less weight to count.
    style_weights: tuple[float, ...] = (20000.0, 500.0, 12.0, 1.0)
    content_weight: float = 0.05
    variation_weight: float = 0.05
    # Adam's step in normalised units, smaller for the last tenth of the steps (they polish). CS231n uses 3.0
    # then 0.1; with 3.0 Adam's first steps throw nearly every pixel to the clamp and the loss jumps up and
    # down for dozens of steps (measured here with random weights), with 0.5 it falls steadily. (The machine
    # this was written on had no internet: the defaults were not tuned on the real ImageNet weights.)
    learning_rate: float = 0.5
    final_learning_rate: float = 0.05
    final_fraction: float = 0.1
    # Normalised pixels are kept in this range, about 0..1 in pixel units, so colours can't run away.
    clamp: float = 1.5


DEFAULT = Settings()


@dataclass(frozen=True, eq=False)
class Result:
    """What :func:`transfer` returns.

    picture : ``(H, W, 3) float32`` in ``[0, 1]``, the stylised content picture.
    losses : one array per loss (``"content"``, ``"style"``, ``"variation"``, ``"total"``), a value per step done.
    steps : the steps done (fewer than asked when stopped).
    stopped : True if ``should_stop()`` ended the loop early.
    """

    picture: np.ndarray
    losses: dict[str, np.ndarray] = field(default_factory=dict)
    steps: int = 0
    stopped: bool = False


# ------------------------------------------------------------------------------------------------ losses


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrices of feature maps: ``G[c, d] = sum_positions F[c, p] F[d, p] / (C H W)``.

    features : ``(N, C, H, W)`` or ``(C, H, W)``. Returns ``(N, C, C)`` (or ``(C, C)``). Normalised by the
    number of values ``C H W`` (as CS231n), so the style weights don't depend on the picture's size.
    """
    if not isinstance(features, torch.Tensor) or features.ndim not in (3, 4):
        shape = tuple(features.shape) if isinstance(features, torch.Tensor) else type(features).__name__
        raise ValueError(f"features must be a (N, C, H, W) or (C, H, W) tensor, got {shape}")
    single = features.ndim == 3
    batch = features[None] if single else features
    n, c, h, w = batch.shape
    flat = batch.reshape(n, c, h * w)  # (N, C, HW)
    out = flat @ flat.transpose(1, 2) / (c * h * w)  # (N, C, C)
    return out[0] if single else out


def content_loss(features: torch.Tensor, target: torch.Tensor, *, weight: float = 1.0) -> torch.Tensor:
    """``weight * sum((features - target) ** 2)``: a scalar tensor."""
    if features.shape != target.shape:
        raise ValueError(
            f"features and target must have one shape, got {tuple(features.shape)} and {tuple(target.shape)}"
        )
    return weight * ((features - target) ** 2).sum()


def style_loss(
    grams: Sequence[torch.Tensor], targets: Sequence[torch.Tensor], *, weights: Sequence[float]
) -> torch.Tensor:
    """``sum_l weights[l] * sum((grams[l] - targets[l]) ** 2)``: a scalar tensor."""
    if not len(grams) == len(targets) == len(weights) or not grams:
        raise ValueError(
            "grams, targets and weights must be as long and not empty, "
            f"got {len(grams)}, {len(targets)}, {len(weights)}"
        )
    total = torch.zeros(())
    for g, t, w in zip(grams, targets, weights, strict=True):
        total = total + w * ((g - t) ** 2).sum()
    return total


def variation_loss(image: torch.Tensor, *, weight: float = 1.0) -> torch.Tensor:
    """Total variation: ``weight`` times the sum of squared differences between neighbouring pixels (rows and
    columns) of ``image`` ``(N, C, H, W)``."""
    rows = ((image[:, :, 1:, :] - image[:, :, :-1, :]) ** 2).sum()
    cols = ((image[:, :, :, 1:] - image[:, :, :, :-1]) ** 2).sum()
    return weight * (rows + cols)


# ------------------------------------------------------------------------------------------------ features


def _check_model(model: object) -> nn.Sequential:
    if not isinstance(model, nn.Sequential) or len(model) <= max(LAYER_OUTPUTS.values()):
        raise ValueError(
            "model must be the flat SqueezeNet 1.1 Sequential of explorer.deep.backbone.build, "
            f"got {type(model).__name__}"
        )
    return model


def _check_layers(names: Sequence[str]) -> list[int]:
    out = []
    for name in names:
        if name not in LAYER_OUTPUTS:
            raise ValueError(f"layer must be one of {', '.join(LAYER_OUTPUTS)}, got {name!r}")
        out.append(LAYER_OUTPUTS[name])
    return out


def features(model: nn.Sequential, x: torch.Tensor, layers: Sequence[str]) -> list[torch.Tensor]:
    """The outputs of the named ``layers`` for normalised input ``x`` ``(N, 3, H, W)``, in the order asked.

    The modules are called one after another up to the deepest layer asked (as ``nn.Sequential.forward``
    does): nothing is registered on the model and the rest of it is not run.
    """
    model = _check_model(model)
    wanted = _check_layers(layers)
    last = max(wanted)
    kept: dict[int, torch.Tensor] = {}
    for index in range(last + 1):
        x = model[index](x)
        if index in wanted:
            kept[index] = x
    return [kept[index] for index in wanted]


def gram_display(matrix: np.ndarray) -> np.ndarray:
    """A Gram matrix ``(C, C)`` as display values ``float32`` in ``[0, 1]`` on a square-root scale (0 black, its
    largest entry 1): a few channel pairs dominate, and on a linear scale the rest would all look black.
    Negative entries (none in a Gram matrix of ReLU maps) count as 0."""
    values = np.asarray(matrix, dtype=np.float32)
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        raise ValueError(f"matrix must be square (C, C), got shape {values.shape}")
    root = np.sqrt(np.clip(values, 0.0, None))
    top = float(root.max()) if root.size and root.max() > 0 else 1.0
    return np.clip(root / top, 0.0, 1.0).astype(np.float32)


def gram_matrices(model: nn.Module, picture: np.ndarray, *, layers: Sequence[str], size: int) -> dict[str, np.ndarray]:
    """``{layer: (C, C) float32}``: the Gram matrix of each named layer for ``picture`` brought to ``size``
    pixels on its longer side (:func:`explorer.deep.backbone.to_input`)."""
    x = backbone.to_input(picture, size)
    with torch.no_grad():
        maps = features(_check_model(model), x, layers)
    return {name: gram(m)[0].numpy().astype(np.float32) for name, m in zip(layers, maps, strict=True)}


# ------------------------------------------------------------------------------------------------- the loop


def _check_settings(settings: object) -> Settings:
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a style.Settings, got {type(settings).__name__}")
    checks.integer("settings.size", settings.size, MIN_SIZE, MAX_SIZE)
    checks.integer("settings.steps", settings.steps, 1, MAX_STEPS)
    _check_layers([settings.content_layer, *settings.style_layers])
    if not settings.style_layers or len(settings.style_weights) != len(settings.style_layers):
        raise ValueError(
            f"settings.style_weights must give one weight per style layer ({len(settings.style_layers)}), "
            f"got {len(settings.style_weights)}"
        )
    for index, weight in enumerate(settings.style_weights):
        checks.number(f"settings.style_weights[{index}]", weight, 0.0)
    for name in ("content_weight", "variation_weight", "final_fraction"):
        checks.number(f"settings.{name}", getattr(settings, name), 0.0, 1e9)
    for name in ("learning_rate", "final_learning_rate", "clamp"):
        checks.number(f"settings.{name}", getattr(settings, name), 0.0, 1e9, low_open=True)
    return settings


def transfer(
    model: nn.Module,
    content: np.ndarray,
    style: np.ndarray,
    *,
    settings: Settings = DEFAULT,
    on_progress: Callable[[int, np.ndarray, Mapping[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """The content picture repainted in the style picture's textures.

    model : the flat SqueezeNet of :func:`explorer.deep.backbone.build` (pretrained for real pictures; the
        tests use random weights), left unchanged.
    content, style : ``(H, W, 3)`` RGB or ``(H, W)`` gray, ``uint8`` or float in ``[0, 1]``; both are brought to
        ``settings.size`` pixels on their longer side, keeping their aspect ratio.
    on_progress : called after every step with the step number (1-based), the picture so far
        (``(h, w, 3) float32`` in ``[0, 1]``) and the step's losses (``content``, ``style``, ``variation``,
        ``total``, as floats).
    should_stop : checked before every step; True ends the loop (the result says ``stopped``).
    """
    model = _check_model(model)
    settings = _check_settings(settings)
    content_x = backbone.to_input(content, settings.size)  # (1, 3, h, w), normalised
    style_x = backbone.to_input(style, settings.size)
    names = [settings.content_layer, *settings.style_layers]
    with torch.no_grad():
        content_target = features(model, content_x, [settings.content_layer])[0]
        style_targets = [gram(m) for m in features(model, style_x, settings.style_layers)]
    x = content_x.clone().clamp_(-settings.clamp, settings.clamp).requires_grad_(True)
    optimiser = torch.optim.Adam([x], lr=settings.learning_rate)
    decay_at = settings.steps - round(settings.final_fraction * settings.steps)
    history: dict[str, list[float]] = {"content": [], "style": [], "variation": [], "total": []}
    stopped = False
    done = 0
    for step in range(settings.steps):
        if should_stop is not None and should_stop():
            stopped = True
            break
        if step == decay_at:
            for group in optimiser.param_groups:
                group["lr"] = settings.final_learning_rate
        maps = features(model, x, names)
        c_loss = content_loss(maps[0], content_target, weight=settings.content_weight)
        s_loss = style_loss([gram(m) for m in maps[1:]], style_targets, weights=settings.style_weights)
        v_loss = variation_loss(x, weight=settings.variation_weight)
        total = c_loss + s_loss + v_loss
        (grad,) = torch.autograd.grad(total, x)  # only the picture gets a gradient
        x.grad = grad
        optimiser.step()
        with torch.no_grad():
            x.clamp_(-settings.clamp, settings.clamp)
        done = step + 1
        losses = {
            "content": float(c_loss.detach()),
            "style": float(s_loss.detach()),
            "variation": float(v_loss.detach()),
            "total": float(total.detach()),
        }
        for name, value in losses.items():
            history[name].append(value)
        if not math.isfinite(losses["total"]):
            raise ValueError("the loss is no longer a finite number: try a smaller learning rate")
        if on_progress is not None:
            on_progress(done, to_pixels(x), losses)
    return Result(
        to_pixels(x), {name: np.asarray(values, dtype=np.float64) for name, values in history.items()}, done, stopped
    )


def to_pixels(x: torch.Tensor) -> np.ndarray:
    """A normalised ``(1, 3, h, w)`` tensor as an ``(h, w, 3) float32`` picture in ``[0, 1]``."""
    rgb = x.detach()[0].numpy().transpose(1, 2, 0) * backbone.STD + backbone.MEAN
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)

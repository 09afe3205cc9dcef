"""What a trained network "thinks" a class looks like: class visualisation by optimisation (Simonyan et al. 2014,
with the regularisers of Yosinski et al. 2015 and Olah et al. 2017).

Start from gray noise and follow the gradient that raises one class's logit (or one conv channel's mean
activation), with three things that keep the picture from turning into high-frequency noise the network happens
to like: a random shift (jitter) before every step, a small Gaussian blur every few steps, and an L2 penalty on
the image's distance from gray. Pixels stay in ``[0, 1]`` (clipped after each step). Small networks give rough
pictures: they learned just enough to tell their classes apart, not what a whole digit looks like.

- :func:`class_images`: one picture per class, all classes optimised in one batch (each picture's objective
  depends on that picture alone: the model is in eval mode, so batch norm uses its running statistics);
- :func:`channel_images`: the same for channels of a convolution layer (the mean of the channel's map).

Captum's shape bound to our models: ``model`` is an ``nn.Sequential`` (:func:`explorer.nets.architecture.build`),
``input_shape`` its input ``(C, H, W)``; settings are keyword-only, NumPy comes back. The model is never
changed: gradients are taken with ``torch.autograd.grad`` with respect to the image only (nothing accumulates in
the weights' ``.grad``), no hook is registered, a model left in training mode is run as an eval-mode deep copy.
Deterministic for a given ``seed`` (its own ``torch.Generator``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explorer.interpret import activations


@dataclass(frozen=True)
class Settings:
    """How the optimisation runs. The defaults were tuned on the shipped digits and shapes models (every class's
    picture ends with its own class's logit the highest, 10 classes on 8×8 in well under a second)."""

    # 150 Adam steps: the class logits stop rising after about 100 on the shipped models.
    steps: int = 150
    # Adam's step size, in [0, 1] pixel units: a pixel can cross the whole range in about 20 steps.
    learning_rate: float = 0.05
    # Shift (rolled, wrapping round) by up to this fraction of the image's side, rounded down, before each step:
    # a feature the network likes must survive small moves, which removes the pixel-exact noise it also likes.
    # 28×28 inputs move by up to 2 pixels; 8×8 digits not at all: there one pixel is an eighth of the picture,
    # every training digit is centred, and their pictures came out as noise when shifted by one.
    jitter: float = 0.08
    # A 3×3 Gaussian blur of this sigma (pixels) every `blur_every` steps: smooths the picture a little.
    blur_sigma: float = 0.5
    blur_every: int = 4
    # Weight of the mean squared distance from gray: keeps pixels the class doesn't need near gray.
    l2: float = 0.5
    # The starting picture: gray (0.5) plus Gaussian noise of this standard deviation.
    noise: float = 0.1


DEFAULT = Settings()
MAX_STEPS = 2000  # a page's slider never needs more; 2,000 steps of 10 classes on 28×28 is a few seconds
MAX_PIXELS = 512 * 512  # per channel: an input larger than this is not one of the app's small networks
MAX_BATCH = 256  # pictures optimised at once (classes or channels)


# ---------------------------------------------------------------------------------------------- checks


def _check_shape(input_shape: object) -> tuple[int, int, int]:
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 3
        or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in shape)
    ):
        raise ValueError(f"input_shape must be (C, H, W) with positive integers, got {input_shape!r}")
    channels, rows, cols = (int(n) for n in shape)
    if rows * cols > MAX_PIXELS:
        raise ValueError(f"input_shape must have at most {MAX_PIXELS} pixels a channel, got {rows}×{cols}")
    return channels, rows, cols


def _check_settings(settings: object) -> Settings:
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a class_visual.Settings, got {type(settings).__name__}")
    if not 1 <= settings.steps <= MAX_STEPS:
        raise ValueError(f"settings.steps must be in 1..{MAX_STEPS}, got {settings.steps}")
    if settings.blur_every < 1:
        raise ValueError(f"settings.blur_every must be at least 1, got {settings.blur_every}")
    for name in ("learning_rate", "jitter", "blur_sigma", "l2", "noise"):
        value = getattr(settings, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"settings.{name} must be a finite number >= 0, got {value!r}")
    if settings.learning_rate == 0:
        raise ValueError("settings.learning_rate must be > 0, got 0")
    return settings


def _check_indices(name: str, values: object, count: int, what: str) -> list[int]:
    if values is None:
        return list(range(count))
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [values]
    if not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0:
        raise ValueError(f"{name} must be None, an index or a non-empty sequence of indices, got {values!r}")
    out = []
    for value in values:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 0 <= value < count:
            raise ValueError(f"{name} must hold {what} indices in 0..{count - 1}, got {value!r}")
        out.append(int(value))
    if len(out) > MAX_BATCH:
        raise ValueError(f"{name} may hold at most {MAX_BATCH} indices, got {len(out)}")
    return out


# ------------------------------------------------------------------------------------------ optimisation


def _blur_kernel(sigma: float, channels: int) -> torch.Tensor:
    """``(C, 1, 3, 3)``: a normalised 3×3 Gaussian of ``sigma`` per channel (a depthwise convolution)."""
    offsets = torch.tensor([-1.0, 0.0, 1.0])
    weights = torch.exp(-(offsets**2) / (2 * sigma**2))
    weights = weights / weights.sum()
    return torch.outer(weights, weights).expand(channels, 1, 3, 3).contiguous()


def _optimise(
    objective: Callable[[torch.Tensor], torch.Tensor],
    shape: tuple[int, int, int],
    count: int,
    settings: Settings,
    seed: int,
    on_progress: Callable[[float], None] | None,
) -> np.ndarray:
    """Gradient ascent on ``objective(x) -> (count,)`` for a batch ``x`` of ``count`` pictures ``shape``."""
    channels, rows, cols = shape
    generator = torch.Generator().manual_seed(int(seed))
    start = 0.5 + settings.noise * torch.randn((count, channels, rows, cols), generator=generator)
    x = start.clamp(0.0, 1.0).requires_grad_(True)
    optimiser = torch.optim.Adam([x], lr=settings.learning_rate)
    shift = int(settings.jitter * min(rows, cols))
    kernel = _blur_kernel(settings.blur_sigma, channels) if settings.blur_sigma > 0 else None
    report_every = max(1, settings.steps // 20)
    for step in range(settings.steps):
        if shift:
            dy, dx = (int(v) for v in torch.randint(-shift, shift + 1, (2,), generator=generator))
            seen = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
        else:
            seen = x
        gain = objective(seen)  # (count,)
        penalty = settings.l2 * ((x - 0.5) ** 2).mean(dim=(1, 2, 3))  # (count,)
        loss = (penalty - gain).sum()  # each picture's loss depends on that picture alone
        (grad,) = torch.autograd.grad(loss, x)  # the weights' .grad is never touched
        x.grad = grad
        optimiser.step()
        with torch.no_grad():
            if kernel is not None and (step + 1) % settings.blur_every == 0:
                padded = F.pad(x, (1, 1, 1, 1), mode="replicate")
                x.copy_(F.conv2d(padded, kernel, groups=channels))
            x.clamp_(0.0, 1.0)
        if on_progress is not None and ((step + 1) % report_every == 0 or step + 1 == settings.steps):
            on_progress((step + 1) / settings.steps)
    return np.array(x.detach(), dtype=np.float32)


def _prepared(model: object) -> nn.Sequential:
    model = activations._check_model(model)
    return activations._in_eval(model)


def class_images(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    *,
    classes: Sequence[int] | int | None = None,
    settings: Settings = DEFAULT,
    seed: int = 0,
    on_progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """One picture per class that the network scores highly for that class.

    model : ``nn.Sequential`` ending in one logit per class, left unchanged.
    input_shape : the model's input ``(C, H, W)``.
    classes : class indices (``None``: every class), optimised together in one batch.
    settings : :class:`Settings`; seed : the starting noise and the jitter; on_progress : called with the
        fraction done (0..1) about 20 times.

    Returns ``(len(classes), C, H, W) float32`` in ``[0, 1]``, in the order of ``classes``. ``ValueError`` for a
    wrong model, shape, class index or setting, or a shape the model can't take.
    """
    model = _prepared(model)
    shape = _check_shape(input_shape)
    settings = _check_settings(settings)
    with torch.no_grad():
        try:
            outputs = model(torch.full((1, *shape), 0.5))
        except RuntimeError as error:
            raise ValueError(f"an input of shape {shape} does not fit this model ({error})") from None
    if outputs.ndim != 2:
        raise ValueError(f"model must end in one logit per class (a (1, K) output), got shape {tuple(outputs.shape)}")
    chosen = _check_indices("classes", classes, outputs.shape[1], "class")
    index = torch.tensor(chosen)

    def objective(x: torch.Tensor) -> torch.Tensor:
        return model(x).gather(1, index[:, None])[:, 0]  # (count,): picture i's own class's logit

    return _optimise(objective, shape, len(chosen), settings, seed, on_progress)


def channel_images(
    model: nn.Module,
    input_shape: tuple[int, int, int],
    *,
    layer: str | int,
    channels: Sequence[int] | int | None = None,
    settings: Settings = DEFAULT,
    seed: int = 0,
    on_progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """One picture per channel of a layer that makes the channel's map large on average.

    layer : a convolution layer's name from :func:`explorer.interpret.activations.conv_layer_names` (or any
        map layer's name or 1-based number, as :func:`explorer.interpret.activations.feature_maps` names them).
    channels : channel indices of that layer (``None``: every channel). Other arguments as :func:`class_images`.

    Returns ``(len(channels), C, H, W) float32`` in ``[0, 1]``.
    """
    model = _prepared(model)
    shape = _check_shape(input_shape)
    settings = _check_settings(settings)
    stop = activations._resolve_layer(model, layer)
    head = model[: stop + 1]  # a new Sequential holding the same modules: nothing is registered on the model
    with torch.no_grad():
        try:
            maps = head(torch.full((1, *shape), 0.5))
        except RuntimeError as error:
            raise ValueError(f"an input of shape {shape} does not fit this model ({error})") from None
    if maps.ndim != 4:
        raise ValueError(f"layer {layer!r} gives no feature maps (output shape {tuple(maps.shape)})")
    chosen = _check_indices("channels", channels, maps.shape[1], "channel")
    index = torch.tensor(chosen)

    def objective(x: torch.Tensor) -> torch.Tensor:
        out = head(x)  # (count, C_l, H_l, W_l)
        return out[torch.arange(len(chosen)), index].mean(dim=(1, 2))  # picture i's own channel's mean

    return _optimise(objective, shape, len(chosen), settings, seed, on_progress)

"""DeepDream (Mordvintsev, Olah and Tyka, 2015): change a picture so that one layer of a network responds more.

Gradient *ascent* on the picture's pixels: each step measures how strongly the chosen layer responds (the mean
of its squared activations, the layer's activation norm squared per value) and moves every pixel a little in the
direction that makes that number larger. Whatever the layer already half-sees in the picture gets stronger:
early layers amplify edges and colour contrasts, later ones textures and object parts (eyes, fur, wheels on an
ImageNet network).

Three things make the pictures readable (as in Google's notebook):

- **normalised steps**: the gradient is divided by its mean absolute value, so ``step_size`` is the average
  change of a pixel per step (in ``[0, 1]`` pixel units), whatever the layer's scale;
- **jitter**: the picture is shifted (rolled round) by a random offset before every step, so the network can't
  build a pattern that only works at one exact pixel position;
- **octaves**: the picture is dreamed first at a small scale, then at larger ones (each ``octave_scale`` times
  bigger), the detail dreamed so far carried up: small scales give large structures, large scales fine ones.

Works on any ``nn.Sequential`` whose first ``layer + 1`` modules accept a picture of any size and give feature
maps: the pretrained SqueezeNet (:mod:`explorer.deep.backbone`, with ``mean``/``std``) or a small network of the
Train page (pixels in ``[0, 1]``, one or three channels). The model is never changed: only the picture gets a
gradient, and no hook is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from explorer.core import checks, dtype

MAX_OCTAVES = 6
MAX_STEPS = 100  # per octave
MAX_PIXELS = 1024 * 1024
MIN_SIDE = 8  # the smallest octave's shorter side: smaller pictures no longer pass a few convolutions


@dataclass(frozen=True)
class Settings:
    """How a dream runs. Defaults close to Google's notebook (4 octaves of 10 steps, scale 1.4, jitter)."""

    octaves: int = 4
    octave_scale: float = 1.4
    steps: int = 10  # per octave
    # The mean change of a pixel per step, pixels in [0, 1] (Google's notebook: 1.5 on a 0-255 scale, 0.006).
    step_size: float = 0.01
    # Shift by up to this many pixels (each way, random, per step) before measuring the gradient.
    jitter: int = 8


DEFAULT = Settings()


@dataclass(frozen=True, eq=False)
class Result:
    """What :func:`dream` returns.

    picture : the dreamed picture, ``(H, W)`` (one-channel models) or ``(H, W, 3)`` ``float32`` in ``[0, 1]``.
    objective : the layer's mean squared activation before each step done.
    steps : the steps done (all octaves); stopped : True if ``should_stop()`` ended it early.
    """

    picture: np.ndarray
    objective: np.ndarray = field(default_factory=lambda: np.zeros(0))
    steps: int = 0
    stopped: bool = False


def _check_settings(settings: object) -> Settings:
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be a dream.Settings, got {type(settings).__name__}")
    checks.integer("settings.octaves", settings.octaves, 1, MAX_OCTAVES)
    checks.integer("settings.steps", settings.steps, 1, MAX_STEPS)
    checks.number("settings.octave_scale", settings.octave_scale, 1.0, 2.0)
    checks.number("settings.step_size", settings.step_size, 0.0, 0.5, low_open=True)
    checks.integer("settings.jitter", settings.jitter, 0, 64)
    return settings


def input_channels(model: nn.Module) -> int:
    """The number of channels the model's first convolution takes (1 or 3)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return int(module.in_channels)
    raise ValueError("model must contain a convolution (nn.Conv2d) to dream with")


def _check_model(model: object, layer: object) -> tuple[nn.Sequential, int]:
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        raise ValueError(f"model must be a non-empty torch.nn.Sequential, got {type(model).__name__}")
    index = checks.integer("layer", layer, 0, len(model) - 1)
    return model, index


def _as_channels(image: object, channels: int) -> np.ndarray:
    """``image`` as ``(C, H, W) float32`` in [0, 1] with the model's channel count (gray <-> RGB)."""
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3)) or 0 in array.shape:
        raise ValueError(f"image must be (H, W) gray or (H, W, 3) RGB, got shape {array.shape}")
    if array.shape[0] * array.shape[1] > MAX_PIXELS:
        raise ValueError(f"image must have at most {MAX_PIXELS} pixels, got {array.shape[0]}×{array.shape[1]}")
    pixels = dtype.to_float(array)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if channels == 1:
        gray = pixels if pixels.ndim == 2 else dtype.to_gray(pixels)
        return np.ascontiguousarray(gray[None], dtype=np.float32)
    rgb = pixels if pixels.ndim == 3 else np.repeat(pixels[:, :, None], 3, axis=2)
    return np.ascontiguousarray(rgb.transpose(2, 0, 1), dtype=np.float32)


def octave_shapes(rows: int, cols: int, *, octaves: int, scale: float) -> list[tuple[int, int]]:
    """The picture's size at each octave, smallest first, the last the picture's own ``(rows, cols)``.

    Octaves whose shorter side would fall below :data:`MIN_SIDE` pixels are left out."""
    shapes = []
    for k in range(octaves - 1, -1, -1):
        shape = (round(rows / scale**k), round(cols / scale**k))
        if min(shape) >= MIN_SIDE or k == 0:
            shapes.append(shape)
    return shapes


def activation_objective(model: nn.Sequential, x: torch.Tensor, layer: int) -> torch.Tensor:
    """The mean squared activation of module ``layer``'s output for input ``x`` (the modules are called in
    turn up to it, as ``nn.Sequential.forward`` does; nothing is registered on the model)."""
    size = tuple(x.shape[2:])
    try:
        for index in range(layer + 1):
            x = model[index](x)
    except RuntimeError as error:  # a picture too small for the layers' poolings, or wrong channels
        raise ValueError(
            f"a {size[0]}×{size[1]} picture does not fit the network up to layer {layer} ({error}): "
            "use fewer octaves or a larger picture"
        ) from None
    if x.ndim != 4:
        raise ValueError(
            f"layer {layer} gives no feature maps (output shape {tuple(x.shape)}): choose an earlier layer"
        )
    return (x**2).mean()


def step(
    model: nn.Sequential,
    x: torch.Tensor,
    *,
    layer: int,
    step_size: float,
    shift: tuple[int, int] = (0, 0),
    mean: torch.Tensor | None = None,
    std: torch.Tensor | None = None,
) -> tuple[torch.Tensor, float]:
    """One gradient-ascent step: ``(new x, the objective before the step)``.

    x : ``(1, C, H, W)`` pixels in ``[0, 1]``; the new ``x`` is clipped to ``[0, 1]``. ``shift`` rolls the
    picture by ``(rows, cols)`` before measuring (the gradient is for the unshifted pixels).
    """
    pixels = x.detach().clone().requires_grad_(True)
    seen = torch.roll(pixels, shifts=shift, dims=(2, 3)) if shift != (0, 0) else pixels
    if mean is not None and std is not None:
        seen = (seen - mean) / std
    objective = activation_objective(model, seen, layer)
    (grad,) = torch.autograd.grad(objective, pixels)  # the weights' .grad is never touched
    grad = grad / (grad.abs().mean() + 1e-8)
    return (pixels.detach() + step_size * grad).clamp_(0.0, 1.0), float(objective.detach())


def dream(
    model: nn.Module,
    image: np.ndarray,
    *,
    layer: int,
    settings: Settings = DEFAULT,
    mean: Sequence | np.ndarray | None = None,
    std: Sequence | np.ndarray | None = None,
    seed: int = 0,
    on_progress: Callable[[int, np.ndarray, Mapping[str, float]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Result:
    """The picture dreamed by module ``layer`` of ``model``.

    image : ``(H, W)`` or ``(H, W, 3)``, ``uint8`` or float in ``[0, 1]``; turned gray or RGB as the model's
        first convolution wants. The result has the image's size.
    layer : index of the module in ``model`` whose response is made larger (its output must be feature maps).
    mean, std : per-channel normalisation the model expects (ImageNet's for the pretrained backbone); None:
        the model takes pixels in ``[0, 1]`` as they are.
    seed : the jitter's random offsets.
    on_progress : called after every step with the step number (1-based, across octaves), the picture so far
        (``(h, w)`` or ``(h, w, 3) float32``, at the current octave's size) and ``{"activation": value}``.
    should_stop : checked before every step; True ends the dream (the result says ``stopped``).
    """
    model, index = _check_model(model, layer)
    settings = _check_settings(settings)
    seed = checks.integer("seed", seed, 0)
    channels = input_channels(model)
    pixels = torch.from_numpy(_as_channels(image, channels))[None]  # (1, C, H, W)
    norm_mean = norm_std = None
    if mean is not None and std is not None:
        norm_mean = torch.as_tensor(np.asarray(mean, dtype=np.float32)).reshape(1, -1, 1, 1)
        norm_std = torch.as_tensor(np.asarray(std, dtype=np.float32)).reshape(1, -1, 1, 1)
        if norm_mean.shape[1] != channels or norm_std.shape[1] != channels:
            raise ValueError(f"mean and std must have {channels} values (the model's channels)")
    rows, cols = pixels.shape[2:]
    shapes = octave_shapes(rows, cols, octaves=settings.octaves, scale=settings.octave_scale)
    bases = [F.interpolate(pixels, size=shape, mode="bilinear", align_corners=False) for shape in shapes]
    generator = np.random.default_rng(seed)
    detail = torch.zeros_like(bases[0])
    values: list[float] = []
    stopped = False
    x = bases[0]
    done = 0
    for base in bases:
        detail = F.interpolate(detail, size=base.shape[2:], mode="bilinear", align_corners=False)
        x = (base + detail).clamp(0.0, 1.0)
        for _ in range(settings.steps):
            if should_stop is not None and should_stop():
                stopped = True
                break
            j = settings.jitter
            shift = (int(generator.integers(-j, j + 1)), int(generator.integers(-j, j + 1))) if j else (0, 0)
            x, value = step(
                model, x, layer=index, step_size=settings.step_size, shift=shift, mean=norm_mean, std=norm_std
            )
            values.append(value)
            done += 1
            if on_progress is not None:
                on_progress(done, _to_picture(x), {"activation": value})
        detail = x - base
        if stopped:
            break
    if stopped and x.shape[2:] != pixels.shape[2:]:  # stopped in a small octave: show it at full size
        x = F.interpolate(x, size=pixels.shape[2:], mode="bilinear", align_corners=False).clamp(0.0, 1.0)
    return Result(_to_picture(x), np.asarray(values, dtype=np.float64), done, stopped)


def _to_picture(x: torch.Tensor) -> np.ndarray:
    array = x.detach()[0].numpy()
    picture = array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0)
    return np.ascontiguousarray(picture, dtype=np.float32)

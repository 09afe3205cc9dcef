"""Occlusion (Zeiler & Fergus 2014) with captum's ``Occlusion``: hide a square of the image, see how much the
network's probability for the target class drops.

Captum's shape bound to our models: a ``model`` (``torch.nn.Module`` in eval mode, never changed, never
hooked) and one ``image`` ``(C, H, W)`` in, a map ``(H, W) float32`` out::

    heat = occlusion(model, image, target=3, window=4, stride=2, baseline=0.0)

Windows of ``window × window`` pixels (every channel at once) start at rows and columns ``0, stride,
2·stride, …`` until one reaches the far edge, the last one cut off by the border when ``stride`` does not
step exactly onto it (``ceil((H - window) / stride) + 1`` positions a side, as captum places them). Each
window is filled with the baseline, and the drop of the target's softmax probability from the untouched image
is credited to every pixel the window covers; a pixel's value is the mean over the windows covering it
(positive: hiding it costs the network confidence). The occluded images go through the network in batches of
``perturbations_per_eval`` (one at a time was 4× slower); the batch size never changes the result.

:func:`work` says how much a call costs before it is made (a page decides by it whether to compute at once or
in a worker with a progress bar, ``on_progress``), and :func:`overlay` draws a map over its image.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from captum.attr import Occlusion

from explorer.core import checks
from explorer.core.display import diverging
from explorer.interpret.attribution import _batch, _check_model, _logits, _target, baseline_image, check_image

# Input values per evaluation when the batch size is left to us: 2^20 float32 (4 MB) holds every window of a
# 28×28 input at stride 2 in one batch (169 images) and keeps a 3×256×256 upload's batches small enough
# that its feature maps (up to 1 M values an image, by the architecture's limits) stay within tens of MB.
BATCH_VALUES = 2**20
MAX_PERTURBATIONS_PER_EVAL = 4096


def window_starts(size: int, *, window: int, stride: int) -> np.ndarray:
    """Where the windows start along one side of ``size`` pixels: ``0, stride, …`` (``ceil((size - window) /
    stride) + 1`` of them; the last may run past the border and is then cut off)."""
    count = -(-(size - window) // stride) + 1
    return np.arange(count) * stride


def windows(shape: tuple[int, ...], *, window: int, stride: int) -> int:
    """How many windows :func:`occlusion` hides, one occluded image each, for an image of ``shape`` ``(C, H, W)``."""
    _, rows, cols = shape
    return len(window_starts(rows, window=window, stride=stride)) * len(
        window_starts(cols, window=window, stride=stride)
    )


def work(shape: tuple[int, ...], *, window: int, stride: int) -> int:
    """Input values the network reads in one :func:`occlusion` call: ``(windows + 1) · C · H · W`` (the
    untouched image and one occluded copy per window), the measure of its cost for a given network."""
    channels, rows, cols = shape
    return (windows(shape, window=window, stride=stride) + 1) * channels * rows * cols


def occlusion(
    model,
    image: np.ndarray,
    *,
    target: int | None = None,
    window: int = 4,
    stride: int = 2,
    baseline: object = 0.0,
    perturbations_per_eval: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """The drop of the target's probability when each part of ``image`` is hidden: ``(H, W) float32``.

    model : a ``torch.nn.Module`` (our ``nn.Sequential``) in eval mode (else an eval-mode copy is used).
    image : ``(C, H, W)`` float32 (float64 for a float64 model).
    target : the class index; ``None``: the class the network predicts for ``image``.
    window : side of the square hidden at once, 1 to the image's shorter side.
    stride : step between windows, 1 to ``window`` (a larger step would leave pixels never hidden).
    baseline : what fills the window: a number (0.0, black), ``"black"``, ``"gray"``, ``"blurred"`` or an
        array of the image's shape (see :func:`explorer.interpret.attribution.baseline_image`).
    perturbations_per_eval : occluded images per forward pass (captum's argument); ``None`` picks as many as
        fit :data:`BATCH_VALUES` input values.
    on_progress : called with the fraction of windows done (0 to 1, rising, 1 at the end) after each batch.

    Each pixel is the mean, over the windows covering it, of ``p(target | image) - p(target | occluded)``.
    Raises ``ValueError`` for a window larger than the image, a stride outside ``1..window``, a target out
    of range or a wrong image shape.
    """
    image = check_image(image)
    channels, rows, cols = image.shape
    side = min(rows, cols)
    window = checks.integer("window", window, 1, wrong_type=ValueError)
    if window > side:
        raise ValueError(f"window must be at most the image's shorter side ({side} pixels), got {window}")
    stride = checks.integer("stride", stride, 1, window, wrong_type=ValueError)
    count = windows(image.shape, window=window, stride=stride)
    if perturbations_per_eval is None:
        per_eval = max(1, min(count, BATCH_VALUES // image.size))
    else:
        per_eval = checks.integer(
            "perturbations_per_eval", perturbations_per_eval, 1, MAX_PERTURBATIONS_PER_EVAL, wrong_type=ValueError
        )
    reference = baseline_image(image, baseline)
    model = _check_model(model)
    batch = _batch(model, image)
    target = _target(target, _logits(model, batch))

    evaluated = [0]  # images through the network so far: the untouched one, then the occluded ones

    def probabilities(inputs: torch.Tensor) -> torch.Tensor:
        out = torch.softmax(model(inputs), dim=1)  # (N, K); captum takes column `target`
        evaluated[0] += inputs.shape[0]
        if on_progress is not None and evaluated[0] > 1:
            on_progress(min(1.0, (evaluated[0] - 1) / count))
        return out

    heat = Occlusion(probabilities).attribute(
        batch,
        sliding_window_shapes=(channels, window, window),
        strides=(channels, stride, stride),
        baselines=torch.tensor(reference[None], dtype=batch.dtype),
        target=target,
        perturbations_per_eval=per_eval,
    )  # (1, C, H, W), every channel alike: the window spans them all
    return np.ascontiguousarray(heat[0, 0].detach().to(torch.float32).numpy())


def overlay(image: np.ndarray, heat: np.ndarray, *, opacity: float = 0.6, limit: float | None = None) -> np.ndarray:
    """``heat`` drawn over ``image``: ``(H, W, 3) float32`` in ``[0, 1]``.

    image : ``(C, H, W)`` in ``[0, 1]``, ``C`` 1 (drawn gray) or 3 (RGB).
    heat : ``(H, W)`` signed map, e.g. :func:`occlusion`'s drop.
    opacity : 0 (the image alone) to 1; a pixel's colour weight is ``opacity · |heat| / limit`` (clipped to
        ``opacity``), so where the map is 0 the image shows unchanged.
    limit : the magnitude drawn at full colour (default: the largest ``|heat|``).

    The colour is :func:`explorer.core.display.diverging`'s at full strength: red for positive values (hiding
    the pixel lowers the probability), blue for negative ones.
    """
    image = check_image(image)
    channels, rows, cols = image.shape
    if channels not in (1, 3):
        raise ValueError(f"image must have 1 or 3 channels, got {channels}")
    heat = np.asarray(heat, dtype=np.float32)
    if heat.shape != (rows, cols):
        raise ValueError(f"heat must have the image's size {(rows, cols)}, got shape {heat.shape}")
    opacity = checks.number("opacity", opacity, 0.0, 1.0, wrong_type=ValueError)
    heat = np.nan_to_num(heat, nan=0.0, posinf=0.0, neginf=0.0)
    if limit is None:
        limit = float(np.abs(heat).max())
    elif not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    base = np.clip(np.repeat(image, 3, axis=0) if channels == 1 else image, 0.0, 1.0).transpose(1, 2, 0)
    if limit <= 0:  # an all-zero map: nothing to draw
        return np.ascontiguousarray(base, dtype=np.float32)
    strength = np.clip(np.abs(heat) / limit, 0.0, 1.0)  # (H, W)
    colour = diverging(np.sign(heat), limit=1.0)  # (H, W, 3): full red, full blue, white where 0
    weight = (opacity * strength)[:, :, None]
    return (base * (1.0 - weight) + colour * weight).astype(np.float32)

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
"""

from __future__ import annotations

import numpy as np
import torch
from captum.attr import Occlusion

from explorer.core import checks
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


def occlusion(
    model,
    image: np.ndarray,
    *,
    target: int | None = None,
    window: int = 4,
    stride: int = 2,
    baseline: object = 0.0,
    perturbations_per_eval: int | None = None,
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
    windows = len(window_starts(rows, window=window, stride=stride)) * len(
        window_starts(cols, window=window, stride=stride)
    )
    if perturbations_per_eval is None:
        per_eval = max(1, min(windows, BATCH_VALUES // image.size))
    else:
        per_eval = checks.integer(
            "perturbations_per_eval", perturbations_per_eval, 1, MAX_PERTURBATIONS_PER_EVAL, wrong_type=ValueError
        )
    reference = baseline_image(image, baseline)
    model = _check_model(model)
    batch = _batch(model, image)
    target = _target(target, _logits(model, batch))

    def probabilities(inputs: torch.Tensor) -> torch.Tensor:
        return torch.softmax(model(inputs), dim=1)  # (N, K); captum takes column `target`

    heat = Occlusion(probabilities).attribute(
        batch,
        sliding_window_shapes=(channels, window, window),
        strides=(channels, stride, stride),
        baselines=torch.tensor(reference[None], dtype=batch.dtype),
        target=target,
        perturbations_per_eval=per_eval,
    )  # (1, C, H, W), every channel alike: the window spans them all
    return np.ascontiguousarray(heat[0, 0].detach().to(torch.float32).numpy())

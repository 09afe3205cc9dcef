"""What the pretrained network says about a picture: class probabilities, the top ``k`` with names, a search
among the 1,000 ImageNet class names, and the network's "deep features" (what the Nearest-neighbours part of the
page compares).

Captum's shape: ``model`` is the flat ``nn.Sequential`` of :func:`explorer.deep.backbone.build` (any network
ending in ``(N, K)`` logits works for :func:`probabilities`), ``image`` one ``(3, H, W)`` float32 array
normalised as :func:`explorer.deep.backbone.to_input` makes it; NumPy comes back. The model is never changed and
no hook is registered: the layers are called in order, as ``nn.Sequential.forward`` does.

Deep features: the output of the last convolutional block (:data:`explorer.deep.backbone.FEATURE_LAYER`,
``fire9``: 512 channels), averaged over its rows and columns (global average pooling), one 512-vector per
picture. It says *which* patterns the network found, not *where*, so two photos of cats in different places
get similar vectors (the layer the final 1×1 convolution turns into the class scores).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from explorer.core import checks
from explorer.deep import backbone

MAX_K = 1000
MAX_MATCHES = 50  # a search for "a" would list hundreds of classes: the first 50 are plenty to pick from


class Prediction(NamedTuple):
    class_index: int  # the class's index in the network's output (0..999 for ImageNet)
    name: str
    probability: float


def _check_model(model: object) -> nn.Sequential:
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        raise ValueError(
            f"model must be a non-empty torch.nn.Sequential (explorer.deep.backbone.build), got {type(model).__name__}"
        )
    return model


def _check_images(images: object) -> np.ndarray:
    """``(3, H, W)`` or ``(N, 3, H, W)`` real array -> ``(N, 3, H, W) float32``."""
    array = np.asarray(images)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"image must hold real numbers, got dtype {array.dtype}")
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[1] != 3 or min(array.shape) < 1:
        raise ValueError(f"image must be (3, H, W) or (N, 3, H, W) with 3 colour channels, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError("image must be finite, got NaN or infinity")
    return np.ascontiguousarray(array, dtype=np.float32)


def _run(model: nn.Sequential, batch: np.ndarray, stop: int | None = None) -> torch.Tensor:
    """Modules ``0 .. stop - 1`` (all by default) on ``batch``, in eval mode, without gradients."""
    layers = list(model) if stop is None else list(model)[:stop]
    x = torch.from_numpy(batch.copy())
    with torch.inference_mode():
        for layer in layers:
            if layer.training:  # e.g. dropout left in training mode would draw at random
                raise ValueError("model must be in eval mode (model.eval()), got a layer in training mode")
            try:
                x = layer(x)
            except RuntimeError as error:
                detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise ValueError(
                    f"image of shape {tuple(batch.shape[1:])} does not fit the model (a picture too small or too "
                    f"thin leaves nothing after its poolings): {detail}"
                ) from None
    return x


def probabilities(model: nn.Module, image: np.ndarray) -> np.ndarray:
    """The softmax of the network's logits for one image: ``(K,) float64`` summing to 1.

    image : ``(3, H, W)`` normalised float array (:func:`explorer.deep.backbone.to_input`'s ``[0]``).
    """
    batch = _check_images(image)
    if len(batch) != 1:
        raise ValueError(f"image must be one picture (3, H, W), got a batch of {len(batch)}")
    logits = _run(_check_model(model), batch)
    if logits.ndim != 2:
        raise ValueError(f"model must end in (N, K) logits, got an output of shape {tuple(logits.shape)}")
    return torch.softmax(logits[0].to(torch.float64), dim=0).numpy()


def top_k(probs: np.ndarray, *, k: int = 5, names: tuple[str, ...] | None = None) -> list[Prediction]:
    """The ``k`` most probable classes, most probable first (ties: the lower index first).

    probs : ``(K,)`` class probabilities (:func:`probabilities`).
    names : the ``K`` class names; default the ImageNet ones (:func:`explorer.deep.backbone.categories`).
    """
    values = np.asarray(probs, dtype=np.float64)
    if values.ndim != 1 or len(values) < 1 or not np.isfinite(values).all():
        raise ValueError(f"probs must be a finite 1-D array (K,), got shape {values.shape}")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= min(len(values), MAX_K):
        raise ValueError(f"k must be an integer from 1 to {min(len(values), MAX_K)}, got {k!r}")
    labels = backbone.categories() if names is None else tuple(names)
    if len(labels) != len(values):
        raise ValueError(f"names must hold one name per class ({len(values)}), got {len(labels)}")
    order = np.argsort(-values, kind="stable")[: int(k)]
    return [Prediction(int(i), labels[i], float(values[i])) for i in order]


def search(query: str, *, names: tuple[str, ...] | None = None, limit: int = MAX_MATCHES) -> list[int]:
    """Indices of the classes whose name contains ``query`` (case and surrounding spaces ignored), names that
    start with it first, then in class order; at most ``limit``. An empty query matches nothing."""
    if not isinstance(query, str):
        raise ValueError(f"query must be text, got {type(query).__name__}")
    limit = checks.integer("limit", limit, 1, MAX_K, wrong_type=ValueError)
    labels = backbone.categories() if names is None else tuple(names)
    wanted = query.strip().casefold()
    if not wanted:
        return []
    found = [i for i, name in enumerate(labels) if wanted in name.casefold()]
    found.sort(key=lambda i: not labels[i].casefold().startswith(wanted))  # stable: class order within each
    return found[:limit]


def deep_features(model: nn.Module, images: np.ndarray, *, layer: str = backbone.FEATURE_LAYER) -> np.ndarray:
    """The network's deep features: ``layer``'s output averaged over rows and columns, ``(N, C) float32``
    (``C`` = 512 for fire9).

    images : ``(3, H, W)`` or ``(N, 3, H, W)`` normalised float array (pictures of one size per call).
    layer : a name from :data:`explorer.deep.backbone.LAYERS`.
    """
    if layer not in backbone.LAYERS:
        raise ValueError(f"layer must be one of {', '.join(backbone.LAYERS)}, got {layer!r}")
    maps = _run(_check_model(model), _check_images(images), stop=backbone.LAYERS[layer] + 1)  # (N, C, h, w)
    if maps.ndim != 4:
        raise ValueError(f"layer {layer} must give feature maps (N, C, h, w), got shape {tuple(maps.shape)}")
    return np.ascontiguousarray(maps.mean(dim=(2, 3)).numpy(), dtype=np.float32)


def layer_channels(model: nn.Module) -> dict[str, int]:
    """How many feature maps each named layer (:data:`explorer.deep.backbone.LAYERS`) gives: a convolution's
    output channels, a Fire module's two expand convolutions' together (they are concatenated)."""
    model = _check_model(model)
    channels = {}
    for name, index in backbone.LAYERS.items():
        module = model[index]
        if isinstance(module, nn.Conv2d):
            channels[name] = int(module.out_channels)
        else:
            expands = [getattr(module, part) for part in ("expand1x1", "expand3x3") if hasattr(module, part)]
            if len(expands) != 2:
                raise ValueError(f"model's layer {name} (index {index}) is neither a conv nor a Fire module")
            channels[name] = int(sum(conv.out_channels for conv in expands))
    return channels

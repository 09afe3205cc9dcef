"""What a trained CNN computes inside: feature maps, conv1's filters and their frequency responses, the test
images that excite a channel most, and a hand-made kernel put inside the network.

Captum's shape, bound to our models: ``model`` is a ``torch.nn.Sequential`` as
:func:`explorer.nets.architecture.build` makes it (one module per layer spec), ``image`` one ``(C, H, W)``
float32 array; settings are keyword-only; NumPy comes back.

Layers are named as the "Train a CNN" and "CNN anatomy" tables number them: ``"1. conv 32 3×3"``, ``"2. batchnorm"``,
``"3. relu"``, ``"7. maxpool 2"`` -- module ``i`` (0-based) of the Sequential is table row ``i + 1`` and its
description is the layer spec's ``describe()``, rebuilt from the module alone. A module no layer spec describes
(a non-square kernel, a pooling with padding, a custom layer) is named by its index and class name instead,
``"4. Conv2d"``. A block of layers holding a convolution (a pretrained network's module, e.g. SqueezeNet's
``Fire``) gives one map too, its output, named by its class: ``"4. Fire"``.

The model is never changed: the layers are called one after another, exactly as ``nn.Sequential.forward``
does, so the maps are the very tensors ``model(image)`` computes and no hook is ever registered. A model left in
training mode is run as a deep copy in eval mode (batch norm would otherwise update its running statistics, and
dropout draw at random). Two threads may inspect one model at once.

Torch is imported at module level: the Inspect section is torch-only (the classical pages never import it).
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from explorer.core import checks
from explorer.images import convolution
from explorer.nets import architecture, receptive

# Layers whose outputs are feature maps worth showing: convolutions, poolings, batch norm, activations.
MAPPED = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d, nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid)
# Layers that keep every value where it is (one input pixel per output pixel): no receptive-field growth.
_POINTWISE = (nn.BatchNorm2d, nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.Dropout, nn.Identity)
_ACTIVATION_KINDS = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
# A test set of the app is a few thousand images; 128 a chunk keeps each layer's maps in the CPU's cache
# (the batch explorer.nets.evaluation measured best).
BATCH = 128
MAX_TOP_K = 100  # the page shows 9; more than a hundred patches is no longer a picture anyone reads
# filter_spectra returns F·C·size² float32 values: 16 M is 64 MB, e.g. 64 filters × 3 channels at 256 × 256.
MAX_SPECTRA_VALUES = 16_000_000


# ---------------------------------------------------------------------------------------------- checks


def _check_model(model: object) -> nn.Sequential:
    if not isinstance(model, nn.Sequential) or len(model) == 0:
        got = f"an empty {type(model).__name__}" if isinstance(model, nn.Sequential) else type(model).__name__
        raise ValueError(
            f"model must be a non-empty torch.nn.Sequential (as explorer.nets.architecture.build makes), got {got}"
        )
    return model


def _in_eval(model: nn.Sequential) -> nn.Sequential:
    """``model`` itself when every module is in eval mode, else a deep copy switched to eval (never the original)."""
    if any(module.training for module in model.modules()):
        return copy.deepcopy(model).eval()
    return model


def _real_array(name: str, value: object, ndim: int, layout: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != ndim or 0 in array.shape:
        raise ValueError(f"{name} must be a non-empty {layout} array, got shape {array.shape}")
    array = np.ascontiguousarray(array, dtype=np.float32)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers only, but it contains NaN or infinity")
    return array


def _check_image(image: object) -> np.ndarray:
    return _real_array("image", image, 3, "(C, H, W)")


def _check_images(images: object) -> np.ndarray:
    return _real_array("images", images, 4, "(N, C, H, W)")


def _first_conv(model: nn.Sequential) -> tuple[int, nn.Conv2d]:
    for index, module in enumerate(model):
        if isinstance(module, nn.Conv2d):
            return index, module
    raise ValueError("model has no Conv2d layer: it has no filters to show")


# ----------------------------------------------------------------------------------------------- names


def _pair(value: object) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))  # type: ignore[index]


def _square(value: object) -> int | None:
    first, second = _pair(value)
    return first if first == second else None


def _layer_spec(module: nn.Module) -> architecture.LayerSpec | None:
    """The layer spec that builds ``module`` (``None`` when none does); its ``describe()`` names the layer."""
    try:
        if isinstance(module, nn.Conv2d):
            kernel, stride = _square(module.kernel_size), _square(module.stride)
            padding = module.padding if isinstance(module.padding, str) else _square(module.padding)
            if None in (kernel, stride, padding) or _pair(module.dilation) != (1, 1) or module.groups != 1:
                return None
            return architecture.Conv(module.out_channels, kernel, stride=stride, padding=padding)  # type: ignore[arg-type]
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            size, step = _square(module.kernel_size), _square(module.stride)
            if None in (size, step) or _pair(module.padding) != (0, 0) or module.ceil_mode:
                return None
            if isinstance(module, nn.MaxPool2d) and _pair(module.dilation) != (1, 1):
                return None
            kind = "max" if isinstance(module, nn.MaxPool2d) else "avg"
            return architecture.Pool(kind, size, stride=None if step == size else step)  # type: ignore[arg-type]
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            return architecture.BatchNorm()
        if isinstance(module, nn.LeakyReLU):
            return architecture.Activation("leaky_relu") if module.negative_slope == 0.01 else None
        if type(module) in _ACTIVATION_KINDS:
            return architecture.Activation(_ACTIVATION_KINDS[type(module)])
        if isinstance(module, nn.Dropout):
            return architecture.Dropout(module.p)
        if isinstance(module, nn.Flatten):
            return architecture.Flatten()
        if isinstance(module, nn.Linear):
            return architecture.Dense(module.out_features)
    except ValueError:  # outside the limits of explorer.nets.architecture: named by its class instead
        return None
    return None


def is_conv_block(module: nn.Module) -> bool:
    """Whether ``module`` is a block of layers holding a convolution (a pretrained network's module, e.g.
    SqueezeNet's ``Fire``), not a plain ``Conv2d`` nor a nested ``Sequential``: its output is a feature map."""
    return not isinstance(module, (nn.Conv2d, nn.Sequential)) and any(
        isinstance(part, nn.Conv2d) for part in module.modules()
    )


def _mapped(module: nn.Module) -> bool:
    """Whether ``module``'s output is a feature map worth showing: a :data:`MAPPED` layer, or a block holding a
    convolution (:func:`is_conv_block`, named by its class)."""
    return isinstance(module, MAPPED) or is_conv_block(module)


def _name(index: int, module: nn.Module) -> str:
    spec = _layer_spec(module)
    return f"{index + 1}. {spec.describe() if spec is not None else type(module).__name__}"


def layer_names(model: nn.Module) -> list[str]:
    """The names :func:`feature_maps` uses, in order, without running the model: ``["1. conv 32 3×3", ...]``."""
    model = _check_model(model)
    return [_name(index, module) for index, module in enumerate(model) if _mapped(module)]


def conv_layer_names(model: nn.Module) -> list[str]:
    """The names of the convolution layers only (the choices for :func:`top_patches`' usual ``layer``)."""
    model = _check_model(model)
    return [_name(index, module) for index, module in enumerate(model) if isinstance(module, nn.Conv2d)]


# ---------------------------------------------------------------------------------------- feature maps


def _call(module: nn.Module, x: torch.Tensor, name: str, what: str) -> torch.Tensor:
    """``module(x)``; torch's shape errors (``RuntimeError``) become a ``ValueError`` naming the input and layer."""
    try:
        return module(x)
    except RuntimeError as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"{what} does not fit the model at layer {name}: {detail}") from error


def feature_maps(model: nn.Module, image: np.ndarray) -> dict[str, np.ndarray]:
    """The output of every convolution, pooling, batch-norm and activation layer for one image.

    model : ``nn.Sequential`` (see the module docstring), left unchanged.
    image : ``(C, H, W)`` real array (converted to float32), the model's input format.

    Returns ``{layer name: (C_l, H_l, W_l) float32}`` in layer order (names as :func:`layer_names`); layers after
    ``Flatten`` (dense, 1-D batch norm and activations on vectors) give no maps. The whole model runs, so an
    image the model cannot classify is refused even when its first layers would take it. Each array is a copy
    the caller may keep. ``ValueError`` for a wrong ``model``, a wrong ``image`` or an image the layers can't
    take (naming the layer).
    """
    model = _in_eval(_check_model(model))
    array = _check_image(image)
    x = torch.from_numpy(array.copy())[None]  # (1, C, H, W); a copy: the caller's array is never shared
    maps: dict[str, np.ndarray] = {}
    what = f"image of shape {array.shape}"
    names = [_name(index, module) for index, module in enumerate(model)]
    with torch.inference_mode():
        for index, module in enumerate(model):
            x = _call(module, x, names[index], what)
            if _mapped(module) and x.ndim == 4:
                maps[names[index]] = np.array(x[0], dtype=np.float32)  # (C_l, H_l, W_l), a copy
    return maps


# --------------------------------------------------------------------------------------------- filters


def conv1_filters(model: nn.Module) -> np.ndarray:
    """The first convolution's learned kernels: ``(F, C, kh, kw) float32`` (a copy), as torch stores them.

    Filter ``f`` computes ``sum over c of correlate(input channel c, filters[f, c]) + bias[f]`` (no kernel flip,
    as :func:`explorer.images.convolution.correlate`).
    """
    _, conv = _first_conv(_check_model(model))
    return np.array(conv.weight.detach().cpu(), dtype=np.float32)


def filter_spectra(model: nn.Module, *, size: int = 64) -> np.ndarray:
    """Each conv1 kernel's frequency response, as the Kernels page draws it: ``(F, C, size, size) float32 >= 0``.

    ``[f, c]`` is :func:`explorer.images.convolution.frequency_response` of ``conv1_filters(model)[f, c]``: the
    magnitude of its DFT zero-padded to ``size × size``, zero frequency in the centre (its value is the kernel's
    sum). ``size`` is from the kernel's longest side to :data:`convolution.MAX_RESPONSE_SIZE`, and
    ``F·C·size²`` at most :data:`MAX_SPECTRA_VALUES`.
    """
    return spectra(conv1_filters(model), size=size)


def spectra(filters: np.ndarray, *, size: int = 64) -> np.ndarray:
    """:func:`filter_spectra` of kernels given as an array: ``(F, C, kh, kw)`` -> ``(F, C, size, size) float32``
    (e.g. a training snapshot's ``conv1_filters``, which need no model)."""
    filters = _real_array("filters", filters, 4, "(F, C, kh, kw)")
    count, channels = filters.shape[:2]
    side = checks.integer("size", size, 1, convolution.MAX_RESPONSE_SIZE, wrong_type=ValueError)
    if count * channels * side * side > MAX_SPECTRA_VALUES:
        raise ValueError(
            f"size {side} gives {count} × {channels} responses of {side}×{side}, more than "
            f"{MAX_SPECTRA_VALUES:,} values; choose a smaller size"
        )
    out = np.empty((count, channels, side, side), dtype=np.float32)
    for f in range(count):
        for c in range(channels):
            out[f, c] = convolution.frequency_response(filters[f, c], size=side)
    return out


# ------------------------------------------------------------------------------------------ top patches


def _resolve_layer(model: nn.Sequential, layer: object) -> int:
    """Module index of ``layer``: a name from :func:`layer_names` or the 1-based layer number."""
    names = {_name(index, module): index for index, module in enumerate(model) if _mapped(module)}
    if isinstance(layer, str):
        if layer in names:
            return names[layer]
    elif isinstance(layer, numbers.Integral) and not isinstance(layer, bool):
        number = int(layer)
        if 1 <= number <= len(model) and _mapped(model[number - 1]):
            return number - 1
    choices = ", ".join(repr(name) for name in names) or "none"
    raise ValueError(f"layer must be one of the model's map layers ({choices}) or its number, got {layer!r}")


def _windows(model: nn.Sequential, stop: int) -> list[receptive.Window]:
    """The sliding windows of modules ``0 .. stop`` for :func:`explorer.nets.receptive.receptive_field`."""
    windows = []
    for index in range(stop + 1):
        module = model[index]
        if isinstance(module, _POINTWISE):
            continue
        where = f"layer {_name(index, module)}"
        if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            kernel, stride = _square(module.kernel_size), _square(module.stride)
            dilation = _square(getattr(module, "dilation", 1))
            if isinstance(module, nn.Conv2d) and module.padding == "same":
                # torch pads (extent - 1) // 2 before, the rest after: the first unit starts that far up.
                padding = None if kernel is None or dilation is None else dilation * (kernel - 1) // 2
            elif module.padding == "valid":
                padding = 0
            else:
                padding = _square(module.padding)
            if None in (kernel, stride, padding, dilation) or getattr(module, "ceil_mode", False):
                raise ValueError(f"{where}: its receptive field can't be traced (non-square window or ceil_mode)")
            try:
                windows.append(receptive.Window(kernel, stride=stride, padding=padding, dilation=dilation))  # type: ignore[arg-type]
            except (TypeError, ValueError) as error:
                raise ValueError(f"{where}: its receptive field can't be traced ({error})") from None
        else:
            raise ValueError(f"{where}: its receptive field can't be traced through a {type(module).__name__}")
    return windows


def receptive_box(
    model: nn.Module, *, layer: str | int, row: int, col: int, image_shape: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The input pixels unit ``(row, col)`` of ``layer`` sees, as a box ``(top, left, rows, cols)`` cut to the image.

    From :func:`explorer.nets.receptive.receptive_field`'s ``(size, jump, start)`` of the windows up to ``layer``
    (batch norm and activations add none): the field of unit ``r`` starts at input row
    ``start − (size − 1) / 2 + r·jump`` and spans ``size`` rows; rows outside ``0 .. H − 1`` (the padding) are
    cut off. ``image_shape`` is ``(H, W)``.
    """
    model = _check_model(model)
    stop = _resolve_layer(model, layer)
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) != 2:
        raise ValueError(f"image_shape must be (H, W), got {image_shape!r}")
    height = checks.integer("image_shape height", image_shape[0], 1, wrong_type=ValueError)
    width = checks.integer("image_shape width", image_shape[1], 1, wrong_type=ValueError)
    row = checks.integer("row", row, 0, wrong_type=ValueError)
    col = checks.integer("col", col, 0, wrong_type=ValueError)
    return _box(_windows(model, stop), row, col, height, width)


def _box(windows: Sequence[receptive.Window], row: int, col: int, height: int, width: int):
    size, jump, start = receptive.receptive_field(windows)[-1] if windows else (1, 1, 0.0)
    first = start - (size - 1) / 2  # input coordinate of unit 0's first pixel: a whole number (−padding·jump)
    top, left = int(round(first + row * jump)), int(round(first + col * jump))
    top_cut, left_cut = max(top, 0), max(left, 0)
    bottom, right = min(top + size, height), min(left + size, width)
    return top_cut, left_cut, max(bottom - top_cut, 0), max(right - left_cut, 0)


def top_patches(
    model: nn.Module, images: np.ndarray, *, layer: str | int, channel: int, k: int = 9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` images that excite one channel of a layer most, and where (Zeiler & Fergus 2014).

    model : ``nn.Sequential``, left unchanged.
    images : ``(N, C, H, W)`` real array (e.g. a test set's ``Dataset.images``), ``N >= k``.
    layer : a name from :func:`layer_names` (usually a convolution's, :func:`conv_layer_names`) or its 1-based
        layer number.
    channel : ``0 .. C_l − 1``, a channel of that layer's output.
    k : how many images, 1 to :data:`MAX_TOP_K`.

    Each image's score is the largest value of the channel's map; images are ranked by it, highest first
    (ties: lower index first). Returns ``(indices (k,) int64, boxes (k, 4) int64, activations (k,) float32)``:
    ``boxes[i] = (top, left, rows, cols)``, the receptive field of the image's maximal unit (the first in
    row-major order if several share the maximum) cut to the image (:func:`receptive_box`); the patch is
    ``images[indices[i], :, top : top + rows, left : left + cols]``.
    """
    model = _in_eval(_check_model(model))
    array = _check_images(images)
    stop = _resolve_layer(model, layer)
    count = len(array)
    k = checks.integer("k", k, 1, MAX_TOP_K, wrong_type=ValueError)
    if k > count:
        raise ValueError(f"k must be at most the number of images ({count}), got {k}")
    if isinstance(channel, bool) or not isinstance(channel, numbers.Integral):
        raise ValueError(f"channel must be a whole number, got {channel!r}")
    windows = _windows(model, stop)  # before the work: a layer we can't trace is refused at once
    best = np.empty(count, dtype=np.float32)
    where = np.empty(count, dtype=np.int64)
    width = 0
    names = [_name(index, module) for index, module in enumerate(model)]
    what = f"images of shape {array.shape}"
    with torch.inference_mode():
        for begin in range(0, count, BATCH):
            x = torch.from_numpy(array[begin : begin + BATCH].copy())
            for index in range(stop + 1):
                x = _call(model[index], x, names[index], what)
            if not 0 <= channel < x.shape[1]:
                raise ValueError(f"channel must be from 0 to {x.shape[1] - 1} for layer {names[stop]}, got {channel}")
            maps = x[:, int(channel)].reshape(len(x), -1)  # (B, H_l·W_l)
            first = maps.argmax(dim=1)  # the first maximum in row-major order (torch.argmax's documented rule)
            best[begin : begin + len(x)] = maps.gather(1, first[:, None])[:, 0].numpy()
            where[begin : begin + len(x)] = first.numpy()
            width = x.shape[-1]
    order = np.argsort(-best, kind="stable")[:k]
    height_in, width_in = array.shape[2:]
    boxes = np.array(
        [_box(windows, int(where[i]) // width, int(where[i]) % width, height_in, width_in) for i in order],
        dtype=np.int64,
    ).reshape(k, 4)
    return order.astype(np.int64), boxes, best[order]


# --------------------------------------------------------------------------- your kernel inside the network


def _check_bias(bias: object) -> float:
    if isinstance(bias, bool) or not isinstance(bias, numbers.Real) or not math.isfinite(float(bias)):
        raise ValueError(f"bias must be a finite number, got {bias!r}")
    return float(bias)


def replace_filter(model: nn.Module, index: int, kernel: np.ndarray, *, bias: float = 0.0) -> nn.Sequential:
    """A deep copy of ``model`` whose conv1 filter ``index`` is the 2-D ``kernel``; ``model`` is not touched.

    kernel : ``(kh, kw)`` real array of conv1's kernel size (see :func:`explorer.images.kernels.resize` to fit a
        kernel of another size), e.g. from the Kernels page.
    bias : the filter's new bias; 0 by default, so the map is the kernel's response alone.

    On a gray model (1 input channel) the filter *is* the kernel. On a model of ``C`` channels every channel's
    slice gets ``kernel / C``: the filter then applies the kernel to the mean of the channels (a gray version of
    a colour input, equal weights rather than luminance). The copy keeps the original's train/eval mode; torch's
    cross-correlation lays the kernel on the image unflipped, as the Kernels page does.
    """
    model = _check_model(model)
    position, conv = _first_conv(model)
    count = conv.out_channels
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= index < count:
        raise ValueError(f"index must be a filter number from 0 to {count - 1}, got {index!r}")
    array = convolution.check_kernel(kernel)
    if tuple(array.shape) != tuple(conv.kernel_size):
        raise ValueError(
            f"kernel must have conv1's size {tuple(conv.kernel_size)}, got shape {array.shape} "
            "(explorer.images.kernels.resize pads or crops a kernel around its anchor)"
        )
    value = _check_bias(bias)
    if conv.bias is None and value != 0:
        raise ValueError(f"bias must be 0: conv1 of this model has no bias, got {bias!r}")
    copied = copy.deepcopy(model)
    target = copied[position]
    channels = target.weight.shape[1]
    with torch.no_grad():
        target.weight[index] = torch.from_numpy(array / channels)[None]  # (C, kh, kw) broadcast
        if target.bias is not None:
            target.bias[index] = value
    return copied


def swapped_accuracy(
    model: nn.Module, images: np.ndarray, labels: np.ndarray, *, index: int, kernel: np.ndarray, bias: float = 0.0
) -> float:
    """The accuracy on ``(images, labels)`` of ``model`` with conv1 filter ``index`` replaced by ``kernel``
    (:func:`replace_filter`, bias ``bias``): the fraction of images whose largest output is their label.

    images : ``(N, C, H, W)`` real array; labels : ``(N,)`` whole numbers. ``model`` is not touched.
    """
    array = _check_images(images)
    truth = np.asarray(labels)
    if truth.dtype.kind not in "iu" or truth.shape != (len(array),):
        raise ValueError(
            f"labels must be ({len(array)},) whole numbers, one per image, got {truth.dtype} {truth.shape}"
        )
    swapped = replace_filter(model, index, kernel, bias=bias).eval()
    names = [_name(position, module) for position, module in enumerate(swapped)]
    correct = 0
    with torch.inference_mode():
        for begin in range(0, len(array), BATCH):
            x = torch.from_numpy(array[begin : begin + BATCH].copy())
            for position, module in enumerate(swapped):
                x = _call(module, x, names[position], f"images of shape {array.shape}")
            if x.ndim != 2:
                raise ValueError(f"model must end in one score per class, got outputs of shape {tuple(x.shape)}")
            correct += int((x.argmax(dim=1).numpy() == truth[begin : begin + BATCH]).sum())
    return correct / len(array)


class KernelConv(nn.Module):
    """A fixed 2-D kernel as a layer, computed by the Kernels page's own code (Kornia's "the function is the
    truth; a Module wraps it").

    ``(B, C, H, W)`` tensor -> ``(B, 1, H_out, W_out)`` float32 tensor: the mean over the ``C`` channels of
    ``explorer.images.convolution.correlate(channel, kernel, padding=padding, stride=stride)``, which is what
    conv1's filter computes after :func:`replace_filter` (bias 0). It runs in NumPy: no gradient flows through it.
    """

    def __init__(self, kernel: np.ndarray, *, padding: str = "zero", stride: int = 1) -> None:
        super().__init__()
        self.kernel = convolution.check_kernel(kernel).copy()
        if padding not in convolution.PADDING_MODES:
            raise ValueError(f"padding must be one of {convolution.PADDING_MODES}, got {padding!r}")
        self.padding = padding
        self.stride = checks.integer("stride", stride, 1, convolution.MAX_STRIDE, wrong_type=ValueError)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4:
            raise ValueError(f"x must be a (B, C, H, W) tensor, got shape {tuple(x.shape)}")
        batch = x.detach().cpu().numpy().astype(np.float32, copy=False)
        out = [
            convolution.correlate(image.transpose(1, 2, 0), self.kernel, padding=self.padding, stride=self.stride).mean(
                axis=2, dtype=np.float32
            )  # (H_out, W_out): the mean of the channels' maps
            for image in batch
        ]
        return torch.from_numpy(np.stack(out)[:, None].astype(np.float32, copy=False))


# torch's padding_mode -> convolution.correlate's padding, for the border conv1 pads with.
_PADDING_MODES = {"zeros": "zero", "reflect": "reflect", "replicate": "replicate", "circular": "wrap"}


def kernel_layer(model: nn.Module, kernel: np.ndarray) -> KernelConv:
    """A :class:`KernelConv` of ``kernel`` with conv1's padding and stride, so that its map equals conv1's filter
    after :func:`replace_filter` (bias 0).

    conv1 must pad nothing (``"valid"``) or ``kh // 2`` rows and ``kw // 2`` columns each side (``"same"`` with an
    odd kernel): the Kernels page's borders put the kernel's anchor at ``(kh // 2, kw // 2)``, while torch's
    ``"same"`` for an even kernel pads one row less before than after. Other paddings raise ``ValueError``, as
    does a conv1 that is not the model's first layer (it would not see the picture itself).
    """
    sequential = _check_model(model)
    position, conv = _first_conv(sequential)
    if position != 0:
        before = ", ".join(type(module).__name__ for module in list(sequential)[:position])
        raise ValueError(
            f"its conv1 does not see the picture itself but what {before} made of it (e.g. a resized copy), so "
            "the Kernels page's convolution of the picture can't be set beside it"
        )
    array = convolution.check_kernel(kernel)
    kh, kw = conv.kernel_size
    padding = conv.padding
    if padding == "valid":
        padding = (0, 0)
    elif padding == "same" and kh % 2 and kw % 2:
        padding = (kh // 2, kw // 2)
    if _pair(conv.dilation) != (1, 1) or _square(conv.stride) is None:
        raise ValueError("model's conv1 must have dilation 1 and the same stride along rows and columns")
    if padding == (0, 0):
        mode = "valid"
    elif padding == (kh // 2, kw // 2):
        mode = _PADDING_MODES.get(conv.padding_mode, "")
    else:
        mode = ""
    if not mode:
        raise ValueError(
            f"model's conv1 pads {conv.padding!r} ({conv.padding_mode}); the Kernels page's convolution matches "
            "only no padding or kernel // 2 on each side"
        )
    return KernelConv(array, padding=mode, stride=_square(conv.stride) or 1)

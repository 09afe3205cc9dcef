"""Network architectures as plain data: specs, presets, a Keras-like summary, and a PyTorch build.

An :class:`ArchitectureSpec` is a frozen dataclass: an input shape ``(C, H, W)``, a tuple of layer specs
(:class:`Conv`, :class:`Pool`, :class:`BatchNorm`, :class:`Dropout`, :class:`Activation`, :class:`Flatten`,
:class:`Dense`, and :class:`Backbone`, a pretrained network's frozen trunk for transfer learning) and the number
of classes. Constructing one checks it completely, so every spec that exists
can be built: each field is in range (the limits below), the shapes flow (no dense layer before
:class:`Flatten`, no convolution after it, no feature map shrinking to nothing) and the last layer outputs
``num_classes`` values (the logits; softmax belongs to the loss). Errors are ``ValueError`` naming the
layer, 1-based: ``"layer 5 (maxpool 2): input is 1×1, too small to pool with size 2"``.

- :func:`summary` lists each layer's output shape and parameter count by arithmetic, without torch;
- :func:`build` returns an ``nn.Sequential`` with exactly one module per layer spec (module ``i`` is
  summary row ``i``), the same parameter count and the same output shapes;
- :func:`preset` makes one of the classic networks of :data:`PRESETS` for a given input.

Shapes are PyTorch's ``(C, H, W)`` for feature maps and ``(N,)`` after :class:`Flatten`;
:func:`format_shape` writes them Keras-style, ``H×W×C``. Torch is imported inside :func:`build` only.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import cast

from explorer.core import checks, sizes
from explorer.deep import trunk
from explorer.nets.receptive import Window, receptive_field

# An uploaded spec must stay trainable on a CPU shared by a workshop: these bound memory and time.
MAX_LAYERS = 48  # VGG-16 has 38 layers counting activations and pools; more is not a workshop network
MAX_NAME_LENGTH = 64
MAX_INPUT_SIDE = 256  # the largest images the app feeds a network
MAX_INPUT_CHANNELS = 4  # gray, RGB, RGBA
MAX_FILTERS = 512  # VGG's widest layer
MAX_UNITS = 4096  # VGG's widest dense layer
MAX_KERNEL = 11  # AlexNet's first kernel; anything larger is a dense layer in disguise
MAX_STRIDE = 4
MAX_POOL = 8
MAX_CLASSES = 1000  # ImageNet
# Weights, gradients and Adam's two moments are 4 float32 copies: 5 M parameters are 80 MB per training.
MAX_PARAMETERS = 5_000_000
# Values in one layer's output for one image: a batch of 32 then needs at most 128 MB per layer.
MAX_FEATURE_VALUES = 1_000_000

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
POOL_KINDS = ("max", "avg")


@dataclass(frozen=True)
class Conv:
    """2-D convolution: ``filters`` square ``kernel × kernel`` kernels; ``padding`` an int or ``"same"``.

    ``"same"`` keeps the size and needs ``stride == 1`` (as ``torch.nn.Conv2d``; Keras' strided "same"
    pads unevenly, which we avoid).
    """

    filters: int
    kernel: int
    stride: int = 1
    padding: int | str = 0

    def __post_init__(self) -> None:
        checks.integer("Conv filters", self.filters, 1, MAX_FILTERS, wrong_type=ValueError)
        checks.integer("Conv kernel", self.kernel, 1, MAX_KERNEL, wrong_type=ValueError)
        checks.integer("Conv stride", self.stride, 1, MAX_STRIDE, wrong_type=ValueError)
        if self.padding == "same":
            if self.stride != 1:
                raise ValueError(f"Conv padding 'same' needs stride 1, got stride {self.stride}")
        elif isinstance(self.padding, str):
            raise ValueError(f"Conv padding must be a whole number or 'same', got {self.padding!r}")
        else:
            checks.integer(
                "Conv padding", self.padding, 0, self.kernel // 2, wrong_type=ValueError
            )  # more padding only adds zeros to the border

    def describe(self) -> str:
        extra = "" if self.stride == 1 else f", stride {self.stride}"
        extra += "" if self.padding == 0 else f", padding {self.padding}"
        return f"conv {self.filters} {self.kernel}×{self.kernel}{extra}"


@dataclass(frozen=True)
class Pool:
    """Max or average pooling over ``size × size`` windows; ``stride`` defaults to ``size`` (no overlap)."""

    kind: str = "max"
    size: int = 2
    stride: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in POOL_KINDS:
            raise ValueError(f"Pool kind must be one of {POOL_KINDS}, got {self.kind!r}")
        checks.integer("Pool size", self.size, 1, MAX_POOL, wrong_type=ValueError)
        if self.stride is not None:
            checks.integer("Pool stride", self.stride, 1, MAX_POOL, wrong_type=ValueError)

    @property
    def step(self) -> int:
        return self.size if self.stride is None else self.stride

    def describe(self) -> str:
        extra = "" if self.step == self.size else f", stride {self.step}"
        return f"{self.kind}pool {self.size}{extra}"


@dataclass(frozen=True)
class BatchNorm:
    """Batch normalisation over channels (maps) or features (vectors): 2 learned numbers per channel."""

    def describe(self) -> str:
        return "batchnorm"


@dataclass(frozen=True)
class Dropout:
    """Zero each value with probability ``p`` during training (``0 <= p < 1``)."""

    p: float = 0.5

    def __post_init__(self) -> None:
        if isinstance(self.p, bool) or not isinstance(self.p, numbers.Real) or not 0 <= self.p < 1:
            raise ValueError(f"Dropout p must be a number from 0 up to (not including) 1, got {self.p!r}")

    def describe(self) -> str:
        return f"dropout {self.p:g}"


@dataclass(frozen=True)
class Activation:
    """Element-wise non-linearity; ``leaky_relu`` uses PyTorch's slope 0.01 (Keras' default is 0.3)."""

    kind: str = "relu"

    def __post_init__(self) -> None:
        if self.kind not in ACTIVATIONS:
            raise ValueError(f"Activation kind must be one of {ACTIVATIONS}, got {self.kind!r}")

    def describe(self) -> str:
        return self.kind


@dataclass(frozen=True)
class Flatten:
    """``(C, H, W)`` feature maps to one vector of ``C·H·W`` values."""

    def describe(self) -> str:
        return "flatten"


@dataclass(frozen=True)
class Dense:
    """Fully connected layer with ``units`` outputs, each connected to every input value (+ a bias)."""

    units: int

    def __post_init__(self) -> None:
        checks.integer("Dense units", self.units, 1, MAX_UNITS, wrong_type=ValueError)

    def describe(self) -> str:
        return f"dense {self.units}"


@dataclass(frozen=True)
class Backbone:
    """SqueezeNet 1.1's trunk, conv1 to fire9, frozen (:mod:`explorer.deep.trunk`): pictures are resized to
    ``size × size`` and ImageNet-normalised, and come out as 512 feature maps. Only as the first layer (it
    takes the app's pictures, gray or RGB in ``[0, 1]``). Its weights are loaded like any others: pretrained
    ones from ``explorer.deep.transfer.initial_weights``; nothing in it is trained."""

    size: int = 128

    def __post_init__(self) -> None:
        checks.integer("Backbone size", self.size, trunk.MIN_SIZE, trunk.MAX_SIZE, wrong_type=ValueError)

    def describe(self) -> str:
        return f"pretrained SqueezeNet, frozen, {self.size} px"


LayerSpec = Conv | Pool | BatchNorm | Dropout | Activation | Flatten | Dense | Backbone
# Names used in dicts (``{"type": "conv", ...}``, see explorer.nets.spec_json) and in summary rows, and back.
LAYER_TYPES: dict[str, type] = {
    "conv": Conv,
    "pool": Pool,
    "batchnorm": BatchNorm,
    "dropout": Dropout,
    "activation": Activation,
    "flatten": Flatten,
    "dense": Dense,
    "backbone": Backbone,
}
TYPE_NAMES = {cls: name for name, cls in LAYER_TYPES.items()}


@dataclass(frozen=True)
class LayerRow:
    """One line of :func:`summary`.

    ``name``: the layer described (``"conv 32 3×3"``); ``kind``: its type name in dicts (``"conv"``, ``"pool"``,
    ``"batchnorm"``, ``"dropout"``, ``"activation"``, ``"flatten"``, ``"dense"``, ``"backbone"``);
    ``output_shape``: ``(C, H, W)`` or ``(N,)`` for one image; ``params``: numbers in the layer (learned, unless
    ``frozen``: a pretrained backbone's, kept as they are).
    """

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    frozen: bool = False


@dataclass(frozen=True)
class ArchitectureSpec:
    """A whole network: ``input_shape = (C, H, W)``, the layers in order, ``num_classes`` outputs.

    Construction validates everything (see the module docstring); lists are accepted and stored as tuples.
    """

    name: str
    input_shape: tuple[int, int, int]
    layers: tuple[LayerSpec, ...]
    num_classes: int

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not 0 < len(self.name) <= MAX_NAME_LENGTH:
            raise ValueError(f"name must be a text of 1 to {MAX_NAME_LENGTH} characters, got {self.name!r}")
        shape = self.input_shape
        if not isinstance(shape, (tuple, list)) or len(shape) != 3:
            raise ValueError(f"input_shape must be (channels, height, width), got {shape!r}")
        checks.integer("input_shape channels", shape[0], 1, MAX_INPUT_CHANNELS, wrong_type=ValueError)
        checks.integer("input_shape height", shape[1], 1, MAX_INPUT_SIDE, wrong_type=ValueError)
        checks.integer("input_shape width", shape[2], 1, MAX_INPUT_SIDE, wrong_type=ValueError)
        object.__setattr__(self, "input_shape", tuple(int(v) for v in shape))
        if not isinstance(self.layers, (tuple, list)) or not 0 < len(self.layers) <= MAX_LAYERS:
            count = len(self.layers) if isinstance(self.layers, (tuple, list)) else self.layers
            raise ValueError(f"layers must be a list of 1 to {MAX_LAYERS} layers, got {count!r}")
        for index, layer in enumerate(self.layers, start=1):
            if type(layer) not in TYPE_NAMES:
                raise ValueError(
                    f"layer {index} must be one of {', '.join(c.__name__ for c in TYPE_NAMES)}, got {layer!r}"
                )
        object.__setattr__(self, "layers", tuple(self.layers))
        checks.integer("num_classes", self.num_classes, 2, MAX_CLASSES, wrong_type=ValueError)
        rows = _trace(self)
        if rows[-1].output_shape != (self.num_classes,):
            raise ValueError(
                f"the last layer must output num_classes = {self.num_classes} values, "
                f"it outputs {format_shape(rows[-1].output_shape)}"
            )
        total = sum(row.params for row in rows)
        if total > MAX_PARAMETERS:
            raise ValueError(f"the network has {total:,} parameters, more than the limit of {MAX_PARAMETERS:,}")


def format_shape(shape: tuple[int, ...]) -> str:
    """``(C, H, W)`` as ``"H×W×C"`` (Keras' order, as in the lessons); ``(N,)`` as ``"N"``."""
    if len(shape) == 3:
        channels, height, width = shape
        return f"{height}×{width}×{channels}"
    return "×".join(str(v) for v in shape)


def _trace(spec: ArchitectureSpec) -> list[LayerRow]:
    """Walk the shapes layer by layer; ``ValueError`` naming the first layer that can't take its input."""
    shape: tuple[int, ...] = spec.input_shape
    rows = []
    for index, layer in enumerate(spec.layers, start=1):
        where = f"layer {index} ({layer.describe()})"
        params = 0
        if isinstance(layer, Backbone):
            if index != 1:
                raise ValueError(f"{where}: a pretrained backbone must be the first layer (it takes the pictures)")
            if shape[0] not in (1, 3):
                raise ValueError(f"{where}: needs gray or RGB pictures (1 or 3 channels), got {shape[0]} channels")
            params = trunk.param_count(shape[0])
            side = trunk.output_side(layer.size)
            shape = (trunk.CHANNELS, side, side)
        elif isinstance(layer, (Conv, Pool)):
            if len(shape) != 3:
                raise ValueError(
                    f"{where}: needs C×H×W feature maps, but comes after flatten (input is {format_shape(shape)})"
                )
            channels, height, width = shape
            kernel, stride = (layer.kernel, layer.stride) if isinstance(layer, Conv) else (layer.size, layer.step)
            if isinstance(layer, Conv) and layer.padding == "same":
                height_out, width_out = height, width  # "same" pads whatever the kernel needs
            else:
                padding = layer.padding if isinstance(layer, Conv) and not isinstance(layer.padding, str) else 0
                try:
                    height_out, width_out = (
                        sizes.output_size(side, kernel=kernel, stride=stride, padding=padding)
                        for side in (height, width)
                    )
                except ValueError:  # the spec's fields are checked: the window does not fit
                    verb = "pool with size" if isinstance(layer, Pool) else "take a kernel of"
                    raise ValueError(f"{where}: input is {height}×{width}, too small to {verb} {kernel}") from None
            if isinstance(layer, Conv):
                params = layer.filters * (kernel * kernel * channels + 1)
                channels = layer.filters
            shape = (channels, height_out, width_out)
        elif isinstance(layer, Flatten):
            if len(shape) != 3:
                raise ValueError(f"{where}: the input is already flat ({format_shape(shape)})")
            shape = (shape[0] * shape[1] * shape[2],)
        elif isinstance(layer, Dense):
            if len(shape) != 1:
                raise ValueError(
                    f"{where}: needs a flat vector, got {format_shape(shape)} feature maps; "
                    "add a flatten layer before it"
                )
            params = (shape[0] + 1) * layer.units
            shape = (layer.units,)
        elif isinstance(layer, BatchNorm):
            params = 2 * shape[0]  # a scale and a shift per channel; running mean/var are not learned
        values = 1
        for v in shape:
            values *= v
        if values > MAX_FEATURE_VALUES:
            raise ValueError(
                f"{where}: outputs {format_shape(shape)} = {values:,} values per image, "
                f"more than the limit of {MAX_FEATURE_VALUES:,}"
            )
        rows.append(LayerRow(layer.describe(), TYPE_NAMES[type(layer)], shape, params, isinstance(layer, Backbone)))
    return rows


def summary(spec: ArchitectureSpec) -> list[LayerRow]:
    """One :class:`LayerRow` per layer (like Keras' ``model.summary()``), by arithmetic alone.

    Conv: ``filters·(kernel²·C_in + 1)``; Dense: ``(inputs + 1)·units``; BatchNorm: ``2·C`` (Keras also lists
    the ``2·C`` running statistics, as non-trainable); everything else: 0.
    """
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    return _trace(spec)


def count_params(spec: ArchitectureSpec) -> int:
    """Total parameters (the sum of :func:`summary`'s ``params``), a frozen backbone's included."""
    return sum(row.params for row in summary(spec))


def count_trainable(spec: ArchitectureSpec) -> int:
    """The parameters training changes: :func:`count_params` without a frozen backbone's."""
    return sum(row.params for row in summary(spec) if not row.frozen)


def receptive_fields(spec: ArchitectureSpec) -> list[int | None]:
    """Receptive field side (input pixels) of one unit after each layer; ``None`` from flatten (all of it) or a
    backbone on."""
    if not isinstance(spec, ArchitectureSpec):
        raise TypeError(f"spec must be an ArchitectureSpec, got {type(spec).__name__}")
    windows: list[Window] = []
    out: list[int | None] = []
    for layer in spec.layers:
        # A backbone resizes the picture and pools in ceil mode (no single square window to trace): None on.
        if isinstance(layer, (Flatten, Dense, Backbone)) or (out and out[-1] is None):
            out.append(None)
            continue
        if isinstance(layer, Conv):
            padding = (layer.kernel - 1) // 2 if isinstance(layer.padding, str) else layer.padding  # "same"
            windows.append(Window(layer.kernel, stride=layer.stride, padding=padding))
        elif isinstance(layer, Pool):
            windows.append(Window(layer.size, stride=layer.step))
        out.append(receptive_field(windows)[-1][0] if windows else 1)
    return out


def build(spec: ArchitectureSpec, *, seed: int | None = 0):
    """A ``torch.nn.Sequential`` with one module per layer spec, initialised from ``seed``.

    Input ``(B, C, H, W) float32``, output ``(B, num_classes)`` logits. The seed is used in a forked RNG,
    so building does not disturb the caller's random state; ``seed=None`` draws from the global RNG.
    """
    import torch
    from torch import nn

    rows = summary(spec)
    shapes = [spec.input_shape, *(row.output_shape for row in rows[:-1])]

    def make(layer: LayerSpec, shape: tuple[int, ...]) -> nn.Module:
        if isinstance(layer, Conv):
            return nn.Conv2d(shape[0], layer.filters, layer.kernel, stride=layer.stride, padding=layer.padding)
        if isinstance(layer, Pool):
            pool = nn.MaxPool2d if layer.kind == "max" else nn.AvgPool2d
            return pool(layer.size, stride=layer.step)
        if isinstance(layer, BatchNorm):
            return nn.BatchNorm2d(shape[0]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])
        if isinstance(layer, Dropout):
            return nn.Dropout(float(layer.p))
        if isinstance(layer, Activation):
            return {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}[layer.kind]()
        if isinstance(layer, Flatten):
            return nn.Flatten()
        if isinstance(layer, Backbone):
            return trunk.build(shape[0], layer.size, seed=0 if seed is None else seed)
        return nn.Linear(shape[0], layer.units)

    if seed is None:
        return nn.Sequential(*(make(layer, shape) for layer, shape in zip(spec.layers, shapes)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(*(make(layer, shape) for layer, shape in zip(spec.layers, shapes)))


# ------------------------------------------------------------------------------------------------ presets
PRESETS = ("tinyvgg", "tf_cnn", "lenet5", "mlp")
PRESET_TITLES = {
    "tinyvgg": "TinyVGG (CNN Explainer)",
    "tf_cnn": "TensorFlow tutorial CNN",
    "lenet5": "LeNet-5",
    "mlp": "Dense-only baseline (MLP)",
}


def preset(name: str, *, input_shape: tuple[int, int, int], num_classes: int = 10) -> ArchitectureSpec:
    """One of :data:`PRESETS` on the given input ``(C, H, W)``.

    - ``tinyvgg``: CNN Explainer's network (on 64×64×3 there): two blocks of [conv 10 3×3, relu, conv 10 3×3,
      relu, maxpool 2], then flatten and dense;
    - ``tf_cnn``: the TensorFlow CIFAR-10 tutorial: conv 32 3×3, maxpool 2, conv 64 3×3, maxpool 2,
      conv 64 3×3, flatten, dense 64, dense; ReLU after each conv and the hidden dense layer (they add no
      parameters and are not separate rows in Keras' summary, but are here);
    - ``lenet5``: LeCun et al. 1998 as usually rebuilt (32×32×1 there): conv 6 5×5, tanh, avgpool 2,
      conv 16 5×5, tanh, avgpool 2, flatten, dense 120, tanh, dense 84, tanh, dense;
    - ``mlp``: flatten, dense 128, relu, dense 64, relu, dense: a baseline that ignores where pixels are.
    """
    if name not in PRESETS:
        raise ValueError(f"name must be one of {PRESETS}, got {name!r}")
    relu = Activation("relu")
    layers: tuple[LayerSpec, ...]
    if name == "tinyvgg":
        block = (Conv(10, 3), relu, Conv(10, 3), relu, Pool("max", 2))
        layers = (*block, *block, Flatten(), Dense(num_classes))
    elif name == "tf_cnn":
        layers = (
            Conv(32, 3),
            relu,
            Pool("max", 2),
            Conv(64, 3),
            relu,
            Pool("max", 2),
            Conv(64, 3),
            relu,
            Flatten(),
            Dense(64),
            relu,
            Dense(num_classes),
        )
    elif name == "lenet5":
        tanh = Activation("tanh")
        layers = (
            Conv(6, 5),
            tanh,
            Pool("avg", 2),
            Conv(16, 5),
            tanh,
            Pool("avg", 2),
            Flatten(),
            Dense(120),
            tanh,
            Dense(84),
            tanh,
            Dense(num_classes),
        )
    else:
        layers = (Flatten(), Dense(128), relu, Dense(64), relu, Dense(num_classes))
    shape = cast(tuple[int, int, int], tuple(input_shape))  # ArchitectureSpec checks it is (C, H, W)
    return ArchitectureSpec(PRESET_TITLES[name], shape, layers, num_classes)

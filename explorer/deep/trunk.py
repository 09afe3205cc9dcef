"""The pretrained SqueezeNet 1.1 trunk as one layer of a small network: what ``Backbone`` in
:mod:`explorer.nets.architecture` builds, and its shapes and parameter count by arithmetic.

The trunk takes the app's pictures as they are in a :class:`~explorer.data.datasets.Dataset` (``(N, C, H, W)``
``float32`` in ``[0, 1]``, gray or RGB, small) and gives SqueezeNet's fire9 feature maps (512 channels):

1. ``nn.Upsample`` to ``size × size`` (bilinear): ImageNet networks see objects at about 100-200 pixels, and our
   pictures are 16-64 pixels a side; a 32-pixel picture through the trunk at its own size gives a single 1×1
   map, where the network's filters, made for larger objects, see little;
2. torchvision's ``squeezenet1_1().features`` (``explorer.deep.backbone.build(...)[:13]``): conv1 (3×3, stride
   2), a ceil-mode max pool, fire2-3, pool, fire4-5, pool, fire6-9, with ImageNet's normalisation
   ``(x - mean) / std`` folded into conv1's weights and bias (exact: conv1 has no padding), and for gray pictures
   conv1's three input channels summed into one (the same as repeating the gray channel three times). So the
   trunk is plain torch modules (a checkpoint and the Inspect pages need nothing new), and its first
   convolution's 64 filters are ImageNet's conv1 filters (each channel divided by its standard deviation).

Every parameter is frozen (``requires_grad=False``); :func:`build` draws random weights (seeded): the pretrained
ones are loaded like any weights (``explorer.deep.transfer.initial_weights``, a checkpoint, a snapshot), so
rebuilding a trained network never needs the weights file. Torch is imported inside :func:`build` only.
"""

from __future__ import annotations

import math

from explorer.core import checks
from explorer.deep import backbone

# Sides the trunk resizes pictures to: from 32 (the smallest whose last pool still has a 3×3 window to take; the
# maps are then 1×1) to 224 (ImageNet's own size; conv1's output is then 64×111×111, 0.8 M values per picture).
MIN_SIZE, MAX_SIZE = 32, 224
CHANNELS = 512  # fire9's output channels: the "deep features"
# (input channels, squeeze, expand 1×1, expand 3×3) of fire2 .. fire9, torchvision's squeezenet1_1.
FIRES = (
    (64, 16, 64, 64),
    (128, 16, 64, 64),
    (128, 32, 128, 128),
    (256, 32, 128, 128),
    (256, 48, 192, 192),
    (384, 48, 192, 192),
    (384, 64, 256, 256),
    (512, 64, 256, 256),
)


def _pool(side: int) -> int:
    """Side after a 3×3 max pool with stride 2 and ``ceil_mode=True`` (SqueezeNet's)."""
    return math.ceil((side - 3) / 2) + 1


def output_side(size: int) -> int:
    """The side of fire9's maps for pictures resized to ``size``: conv1 (3×3, stride 2), then three pools
    (fires keep the size). 32 → 1, 64 → 3, 128 → 7, 224 → 13."""
    size = checks.integer("size", size, MIN_SIZE, MAX_SIZE, wrong_type=ValueError)
    side = (size - 3) // 2 + 1
    for _ in range(3):
        side = _pool(side)
    return side


# Modules in the trunk: the resize, then SqueezeNet's 13 (conv1, relu, pool, fire2, fire3, pool, ..., fire9).
LENGTH = 14


def param_count(channels: int) -> int:
    """Numbers in the trunk for ``channels`` input channels: conv1's ``64·(9·channels + 1)`` and the fire
    modules' 720,704 (722,496 in all for RGB, SqueezeNet 1.1's features)."""
    total = 64 * (9 * channels + 1)
    for inputs, squeeze, expand1, expand3 in FIRES:
        total += squeeze * (inputs + 1) + expand1 * (squeeze + 1) + expand3 * (9 * squeeze + 1)
    return total


def build(channels: int, size: int, *, seed: int = 0):
    """``nn.Sequential(Upsample(size), squeezenet1_1 features)`` with conv1 taking ``channels`` channels of
    ``[0, 1]`` pictures (see the module docstring), frozen, eval mode.

    Input ``(B, channels, H, W)`` in ``[0, 1]``; output ``(B, 512, s, s)`` with ``s = output_side(size)``.
    SqueezeNet's weights are random (drawn with ``seed``); load pretrained ones with ``load_state_dict``.
    """
    import torch
    from torch import nn

    channels = checks.integer("channels", channels, 1, 3, wrong_type=ValueError)
    if channels == 2:
        raise ValueError("channels must be 1 (gray) or 3 (RGB), got 2")
    size = checks.integer("size", size, MIN_SIZE, MAX_SIZE, wrong_type=ValueError)
    features = backbone.build(pretrained=False, seed=seed)[:13]
    conv1 = features[0]
    assert isinstance(conv1, nn.Conv2d) and conv1.bias is not None  # torchvision's: 64 3×3, stride 2, a bias
    folded = nn.Conv2d(channels, 64, 3, stride=2)
    with torch.no_grad():
        weight, bias = _fold(conv1.weight, conv1.bias, channels)
        folded.weight.copy_(weight)
        assert folded.bias is not None
        folded.bias.copy_(bias)
    upsample = nn.Upsample(size=(size, size), mode="bilinear", align_corners=False)
    trunk = nn.Sequential(upsample, folded, *features[1:])
    for parameter in trunk.parameters():
        parameter.requires_grad_(False)
    return trunk.eval()


def _fold(weight, bias, channels: int):
    """conv1's ``(64, 3, 3, 3)`` weight and ``(64,)`` bias with ImageNet's normalisation folded in, for
    ``channels`` input channels: ``W·((x − m)/s) + b = (W/s)·x + (b − Σ W·m/s)`` (no padding, so exact at every
    place); one channel: the three channels' weights summed (a gray picture repeated)."""
    import torch

    mean = torch.from_numpy(backbone.MEAN).view(1, 3, 1, 1)
    std = torch.from_numpy(backbone.STD).view(1, 3, 1, 1)
    scaled = weight / std  # (64, 3, 3, 3)
    new_bias = bias - (weight * mean / std).sum(dim=(1, 2, 3))
    new_weight = scaled if channels == 3 else scaled.sum(dim=1, keepdim=True)
    return new_weight.contiguous(), new_bias


def pretrained_state(channels: int, pretrained) -> dict:
    """The trunk's ``state_dict`` (keys as in :func:`build`) with SqueezeNet's weights taken from ``pretrained``
    (the flat ``backbone.build(...)``, its modules 0-12), conv1's with the normalisation folded in."""
    source = {name: value.detach().clone() for name, value in pretrained.state_dict().items()}
    weight, bias = _fold(source["0.weight"], source["0.bias"], checks.integer("channels", channels, 1, 3))
    state = {"1.weight": weight, "1.bias": bias}
    for name, value in source.items():
        index, _, rest = name.partition(".")
        if 0 < int(index) < 13:
            state[f"{int(index) + 1}.{rest}"] = value
    return state

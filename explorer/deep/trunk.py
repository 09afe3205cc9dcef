"""The pretrained SqueezeNet 1.1 trunk as one layer of a small network: what ``Backbone`` in
:mod:`explorer.nets.architecture` builds, and its shapes and parameter count by arithmetic.

The trunk takes the app's pictures as they are in a :class:`~explorer.data.datasets.Dataset` (``(N, C, H, W)``
``float32`` in ``[0, 1]``, gray or RGB, small) and gives SqueezeNet's fire9 feature maps (512 channels):

1. ``nn.Upsample`` to ``size × size`` (bilinear): ImageNet networks see objects at about 100-200 pixels, and our
   pictures are 16-64 pixels a side; a 32-pixel picture through the trunk at its own size gives a single 1×1
   map, where the network's filters, made for larger objects, see little;
2. a 1×1 convolution with fixed weights that does ImageNet's normalisation, ``(x - mean) / std`` per RGB
   channel (a gray picture is repeated into the three channels by the same weights): plain torch modules, so a
   checkpoint and the Inspect pages need nothing new;
3. torchvision's ``squeezenet1_1().features`` (``explorer.deep.backbone.build(...)[:13]``): conv1 (3×3, stride
   2), a ceil-mode max pool, fire2-3, pool, fire4-5, pool, fire6-9.

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


def param_count(channels: int) -> int:
    """Numbers in the trunk for ``channels`` input channels: the normalisation's ``3·channels + 3`` (fixed, not
    learned) and SqueezeNet's conv1 and fire modules (722,496)."""
    total = 3 * channels + 3 + 64 * (3 * 9 + 1)
    for inputs, squeeze, expand1, expand3 in FIRES:
        total += squeeze * (inputs + 1) + expand1 * (squeeze + 1) + expand3 * (9 * squeeze + 1)
    return total


def build(channels: int, size: int, *, seed: int = 0):
    """``nn.Sequential(Upsample(size), normalise (1×1 conv), squeezenet1_1 features)``, frozen, eval mode.

    Input ``(B, channels, H, W)`` in ``[0, 1]``; output ``(B, 512, s, s)`` with ``s = output_side(size)``.
    SqueezeNet's weights are random (drawn with ``seed``); load pretrained ones with ``load_state_dict``.
    """
    import torch
    from torch import nn

    channels = checks.integer("channels", channels, 1, 3, wrong_type=ValueError)
    if channels == 2:
        raise ValueError("channels must be 1 (gray) or 3 (RGB), got 2")
    size = checks.integer("size", size, MIN_SIZE, MAX_SIZE, wrong_type=ValueError)
    normalise = nn.Conv2d(channels, 3, 1)
    with torch.no_grad():
        weight = torch.zeros(3, channels, 1, 1)
        for out in range(3):
            weight[out, out if channels == 3 else 0] = float(1.0 / backbone.STD[out])
        normalise.weight.copy_(weight)
        assert normalise.bias is not None  # Conv2d makes one unless bias=False
        normalise.bias.copy_(torch.from_numpy(-backbone.MEAN / backbone.STD))
    features = backbone.build(pretrained=False, seed=seed)[:13]
    trunk = nn.Sequential(nn.Upsample(size=(size, size), mode="bilinear", align_corners=False), normalise, *features)
    for parameter in trunk.parameters():
        parameter.requires_grad_(False)
    return trunk.eval()


def pretrained_state(channels: int, pretrained) -> dict:
    """The trunk's ``state_dict`` with SqueezeNet's weights taken from ``pretrained`` (the flat
    ``backbone.build(pretrained=True)``; its modules 0-12), and the fixed normalisation: keys as in :func:`build`."""
    trunk = build(channels, MIN_SIZE)  # the state dict does not depend on the size
    state = {f"1.{name}": value for name, value in trunk[1].state_dict().items()}
    source = pretrained.state_dict()
    for name in trunk.state_dict():
        if name.startswith("1."):
            continue
        index, _, rest = name.partition(".")
        state[name] = source[f"{int(index) - 2}.{rest}"].detach().clone()
    return state

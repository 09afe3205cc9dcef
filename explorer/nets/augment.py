"""Data augmentation for training: random flips, rotations, shifts, erased patches and noise, per image.

:class:`AugmentConfig` says which changes to make and how strong; :func:`augment_batch` applies them to a
batch of tensors during training; :func:`augmentation_preview` does the same to numpy images, to show what
the network will see.

The operations are torchvision's ``transforms.v2`` ones (``RandomHorizontalFlip``, ``RandomVerticalFlip``,
``RandomRotation`` and ``RandomAffine(translate=...)`` as one bilinear resampling, ``RandomErasing`` with
value 0, ``GaussianNoise`` clipped to ``[0, 1]``), written for whole batches: the ``v2.Random*`` classes
draw one set of parameters per call, so a batch would be flipped or rotated all alike, they draw from
torch's global random state (shared by every session of the app), and calling them image by image costs
about 250 µs per image. Here every image draws its own parameters from the ``generator`` passed in, and
the tests check each operation pixel for pixel against ``torchvision.transforms.v2.functional``.

Torch is imported inside the functions: importing this module (for :class:`AugmentConfig`) stays cheap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explorer.core import checks

# Up to ±180°: every orientation; digits already confuse 6 and 9 beyond about ±45°, which is worth seeing.
MAX_ROTATION_DEG = 180.0
# Shift by up to half the image: further, the object leaves the picture.
MAX_SHIFT = 0.5
# Images are in [0, 1]: noise with a standard deviation of 1 already hides everything.
MAX_NOISE_STD = 1.0
# RandomErasing's defaults: a patch of 2 % to 33 % of the image, height/width ratio 0.3 to 3.3.
ERASING_SCALE = (0.02, 0.33)
ERASING_RATIO = (0.3, 3.3)


@dataclass(frozen=True)
class AugmentConfig:
    """What to change in each training image; the defaults change nothing.

    hflip, vflip : mirror left-right / top-bottom with probability 1/2 (as torchvision's default ``p``).
    rotation_deg : rotate by an angle drawn uniformly from ``[-rotation_deg, rotation_deg]``, 0 to
        :data:`MAX_ROTATION_DEG`.
    shift : move by up to this fraction of the width and of the height, 0 to :data:`MAX_SHIFT`.
    noise_std : add Gaussian noise of this standard deviation, then clip to ``[0, 1]``; 0 to
        :data:`MAX_NOISE_STD`.
    erasing_p : with this probability, set a random rectangle to 0 (see :data:`ERASING_SCALE`).

    Rotation and shift are one bilinear resampling; corners that come from outside the image are 0.
    """

    hflip: bool = False
    vflip: bool = False
    rotation_deg: float = 0.0
    shift: float = 0.0
    noise_std: float = 0.0
    erasing_p: float = 0.0

    def __post_init__(self) -> None:
        for name in ("hflip", "vflip"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        object.__setattr__(
            self, "rotation_deg", checks.number("rotation_deg", self.rotation_deg, 0.0, MAX_ROTATION_DEG)
        )
        object.__setattr__(self, "shift", checks.number("shift", self.shift, 0.0, MAX_SHIFT))
        object.__setattr__(self, "noise_std", checks.number("noise_std", self.noise_std, 0.0, MAX_NOISE_STD))
        object.__setattr__(self, "erasing_p", checks.number("erasing_p", self.erasing_p, 0.0, 1.0))

    @property
    def is_identity(self) -> bool:
        """True when no operation is switched on (training then skips augmentation entirely)."""
        return self == AugmentConfig()


def affine_theta(angles_deg, shifts_px, *, height: int, width: int):
    """``(B, 2, 3)`` matrices for ``torch.nn.functional.affine_grid`` (``align_corners=False``).

    angles_deg : ``(B,)`` rotation in degrees, torchvision's sign (as ``v2.functional.affine``);
    shifts_px : ``(B, 2)`` translation ``(dx, dy)`` in pixels, right and down positive.
    Each output pixel samples the input at the inverse transform of its position, about the image centre.
    """
    import torch

    angles = torch.deg2rad(angles_deg.to(torch.float64))
    cos, sin = torch.cos(angles), torch.sin(angles)
    # Inverse rotation in pixel units, then into affine_grid's [-1, 1] units (x scaled by 2/W, y by 2/H).
    sx, sy = 2.0 / width, 2.0 / height
    a = torch.stack([torch.stack([cos, sin * sx / sy], -1), torch.stack([-sin * sy / sx, cos], -1)], -2)  # (B, 2, 2)
    shift = torch.stack([shifts_px[:, 0] * sx, shifts_px[:, 1] * sy], -1).to(torch.float64)  # (B, 2)
    offset = -(a @ shift[:, :, None])  # (B, 2, 1)
    return torch.cat([a, offset], dim=2).to(torch.float32)


def erase_mask(boxes, *, height: int, width: int):
    """``(B, 1, H, W)`` bool, True inside each image's rectangle ``boxes[b] = (top, left, h, w)``."""
    import torch

    rows = torch.arange(height)[None, :, None]  # (1, H, 1)
    cols = torch.arange(width)[None, None, :]  # (1, 1, W)
    top, left, h, w = (boxes[:, k, None, None] for k in range(4))
    inside = (rows >= top) & (rows < top + h) & (cols >= left) & (cols < left + w)  # (B, H, W)
    return inside[:, None]


def _erasing_boxes(batch: int, height: int, width: int, generator):
    """RandomErasing's draw per image: area and aspect, clamped to the image, at a uniform position."""
    import torch

    u = torch.rand(batch, 4, generator=generator, dtype=torch.float64)
    area = height * width * (ERASING_SCALE[0] + u[:, 0] * (ERASING_SCALE[1] - ERASING_SCALE[0]))
    log_low, log_high = math.log(ERASING_RATIO[0]), math.log(ERASING_RATIO[1])
    ratio = torch.exp(log_low + u[:, 1] * (log_high - log_low))
    h = torch.sqrt(area * ratio).round().clamp(1, height).long()
    w = torch.sqrt(area / ratio).round().clamp(1, width).long()
    top = (u[:, 2] * (height - h + 1)).floor().long()
    left = (u[:, 3] * (width - w + 1)).floor().long()
    return torch.stack([top, left, h, w], dim=1)  # (B, 4)


def augment_batch(images, config: AugmentConfig, *, generator):
    """Randomly changed copies of ``images``: a ``(B, C, H, W) float32`` tensor in, the same shape out.

    Each image draws its own flips, angle, shift, erased patch and noise from ``generator`` (a
    ``torch.Generator``), so the same generator state gives the same batch. The input is not modified.
    Order: flips, rotation and shift (one resampling), erasing, noise (clipped to ``[0, 1]``).
    """
    import torch
    import torch.nn.functional as F

    if not isinstance(images, torch.Tensor) or images.ndim != 4 or not images.is_floating_point():
        got = f"{images.dtype} {tuple(images.shape)}" if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"images must be a (B, C, H, W) floating-point tensor, got {got}")
    if not isinstance(config, AugmentConfig):
        raise TypeError(f"config must be an AugmentConfig, got {type(config).__name__}")
    if not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    batch, _, height, width = images.shape
    out = images
    if config.hflip or config.vflip:
        from torchvision.transforms.v2 import functional as tvf  # ~0.5 s the first time: only when needed

        for enabled, flip in ((config.hflip, tvf.horizontal_flip), (config.vflip, tvf.vertical_flip)):
            if enabled:
                chosen = (torch.rand(batch, generator=generator) < 0.5)[:, None, None, None]
                out = torch.where(chosen, flip(out), out)
    if config.rotation_deg > 0 or config.shift > 0:
        angles = (torch.rand(batch, generator=generator, dtype=torch.float64) * 2 - 1) * config.rotation_deg
        # RandomAffine's translate: up to shift·W across and shift·H down, each side, in whole pixels.
        limits = torch.tensor([config.shift * width, config.shift * height], dtype=torch.float64)
        shifts = ((torch.rand(batch, 2, generator=generator, dtype=torch.float64) * 2 - 1) * limits).round()
        grid = F.affine_grid(
            affine_theta(angles, shifts, height=height, width=width),
            [batch, images.shape[1], height, width],
            align_corners=False,
        )
        out = F.grid_sample(out, grid.to(out.dtype), mode="bilinear", padding_mode="zeros", align_corners=False)
    if config.erasing_p > 0:
        boxes = _erasing_boxes(batch, height, width, generator)
        chosen = (torch.rand(batch, generator=generator) < config.erasing_p)[:, None, None, None]
        out = out.masked_fill(erase_mask(boxes, height=height, width=width) & chosen, 0.0)
    if config.noise_std > 0:
        noise = torch.randn(out.shape, generator=generator, dtype=out.dtype)
        out = (out + config.noise_std * noise).clamp_(0.0, 1.0)
    return out.clone() if out is images else out


# A preview shows one page of pictures: this many images at most.
MAX_PREVIEW_IMAGES = 256


def augmentation_preview(images: np.ndarray, config: AugmentConfig, *, seed: int = 0) -> np.ndarray:
    """What training would make of ``images (N, C, H, W) float32`` in ``[0, 1]``: the same shape and dtype.

    The same ``seed`` gives the same pictures. At most :data:`MAX_PREVIEW_IMAGES` images.
    """
    import torch

    if not isinstance(images, np.ndarray) or images.ndim != 4 or images.dtype != np.float32:
        got = f"{images.dtype} {images.shape}" if isinstance(images, np.ndarray) else type(images).__name__
        raise ValueError(f"images must be a (N, C, H, W) float32 array, got {got}")
    if not 1 <= len(images) <= MAX_PREVIEW_IMAGES:
        raise ValueError(f"images must hold 1 to {MAX_PREVIEW_IMAGES} images, got {len(images)}")
    seed = checks.integer("seed", seed, 0, wrong_type=ValueError)
    generator = torch.Generator().manual_seed(seed)
    out = augment_batch(torch.tensor(images), config, generator=generator)
    return out.numpy().astype(np.float32, copy=False)

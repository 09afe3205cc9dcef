"""Image plumbing the feature detectors share: accept an image, hand OpenCV its gray ``uint8``, draw on a copy.

Accepted images are ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)`` arrays, ``uint8`` or float in ``[0, 1]``, with at
least one pixel; dtype conversion follows the one rule of :func:`explorer.core.dtype.to_uint8` /
:func:`~explorer.core.dtype.to_gray`.
"""

from __future__ import annotations

import numpy as np

from explorer.core import dtype


def check_image(image: object) -> np.ndarray:
    """An ``(H, W)`` or ``(H, W, 3)`` uint8/float array with at least one pixel, or a ValueError/TypeError."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        raise ValueError(f"image must be (H, W) gray or (H, W, 3) RGB, got shape {image.shape}")
    if image.size == 0:
        raise ValueError(f"image must have at least one pixel, got shape {image.shape}")
    return image


def gray_uint8(image: np.ndarray) -> np.ndarray:
    """Any accepted image -> ``(H, W) uint8`` gray, the input OpenCV's detectors want."""
    return dtype.to_uint8(dtype.to_gray(check_image(image)))


def rgb_picture(image: np.ndarray) -> np.ndarray:
    """Any accepted image -> a fresh ``(H, W, 3) uint8`` copy to draw on."""
    image = check_image(image)
    picture = dtype.to_uint8(image)
    if picture.ndim == 2:
        picture = np.stack([picture] * 3, axis=-1)
    elif picture.shape[2] == 1:
        picture = np.concatenate([picture] * 3, axis=-1)
    return np.array(picture, dtype=np.uint8, order="C", copy=True)  # drawn on: never the caller's array

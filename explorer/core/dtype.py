"""The one dtype rule of the project, written once and obeyed by every public image function.

- A ``uint8`` image is byte levels: it becomes ``float32`` in ``[0, 1]`` by dividing by 255 (:func:`to_float`).
- Float input is taken as already in ``[0, 1]``: it is cast to ``float32``, never rescaled nor clipped.
- Processing happens in ``float32`` ``[0, 1]``; ``uint8`` appears only at the edges: decoding a file, showing a
  picture, and the OpenCV calls that want bytes (:func:`to_uint8`: clipped to ``[0, 1]``, times 255, rounded).
- Gray is the ITU-R BT.601 luma of RGB (:data:`GRAY_WEIGHTS`, :func:`to_gray`), as in OpenCV and Pillow.

Other integer dtypes (``uint16``, ``int32``...) are not images here: :func:`to_float` refuses them. (Some
functions that take a gray *array*, not a picture, accept them as plain numbers; they say so.)

This module imports nothing from ``explorer``, so :mod:`explorer.core.checks` can build on it.
"""

from __future__ import annotations

import numpy as np

# ITU-R BT.601 luma weights, the ones cv2.COLOR_RGB2GRAY and Pillow's convert("L") use.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


def _check_image(image: object) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8 and not np.issubdtype(image.dtype, np.floating):
        raise TypeError(f"image dtype must be uint8 or floating point, got {image.dtype}")
    return image


def to_float(image: np.ndarray) -> np.ndarray:
    """``uint8`` -> ``float32`` in ``[0, 1]`` (divided by 255); float input is returned as ``float32``.

    Any shape. Float input is assumed to be in ``[0, 1]`` already and is not clipped (it is returned itself when
    it already is ``float32``: copy before writing into it).
    """
    image = _check_image(image)
    if image.dtype == np.uint8:
        return image.astype(np.float32) / np.float32(255.0)
    return image.astype(np.float32, copy=False)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Float in ``[0, 1]`` -> ``uint8`` (clipped to ``[0, 1]``, times 255, rounded; NaN -> 0). Any shape.

    ``uint8`` input is returned unchanged.
    """
    image = _check_image(image)
    if image.dtype == np.uint8:
        return image
    values = np.nan_to_num(image.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.round(np.clip(values, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_gray(image: np.ndarray) -> np.ndarray:
    """RGB ``(H, W, 3)`` (uint8 or float in ``[0, 1]``) or gray ``(H, W)`` -> ``(H, W) float32`` in ``[0, 1]``.

    Gray = 0.299 R + 0.587 G + 0.114 B (BT.601): green counts most because our eyes are most sensitive to it.
    """
    image = _check_image(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        return to_float(image)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be (H, W) gray or (H, W, 3) RGB, got shape {image.shape}")
    weights = np.asarray(GRAY_WEIGHTS, dtype=np.float32)
    return (to_float(image) @ weights).astype(np.float32, copy=False)

"""Changing an image's size: :func:`enlarge` by whole pixels, :func:`fit_within` a longest side.

Images are ``(H, W)`` or ``(H, W, C)`` arrays of any dtype (``fit_within``: any dtype OpenCV resizes, so not
``bool``); the result has the input's dtype and channels.

- :func:`enlarge` draws each pixel as a ``factor × factor`` block (nearest neighbour, no smoothing), so small
  pictures (a digit, a kernel, a receptive field) show crisp cells on screen;
- :func:`fit_within` shrinks with area averaging (``cv2.INTER_AREA``, which does not alias) so the longest side
  is at most ``max_side``, keeping the aspect ratio; an image that fits is returned as it is;
  :func:`fitted_shape` is the shape it gives, without the pixels;
- :func:`to_shape` resizes to an exact shape (area averaging when shrinking, bilinear when enlarging);
  :func:`to_longer_side` to a given longer side, keeping the aspect ratio.
"""

from __future__ import annotations

import numpy as np

from explorer.core import checks

# An enlarged picture is for the screen: 50 megapixels is already ~150 MB as RGB, so a bigger result is a bug.
MAX_ENLARGED_PIXELS = 50_000_000


def _check_image(image: object) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must be (H, W) or (H, W, C) with at least one pixel, got shape {image.shape}")
    return image


def enlarge(image: np.ndarray, *, factor: int) -> np.ndarray:
    """Each pixel as a ``factor × factor`` block: ``(H, W[, C])`` -> ``(H·factor, W·factor[, C])``, same dtype,
    a new C-contiguous array.

    The same as ``cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)`` for the
    dtypes and factors OpenCV handles exactly (its floating-point source index is off by one at factor 49).
    """
    image = _check_image(image)
    factor = checks.integer("factor", factor, 1, wrong_type=ValueError)
    rows, cols = image.shape[:2]
    if rows * cols * factor * factor > MAX_ENLARGED_PIXELS:
        raise ValueError(
            f"factor {factor} would make a {rows * factor}×{cols * factor} picture, more than "
            f"{MAX_ENLARGED_PIXELS:,} pixels"
        )
    channels = image.shape[2:]
    picture = np.empty((rows * factor, cols * factor, *channels), dtype=image.dtype)
    picture.reshape(rows, factor, cols, factor, *channels)[...] = image[:, None, :, None]  # block (r, ., c, .)
    return picture  # always a new array: callers draw grid lines on it


def screen_factor(side: int, *, target: int) -> int:
    """The whole-pixel :func:`enlarge` factor that draws ``side`` image pixels as about ``target`` screen pixels
    (at least 1): ``max(1, target // side)``."""
    side = checks.integer("side", side, 1, wrong_type=ValueError)
    target = checks.integer("target", target, 1, wrong_type=ValueError)
    return max(1, target // side)


def fit_within(image: np.ndarray, *, max_side: int) -> np.ndarray:
    """The image shrunk (``cv2.INTER_AREA``) so its longest side is at most ``max_side``; the image itself if it fits.

    Each new side is ``max(1, round(side · max_side / longest side))``; dtype and channels are kept
    (``(H, W, 1)`` stays 3-D).
    """
    image = _check_image(image)
    rows, cols = fitted_shape(image.shape[:2], max_side=max_side)
    if (rows, cols) == image.shape[:2]:
        return image
    # Imported here: explorer.images.imageio shrinks with this, and the first page paints without OpenCV.
    import cv2

    resized = cv2.resize(image, (cols, rows), interpolation=cv2.INTER_AREA)  # cv2 wants (width, height)
    return resized.reshape(rows, cols, *image.shape[2:])


def fitted_shape(shape: tuple[int, int], *, max_side: int) -> tuple[int, int]:
    """The ``(rows, cols)`` :func:`fit_within` gives an image of shape ``(rows, cols)``, without resizing it.

    Unchanged when the longest side is at most ``max_side``; else each side times ``max_side / longest``,
    rounded, at least 1.
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape must be (rows, cols), got {shape!r}")
    rows, cols = (checks.integer(name, side, 1) for name, side in zip(("rows", "cols"), shape))
    max_side = checks.integer("max_side", max_side, 1)
    longest = max(rows, cols)
    if longest <= max_side:
        return rows, cols
    scale = max_side / longest
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def to_shape(image: np.ndarray, *, rows: int, cols: int) -> np.ndarray:
    """The image resized to exactly ``(rows, cols)``: area averaging when shrinking, bilinear when enlarging
    (``cv2.INTER_AREA`` / ``cv2.INTER_LINEAR``). Dtype and channels are kept (``(H, W, 1)`` stays 3-D)."""
    image = _check_image(image)
    rows, cols = checks.integer("rows", rows, 1), checks.integer("cols", cols, 1)
    import cv2  # here, as in fit_within: the first page paints without OpenCV

    shrink = image.shape[0] >= rows and image.shape[1] >= cols
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    resized = cv2.resize(np.ascontiguousarray(image), (cols, rows), interpolation=method)
    return resized.reshape(rows, cols, *image.shape[2:])


def to_longer_side(image: np.ndarray, *, side: int) -> np.ndarray:
    """The image resized (:func:`to_shape`'s rule) so its longer side is ``side`` pixels, keeping the aspect ratio;
    each side ``max(1, round(side · its length / longer side))``. Dtype and channels are kept."""
    image = _check_image(image)
    side = checks.integer("side", side, 1)
    rows, cols = image.shape[:2]
    scale = side / max(rows, cols)
    return to_shape(image, rows=max(1, round(rows * scale)), cols=max(1, round(cols * scale)))

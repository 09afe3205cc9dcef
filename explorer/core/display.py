"""Turning float results into ``uint8`` pictures, with the choice made for negative values stated.

Filter outputs can be negative (edge kernels) or exceed 1 (unnormalised blurs). A picture needs
``[0, 255]``, so one of these modes is chosen and shown to the user:

- ``"clip"``: values below 0 become black, above 1 white;
- ``"abs"``: the magnitude, clipped to 1 (an edge is bright whichever way it goes);
- ``"normalize"``: min..max stretched to 0..255;
- ``"diverging"``: 0 is white, negative blue, positive red, scaled by the largest magnitude (or by a given
  ``limit``, e.g. :func:`robust_limit`).
"""

from __future__ import annotations

import numpy as np

from explorer.core import dtype

DISPLAY_MODES = ("clip", "abs", "normalize", "diverging")

# End colours of the diverging map (RGB in [0, 1]); white in the middle. Chosen to stay legible for the
# common red-green colour-vision deficiencies.
_NEGATIVE = np.array([0.13, 0.40, 0.67], dtype=np.float32)
_POSITIVE = np.array([0.70, 0.09, 0.17], dtype=np.float32)
_WHITE = np.ones(3, dtype=np.float32)
# A robust scale saturates the strongest 1 % of the values: in a photo's gx or gy the largest magnitude is about
# twice the 99th percentile, so scaling by the largest left ordinary edges pale, next to white.
ROBUST_PERCENTILE = 99.0


def to_display(image: np.ndarray, *, mode: str = "clip", limit: float | None = None) -> np.ndarray:
    """Map a float image to ``uint8`` for display.

    Parameters
    ----------
    image : (H, W) or (H, W, 3) array, any real dtype; ``uint8`` is byte levels, divided by 255 first (the dtype
        rule of :mod:`explorer.core.dtype`): in ``"clip"`` mode a ``uint8`` picture comes back unchanged.
    mode : one of :data:`DISPLAY_MODES`. ``"diverging"`` needs a single-channel image.
    limit : ``"diverging"`` only: the magnitude drawn at full colour (default: the largest magnitude).

    Returns
    -------
    (H, W) or (H, W, 3) ``uint8``; ``"diverging"`` always returns (H, W, 3).
    """
    if mode not in DISPLAY_MODES:
        raise ValueError(f"mode must be one of {DISPLAY_MODES}, got {mode!r}")
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")
    if image.size == 0:
        raise ValueError(f"image must have at least one pixel, got shape {image.shape}")
    if limit is not None and mode != "diverging":
        raise ValueError(f"limit applies to mode 'diverging' only, got mode {mode!r}")
    if limit is not None and not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a positive number, got {limit!r}")
    if image.dtype == np.uint8:
        image = dtype.to_float(image)
    values = np.nan_to_num(image.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)
    if mode == "clip":
        scaled = np.clip(values, 0.0, 1.0)
    elif mode == "abs":
        scaled = np.clip(np.abs(values), 0.0, 1.0)
    elif mode == "normalize":
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
    else:
        if values.ndim == 3:
            if values.shape[2] != 1:
                raise ValueError(f"mode 'diverging' needs a single-channel image, got shape {image.shape}")
            values = values[:, :, 0]
        scaled = diverging(values, limit=limit)
    return np.round(scaled * 255.0).astype(np.uint8)


def robust_limit(values: np.ndarray, *, percentile: float = ROBUST_PERCENTILE) -> float:
    """A full-colour magnitude for :func:`diverging` that one extreme value can't set: the ``percentile``-th
    percentile of ``|values|`` (non-finite values left out).

    Where that percentile is 0 (a mostly flat picture whose few edges are all in the top 1 %, e.g. a test
    pattern) it is the largest magnitude instead; 0 only when every value is 0.
    """
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    magnitudes = np.abs(np.asarray(values, dtype=np.float64))
    magnitudes = magnitudes[np.isfinite(magnitudes)]
    if magnitudes.size == 0:
        return 0.0
    limit = float(np.percentile(magnitudes, percentile))
    return limit if limit > 0 else float(magnitudes.max())


def diverging(values: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    """Blue-white-red colours for signed values: ``(H, W) float -> (H, W, 3) float32`` in ``[0, 1]``.

    ``limit`` is the magnitude drawn at full colour (default: the largest magnitude present).
    """
    values = np.asarray(values, dtype=np.float32)
    if limit is None:
        limit = float(np.abs(values).max()) if values.size else 0.0
    t = np.clip(values / limit, -1.0, 1.0) if limit > 0 else np.zeros_like(values)
    t = t[..., None]
    negative = _WHITE + (-t) * (_NEGATIVE - _WHITE)
    positive = _WHITE + t * (_POSITIVE - _WHITE)
    return np.where(t < 0, negative, positive).astype(np.float32)

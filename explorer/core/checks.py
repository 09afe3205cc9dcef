"""Argument checks shared by the ``explorer`` modules, so every bad value reads the same way.

``integer("k", 0, 2, 12)`` raises ``ValueError("k must be from 2 to 12, got 0")``; a value of the wrong type
(``True``, ``2.5``, ``"3"``) raises ``TypeError("k must be an integer from 2 to 12, got 2.5 (float)")``.
``number`` does the same for finite floats, and ``gray_image`` checks a gray ``(H, W)`` image (a ``uint8`` one is
byte levels, divided by 255: the dtype rule of :mod:`explorer.core.dtype`).

**Which exception for a wrong type.** ``integer`` raises ``TypeError`` and ``number`` ``ValueError`` for a
value of the wrong type (their first users did so). Some public functions promise ``ValueError`` for *any* bad
argument, and pages catch ``ValueError`` only (``ui.common.user_errors``): they pass ``wrong_type=ValueError``
(or ``TypeError``) so their callers see the exception they always saw.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from explorer.core import dtype

# At most this much of a bad value's repr is echoed in a message (values can come from URLs).
_ECHO_CHARS = 60
_KIND_WORDS = {"b": "bool", "8": "uint8", "i": "integer", "u": "integer", "f": "float"}


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _ECHO_CHARS else text[:_ECHO_CHARS] + "…"


def integer(
    name: str,
    value: object,
    low: int,
    high: int | None = None,
    *,
    odd: bool = False,
    wrong_type: type[Exception] = TypeError,
) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (no upper bound when ``high`` is None).

    odd : also require an odd value (a window side: odd, so the window has a centre cell).
    wrong_type : the exception for a value that is not an integer (``bool`` counts as not an integer).
    Out-of-range (or even, with ``odd``) values raise ``ValueError``.
    """
    allowed = f">= {low}" if high is None else f"from {low} to {high}"
    kind = "an odd integer" if odd else "an integer"
    reason = " (to have a centre cell)" if odd else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise wrong_type(f"{name} must be {kind} {allowed}{reason}, got {_shown(value)} ({type(value).__name__})")
    whole = int(value)
    if whole < low or (high is not None and whole > high) or (odd and whole % 2 == 0):
        raise ValueError(f"{name} must be {kind + ' ' if odd else ''}{allowed}{reason}, got {value}")
    return whole


def number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    wrong_type: type[Exception] = ValueError,
) -> float:
    """``value`` as a finite ``float`` in ``[low, high]``; a bound that is None is not checked.

    low_open, high_open : exclude the bound itself (``low_open=True`` means ``value > low``).
    wrong_type : the exception for a value that is not a real number (``bool`` counts as not a number).
    NaN, infinities and out-of-range values raise ``ValueError``.
    """
    if low is not None and high is not None and not low_open and not high_open:
        allowed = f"from {low} to {high}"
    else:
        parts = [f"{'>' if low_open else '>='} {low}"] if low is not None else []
        parts += [f"{'<' if high_open else '<='} {high}"] if high is not None else []
        allowed = " and ".join(parts)
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    converted = float(value) if isinstance(value, numbers.Real) else math.nan
    if not real or not math.isfinite(converted):
        message = f"{name} must be a finite number{' ' if allowed else ''}{allowed}, got {_shown(value)}"
        raise ValueError(message) if real else wrong_type(message)
    below = low is not None and (converted <= low if low_open else converted < low)
    above = high is not None and (converted >= high if high_open else converted > high)
    if below or above:
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return converted


def gray_image(
    name: str,
    image: object,
    *,
    kinds: str = "iuf",
    keep_bool: bool = False,
    unit_range: bool = False,
    max_side: int | None = None,
    array_only: bool = False,
) -> np.ndarray:
    """``image`` checked as a gray ``(H, W)`` image with at least one pixel, returned as a C-contiguous
    ``float32`` array (``image`` itself when it already is one: copy before writing into it).

    kinds : the numpy dtype kinds accepted (``dtype.kind``) besides ``uint8``: ``"b"`` bool (read as 0 and 1),
        ``"i"`` and ``"u"`` integers, ``"f"`` floats. Values keep their size (an ``int16`` 200 becomes 200.0).
        A ``uint8`` image is always accepted and always divided by 255 (byte levels, the house dtype rule:
        :func:`explorer.core.dtype.to_float`), whatever ``kinds`` says.
    keep_bool : a bool image is a mask: accepted whatever ``kinds`` says and returned as it is (bool).
    unit_range : values must lie in ``[0, 1]`` (checked on the values given, before any conversion).
    max_side : the longest side may be at most this many pixels.
    array_only : anything but a numpy array is refused (otherwise lists and the like go through ``np.asarray``).

    Errors: ``TypeError`` for a non-array (with ``array_only``) or a dtype that is not accepted; ``ValueError``
    for the shape, the size, NaN or infinity, and values outside ``[0, 1]`` (with ``unit_range``).
    """
    if array_only and not isinstance(image, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(image).__name__}")
    array = np.asarray(image)
    kind = array.dtype.kind
    if kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D gray image (H, W), got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"{name} must have at least one pixel, got shape {array.shape}")
    if kind == "b" and keep_bool:
        return np.ascontiguousarray(array)
    if kind not in kinds and array.dtype != np.uint8:
        codes = set(kinds) | {"8"} | ({"b"} if keep_bool else set())  # "8": uint8, accepted whatever kinds says
        accepted = list(dict.fromkeys(_KIND_WORDS[k] for k in "b8iuf" if k in codes))
        accepted = [word for word in accepted if word != "uint8" or "integer" not in accepted]
        listed = ", ".join(accepted[:-1]) + " or " + accepted[-1] if len(accepted) > 1 else accepted[0]
        raise TypeError(f"{name} must hold {listed} values, got dtype {array.dtype}")
    if max_side is not None and max(array.shape) > max_side:
        raise ValueError(f"{name} must be at most {max_side} px on its longest side, got shape {array.shape}")
    if array.dtype == np.uint8:
        return np.ascontiguousarray(dtype.to_float(array))  # in [0, 1]: nothing more to check
    if unit_range and not (np.isfinite(array).all() and array.min() >= 0 and array.max() <= 1):
        raise ValueError(
            f"{name} must hold finite values in [0, 1], got min {np.nanmin(array):.4g}, max {np.nanmax(array):.4g}"
        )
    with np.errstate(over="ignore"):  # float64 values too large for float32 become inf, refused just below
        converted = np.ascontiguousarray(array, dtype=np.float32)
    if kind == "f" and not np.isfinite(converted).all():
        raise ValueError(f"{name} must hold finite numbers only, but it contains NaN or infinity")
    return converted

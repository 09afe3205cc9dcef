"""Argument checks shared by the ``explorer`` modules, so every bad value reads the same way.

``integer("k", 0, 2, 12)`` raises ``ValueError("k must be from 2 to 12, got 0")``; a value of the wrong type
(``True``, ``2.5``, ``"3"``) raises ``TypeError`` naming the parameter.
"""

from __future__ import annotations

import math
import numbers


def integer(name: str, value: object, low: int, high: int | None = None) -> int:
    """``value`` as an ``int`` in ``[low, high]`` (no upper bound when ``high`` is None)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"from {low} to {high}"
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def number(name: str, value: object, low: float, high: float) -> float:
    """``value`` as a finite ``float`` in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be from {low} to {high}, got {value}")
    return float(value)

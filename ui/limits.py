"""Server-wide limits read from environment variables (trainings, inspections and sessions at once): one rule
for all of them, so a deployment sets each the same way."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

_log = logging.getLogger(__name__)


def whole_number_from_env(
    name: str, *, default: int, low: int, high: int, environ: Mapping[str, str] | None = None
) -> int:
    """The whole number in the environment variable ``name``, clamped to ``low..high`` (a typo such as 1000
    doesn't let a thousand jobs loose); ``default`` when it is unset or not a whole number (logged)."""
    raw = (os.environ if environ is None else environ).get(name, "")
    try:
        value = int(raw)
    except ValueError:
        if raw.strip():
            _log.warning("%s=%r is not a whole number; using %d", name, raw, default)
        return default
    return min(max(value, low), high)

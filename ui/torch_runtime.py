"""Torch settings for a small shared server. Neural-network pages call :func:`configure` before using torch.

Torch is imported inside the function, so importing this module costs nothing (classical pages never
load torch).
"""

from __future__ import annotations

_configured = False


def configure() -> None:
    """Limit torch to one CPU thread, once per process.

    Many sessions share a few cores: one thread per computation keeps one user's training from taking
    every core away from everybody else, and the tiny models of the workshop gain little from more.
    """
    global _configured
    if _configured:
        return
    import torch

    torch.set_num_threads(1)
    _configured = True

"""Rendering helpers: images side by side, float results with a stated display mode."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import streamlit as st

from explorer.core.display import to_display


def image(array: np.ndarray | bytes, caption: str | None = None, *, mode: str = "clip") -> None:
    """Show one image; encoded file bytes and ``uint8`` as they are, floats through
    :func:`explorer.core.display.to_display`."""
    picture = array if isinstance(array, bytes) or array.dtype == np.uint8 else to_display(array, mode=mode)
    st.image(picture, caption=caption, width="stretch")


def side_by_side(
    arrays: Sequence[np.ndarray | bytes],
    captions: Sequence[str],
    *,
    modes: Sequence[str] | None = None,
) -> None:
    """Show images in equal columns, each with its caption and display mode."""
    if modes is None:
        modes = ["clip"] * len(arrays)
    for column, array, caption, mode in zip(st.columns(len(arrays)), arrays, captions, modes):
        with column:
            image(array, caption, mode=mode)

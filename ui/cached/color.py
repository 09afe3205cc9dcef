"""Cached wrappers over ``explorer.images.color`` for the "Color" page.

Keys are small and stable: the image id and the settings (tuples of ints). The image itself is passed as
``_image`` and not hashed. Results are what the page draws, so a rerun with nothing changed computes nothing.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.images import color

# A session flips between a few images and settings; 32 results of at most a few MB each keep the recent
# ones warm without letting one busy session hold hundreds of MB.
MAX_RESULTS = 32


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def channel_pictures(image_id: str, space: str, _image: np.ndarray) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """``color.convert`` then each channel as a gray ``uint8`` picture over its stated range."""
    channels, names = color.convert(_image, space=space)
    pictures = [color.channel_to_display(channels[..., c], space=space, index=c) for c in range(len(names))]
    return pictures, names


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def as_bgr_bytes(image_id: str, _image: np.ndarray) -> np.ndarray:
    """The image's bytes in B, G, R order (``color.convert(space="BGR")``) as a ``uint8`` array."""
    channels, _ = color.convert(_image, space="BGR")
    return channels.astype(np.uint8)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def selection(
    image_id: str,
    space: str,
    lower: tuple[int, int, int],
    upper: tuple[int, int, int],
    background: tuple[int, int, int],
    _image: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, float]:
    """``color.color_mask`` + ``color.apply_mask``: (mask as a picture, masked image, fraction selected)."""
    mask = color.color_mask(_image, space=space, lower=lower, upper=upper)
    kept = color.apply_mask(_image, mask, background=background)
    return mask.astype(np.uint8) * 255, kept, float(mask.mean())


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def histograms(image_id: str, _image: np.ndarray) -> np.ndarray:
    """``color.histograms`` of R, G, B: ``(3, 256)``."""
    return color.histograms(_image)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def mean_brightness(image_id: str, _image: np.ndarray) -> float:
    """``color.mean_brightness``: mean V on 0..255."""
    return color.mean_brightness(_image)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def day_or_night(image_id: str, threshold: int, _image: np.ndarray) -> str:
    """``color.day_or_night`` with the page's threshold."""
    return color.day_or_night(_image, threshold=threshold)

"""Cached wrappers over ``explorer.images.regions``, ``explorer.images.color`` and ``explorer.images.digits``
for the "Images are numbers" page.

Keys are small and stable: the image id and the settings. The image itself is passed as ``_image`` and not
hashed. Results are what the page draws, so a rerun with nothing changed computes nothing.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.images import color, digits, regions

# A session flips between a few images and settings; 32 results of at most a few MB each keep the recent
# ones warm without letting one busy session hold hundreds of MB.
MAX_RESULTS = 32


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def overview(image_id: str, _image: np.ndarray) -> tuple[np.ndarray, int]:
    """``regions.overview``: every ``step``-th pixel, for the hover picture."""
    return regions.overview(_image)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def split_channels(image_id: str, tinted: bool, _image: np.ndarray) -> list[np.ndarray]:
    """``color.split_channels``: R, G, B as three pictures."""
    return color.split_channels(_image, tinted=tinted)


@st.cache_resource(show_spinner=False)
def digit_data() -> tuple[np.ndarray, np.ndarray]:
    """``digits.load()``, shared read-only by every session (never modify the arrays)."""
    images, labels = digits.load()
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def digit_neighbours(index: int, count: int) -> digits.Neighbours:
    """``digits.most_and_least_similar`` over the whole data set."""
    images, _ = digit_data()
    return digits.most_and_least_similar(images, index, count=count)

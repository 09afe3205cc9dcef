"""Cached wrappers over ``explorer.images.convolution`` / ``explorer.images.challenges`` for the Kernels page.

Keys are small and stable: the image id, the kernel as a tuple of tuples of floats, and the settings. The
image itself is passed as ``_image`` (not hashed). Results come back ready to draw where that saves time on
a rerun: PNG/JPEG bytes are cached too, so a rerun with nothing changed encodes nothing.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from explorer.core import dtype
from explorer.core.display import to_display
from explorer.core.grading import Grade
from explorer.images import challenges, convolution
from ui.cached.shared import KernelKey, encode, kernel_array

# A session flips between a handful of kernels and settings; 32 results of at most a few MB each keep the
# recent ones warm without letting one busy session hold hundreds of MB.
MAX_RESULTS = 32


@st.cache_data(max_entries=16, show_spinner=False)
def as_float(image_id: str, _rgb: np.ndarray) -> np.ndarray:
    """The colour image as ``(H, W, 3) float32`` in ``[0, 1]`` (the dtype rule for processing)."""
    return dtype.to_float(_rgb)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def correlate(
    image_id: str, kernel: KernelKey, padding: str, stride: int, per_channel: bool, _image: np.ndarray
) -> np.ndarray:
    """``convolution.correlate`` of the current image (gray ``(H, W)`` or colour ``(H, W, 3)``)."""
    # The shared picker's images are always finite (loader and samples guarantee it): skip that check.
    return convolution.correlate(_image, kernel_array(kernel), padding=padding, stride=stride, check_finite=False)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def output_picture(
    image_id: str,
    kernel: KernelKey,
    padding: str,
    stride: int,
    per_channel: bool,
    mode: str,
    _output: np.ndarray,
) -> bytes:
    """The output drawn with a display mode, as PNG bytes (exact pixels: edges must not smear)."""
    return encode(to_display(_output, mode=mode))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def clickable_picture(image_id: str, width: int, box: tuple[int, int, int, int] | None, _gray: np.ndarray) -> bytes:
    """The gray image resized to ``width`` columns, with the kernel's window outlined, as JPEG bytes.

    ``box`` is ``(top, left, rows, cols)`` in image pixels (it may hang over the border).
    """
    return encode(convolution.window_picture(_gray, width=width, box=box), format="JPEG")


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def frequency_picture(kernel: KernelKey) -> bytes:
    """``convolution.frequency_response`` of the kernel, stretched to 0..255, as PNG bytes."""
    response = convolution.frequency_response(kernel_array(kernel))
    return encode(to_display(response, mode="normalize"))


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def worked_example(
    image_id: str, kernel: KernelKey, row: int, col: int, padding: str, stride: int, _gray: np.ndarray
) -> convolution.WorkedExample:
    """``convolution.worked_example`` on the gray image at a clicked input pixel."""
    return convolution.worked_example(_gray, kernel_array(kernel), row=row, col=col, padding=padding, stride=stride)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def grade(key: str, kernel: KernelKey) -> Grade:
    """``challenges.grade`` of a kernel (grading runs filters on test images, so it is cached too)."""
    return challenges.grade(key, kernel_array(kernel))

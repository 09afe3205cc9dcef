"""What several pages' cache modules share: kernels as cache keys, encoding pictures, the input photo.

No page's cache module borrows from another's: what two of them need lives here.
"""

from __future__ import annotations

import io

import numpy as np
import streamlit as st
from PIL import Image

from explorer.core.display import to_display

KernelKey = tuple[tuple[float, ...], ...]


def kernel_key(kernel: np.ndarray) -> KernelKey:
    """The kernel as a hashable cache key (rows of floats)."""
    return tuple(tuple(float(value) for value in row) for row in np.asarray(kernel, dtype=np.float32))


def kernel_array(key: KernelKey) -> np.ndarray:
    """Back from :func:`kernel_key` to a ``(kh, kw) float32`` array."""
    return np.array(key, dtype=np.float32).reshape(len(key), len(key[0]))


def encode(picture: np.ndarray, *, format: str = "PNG") -> bytes:
    """``uint8`` picture -> image file bytes (PNG is exact; JPEG is small, for photos shown as they are; WEBP is
    lossless here: exact, and about a fifth smaller than PNG for photos, for pictures sent inside messages)."""
    buffer = io.BytesIO()
    # compress_level 1: a few times faster than the default for a slightly bigger file; it is sent once.
    options: dict[str, object] = {"compress_level": 1}
    if format == "JPEG":
        options = {"quality": 90}
    elif format == "WEBP":
        options = {"lossless": True}
    Image.fromarray(picture).save(buffer, format=format, **options)
    return buffer.getvalue()


@st.cache_data(max_entries=16, show_spinner=False)
def input_picture(image_id: str, per_channel: bool, _image: np.ndarray) -> bytes:
    """The input image as JPEG bytes (a photo shown as it is)."""
    picture = _image if _image.dtype == np.uint8 else to_display(_image, mode="clip")
    return encode(picture, format="JPEG")

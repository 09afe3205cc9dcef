"""Pieces of the Train page's "your own pictures per class" (``ui.train_data``): camera photos shrunk to what the
data set can use, and their thumbnails, cached by a digest of each file (the data sets themselves are in
``ui.cached.train``)."""

from __future__ import annotations

import hashlib

import streamlit as st

from explorer.data import own_images
from explorer.images import imageio
from ui.cached.shared import encode

# Thumbnails are drawn about this many screen pixels a side: four fit across a class card.
THUMB_SIDE = 56
# Camera photos are kept at most this big: own_images decodes every picture at max(4 × size, 256) pixels a
# side, 256 for every size the page offers (at most 64), so nothing the data set uses is lost, and a kept
# photo is about 20 kB instead of the camera's 100-200 kB JPEG at full quality.
KEPT_SIDE = 256


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kept_photo(data: bytes) -> bytes:
    """A camera photo as the page keeps it: at most :data:`KEPT_SIDE` pixels a side, JPEG (quality 90);
    the file itself if it can't be decoded (the data set then reports it as unreadable)."""
    try:
        return encode(imageio.load_image(data, max_side=KEPT_SIDE), format="JPEG")
    except ValueError:
        return data


@st.cache_data(show_spinner=False, max_entries=own_images.MAX_IMAGES)
def thumbnail(key: str, _data: bytes) -> bytes:
    """PNG of the picture's centre square, :data:`THUMB_SIDE` pixels a side: the part of the picture the data
    set keeps (``own_images.picture``). ``key`` is :func:`digest` of ``_data``; ``ValueError`` for a file that is
    not a readable picture."""
    return encode(own_images.picture(_data, image_size=THUMB_SIDE))

"""Cached pieces of the Train page's "Try your model" panel (``ui.try_model``): a picture file decoded, and one
picture through the session's model (``explorer.nets.predict_one``).

Keys are small: the model's token (it names the weights exactly, see ``ui.cached.train.TrainedModel``), a
digest of the picture's bytes, the style. The model, its input shape and the picture are passed unhashed.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from explorer.images import imageio
from explorer.nets import predict_one
from ui import torch_runtime

# A picture to try is made at most 64×64 (or cut to its ink): 256 pixels a side keeps every detail that
# survives, and a session keeps a few such pictures.
MAX_PICTURE_SIDE = 256
# A session tries a few dozen pictures on one or two models; each result is a tiny image and K numbers.
MAX_RESULTS = 64


def picture_key(picture: np.ndarray) -> str:
    """A digest of the picture's shape, dtype and pixels (the cache key of a picture)."""
    hasher = hashlib.sha256(f"{picture.shape}{picture.dtype}".encode())
    hasher.update(np.ascontiguousarray(picture).tobytes())
    return hasher.hexdigest()


def decode(data: bytes) -> np.ndarray:
    """An uploaded or photographed file as ``(H, W, 3) uint8``, at most :data:`MAX_PICTURE_SIDE` a side;
    ``ValueError`` with the reason for anything that is not a readable picture."""
    return imageio.load_image(data, max_side=MAX_PICTURE_SIDE)


@st.cache_data(show_spinner=False, max_entries=MAX_RESULTS)
def probabilities(
    model_token: str,
    key: str,
    style: str,
    _model,
    _input_shape: tuple[int, int, int],
    _picture: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(image (C, H, W) float32, probabilities (K,) float64)``: ``predict_one.prepare_picture`` then
    ``predict_one.class_probabilities``. ``key`` is :func:`picture_key` of ``_picture``."""
    torch_runtime.configure()
    image = predict_one.prepare_picture(_picture, _input_shape, style=style)
    return image, predict_one.class_probabilities(_model, image)

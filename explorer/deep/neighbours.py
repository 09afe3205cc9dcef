"""Which built-in pictures look most like yours: by the pretrained network's deep features, or by raw pixels.

Two ways to say "similar", compared on the same small bank of pictures (the app's samples,
``explorer.images.samples``), both by cosine similarity (:func:`explorer.interpret.embeddings.nearest`):

- **pixels**: every picture squashed to :data:`PIXEL_SIDE` × :data:`PIXEL_SIDE` RGB and read as one long vector
  (:func:`explorer.interpret.embeddings.pixel_features`): two pictures are close when the same places have the
  same colours, so a bright sky matches a bright page;
- **deep features**: the network's 512 averaged fire9 channels (:func:`explorer.deep.predict.deep_features`):
  close when the network found the same patterns, wherever they are (fur, wheels, letters).

Pictures are ``(H, W, 3)`` uint8 RGB (or float in ``[0, 1]``, or gray ``(H, W)``) as the image picker gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from torch import nn

from explorer.core import dtype, resize
from explorer.deep import backbone, predict
from explorer.images import samples
from explorer.interpret import embeddings

# Pixels are compared at 32 × 32: enough to keep the layout of light and colour (what pixel similarity can see),
# small enough that a pixel shifted by a few places hardly matters (CIFAR's size).
PIXEL_SIDE = 32
# The network sees every picture with its longer side at this many pixels (the page's size; its features are
# averaged over positions, so pictures of different shapes give vectors of the same length).
SIZE = 192


class Match(NamedTuple):
    name: str
    similarity: float  # cosine similarity, -1..1 (pixels, all >= 0, give 0..1)


@dataclass(frozen=True, eq=False)
class Bank:
    """The pictures to search, as both kinds of vectors (row ``i`` is ``names[i]``)."""

    names: tuple[str, ...]
    deep: np.ndarray  # (N, 512) float32
    pixels: np.ndarray  # (N, 3 * PIXEL_SIDE**2) float32


def _rgb(picture: np.ndarray) -> np.ndarray:
    rgb = dtype.to_float(np.asarray(picture))
    if rgb.ndim == 2:
        rgb = np.repeat(rgb[:, :, None], 3, axis=2)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"picture must be (H, W, 3) RGB or (H, W) gray, got shape {np.shape(picture)}")
    return rgb


def pixel_vector(picture: np.ndarray) -> np.ndarray:
    """``picture`` squashed to ``PIXEL_SIDE`` × ``PIXEL_SIDE`` (area averaging), as one row of
    :func:`embeddings.pixel_features`: ``(3 * PIXEL_SIDE**2,) float32``, channel-major, values in ``[0, 1]``."""
    small = resize.to_shape(_rgb(picture), rows=PIXEL_SIDE, cols=PIXEL_SIDE)  # (32, 32, 3)
    return embeddings.pixel_features(np.ascontiguousarray(small.transpose(2, 0, 1)[None], dtype=np.float32))[0]


def deep_vector(model: nn.Module, picture: np.ndarray, *, size: int = SIZE) -> np.ndarray:
    """The network's deep features of ``picture`` seen at ``size`` px (longer side): ``(512,) float32``."""
    image = backbone.to_input(_rgb(picture), size)[0].numpy()  # (3, h, w) normalised
    return predict.deep_features(model, image)[0]


def sample_pictures() -> dict[str, np.ndarray]:
    """The app's built-in sample pictures (``explorer.images.samples.SAMPLES``): ``{name: (H, W, 3) uint8}``."""
    return {name: samples.load_builtin(f"sample:{name}") for name in samples.SAMPLES}


def bank(model: nn.Module, pictures: Mapping[str, np.ndarray], *, size: int = SIZE) -> Bank:
    """Both vectors of every picture of ``pictures`` (``{name: picture}``, at least one)."""
    if not pictures:
        raise ValueError("pictures must hold at least one picture, got none")
    names = tuple(pictures)
    deep = np.stack([deep_vector(model, pictures[name], size=size) for name in names])
    pixels = np.stack([pixel_vector(pictures[name]) for name in names])
    return Bank(names, deep, pixels)


def ranked(query: np.ndarray, vectors: np.ndarray, names: tuple[str, ...], *, k: int, exclude: str | None = None):
    """The ``k`` rows of ``vectors (N, D)`` (named ``names``) most similar to ``query (D,)`` by cosine
    similarity (:func:`embeddings.nearest`), best first, leaving out the row named ``exclude``: ``[Match]``."""
    if len(names) != len(vectors):
        raise ValueError(f"names must name each of the {len(vectors)} vectors, got {len(names)} names")
    keep = [i for i, name in enumerate(names) if name != exclude]
    if not keep:
        raise ValueError("the bank holds no picture but the one excluded")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(keep):
        raise ValueError(f"k must be an integer from 1 to {len(keep)} (the pictures to compare with), got {k!r}")
    order, similarity = embeddings.nearest(query, np.asarray(vectors)[keep], k=k)
    return [Match(names[keep[i]], float(s)) for i, s in zip(order, similarity)]


def nearest(
    query_deep: np.ndarray, query_pixels: np.ndarray, found: Bank, *, k: int = 3, exclude: str | None = None
) -> tuple[list[Match], list[Match]]:
    """The ``k`` pictures of the bank most similar to the query, by deep features and by pixels (best first).

    query_deep, query_pixels : the query's :func:`deep_vector` and :func:`pixel_vector`.
    exclude : a bank name left out (the query itself, when it is one of the bank's pictures).
    Returns ``(by deep features, by pixels)``.
    """
    by_deep = ranked(query_deep, found.deep, found.names, k=k, exclude=exclude)
    return by_deep, ranked(query_pixels, found.pixels, found.names, k=k, exclude=exclude)

"""scikit-learn's 8×8 handwritten digits, and finding look-alikes by cosine similarity.

The data set ships inside scikit-learn (no download): 1,797 images of the digits 0–9, each 8×8 pixels whose
values count how much ink fell in that cell, from 0 (none) to 16 (full).

Cosine similarity compares two images as 64-long vectors by the angle between them:
``cos = (a · b) / (|a| |b|)``. It is 1 when one image is the other made darker or lighter, and 0 when they
share no ink at all (ink values are never negative, so it never goes below 0 here).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from explorer.core import checks, resize

INK_MAX = 16  # the data set's largest value: each cell counts ink in a 4×4 block of the original scan
# Upper bound on how many look-alikes are returned: a page shows them side by side, one small picture each.
MAX_COUNT = 20


def load() -> tuple[np.ndarray, np.ndarray]:
    """The data set: ``images (n, 8, 8) float64`` in ``0..16`` and ``labels (n,) int64`` in ``0..9``.

    The same arrays as ``sklearn.datasets.load_digits()``, read straight from the file that function reads
    (about 40 ms; callers cache it): importing ``sklearn.datasets`` costs 0.8–1.5 s of a cold server's first
    page, for one small CSV. Each line is the 64 cells row by row, then the label.
    """
    with gzip.open(_data_file()) as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.float64)  # (n, 65)
    return np.ascontiguousarray(table[:, :-1].reshape(-1, 8, 8)), table[:, -1].astype(np.int64)


def _data_file() -> str:
    # find_spec locates the installed package without running its __init__ (which imports SciPy).
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise RuntimeError("scikit-learn is not installed: its 8×8 digits data set is read from its package")
    return os.path.join(os.path.dirname(spec.origin), "datasets", "data", "digits.csv.gz")


def cosine_similarities(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of ``query (d,)`` with each row of ``vectors (n, d)``: ``(n,) float64`` in ``[-1, 1]``.

    A zero row has no direction; it gets similarity 0 (as scikit-learn's ``cosine_similarity`` does).
    A zero ``query`` raises ``ValueError``: nothing can be compared with it.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    query = np.asarray(query, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n, d), got shape {vectors.shape}")
    if query.shape != (vectors.shape[1],):
        raise ValueError(f"query must have shape ({vectors.shape[1]},) to match vectors, got {query.shape}")
    if not (np.all(np.isfinite(vectors)) and np.all(np.isfinite(query))):
        raise ValueError("vectors and query must hold finite numbers")
    query_norm = np.linalg.norm(query)
    if query_norm == 0:
        raise ValueError("query is the zero vector: it has no direction, so its cosine similarity is undefined")
    norms = np.linalg.norm(vectors, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    return np.clip(vectors @ query / (safe * query_norm), -1.0, 1.0)


@dataclass(frozen=True)
class Neighbours:
    """Indices and cosine similarities of the most and least similar images, best match first."""

    most: np.ndarray  # (count,) int64
    most_scores: np.ndarray  # (count,) float64, decreasing
    least: np.ndarray  # (count,) int64
    least_scores: np.ndarray  # (count,) float64, increasing


def most_and_least_similar(images: np.ndarray, index: int, *, count: int = 5) -> Neighbours:
    """The ``count`` images most and least similar to ``images[index]`` (itself excluded from both).

    ``images`` is ``(n, 8, 8)`` (any ``(n, ...)`` works: each image is flattened to a vector). Ties are
    broken by the smaller index, so the answer is deterministic.
    """
    images = np.asarray(images)
    if images.ndim < 2 or images.shape[0] < 2:
        raise ValueError(f"images must be (n, ...) with at least 2 images, got shape {images.shape}")
    n = images.shape[0]
    index = checks.integer("index", index, 0, n - 1, wrong_type=ValueError)
    count = checks.integer("count", count, 1, min(MAX_COUNT, n - 1), wrong_type=ValueError)
    vectors = images.reshape(n, -1)
    scores = cosine_similarities(vectors, vectors[index])
    others = np.delete(np.arange(n), index)
    other_scores = scores[others]
    most = others[np.lexsort((others, -other_scores))[:count]]
    least = others[np.lexsort((others, other_scores))[:count]]
    return Neighbours(most=most, most_scores=scores[most], least=least, least_scores=scores[least])


def to_picture(image: np.ndarray, *, scale: int = 8) -> np.ndarray:
    """One digit as dark ink on white, each cell a ``scale``×``scale`` block: ``(8·scale, 8·scale) uint8``."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {image.shape}")
    scale = checks.integer("scale", scale, 1, 64, wrong_type=ValueError)
    ink = np.clip(image / INK_MAX, 0.0, 1.0)
    picture = np.round(255.0 * (1.0 - ink)).astype(np.uint8)
    return resize.enlarge(picture, factor=scale)

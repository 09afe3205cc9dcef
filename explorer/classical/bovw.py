"""Bag of visual words: describe a whole image by how often it uses each of k typical ORB descriptors.

1. ORB descriptors of a few sample images are pooled and clustered with k-means into ``k`` centres, the
   *codebook* (each centre is a "visual word");
2. every descriptor of an image is replaced by its nearest word, and the image becomes a histogram of
   ``k`` counts, whatever its size or number of keypoints;
3. two images are compared by the cosine similarity of their histograms.

ORB descriptors are 256 bits. They are clustered as vectors of 0/1 floats (``np.unpackbits``), where the
squared Euclidean distance between two descriptors is exactly their Hamming distance; the centres are
then averages of bits, between 0 and 1.

The clustering is OpenCV's ``cv2.kmeans`` (k-means++ starts, Lloyd iterations). scikit-learn's ``KMeans`` gives
codebooks as tight (inertia within 0.5 % on the samples) but cost a cold server's first Features page 0.9 s to
import scikit-learn and SciPy and 0.2–2 s for its first fit of 16 words (0.1–1.8 s later ones, its OpenMP
threads contending on a busy 2-core machine); OpenCV, loaded already, took 0.07–0.3 s for 16–64 words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.classical import features
from explorer.core import checks

# Built-in photos pooled for the codebook: varied scenes (a face, a cat, coins, brick, text, a rocket...).
CODEBOOK_SAMPLES: tuple[str, ...] = ("astronaut", "camera", "coins", "chelsea", "coffee", "rocket", "brick", "text")
# Keypoints per image for the bag of words: 300 per image gives ~2300 descriptors in all, enough for
# k-means with up to a few hundred words, and clustering stays well under a second.
BOVW_FEATURES = 300
# Clustering the ~2300 pooled descriptors into 128 words takes under a second, the most a page should wait.
MAX_WORDS = 128
# k-means restarts: the best of 3 seeded runs is steadier than one, at three times the cost.
N_INIT = 3
# Each run stops after this many Lloyd iterations, or once no centre moves more than KMEANS_EPS (in bits):
# scikit-learn's defaults (300, and a tolerance of about this size on 0/1 data).
KMEANS_MAX_ITER = 300
KMEANS_EPS = 1e-4


@dataclass(frozen=True)
class Codebook:
    """The visual words: ``centres`` (k, 256) float32 (mean bits of each cluster), built with ``seed``."""

    centres: np.ndarray
    seed: int

    @property
    def k(self) -> int:
        return len(self.centres)


def _bits(descriptors: np.ndarray) -> np.ndarray:
    """(N, 32) uint8 ORB descriptors -> (N, 256) float32 of 0/1."""
    descriptors = np.asarray(descriptors)
    if descriptors.dtype != np.uint8 or descriptors.ndim != 2 or descriptors.shape[1] != 32:
        raise ValueError(
            f"descriptors must be (N, 32) uint8 ORB descriptors, got {descriptors.dtype} {descriptors.shape}"
        )
    return np.unpackbits(descriptors, axis=1).astype(np.float32)


def descriptors(image: np.ndarray, *, n_features: int = BOVW_FEATURES) -> np.ndarray:
    """ORB descriptors of an image for the bag of words: ``(N, 32) uint8`` (default pyramid)."""
    return features.orb_keypoints(image, n_features=n_features).descriptors


def build_codebook(descriptor_sets: Sequence[np.ndarray], *, k: int, seed: int = 0) -> Codebook:
    """k-means (OpenCV, k-means++ starts seeded by ``seed``, best of :data:`N_INIT`) on all the descriptors of
    ``descriptor_sets`` pooled.

    descriptor_sets: a sequence of (N_i, 32) uint8 arrays. ``k`` must be between 1 and the number of pooled
    descriptors (and at most :data:`MAX_WORDS`). The same input and seed give the same codebook.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be a whole number, got {type(k).__name__}")
    seed = checks.integer("seed", seed, 0, wrong_type=ValueError)
    pooled = (
        np.concatenate([_bits(d) for d in descriptor_sets]) if len(descriptor_sets) else np.zeros((0, 256), np.float32)
    )
    if k < 1:
        raise ValueError(f"k must be at least 1 (the number of visual words), got {k}")
    if k > len(pooled):
        raise ValueError(f"k must be at most the number of descriptors ({len(pooled)}) to cluster, got {k}")
    if k > MAX_WORDS:
        raise ValueError(f"k must be at most {MAX_WORDS}, got {k}")
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, KMEANS_MAX_ITER, KMEANS_EPS)
    # OpenCV keeps one random generator per thread: seeding it here makes this call's starts depend on
    # ``seed`` alone, whatever other sessions' threads do meanwhile.
    cv2.setRNGSeed(int(seed))
    _, _, centres = cv2.kmeans(np.ascontiguousarray(pooled), int(k), None, criteria, N_INIT, cv2.KMEANS_PP_CENTERS)
    return Codebook(centres.astype(np.float32), int(seed))


def assign_words(descriptors: np.ndarray, codebook: Codebook) -> np.ndarray:
    """Index of the nearest visual word (Euclidean on the bits) of each descriptor: ``(N,) int64``."""
    bits = _bits(descriptors)
    if len(bits) == 0:
        return np.zeros(0, np.int64)
    centres = codebook.centres
    # |a - c|^2 = |a|^2 - 2 a.c + |c|^2; |a|^2 is the same for every centre, so it can be left out.
    distances = (centres * centres).sum(axis=1)[None, :] - 2.0 * bits @ centres.T
    return distances.argmin(axis=1).astype(np.int64)


def word_histogram(descriptors: np.ndarray, codebook: Codebook) -> np.ndarray:
    """How many of the image's descriptors fall on each word: ``(k,) int64``, summing to ``N``."""
    return np.bincount(assign_words(descriptors, codebook), minlength=codebook.k).astype(np.int64)


def cosine_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Cosine of the angle between two histograms: 1 same proportions, 0 no word in common.

    An empty histogram (no keypoints) is similar to nothing: 0.
    """
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"histograms must be 1-D of the same length, got shapes {a.shape} and {b.shape}")
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norms) if norms > 0 else 0.0


def rank_by_similarity(query: np.ndarray, histograms: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``histograms`` from most to least similar to ``query`` (cosine), and the similarities.

    Returns ``(order (n,) int64, similarity (n,) float64)``; ties keep the input order.
    """
    similarity = np.array([cosine_similarity(query, h) for h in histograms], dtype=np.float64)
    return np.argsort(-similarity, kind="stable").astype(np.int64), similarity

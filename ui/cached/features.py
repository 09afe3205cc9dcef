"""Cached wrappers over ``explorer.classical.features``, ``explorer.classical.hog``, ``explorer.classical.detection``
and ``explorer.classical.bovw``
for the "Features & detection" page.

Keys are small and stable: the image id and the settings. The image is passed as ``_image`` (not hashed).
Each wrapper returns what the page draws, pictures already encoded, so a rerun with nothing changed
computes and encodes nothing. Big intermediate arrays (the rotated copy, the HOG descriptor) are not kept.

Shared read-only resources (``st.cache_resource``): the Haar cascade, loaded once, and the bag-of-words
codebook per ``(k, seed)``, clustered once for every session.
"""

from __future__ import annotations

import threading
from typing import NamedTuple

import cv2
import numpy as np
import streamlit as st
from PIL import Image

import explorer.classical.hog  # as explorer.classical.hog: the cached wrapper below is named hog
from explorer.classical import bovw, detection, features
from explorer.core import resize
from explorer.core.display import to_display
from explorer.images import samples
from ui.cached.shared import encode

# A session flips between a handful of settings; 32 results of at most a few hundred kB (encoded pictures,
# small arrays) keep the recent ones warm without letting one session hold much memory.
MAX_RESULTS = 32
# Pictures wider than this are shrunk before encoding: the page's columns are narrower, and the match
# picture of a 1024 px image next to its 2x rotated copy would otherwise be ~4000 px wide.
PICTURE_MAX_WIDTH = 1600
# HOG runs on a copy at most this many pixels on the long side: 512 px with 8 px cells already gives
# 64 x 64 glyphs, more than a screen shows, and skimage's HOG of a 1024 px image takes ~0.4 s.
HOG_MAX_SIDE = 512
# opencv/opencv#4287: one CascadeClassifier must not scan two images at once, and sessions run in threads.
_CASCADE_LOCK = threading.Lock()


class OrbView(NamedTuple):
    found: int  # keypoints
    levels_used: int
    per_level: tuple[int, ...]
    picture: bytes


class MatchView(NamedTuple):
    first: int
    second: int
    matches: int
    right: int
    median_error: float
    copy_shape: tuple[int, int]
    picture: bytes


class HogView(NamedTuple):
    shape: tuple[int, int]
    cells: tuple[int, int]
    blocks: tuple[int, int]
    length: int
    formula_length: int
    picture: bytes


class FacesView(NamedTuple):
    boxes: tuple[tuple[int, int, int, int], ...]
    picture: bytes


class BovwView(NamedTuple):
    histogram: tuple[int, ...]
    names: tuple[str, ...]
    similarity: tuple[float, ...]
    order: tuple[int, ...]


def _jpeg(picture: np.ndarray) -> bytes:
    """A drawn photo as JPEG bytes, shrunk to :data:`PICTURE_MAX_WIDTH` when wider."""
    if picture.shape[1] > PICTURE_MAX_WIDTH:
        height = max(1, round(picture.shape[0] * PICTURE_MAX_WIDTH / picture.shape[1]))
        picture = np.array(Image.fromarray(picture).resize((PICTURE_MAX_WIDTH, height), Image.Resampling.LANCZOS))
    return encode(picture, format="JPEG")


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def orb(image_id: str, n_features: int, scale_factor: float, n_levels: int, _image: np.ndarray) -> OrbView:
    """``features.orb_keypoints`` + ``features.draw_keypoints``."""
    found = features.orb_keypoints(_image, n_features=n_features, scale_factor=scale_factor, n_levels=n_levels)
    picture = _jpeg(features.draw_keypoints(_image, found))
    return OrbView(len(found), found.levels_used, tuple(int(c) for c in found.per_level()), picture)


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def matches(
    image_id: str,
    angle: float,
    scale: float,
    n_features: int,
    scale_factor: float,
    n_levels: int,
    method: str,
    ratio: float,
    _image: np.ndarray,
) -> MatchView:
    """``features.match_rotated_copy`` + ``features.draw_matches`` (the copy itself is not kept)."""
    result = features.match_rotated_copy(
        _image,
        angle=angle,
        scale=scale,
        n_features=n_features,
        scale_factor=scale_factor,
        n_levels=n_levels,
        method=method,
        ratio=ratio,
    )
    return MatchView(
        len(result.first),
        len(result.second),
        len(result.pairs),
        result.n_right,
        result.median_error,
        result.copy.shape[:2],
        _jpeg(features.draw_matches(_image, result)),
    )


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def hog(image_id: str, orientations: int, cell_size: int, block_size: int, _image: np.ndarray) -> HogView:
    """``explorer.classical.hog.hog`` on a copy of at most :data:`HOG_MAX_SIDE` px, and its glyph picture as PNG
    bytes."""
    small = resize.fit_within(_image, max_side=HOG_MAX_SIDE)
    result = explorer.classical.hog.hog(small, orientations=orientations, cell_size=cell_size, block_size=block_size)
    glyph = int(min(max(2 * cell_size, 8), 64))  # the picture is about twice the working copy's size
    picture = encode(to_display(explorer.classical.hog.hog_picture(result, glyph_size=glyph), mode="clip"))
    formula = explorer.classical.hog.hog_length(
        small.shape, orientations=orientations, cell_size=cell_size, block_size=block_size
    )
    return HogView(
        small.shape[:2], result.cell_histograms.shape[:2], result.blocks, len(result.descriptor), formula, picture
    )


@st.cache_resource(show_spinner=False)
def face_cascade() -> cv2.CascadeClassifier:
    """OpenCV's frontal-face cascade, loaded once and shared by every session (use under the lock)."""
    return detection.face_cascade()


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def faces(image_id: str, scale_factor: float, min_neighbors: int, min_size: int, _image: np.ndarray) -> FacesView:
    """``detection.detect_faces`` with the shared cascade + ``detection.draw_boxes``."""
    with _CASCADE_LOCK:
        boxes = detection.detect_faces(
            _image,
            classifier=face_cascade(),
            scale_factor=scale_factor,
            min_neighbors=min_neighbors,
            min_size=min_size,
        )
    picture = _jpeg(detection.draw_boxes(_image, boxes))
    return FacesView(tuple((int(x), int(y), int(w), int(h)) for x, y, w, h in boxes), picture)


@st.cache_resource(show_spinner=False)
def _sample_descriptors() -> tuple[np.ndarray, ...]:
    """ORB descriptors of :data:`bovw.CODEBOOK_SAMPLES`, computed once (read-only)."""
    sets = tuple(bovw.descriptors(samples.load_sample(name)) for name in bovw.CODEBOOK_SAMPLES)
    for descriptors in sets:
        descriptors.setflags(write=False)
    return sets


@st.cache_resource(show_spinner=False, max_entries=8)
def codebook(k: int, seed: int) -> tuple[bovw.Codebook, np.ndarray]:
    """The codebook for ``(k, seed)`` and the samples' word histograms ``(n_samples, k)``, both read-only."""
    sets = _sample_descriptors()
    book = bovw.build_codebook(sets, k=k, seed=seed)
    book.centres.setflags(write=False)
    histograms = np.stack([bovw.word_histogram(d, book) for d in sets])
    histograms.setflags(write=False)
    return book, histograms


@st.cache_data(max_entries=MAX_RESULTS, show_spinner=False)
def bag_of_words(image_id: str, k: int, seed: int, _image: np.ndarray) -> BovwView:
    """The image's word histogram and its cosine similarity to each sample's, most similar first."""
    book, histograms = codebook(k, seed)
    histogram = bovw.word_histogram(bovw.descriptors(_image), book)
    order, similarity = bovw.rank_by_similarity(histogram, list(histograms))
    return BovwView(
        tuple(int(c) for c in histogram),
        bovw.CODEBOOK_SAMPLES,
        tuple(float(s) for s in similarity),
        tuple(int(i) for i in order),
    )


def sample_histogram(k: int, seed: int, name: str) -> tuple[int, ...]:
    """One sample's word histogram from the shared codebook resource."""
    _, histograms = codebook(k, seed)
    return tuple(int(c) for c in histograms[bovw.CODEBOOK_SAMPLES.index(name)])

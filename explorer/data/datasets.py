"""Labelled image collections for training a small network, all in one format.

A :class:`Dataset` holds ``images (N, C, H, W) float32`` in ``[0, 1]`` (the layout networks take; ``C`` is 1
for gray, 3 for RGB), ``labels (N,) int64`` in ``0 .. n_classes - 1`` and the class names. It splits itself
into train and test sets (stratified, deterministic given a seed), counts its classes and draws a preview.

Where the data sets come from:

- :func:`digits`: scikit-learn's 8×8 handwritten digits (offline), optionally enlarged for deeper networks;
  :func:`digits_raw` keeps their original ``0..16`` ink counts, and :func:`drawing_to_digit` turns a drawing
  into that format so it can be compared with them;
- ``explorer.data.shapes.make_shapes``: a synthetic set of stripes and simple shapes;
- ``explorer.data.own_images``: the user's own pictures (a ZIP with a folder per class, or files per class);
- ``explorer.data.torchvision_sets``: MNIST, Fashion-MNIST and CIFAR-10, downloaded once when online.

This module does not import torch: arrays convert with ``torch.tensor(dataset.images)`` (a copy; the arrays
here are read-only so that a data set shared between sessions cannot be changed by one of them).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.core import checks, dtype, resize
from explorer.images import digits as _digits

# Sizes digits() offers: 8 is the original; 16 for a network with one pooling step; 28 matches MNIST;
# 32 matches CIFAR-10, so a network built for either takes the digits unchanged.
DIGIT_SIZES = (8, 16, 28, 32)
DIGIT_INK_MAX = _digits.INK_MAX  # 16: each 8×8 cell counted the inked pixels of a 4×4 block
# A pixel counts as ink in drawing_to_digit when it differs from the background by more than this: low
# enough for light pencil strokes, high enough to ignore JPEG noise and faint antialiasing.
INK_THRESHOLD = 0.1
# preview() draws at most this many images per class: a row of the grid has to fit on a page.
MAX_PREVIEW_PER_CLASS = 32
# Separators between preview cells: mid-gray reads as "not part of any image" on dark and light data alike.
PREVIEW_GAP_VALUE = 128
MAX_PREVIEW_GAP = 8


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value; identity is what counts
class Dataset:
    """A labelled set of images.

    name : a short title for people ("Digits 28×28").
    images : ``(N, C, H, W) float32`` in ``[0, 1]``, ``C`` in ``(1, 3)``; stored read-only.
    labels : ``(N,) int64``, each in ``0 .. len(class_names) - 1``; stored read-only.
    class_names : one plain-text name per class (never HTML), distinct.
    """

    name: str
    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        images = np.asarray(self.images)
        if images.dtype != np.float32:
            raise TypeError(f"images must be float32, got {images.dtype}")
        if images.ndim != 4 or images.shape[1] not in (1, 3) or 0 in images.shape:
            raise ValueError(f"images must be (N, C, H, W) with C 1 or 3 and no empty axis, got {images.shape}")
        if not np.all(np.isfinite(images)) or images.min() < 0.0 or images.max() > 1.0:
            raise ValueError("images must hold finite values in [0, 1]")
        labels = np.asarray(self.labels)
        if not np.issubdtype(labels.dtype, np.integer) or labels.shape != (len(images),):
            raise ValueError(f"labels must be integers of shape ({len(images)},), got {labels.dtype} {labels.shape}")
        names = self.class_names
        if isinstance(names, str) or not all(isinstance(n, str) and n for n in names):
            raise TypeError("class_names must be a sequence of non-empty strings")
        names = tuple(names)
        if len(set(names)) != len(names):
            raise ValueError(f"class_names must be distinct, got {names}")
        if labels.min() < 0 or labels.max() >= len(names):
            raise ValueError(f"labels must be in 0..{len(names) - 1}, got {labels.min()}..{labels.max()}")
        object.__setattr__(self, "images", _read_only(images))
        object.__setattr__(self, "labels", _read_only(labels.astype(np.int64, copy=False)))
        object.__setattr__(self, "class_names", names)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return tuple(self.images.shape[1:])

    def counts(self) -> dict[str, int]:
        """Images per class, in class order: ``{class_name: count}`` (a class may have 0)."""
        per_class = np.bincount(self.labels, minlength=self.n_classes)
        return {name: int(count) for name, count in zip(self.class_names, per_class)}

    def subset(self, indices: Sequence[int] | np.ndarray, *, name: str | None = None) -> Dataset:
        """The images at ``indices`` (in that order), with the same class names."""
        indices = np.asarray(indices)
        if indices.ndim != 1 or not (indices.size == 0 or np.issubdtype(indices.dtype, np.integer)):
            raise ValueError(f"indices must be a 1-D array of integers, got {indices.dtype} {indices.shape}")
        if indices.size == 0:
            raise ValueError("indices must select at least one image, got none")
        if indices.min() < -len(self) or indices.max() >= len(self):
            raise ValueError(f"indices must be in 0..{len(self) - 1}, got {indices.min()}..{indices.max()}")
        return Dataset(
            name if name is not None else self.name, self.images[indices], self.labels[indices], self.class_names
        )

    def split(self, test_fraction: float = 0.2, *, seed: int = 0) -> tuple[Dataset, Dataset]:
        """Stratified train/test split: ``(train, test)``, both in the original order.

        Each class puts ``round(count * test_fraction)`` of its images (at least 1, and at least 1 left for
        training) into the test set, chosen by ``numpy.random.default_rng(seed)``: the same seed always
        gives the same split. Every class needs at least 2 images.
        """
        test_fraction = checks.number("test_fraction", test_fraction, 0.0, 1.0, low_open=True, high_open=True)
        seed = checks.integer("seed", seed, 0)
        rng = np.random.default_rng(seed)
        test = []
        for label, name in enumerate(self.class_names):
            members = np.flatnonzero(self.labels == label)
            if len(members) < 2:
                raise ValueError(f"class {name!r} has {len(members)} image(s); splitting needs at least 2 per class")
            n_test = min(len(members) - 1, max(1, round(len(members) * test_fraction)))
            test.append(rng.permutation(members)[:n_test])
        is_test = np.zeros(len(self), dtype=bool)
        is_test[np.concatenate(test)] = True
        return (
            self.subset(np.flatnonzero(~is_test), name=f"{self.name} (train)"),
            self.subset(np.flatnonzero(is_test), name=f"{self.name} (test)"),
        )

    def preview(self, *, per_class: int = 8, gap: int = 0) -> np.ndarray:
        """The first ``per_class`` images of each class as one picture, a row per class in class order.

        Returns ``(n_classes * (H + gap) - gap, per_class * (W + gap) - gap) uint8`` for gray images,
        ``(..., 3) uint8`` for colour. ``gap`` pixels of mid-gray (:data:`PREVIEW_GAP_VALUE`) separate the cells,
        so tiny images don't run into each other. Cells of a class with fewer images stay black.
        """
        per_class = checks.integer("per_class", per_class, 1, MAX_PREVIEW_PER_CLASS)
        gap = checks.integer("gap", gap, 0, MAX_PREVIEW_GAP)
        channels, rows, cols = self.image_shape
        grid = np.full(
            (self.n_classes, per_class, channels, rows + gap, cols + gap), PREVIEW_GAP_VALUE / 255.0, dtype=np.float32
        )
        grid[:, :, :, :rows, :cols] = 0.0
        for label in range(self.n_classes):
            first = np.flatnonzero(self.labels == label)[:per_class]
            grid[label, : len(first), :, :rows, :cols] = self.images[first]
        # (classes, per_class, C, H+g, W+g) -> (classes, H+g, per_class, W+g, C) -> one picture, last gap cut off
        mosaic = grid.transpose(0, 3, 1, 4, 2).reshape(
            self.n_classes * (rows + gap), per_class * (cols + gap), channels
        )
        mosaic = mosaic[: mosaic.shape[0] - gap, : mosaic.shape[1] - gap]
        mosaic = dtype.to_uint8(mosaic)
        return mosaic[:, :, 0] if channels == 1 else mosaic


def digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's digits in their own format: ``images (1797, 8, 8) float32`` in ``0..16``, ``labels (1797,)
    int64``. Drawings preprocessed by :func:`drawing_to_digit` are in this format too."""
    images, labels = _digits.load()
    return images.astype(np.float32), labels


def digits(*, size: int = 8) -> Dataset:
    """scikit-learn's digits as a :class:`Dataset`: ``(1797, 1, size, size)``, ink bright (value / 16).

    ``size`` is one of :data:`DIGIT_SIZES`; above 8 the images are enlarged by bilinear interpolation
    (``cv2.INTER_LINEAR``, pixel centres aligned as in ``skimage.transform.resize(order=1)``).
    """
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size not in DIGIT_SIZES:
        raise ValueError(f"size must be one of {DIGIT_SIZES}, got {size!r}")
    images, labels = digits_raw()
    images = images / np.float32(DIGIT_INK_MAX)
    if size != 8:
        images = np.stack([cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR) for image in images])
    images = np.clip(images, 0.0, 1.0)[:, None]  # (1797, 1, size, size)
    return Dataset(f"Digits {size}×{size}", images.astype(np.float32), labels, tuple(str(d) for d in range(10)))


def _ink(image: np.ndarray) -> np.ndarray:
    """Any drawing to ``(H, W) float32`` ink in ``[0, 1]`` (1 = full ink), background removed."""
    values = dtype.to_float(image)  # checks the type and dtype; uint8 / 255 (the one dtype rule)
    if values.ndim not in (2, 3) or (values.ndim == 3 and values.shape[2] not in (1, 3, 4)) or 0 in values.shape:
        raise ValueError(f"image must be (H, W), (H, W, 3) or (H, W, 4), got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("image must hold finite values")
    values = np.clip(values, 0.0, 1.0)
    if values.ndim == 3 and values.shape[2] == 4 and values[:, :, 3].min() < 1.0:
        return values[:, :, 3]  # a canvas with a transparent background: what was painted is opaque
    gray = values[:, :, :3].mean(axis=2) if values.ndim == 3 else values
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    # Whichever way round (dark on light paper, light on a dark canvas), ink is the distance from background.
    return np.abs(gray - background) / max(background, 1.0 - background)


def ink_square(image: np.ndarray) -> np.ndarray:
    """A drawing's ink, cropped to its bounding box and padded to a square: ``(S, S) float32`` in ``[0, 1]``.

    image : as for :func:`drawing_to_digit`. Ink is the distance from the background (the median of the border
        pixels), or the opacity when the picture has transparent pixels; the box holds the pixels beyond
        :data:`INK_THRESHOLD`. The shorter side is padded equally on both sides with no ink, so the drawing
        keeps its aspect and sits in the middle. A blank drawing raises ``ValueError``.
    """
    ink = _ink(image)
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    if rows.size == 0:
        raise ValueError("image holds no drawing: draw something first")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    square = np.zeros((side, side), dtype=np.float32)
    square[top : top + height, left : left + width] = crop
    return square


def drawing_to_digit(image: np.ndarray) -> np.ndarray:
    """A drawn digit to scikit-learn's digit format: ``(8, 8) float32`` in ``0..16``.

    image : ``(H, W)`` or ``(H, W, 3)`` ``uint8`` or float in ``[0, 1]``, dark ink on light or light ink on
        dark (the background is the median of the border pixels); or ``(H, W, 4)`` whose transparent pixels
        are the background (as a drawing canvas returns), in which case opacity is the ink.

    Steps: crop to the bounding box of the ink and pad it to a square (:func:`ink_square`), average over 8×8
    equal areas (``cv2.INTER_AREA``), then scale so the strongest cell is 16 — as in the data set, where 98% of
    the digits have at least one full cell. A blank drawing raises ``ValueError``.
    """
    square = ink_square(image)
    if len(square) < 8:  # INTER_AREA only averages when shrinking: enlarge tiny drawings by whole pixels first
        square = resize.enlarge(square, factor=8)
    small = cv2.resize(square, (8, 8), interpolation=cv2.INTER_AREA)
    return (small / small.max() * np.float32(DIGIT_INK_MAX)).astype(np.float32)  # max exactly 16

"""Face detection with the Haar cascade that ships with OpenCV (Viola & Jones, 2001).

A cascade slides a window over the image at many sizes. Each window goes through stages of simple
light-dark rectangle tests (Haar features); most windows fail an early stage and cost almost nothing,
and a window that passes every stage is a candidate face. Nearby candidates are then grouped:
``min_neighbors`` is how many overlapping candidates a group needs to be reported.

Boxes are ``(N, 4) int32`` rows of ``(top, left, rows, cols)`` in the input image's pixels.

A ``cv2.CascadeClassifier`` is not safe to use from two threads at once (opencv/opencv#4287): callers that
share one between threads (a web app's sessions) must hold a lock around :func:`detect_faces`.
"""

from __future__ import annotations

import functools
import os

import cv2
import numpy as np

from explorer.core import checks
from explorer.core.picture import check_image, gray_uint8, rgb_picture
from explorer.core.resize import fit_within

CASCADE_FILE = "haarcascade_frontalface_default.xml"
# Each step of the scan enlarges the window by scale_factor: 1.01 already scans ~10x more sizes than the
# usual 1.1, and above 2 faces between two window sizes are missed.
MIN_SCALE_FACTOR, MAX_SCALE_FACTOR = 1.01, 2.0
# Beyond ~50 overlapping candidates hardly any real face is still reported.
MAX_MIN_NEIGHBORS = 50
# The cascade's own window is 24 x 24 px; nothing smaller can be found.
CASCADE_WINDOW = 24
# Detection runs on a copy at most this many pixels on the long side (boxes are scaled back): the scan of a
# 1024 px photo takes a few times longer than of a 640 px one, and faces in workshop photos stay well above
# the cascade's 24 px window at that size.
DETECT_MAX_SIDE = 640
BOX_COLOUR = (255, 127, 14)  # orange: visible on skin, sky and gray alike


@functools.lru_cache(maxsize=1)
def face_cascade() -> cv2.CascadeClassifier:
    """OpenCV's bundled frontal-face cascade, loaded once per process (about 1 MB of XML)."""
    path = os.path.join(cv2.data.haarcascades, CASCADE_FILE)
    classifier = cv2.CascadeClassifier(path)
    if classifier.empty():
        raise FileNotFoundError(f"the Haar cascade {CASCADE_FILE} could not be loaded from {path}")
    return classifier


def detect_faces(
    image: np.ndarray,
    *,
    classifier: cv2.CascadeClassifier | None = None,
    scale_factor: float = 1.1,
    min_neighbors: int = 5,
    min_size: int = 30,
    max_side: int = DETECT_MAX_SIDE,
) -> np.ndarray:
    """Faces found by ``classifier.detectMultiScale`` (default: :func:`face_cascade`).

    image: (H, W) or (H, W, 3), uint8 or float32 in [0, 1]; used in gray. When its long side exceeds
    ``max_side`` the scan runs on a shrunk copy. ``min_size`` (pixels of the input image) is the smallest
    face looked for. Returns ``(N, 4) int32`` boxes ``(top, left, rows, cols)`` in the input's pixels,
    largest first; ``N`` may be 0.
    """
    scale_factor = checks.number("scale_factor", scale_factor, wrong_type=TypeError)
    if not MIN_SCALE_FACTOR <= scale_factor <= MAX_SCALE_FACTOR:
        raise ValueError(
            f"scale_factor must be greater than 1 (between {MIN_SCALE_FACTOR} and {MAX_SCALE_FACTOR}: the "
            f"window grows by this factor at each step), got {scale_factor}"
        )
    if isinstance(min_neighbors, int) and not isinstance(min_neighbors, bool) and min_neighbors < 0:
        raise ValueError(f"min_neighbors must be 0 or more, got {min_neighbors}")
    min_neighbors = checks.integer("min_neighbors", min_neighbors, 0, MAX_MIN_NEIGHBORS)
    min_size = checks.integer("min_size", min_size, 1, 10_000)
    max_side = checks.integer("max_side", max_side, CASCADE_WINDOW, 100_000)
    full = gray_uint8(image)
    rows, cols = full.shape
    gray = fit_within(full, max_side=max_side)
    shrink = gray.shape[1] / cols
    window = max(CASCADE_WINDOW, int(round(min_size * shrink)))
    if min(gray.shape) < window:
        return np.zeros((0, 4), np.int32)
    classifier = face_cascade() if classifier is None else classifier
    found = classifier.detectMultiScale(
        gray, scaleFactor=scale_factor, minNeighbors=min_neighbors, minSize=(window, window)
    )
    if len(found) == 0:
        return np.zeros((0, 4), np.int32)
    x, y, w, h = np.asarray(found, dtype=np.float64).T
    to_rows, to_cols = rows / gray.shape[0], cols / gray.shape[1]  # back to the input's pixels
    x, w, y, h = x * to_cols, w * to_cols, y * to_rows, h * to_rows
    boxes = np.column_stack([y, x, h, w]).round().astype(np.int32)
    boxes[:, 2] = np.minimum(boxes[:, 2], rows - boxes[:, 0])  # rounding must not push a box off the image
    boxes[:, 3] = np.minimum(boxes[:, 3], cols - boxes[:, 1])
    return boxes[np.argsort(-(boxes[:, 2] * boxes[:, 3]), kind="stable")]


def draw_boxes(image: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """The image as ``(H, W, 3) uint8`` with each ``(top, left, rows, cols)`` box outlined."""
    picture = rgb_picture(check_image(image))
    # Lines about 1/200 of the image wide: visible on a 1024 px photo, not heavy on a 256 px one.
    thickness = max(1, round(max(picture.shape[:2]) / 200))
    for top, left, height, width in np.asarray(boxes, dtype=np.int64).reshape(-1, 4):
        cv2.rectangle(
            picture, (int(left), int(top)), (int(left + width - 1), int(top + height - 1)), BOX_COLOUR, thickness
        )
    return picture

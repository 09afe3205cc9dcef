"""explorer.classical.detection: the bundled Haar cascade against a direct OpenCV call and a known face position."""

import os

import cv2
import numpy as np
import pytest

from explorer.classical import detection


@pytest.fixture(scope="module")
def reference_cascade() -> cv2.CascadeClassifier:
    return cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml"))


def test_astronaut_has_exactly_one_face_around_her_face(astronaut):
    boxes = detection.detect_faces(astronaut)
    assert boxes.shape == (1, 4) and boxes.dtype == np.int32
    top, left, rows, cols = boxes[0]
    # Her face, read off the picture by hand: eyes near row 105 (columns ~205 and ~245), mouth near row 140.
    for row, col in ((105, 205), (105, 245), (140, 225)):
        assert top <= row < top + rows and left <= col < left + cols
    assert 60 <= rows <= 140 and rows == cols  # the cascade's window is square


def test_agrees_with_opencv_called_directly(astronaut, reference_cascade):
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    for neighbours in (0, 3):
        expected = reference_cascade.detectMultiScale(gray, scaleFactor=1.2, minNeighbors=neighbours, minSize=(30, 30))
        boxes = detection.detect_faces(astronaut, scale_factor=1.2, min_neighbors=neighbours, min_size=30)
        # OpenCV gives (x, y, w, h); ours is (top, left, rows, cols), largest first.
        swapped = {(int(y), int(x), int(h), int(w)) for x, y, w, h in expected}
        assert {tuple(map(int, b)) for b in boxes} == swapped


def test_fewer_neighbours_finds_more(astronaut):
    assert len(detection.detect_faces(astronaut, min_neighbors=0)) > len(
        detection.detect_faces(astronaut, min_neighbors=5)
    )


@pytest.mark.parametrize(
    "image", [np.full((200, 200), 0.5, np.float32), np.zeros((1, 1, 3), np.uint8), np.zeros((1, 900), np.uint8)]
)
def test_flat_and_tiny_images_have_no_faces(image):
    boxes = detection.detect_faces(image)
    assert boxes.shape == (0, 4)


def test_large_images_are_scanned_at_the_working_size(astronaut, reference_cascade):
    big = cv2.resize(astronaut, (800, 800), interpolation=cv2.INTER_LINEAR)
    boxes = detection.detect_faces(big, max_side=400, min_size=30)
    # Reference: shrink to 400 px ourselves, detect, scale the boxes by 2.
    small = cv2.cvtColor(cv2.resize(big, (400, 400), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    expected = reference_cascade.detectMultiScale(small, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    assert {tuple(map(int, b)) for b in boxes} == {(2 * y, 2 * x, 2 * h, 2 * w) for x, y, w, h in expected}


def test_draw_boxes_outlines_each_box(astronaut):
    picture = detection.draw_boxes(astronaut, np.array([[10, 20, 30, 40]]))
    assert picture.shape == astronaut.shape and picture.dtype == np.uint8
    assert tuple(picture[10, 30]) == detection.BOX_COLOUR  # top edge
    assert tuple(picture[25, 59]) == detection.BOX_COLOUR  # right edge: column 20 + 40 - 1
    assert tuple(picture[25, 35]) == tuple(astronaut[25, 35])  # inside untouched


def test_the_cascade_is_loaded_once():
    assert detection.face_cascade() is detection.face_cascade()
    assert not detection.face_cascade().empty()


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"scale_factor": 1.0}, ValueError, "scale_factor must be greater than 1"),
        ({"scale_factor": 0.9}, ValueError, "scale_factor must be greater than 1"),
        ({"min_neighbors": -1}, ValueError, "min_neighbors must be 0 or more, got -1"),
        ({"min_neighbors": 2.5}, TypeError, r"min_neighbors must be an integer from 0 to 50, got 2.5 \(float\)"),
        ({"min_size": 0}, ValueError, "min_size must be from 1 to 10000, got 0"),
    ],
)
def test_bad_settings(kwargs, error, message):
    with pytest.raises(error, match=message):
        detection.detect_faces(np.zeros((64, 64), np.float32), **kwargs)

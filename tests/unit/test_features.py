"""explorer.classical.features: ORB keypoints against OpenCV and a checkerboard's known corners, matching against a
known transform (np.rot90 as the reference for 90 degrees)."""

import dataclasses
import math

import cv2
import numpy as np
import pytest

from explorer.classical import features
from explorer.images import samples


# ------------------------------------------------------------------------------------------------- ORB
def test_orb_finds_the_checkerboard_corners():
    board = samples.checkerboard(size=256, squares=8)  # squares of 32 px: inner corners at 32, 64, ..., 224
    found = features.orb_keypoints(board, n_features=500)
    assert len(found) > 20
    corners = np.arange(32, 256, 32, dtype=np.float32)
    # Distance of each keypoint to the nearest inner corner (hand-made grid), in pixels.
    d_row = np.abs(found.points[:, :1] - corners[None, :]).min(axis=1)
    d_col = np.abs(found.points[:, 1:] - corners[None, :]).min(axis=1)
    distance = np.hypot(d_row, d_col)
    # Keypoints of coarse pyramid levels are placed to a few pixels; most sit right on a corner.
    assert np.mean(distance <= 8.0) >= 0.9, np.percentile(distance, [50, 90, 100])


def test_orb_finds_nothing_on_a_flat_image():
    found = features.orb_keypoints(np.full((128, 128), 0.5, np.float32))
    assert len(found) == 0
    assert found.points.shape == (0, 2) and found.descriptors.shape == (0, 32)
    assert found.descriptors.dtype == np.uint8
    assert found.per_level().sum() == 0


@pytest.mark.parametrize("shape", [(1, 1), (1, 1024), (40, 40, 3), (62, 500)])
def test_orb_on_tiny_images_finds_nothing_without_failing(shape):
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    found = features.orb_keypoints(image)
    assert len(found) == 0  # shorter side below 2 * 31 + 1 px: no room for ORB's patch and border


def test_orb_levels_that_do_not_fit_are_skipped():
    image = np.random.default_rng(1).random((100, 100), dtype=np.float32)
    # 100 / 2**0 = 100 >= 63, 100 / 2 = 50 < 63: only one level fits. (OpenCV itself fails on 16 levels.)
    found = features.orb_keypoints(image, scale_factor=2.0, n_levels=16)
    assert found.levels_used == 1
    assert set(found.levels.tolist()) <= {0}


def test_orb_agrees_with_opencv_in_row_col_order(astronaut):
    found = features.orb_keypoints(astronaut, n_features=300, scale_factor=1.3, n_levels=6)
    gray = cv2.cvtColor(astronaut, cv2.COLOR_RGB2GRAY)
    reference, descriptors = cv2.ORB_create(300, 1.3, 6).detectAndCompute(gray, None)
    assert len(found) == len(reference) == 300
    expected = np.array([(k.pt[1], k.pt[0]) for k in reference], np.float32)  # (row, col) = (y, x)
    # The gray conversions may differ by one level at a few pixels; most keypoints are identical.
    same = np.isin([tuple(p) for p in found.points.round(1)], [tuple(p) for p in expected.round(1)])
    assert np.mean(same) > 0.9
    assert found.descriptors.shape == (300, 32) and found.descriptors.dtype == np.uint8


def test_draw_keypoints_draws_on_a_copy(astronaut):
    found = features.orb_keypoints(astronaut, n_features=50)
    before = astronaut.copy()
    picture = features.draw_keypoints(astronaut, found)
    np.testing.assert_array_equal(astronaut, before)
    assert picture.shape == astronaut.shape and picture.dtype == np.uint8
    # Every keypoint's radius line starts at its centre: each centre pixel took its level's colour (blended).
    for row, col in found.points.round().astype(int):
        assert not np.array_equal(picture[row, col], astronaut[row, col])


# -------------------------------------------------------------------------------------------- matching
def test_rotate_90_is_numpy_rot90():
    image = np.random.default_rng(2).random((30, 50), dtype=np.float32)
    copy, matrix = features.rotate_and_scale(image, angle=90, scale=1.0)
    assert copy.shape == (50, 30)
    np.testing.assert_allclose(copy, np.rot90(image, 1), atol=1e-5)  # counter-clockwise, on screen
    # A (row, col) point goes where rot90 puts it: (cols - 1 - col, row).
    np.testing.assert_allclose(features.map_points(np.array([[3.0, 7.0]]), matrix), [[50 - 1 - 7, 3]], atol=1e-6)


def test_rotated_copy_keeps_the_whole_image():
    image = np.ones((100, 200, 3), np.float32)
    copy, matrix = features.rotate_and_scale(image, angle=45, scale=0.5)
    # Hand-computed: the rotated 100 x 200 box scaled by 0.5 spans (100 + 200) * cos 45 * 0.5 ≈ 106 px each way.
    assert abs(copy.shape[0] - 107) <= 1 and abs(copy.shape[1] - 107) <= 1 and copy.shape[2] == 3
    corners = features.map_points(np.array([[0, 0], [0, 199], [99, 0], [99, 199]], float), matrix)
    assert corners.min() >= -1e-6 and corners[:, 0].max() <= copy.shape[0] - 1 + 1e-6


def test_matching_a_rotated_copy_gives_mostly_right_matches(astronaut):
    result = features.match_rotated_copy(astronaut, angle=90, scale=1.0, n_features=500)
    assert len(result.pairs) > 100
    # The reference transform, by hand: rot90 moves (row, col) to (511 - col, row).
    a = result.first.points[result.pairs[:, 0]]
    b = result.second.points[result.pairs[:, 1]]
    expected = np.column_stack([511 - a[:, 1], a[:, 0]])
    errors = np.linalg.norm(b - expected, axis=1)
    np.testing.assert_allclose(result.errors, errors, atol=1e-3)
    assert np.array_equal(result.right, errors <= features.MATCH_TOLERANCE_PX)
    assert result.n_right / len(result.pairs) > 0.8


def test_median_error_by_hand(astronaut):
    result = features.match_rotated_copy(astronaut, angle=90, scale=1.0, n_features=200)
    assert dataclasses.replace(result, errors=np.array([4.0, 1.0, 2.0], np.float32)).median_error == 2.0
    assert dataclasses.replace(result, errors=np.array([4.0, 1.0], np.float32)).median_error == 2.5
    assert math.isnan(dataclasses.replace(result, errors=np.zeros(0, np.float32)).median_error)


@pytest.mark.parametrize("method", features.MATCHERS)
def test_matching_rotated_and_scaled_copy(astronaut, method):
    result = features.match_rotated_copy(astronaut, angle=30, scale=0.8, method=method)
    assert result.n_right / len(result.pairs) > 0.8


def test_cross_check_recovers_a_shuffled_copy():
    descriptors = np.random.default_rng(3).integers(0, 256, (40, 32), dtype=np.uint8)
    order = np.random.default_rng(4).permutation(40)
    pairs, distances = features.match_descriptors(descriptors, descriptors[order])
    assert len(pairs) == 40 and np.all(distances == 0)
    np.testing.assert_array_equal(order[pairs[:, 1]], pairs[:, 0])


def test_ratio_test_drops_ambiguous_matches():
    query = np.zeros((1, 32), np.uint8)
    near_a = np.zeros((1, 32), np.uint8)
    near_a[0, 0] = 0b1  # 1 bit away
    near_b = np.zeros((1, 32), np.uint8)
    near_b[0, 1] = 0b1  # also 1 bit away: no clear winner
    far = np.full((1, 32), 255, np.uint8)
    pairs, _ = features.match_descriptors(query, np.concatenate([near_a, near_b]), method="ratio")
    assert len(pairs) == 0
    pairs, distances = features.match_descriptors(query, np.concatenate([far, near_a]), method="ratio")
    np.testing.assert_array_equal(pairs, [[0, 1]])
    assert distances[0] == 1


def test_matching_with_no_keypoints_is_empty():
    result = features.match_rotated_copy(np.zeros((100, 100), np.float32), angle=10, scale=1.0)
    assert len(result.pairs) == 0 and result.n_right == 0 and result.pairs.shape == (0, 2)
    picture = features.draw_matches(np.zeros((100, 100), np.float32), result)
    assert picture.dtype == np.uint8 and picture.shape[1] == 100 + result.copy.shape[1]


# ------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_features": 0}, "n_features must be at least 1, got 0"),
        ({"n_features": -5}, "n_features must be at least 1, got -5"),
        ({"scale_factor": 1.0}, "scale_factor must be greater than 1"),
        ({"scale_factor": 0.5}, "scale_factor must be greater than 1"),
        ({"n_levels": 0}, "n_levels must be from 1 to 16, got 0"),
    ],
)
def test_orb_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        features.orb_keypoints(np.zeros((64, 64), np.float32), **kwargs)


def test_bad_input_messages():
    with pytest.raises(TypeError, match="image must be a numpy array, got list"):
        features.orb_keypoints([[0.0]])
    with pytest.raises(ValueError, match=r"image must be \(H, W\) gray or \(H, W, 3\) RGB, got shape \(4, 4, 2\)"):
        features.orb_keypoints(np.zeros((4, 4, 2), np.float32))
    with pytest.raises(ValueError, match="scale must be between 0.25 and 2.0, got 3.0"):
        features.rotate_and_scale(np.zeros((8, 8), np.float32), angle=0, scale=3.0)
    with pytest.raises(ValueError, match="angle must be a finite number, got nan"):
        features.rotate_and_scale(np.zeros((8, 8), np.float32), angle=float("nan"), scale=1.0)
    with pytest.raises(ValueError, match="method must be one of cross-check, ratio; got 'knn'"):
        features.match_descriptors(np.zeros((1, 32), np.uint8), np.zeros((1, 32), np.uint8), method="knn")

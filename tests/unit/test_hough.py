"""explorer.classical.hough against scikit-image's accumulator and against lines and circles drawn at known places."""

import math

import cv2
import numpy as np
import pytest
from skimage.transform import hough_line

from explorer.classical import edges, hough


def _line_mask(shape: tuple[int, int], rho: float, theta_degrees: float) -> np.ndarray:
    """Pixels of the line col·cos θ + row·sin θ = rho, drawn by OpenCV (one pixel wide)."""
    mask = np.zeros(shape, np.uint8)
    cos, sin = math.cos(math.radians(theta_degrees)), math.sin(math.radians(theta_degrees))
    x0, y0 = rho * cos, rho * sin
    far = 2 * sum(shape)
    cv2.line(mask, (round(x0 - far * sin), round(y0 + far * cos)), (round(x0 + far * sin), round(y0 - far * cos)), 1)
    return mask.astype(bool)


def test_accumulator_matches_scikit_image():
    mask = np.random.default_rng(3).random((70, 90)) > 0.9
    accumulator, thetas, rhos = hough.line_accumulator(mask)
    expected, expected_thetas, expected_rhos = hough_line(mask)
    np.testing.assert_array_equal(accumulator, expected)
    np.testing.assert_allclose(thetas, expected_thetas)
    np.testing.assert_allclose(rhos, expected_rhos)


def test_one_pixel_votes_along_its_wave():
    # A single pixel at (row 10, col 20) votes once per angle, at rho = 20 cos θ + 10 sin θ.
    mask = np.zeros((30, 40), bool)
    mask[10, 20] = True
    accumulator, thetas, rhos = hough.line_accumulator(mask)
    assert accumulator.sum() == len(thetas)
    for t in (0, 45, 90, 135):
        expected_rho = 20 * math.cos(thetas[t]) + 10 * math.sin(thetas[t])
        assert accumulator[int(np.argmin(np.abs(rhos - expected_rho))), t] == 1


@pytest.mark.parametrize("rho, theta", [(60, 30), (100, -45), (80, 0), (-50, -60), (150, 75), (-120, -90)])
def test_a_drawn_line_is_found_at_its_rho_and_theta(rho, theta):
    found = hough.find_lines(_line_mask((200, 240), rho, theta), max_lines=1)
    assert found.lines.shape == (1, 3)
    found_rho, found_theta, votes = found.lines[0]
    assert abs(found_theta - theta) <= 1 and abs(found_rho - rho) <= 1.5
    assert votes >= 90


def test_two_lines_are_both_found():
    # Column 50, and row 120: at theta -90° the normal points up, so rho = -row.
    mask = _line_mask((200, 200), 50, 0) | _line_mask((200, 200), -120, -90)
    lines = hough.find_lines(mask, threshold=0.5).lines
    assert len(lines) == 2
    assert {(round(r), round(t)) for r, t, _ in lines} == {(50, 0), (-120, -90)}


@pytest.mark.parametrize("centre, radius", [((100, 120), 40), ((60, 70), 25)])
def test_a_drawn_circle_is_found_at_its_centre_and_radius(centre, radius):
    image = np.zeros((200, 240), np.float32)
    cv2.circle(image, (centre[1], centre[0]), radius, 1.0, -1)  # OpenCV takes (x = col, y = row)
    circles = hough.find_circles(edges.smooth(image, sigma=1.0), min_radius=10, max_radius=60, votes=20)
    assert len(circles) >= 1
    row, col, found_radius = circles[0]
    assert abs(row - centre[0]) <= 1 and abs(col - centre[1]) <= 1 and abs(found_radius - radius) <= 1.5


def test_a_constant_image_gives_nothing():
    flat = np.full((64, 80), 0.5, np.float32)
    edge_mask = edges.canny(flat, sigma=1.0, low=0.05, high=0.1).edges
    found = hough.find_lines(edge_mask)
    assert found.lines.shape == (0, 3) and found.accumulator.sum() == 0
    assert hough.find_circles(flat, min_radius=5, max_radius=30).shape == (0, 3)


def test_working_size_shrinks_but_never_enlarges():
    big = np.zeros((512, 1024), np.float32)
    small, scale = hough.working_size(big)
    assert small.shape == (160, 320) and scale == pytest.approx(320 / 1024)
    tiny = np.zeros((20, 30, 3), np.uint8)
    same, scale = hough.working_size(tiny)
    assert same is tiny and scale == 1.0
    thin, _ = hough.working_size(np.zeros((1, 1024), np.float32))
    assert thin.shape == (1, 320)


@pytest.mark.parametrize("shape", [(1, 1), (3, 2)])
def test_tiny_inputs_give_empty_results(shape):
    assert hough.find_lines(np.ones(shape, bool)).lines.shape[1] == 3
    assert hough.find_lines(np.zeros(shape, bool)).lines.shape == (0, 3)
    assert hough.find_circles(np.zeros(shape, np.float32), min_radius=1, max_radius=5).shape == (0, 3)


def test_a_one_row_image_is_one_horizontal_line():
    found = hough.find_lines(np.ones((1, 320), bool), max_lines=1)
    np.testing.assert_allclose(found.lines, [[0.0, -90.0, 320.0]])


def test_draw_lines_paints_the_line_by_hand():
    picture = hough.draw_lines(np.zeros((40, 40), np.float32), np.array([[10.0, 0.0, 5.0]]))  # column 10
    assert picture.shape == (40, 40, 3) and picture.dtype == np.uint8
    assert (picture[:, 10, 0] > 100).all() and picture[:, 20].sum() == 0


def test_draw_circles_and_accumulator_picture_shapes():
    picture = hough.draw_circles(np.zeros((50, 60, 3), np.uint8), np.array([[25.0, 30.0, 10.0]]))
    assert picture[25, 40, 1] > 100 and picture[25, 45].sum() == 0  # on the circle; outside it
    heat = hough.accumulator_picture(
        np.arange(30 * 10).reshape(30, 10), np.array([[0.0, 0.0, 1.0]]), rhos=np.arange(-15, 15)
    )
    assert heat.shape == (30, 30, 3) and heat.dtype == np.uint8


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: hough.find_lines(np.zeros((5, 5), bool), threshold=0),
            ValueError,
            "threshold must be > 0.0 and <= 1.0, got 0",
        ),
        (
            lambda: hough.find_lines(np.zeros((5, 5), bool), threshold=1.5),
            ValueError,
            "threshold must be > 0.0 and <= 1.0, got 1.5",
        ),
        (
            lambda: hough.find_lines(np.zeros((5, 5), bool), max_lines=0),
            ValueError,
            "max_lines must be from 1 to 50, got 0",
        ),
        (
            lambda: hough.find_lines(np.zeros((5, 5), np.uint8)),
            TypeError,
            "edges must be a bool mask (True on edge pixels), got dtype uint8",
        ),
        (lambda: hough.find_lines(np.zeros((5, 5, 3), bool)), ValueError, "edges must be a (H, W) mask"),
        (
            lambda: hough.find_circles(np.zeros((9, 9)), min_radius=8, max_radius=4),
            ValueError,
            "min_radius must not exceed max_radius, got 8 and 4",
        ),
        (
            lambda: hough.find_circles(np.zeros((9, 9)), min_radius=0, max_radius=4),
            ValueError,
            "min_radius must be from 1 to 320, got 0",
        ),
        (
            lambda: hough.find_circles(np.zeros((9, 9)), min_radius=1, max_radius=4, edge_threshold=0),
            ValueError,
            "edge_threshold must be > 0.0 and <= 1.0, got 0",
        ),
        (
            lambda: hough.working_size(np.zeros((0, 5))),
            ValueError,
            "image must be (H, W) or (H, W, C) with at least one pixel",
        ),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)

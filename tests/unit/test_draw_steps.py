"""The Draw & predict page's preprocessing, step by step (explorer.nets.predict_one.digit_steps and
preparation_steps): 4×4 block counts of a 32×32 bitmap counted by hand (the UCI digits' definition), the same
8×8 digit as datasets.drawing_to_digit's direct route, the last step exactly prepare_picture's input; and
strokes rendered with OpenCV recognised by the shipped models (issue 10's tests)."""

import cv2
import numpy as np
import pytest

from explorer.data import datasets
from explorer.nets import checkpoints
from explorer.nets.predict_one import class_probabilities, digit_steps, preparation_steps, prepare_picture

BLACK = (0, 0, 0)


def paper() -> np.ndarray:
    return np.full((280, 280, 3), 255, np.uint8)  # the canvas's size, black strokes on white


def says(name: str, drawing: np.ndarray, style: str) -> str:
    checkpoint = checkpoints.load_default(name)
    image = prepare_picture(drawing, checkpoint.spec.input_shape, style=style)
    return checkpoint.class_names[int(class_probabilities(checkpoint.model, image).argmax())]


def test_block_counts_of_a_32_pixel_bitmap_are_counted_as_by_hand():
    rng = np.random.default_rng(0)
    bitmap = rng.random((32, 32)) < 0.4  # True = ink
    bitmap[0, 0] = bitmap[-1, -1] = True  # ink in two corners: the strokes' box is the whole bitmap
    drawing = np.where(bitmap, 0, 255).astype(np.uint8)  # black ink on white paper
    counts = np.zeros((8, 8))
    for row in range(8):
        for col in range(8):
            counts[row, col] = sum(bitmap[4 * row + r, 4 * col + c] for r in range(4) for c in range(4))
    parts = digit_steps(drawing)
    np.testing.assert_array_equal(parts["bitmap"], bitmap.astype(np.float32))
    np.testing.assert_allclose(parts["counts"], counts, atol=1e-5)
    np.testing.assert_allclose(parts["digit"], counts / counts.max() * 16, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_32_pixel_route_gives_drawing_to_digits_8x8(seed):
    rng = np.random.default_rng(seed)
    drawing = paper()
    for _ in range(3):  # random strokes of random width
        start, end = rng.integers(20, 260, 2), rng.integers(20, 260, 2)
        cv2.line(drawing, tuple(map(int, start)), tuple(map(int, end)), BLACK, int(rng.integers(4, 30)))
    parts = digit_steps(drawing)
    np.testing.assert_allclose(parts["digit"], datasets.drawing_to_digit(drawing), atol=1e-4)
    assert parts["counts"].min() >= 0 and parts["counts"].max() <= 16 + 1e-5


def test_the_crop_and_square_steps_by_hand():
    drawing = paper()
    drawing[100:160, 40:70] = 0  # a 60 × 30 block of ink
    parts = digit_steps(drawing)
    np.testing.assert_array_equal(parts["strokes"], np.ones((60, 30), np.float32))
    expected = np.zeros((60, 60), np.float32)
    expected[:, 15:45] = 1.0  # padded equally left and right
    np.testing.assert_array_equal(parts["square"], expected)


def test_a_rendered_one_is_a_0_to_16_matrix_the_digits_model_calls_one():
    one = paper()
    cv2.line(one, (150, 40), (130, 240), BLACK, 20)
    digit = digit_steps(one)["digit"]
    assert digit.shape == (8, 8) and digit.min() >= 0 and digit.max() == pytest.approx(16)
    model = checkpoints.load_default("digits").model
    assert int(class_probabilities(model, (digit / 16)[None].astype(np.float32)).argmax()) == 1
    assert says("digits", one, "digits") == "1"


def test_rendered_digits_are_recognised():
    seven, four, zero = paper(), paper(), paper()
    cv2.line(seven, (60, 50), (220, 50), BLACK, 20)
    cv2.line(seven, (220, 50), (110, 250), BLACK, 20)
    for start, end in [((170, 30), (60, 170)), ((60, 170), (230, 170)), ((170, 30), (170, 250))]:
        cv2.line(four, start, end, BLACK, 20)
    cv2.ellipse(zero, (140, 140), (60, 100), 0, 0, 360, BLACK, 20)
    assert [says("digits", d, "digits") for d in (seven, four, zero)] == ["7", "4", "0"]


def test_rendered_shapes_are_recognised_by_the_shapes_model():
    ring, disc, square, triangle, cross = (paper() for _ in range(5))
    cv2.circle(ring, (140, 140), 80, BLACK, 20)
    cv2.circle(disc, (140, 140), 80, BLACK, -1)
    cv2.rectangle(square, (70, 70), (210, 210), BLACK, -1)
    cv2.fillPoly(triangle, [np.array([[140, 50], [230, 220], [50, 220]])], BLACK)
    cv2.line(cross, (140, 50), (140, 230), BLACK, 24)
    cv2.line(cross, (50, 140), (230, 140), BLACK, 24)
    drawn = [says("shapes", d, "dark") for d in (ring, disc, square, triangle, cross)]
    assert drawn == ["ring", "disc", "square", "triangle", "cross"]


@pytest.mark.parametrize(
    "style, shape",
    [
        ("digits", (1, 8, 8)),
        ("digits", (1, 16, 16)),
        ("dark", (1, 28, 28)),
        ("photo", (3, 32, 32)),
        ("photo", (1, 24, 32)),
        ("mnist", (1, 28, 28)),
    ],
)
def test_the_steps_start_at_the_drawing_and_end_at_the_networks_input(style, shape):
    drawing = paper()
    cv2.circle(drawing, (120, 150), 60, (200, 30, 30), 18)  # a red ring, off-centre
    steps = preparation_steps(drawing, shape, style=style)
    assert steps[0][0] == "your drawing"
    np.testing.assert_array_equal(steps[0][1], drawing)
    final = prepare_picture(drawing, shape, style=style)
    expected = np.round(final * 255).astype(np.uint8)
    expected = expected[0] if shape[0] == 1 else expected.transpose(1, 2, 0)
    np.testing.assert_array_equal(steps[-1][1], expected)
    assert all(picture.dtype == np.uint8 and caption for caption, picture in steps)


def test_a_canvas_with_a_transparent_background_starts_on_white_paper():
    canvas = np.zeros((50, 50, 4), np.uint8)
    canvas[10:40, 20:30] = (0, 0, 0, 255)  # opaque black strokes on transparent
    first = preparation_steps(canvas, (1, 8, 8), style="digits")[0][1]
    expected = np.full((50, 50, 3), 255, np.uint8)
    expected[10:40, 20:30] = 0
    np.testing.assert_array_equal(first, expected)


def test_a_blank_drawing_is_a_clear_error():
    with pytest.raises(ValueError, match="image holds no drawing: draw something first"):
        preparation_steps(paper(), (1, 8, 8), style="digits")
    with pytest.raises(ValueError, match="style must be one of"):
        preparation_steps(paper(), (1, 8, 8), style="sketch")


def test_on_background_is_the_over_operator_by_hand():
    from explorer.nets.predict_one import on_background

    canvas = np.zeros((1, 3, 4), np.uint8)
    canvas[0, 0] = (200, 0, 0, 255)  # opaque red
    canvas[0, 1] = (0, 0, 0, 102)  # black at 40 %
    # pixel 2: fully transparent
    out = on_background(canvas, (10, 20, 250))
    expected = [[200, 0, 0], [round(0.6 * 10), round(0.6 * 20), round(0.6 * 250)], [10, 20, 250]]
    np.testing.assert_array_equal(out[0], expected)
    rgb = np.full((2, 2, 3), 7, np.uint8)
    np.testing.assert_array_equal(on_background(rgb), rgb)
    with pytest.raises(ValueError, match=r"background must be three integers in 0\.\.255"):
        on_background(canvas, (0, 0, 300))
    with pytest.raises(ValueError, match="picture must be a uint8 array, got float32 array"):
        on_background(canvas.astype(np.float32))

"""explorer.interpret.paint: squares placed and counted by hand, the painted image built by hand, clicks mapped
to pixels by hand, and the "hide the digit" grade on a linear model whose answers are worked out on paper."""

import numpy as np
import pytest
import torch
from scipy import ndimage
from torch import nn

from explorer.data import datasets
from explorer.interpret import paint
from explorer.interpret.paint import Patch
from explorer.nets import checkpoints


@pytest.mark.parametrize(
    ("patch", "box"),
    [
        (Patch(3, 4, 1), (3, 4, 4, 5)),  # the pixel itself
        (Patch(3, 4, 2), (2, 4, 3, 5)),  # even: the extra row and column go up and left
        (Patch(3, 4, 3), (2, 5, 3, 6)),
        (Patch(0, 0, 3), (0, 2, 0, 2)),  # cut off by the top-left border
        (Patch(7, 7, 4), (5, 8, 5, 8)),  # rows 5..8 and columns 5..8, the last one past the border
        (Patch(4, 4, 8), (0, 8, 0, 8)),
    ],
)
def test_patch_box_by_hand(patch, box):
    assert paint.patch_box(patch, (8, 8)) == box


def test_painted_mask_counts_overlaps_once():
    mask = paint.painted_mask((5, 6), [(2, 2, 2), (2, 3, 2), (4, 5, 1)])
    expected = np.zeros((5, 6), bool)
    expected[1:3, 1:4] = True  # rows 1-2: columns 1-2 and 2-3 overlap in column 2
    expected[4, 5] = True
    np.testing.assert_array_equal(mask, expected)
    assert mask.sum() == 7
    assert not paint.painted_mask((5, 6), []).any()


def test_apply_patches_sets_every_channel_to_gray_under_the_squares_only():
    image = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 24
    original = image.copy()
    painted = paint.apply_patches(image, [Patch(0, 3, 2)])  # rows 0 (-1 cut off), columns 2-3
    expected = original.copy()
    expected[:, 0, 2:4] = 0.5
    np.testing.assert_array_equal(painted, expected)
    assert painted.dtype == np.float32 and painted is not image
    np.testing.assert_array_equal(image, original)  # the input is left alone
    np.testing.assert_array_equal(paint.apply_patches(image, [], value=0.0), image)
    np.testing.assert_array_equal(paint.apply_patches(image, [(1, 1, 1)], value=0.0)[:, 1, 1], [0.0, 0.0])


def test_click_to_pixel_by_hand():
    # An 8×8 digit drawn 168 screen pixels a side: 21 screen pixels an input pixel.
    to_pixel = lambda x, y: paint.click_to_pixel(x, y, width=168, height=168, shape=(8, 8))  # noqa: E731
    assert to_pixel(0, 0) == (0, 0)
    assert to_pixel(20.9, 21.0) == (1, 0)
    assert to_pixel(167.9, 100) == (4, 7)
    assert to_pixel(200, -3) == (0, 7)  # clamped
    assert paint.click_to_pixel(50, 10, width=100, height=20, shape=(4, 28)) == (2, 14)
    with pytest.raises(ValueError, match="width and height must be positive"):
        paint.click_to_pixel(1, 1, width=0, height=10, shape=(8, 8))


def test_clear_errors():
    image = np.zeros((1, 8, 8), np.float32)
    with pytest.raises(ValueError, match=r"patches\[0\] row must be from 0 to 7, got 8"):
        paint.apply_patches(image, [(8, 0, 1)])
    with pytest.raises(ValueError, match=r"patches\[1\] size must be"):
        paint.apply_patches(image, [(0, 0, 1), (0, 0, 0)])
    with pytest.raises(ValueError, match=r"patches\[0\] must be \(row, col, size\)"):
        paint.apply_patches(image, [(1, 2)])
    with pytest.raises(ValueError, match="patches must be a sequence"):
        paint.apply_patches(image, 3)
    with pytest.raises(ValueError, match="patches must be at most 256"):
        paint.apply_patches(image, [(0, 0, 1)] * 257)
    with pytest.raises(ValueError, match=r"image must be a \(C, H, W\)"):
        paint.apply_patches(image[0], [])


def linear_model() -> nn.Sequential:
    """Class 0's logit is 2 × the top-left pixel, class 1's is 1.5: a bright top-left pixel (1.0) says
    class 0 (2 > 1.5); painted gray (0.5) it says class 1 (1 < 1.5); no other pixel matters."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 2)).eval()
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[2.0, 0, 0, 0], [0, 0, 0, 0]]))
        model[1].bias.copy_(torch.tensor([0.0, 1.5]))
    return model


def test_grade_hide_on_a_linear_model_worked_out_by_hand():
    model = linear_model()
    image = np.array([[[1.0, 0.0], [0.0, 0.0]]], np.float32)  # (1, 2, 2)
    grade = paint.grade_hide(model, image, [(0, 0, 1)], class_names=("zero", "one"))
    assert grade.passed
    assert grade.feedback[0] == "With 1 gray pixel the network now answers “one” instead of “zero”."
    np.testing.assert_array_equal(grade.result, [[[0.5, 0.0], [0.0, 0.0]]])

    still = paint.grade_hide(model, image, [(1, 1, 1), (1, 0, 1)])
    assert not still.passed
    assert still.feedback[0].startswith("The network still answers “0”") and "2 of 12 pixels" in still.feedback[0]

    over = paint.grade_hide(model, image, [(0, 0, 2), (1, 1, 1)], budget=1)  # the 2×2 square covers 1 pixel here
    assert over.passed is False and "with 2 pixels painted, more than 1" in over.feedback[0]
    assert paint.grade_hide(model, image, [(0, 0, 1)], budget=1).passed  # exactly the budget passes
    assert not paint.grade_hide(model, image, []).passed
    with pytest.raises(ValueError, match="class_names must name the network's 2 classes, got 3"):
        paint.grade_hide(model, image, [], class_names=("a", "b", "c"))


def test_two_gray_pixels_hide_a_digit_two_from_the_default_model():
    """The default digits model reads set image 2 as a 2; graying two stroke pixels of its bottom loop (found by
    a greedy search over all 64 pixels) makes it say 8; with only the first of them it still says 2."""
    model = checkpoints.load_default("digits").model
    image = datasets.digits(size=8).images[2]
    assert paint.grade_hide(model, image, [(5, 5, 1), (6, 4, 1)]).passed
    assert not paint.grade_hide(model, image, [(5, 5, 1)]).passed


@pytest.mark.parametrize(("factor", "width"), [(4, 1), (6, 2), (42, 2), (1, 1)])
def test_outline_is_the_enlarged_mask_minus_its_erosion(factor, width):
    """Against SciPy: the painted region enlarged, minus its binary erosion by a square of side 2·width + 1
    (pixels outside the picture count as unpainted)."""
    mask = paint.painted_mask((5, 6), [(1, 1, 2), (3, 4, 3), (4, 0, 1)])
    big = np.kron(mask, np.ones((factor, factor), bool))
    expected = big & ~ndimage.binary_erosion(big, structure=np.ones((2 * width + 1,) * 2, bool), border_value=0)
    np.testing.assert_array_equal(paint.outline(mask, factor=factor, width=width), expected)


def test_outline_by_hand_and_its_width_limit():
    mask = np.zeros((2, 2), bool)
    mask[0, 1] = True
    frame = paint.outline(mask, factor=3, width=5)  # width cut to 3 // 3 = 1
    expected = np.zeros((6, 6), bool)
    expected[0:3, 3:6] = [[1, 1, 1], [1, 0, 1], [1, 1, 1]]
    np.testing.assert_array_equal(frame, expected)
    with pytest.raises(ValueError, match=r"mask must be \(H, W\)"):
        paint.outline(np.zeros(3, bool), factor=2)

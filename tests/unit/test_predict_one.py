"""explorer.nets.predict_one: outside pictures made to look like each data set's pictures (hand-computed
cases, scikit-image's resize, the training pipelines of explorer.data), and class probabilities against a
softmax computed by hand on a network with hand-set weights."""

import math

import cv2
import numpy as np
import pytest
import torch
from skimage.transform import resize as sk_resize

from explorer.data import datasets, own_images, shapes
from explorer.nets.architecture import ArchitectureSpec, Dense, Flatten, build
from explorer.nets.predict_one import class_probabilities, prepare_picture, style_for


# ------------------------------------------------------------------------------------------------ photo
def test_photo_crops_the_centre_and_averages_blocks_by_hand():
    picture = np.arange(6 * 4, dtype=np.float32).reshape(6, 4) / 23.0  # 6 rows, 4 columns, gray
    out = prepare_picture(picture, (1, 2, 2))
    crop = picture[1:5]  # the centred 4×4: rows 1..4
    expected = np.array([[crop[:2, :2].mean(), crop[:2, 2:].mean()], [crop[2:, :2].mean(), crop[2:, 2:].mean()]])
    assert out.shape == (1, 2, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], expected, atol=1e-6)


def test_photo_enlarges_bilinearly_as_scikit_image():
    small = np.array([[0.0, 1.0], [0.5, 0.25]], np.float32)
    out = prepare_picture(small, (1, 6, 6))
    reference = sk_resize(small, (6, 6), order=1, mode="edge", anti_aliasing=False)
    np.testing.assert_allclose(out[0], reference, atol=1e-6)


def test_photo_of_uint8_rgb_is_the_own_images_pipeline():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    for channels in (1, 3):
        out = prepare_picture(photo, (channels, 16, 16))
        square = own_images.square_crop_resize(photo, image_size=16).astype(np.float32) / 255  # (16, 16, 3)
        if channels == 1:
            square = square @ np.array([0.299, 0.587, 0.114], np.float32)[:, None]
        np.testing.assert_allclose(out, square.transpose(2, 0, 1), atol=1e-6)


def test_gray_is_bt601_and_gray_pictures_fill_three_channels():
    red = np.zeros((4, 4, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(prepare_picture(red, (1, 2, 2)), 0.299, atol=1e-6)
    gray = np.full((4, 4), 0.25, np.float32)
    np.testing.assert_allclose(prepare_picture(gray, (3, 2, 2)), 0.25, atol=1e-6)


def test_transparent_pixels_are_white_paper():
    canvas = np.zeros((4, 4, 4), np.uint8)  # transparent everywhere, black strokes at half opacity in one cell
    canvas[:2, :2, 3] = 128
    out = prepare_picture(canvas, (1, 2, 2))
    np.testing.assert_allclose(out[0], [[1 - 128 / 255, 1.0], [1.0, 1.0]], atol=1e-6)


def test_dark_style_inverts_a_picture_on_light_paper_only():
    paper = np.ones((8, 8), np.float32)
    paper[2:6, 2:6] = 0.0  # a black square on white
    out = prepare_picture(paper, (1, 8, 8), style="dark")
    np.testing.assert_allclose(out[0], 1.0 - paper, atol=1e-6)  # a white square on black
    night = 1.0 - paper  # already light on dark: kept
    np.testing.assert_allclose(prepare_picture(night, (1, 8, 8), style="dark")[0], night, atol=1e-6)
    np.testing.assert_allclose(prepare_picture(paper, (1, 8, 8))[0], paper, atol=1e-6)  # photo: never
    np.testing.assert_allclose(prepare_picture(paper, (1, 8, 8), invert=True)[0], night, atol=1e-6)  # forced


# ------------------------------------------------------------------------------------------------ mnist
def test_mnist_fits_the_ink_in_20_of_28_centred_by_hand():
    drawing = np.full((100, 100), 255, np.uint8)  # a black 40×40 block near the top left of white paper
    drawing[5:45, 10:50] = 0
    out = prepare_picture(drawing, (1, 28, 28), style="mnist")
    expected = np.zeros((28, 28), np.float32)
    expected[4:24, 4:24] = 1.0  # 20×20 of full ink, its centre of mass (13.5, 13.5) on the frame's centre
    np.testing.assert_allclose(out[0], expected, atol=1e-6)


def test_mnist_moves_the_centre_of_mass_to_the_middle_and_stretches_faint_ink():
    drawing = np.zeros((60, 60), np.float32)  # light on dark, faint: an L of value 0.4
    drawing[10:50, 10:15] = 0.4  # the upright: 40 tall, 5 wide
    drawing[45:50, 10:50] = 0.4  # the foot: 5 tall, 40 wide
    out = prepare_picture(drawing, (1, 28, 28), style="mnist")[0]
    assert out.max() == pytest.approx(1.0)
    rows, cols = np.indices(out.shape)
    centre = ((rows * out).sum() / out.sum(), (cols * out).sum() / out.sum())
    assert centre == pytest.approx((13.5, 13.5), abs=0.5)  # whole-pixel moves: within half a pixel


# ----------------------------------------------------------------------------------------------- digits
def digit_drawing(values: np.ndarray, cell: int = 10) -> np.ndarray:
    """8×8 ink counts (0..16) drawn black on white (float, so no rounding), each cell ``cell`` pixels square."""
    return (1.0 - np.kron(values / 16.0, np.ones((cell, cell)))).astype(np.float32)


def corner_digit() -> np.ndarray:
    values = np.zeros((8, 8), np.float32)
    values[0, 0] = values[7, 7] = 16  # ink in two opposite corners: the bounding box is the whole frame
    values[2:6, 3] = 12
    values[4, 2:6] = 8
    return values


def test_digits_turn_black_on_white_into_the_data_sets_white_on_black_counts():
    out = prepare_picture(digit_drawing(corner_digit()), (1, 8, 8), style="digits")
    np.testing.assert_allclose(out[0], corner_digit() / 16, atol=1e-6)


def test_digits_for_enlarged_digit_networks_are_enlarged_as_the_data_set_and_scikit_image():
    out = prepare_picture(digit_drawing(corner_digit()), (1, 16, 16), style="digits")
    reference = sk_resize(corner_digit() / 16, (16, 16), order=1, mode="edge", anti_aliasing=False)
    np.testing.assert_allclose(out[0], reference, atol=1e-5)
    # and the data set's own enlargement of the same 8×8 picture is the same operation
    np.testing.assert_allclose(
        out[0], cv2.resize(corner_digit() / 16, (16, 16), interpolation=cv2.INTER_LINEAR), atol=1e-6
    )


def test_digits_from_a_transparent_canvas_equal_digits_from_paper():
    paper = digit_drawing(corner_digit())
    canvas = np.zeros((*paper.shape, 4), np.float32)
    canvas[:, :, 3] = 1.0 - paper  # black strokes whose opacity is the ink
    np.testing.assert_allclose(
        prepare_picture(canvas, (1, 28, 28), style="digits"), prepare_picture(paper, (1, 28, 28), style="digits")
    )


def test_blank_drawings_and_bad_arguments_are_refused_with_their_names():
    blank = np.full((30, 30, 3), 255, np.uint8)
    for style in ("mnist", "digits"):
        with pytest.raises(ValueError, match="no drawing"):
            prepare_picture(blank, (1, 28, 28), style=style)
    assert prepare_picture(blank, (3, 4, 4)).min() == 1.0  # a blank photo is still a photo
    with pytest.raises(ValueError, match="style must be one of photo, dark, mnist, digits, got 'sketch'"):
        prepare_picture(blank, (1, 8, 8), style="sketch")
    with pytest.raises(ValueError, match=r"input_shape must be \(C, H, W\)"):
        prepare_picture(blank, (2, 8, 8))
    with pytest.raises(ValueError, match="invert applies to the photo and dark styles"):
        prepare_picture(blank, (1, 8, 8), style="digits", invert=True)
    with pytest.raises(ValueError, match=r"picture must be \(H, W\), \(H, W, 3\) or \(H, W, 4\)"):
        prepare_picture(np.zeros((4, 4, 2), np.uint8), (1, 8, 8))
    with pytest.raises(ValueError, match=r"finite values in \[0, 1\]"):
        prepare_picture(np.full((4, 4), 2.0), (1, 8, 8))
    with pytest.raises(TypeError, match="picture must be a numpy array, got list"):
        prepare_picture([[0, 1]], (1, 8, 8))


# ------------------------------------------------------------------------------------------------ styles
def test_style_for_the_names_explorer_data_gives_its_sets():
    gray_shapes, colour_shapes = (shapes.make_shapes(2, color=c, seed=0) for c in (False, True))
    cases = {
        (datasets.digits(size=8).name, (1, 8, 8)): "digits",
        (datasets.digits(size=28).name + " (test)", (1, 28, 28)): "digits",
        (gray_shapes.name, (1, 28, 28)): "dark",
        (colour_shapes.name, (3, 32, 32)): "photo",
        ("MNIST (train) (test)", (1, 28, 28)): "mnist",
        ("Fashion-MNIST (train)", (1, 28, 28)): "dark",
        ("CIFAR-10 (train)", (3, 32, 32)): "photo",
        ("My images (test)", (1, 32, 32)): "photo",
    }
    for (name, shape), style in cases.items():
        assert style_for(shape, data_name=name) == style, name
    digit_names = [str(d) for d in range(10)]
    assert style_for((1, 8, 8), class_names=digit_names) == "digits"  # a model loaded from a file
    assert style_for((1, 28, 28), class_names=digit_names) == "mnist"
    assert style_for((3, 28, 28), class_names=digit_names) == "photo"
    assert style_for((1, 28, 28), class_names=["cat", "dog"]) == "photo"
    assert style_for((1, 28, 28), class_names=shapes.CLASS_NAMES) == "dark"


# ------------------------------------------------------------------------------------------ probabilities
def hand_model() -> torch.nn.Sequential:
    """Flatten -> dense 3 on 1×1×2 images, weights set by hand."""
    model = build(ArchitectureSpec("hand", (1, 1, 2), (Flatten(), Dense(3)), 3), seed=0).eval()
    with torch.no_grad():
        model[1].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0], [-1.0, 1.0]]))
        model[1].bias.copy_(torch.tensor([0.0, 0.5, 0.0]))
    return model


def test_class_probabilities_are_the_softmax_by_hand():
    model = hand_model()
    before = [p.detach().clone() for p in model.parameters()]
    image = np.array([[[0.5, 0.25]]], np.float32)
    # outputs: 0.5, 2·0.25 + 0.5 = 1.0, -0.5 + 0.25 = -0.25
    exps = [math.exp(0.5), math.exp(1.0), math.exp(-0.25)]
    expected = [e / sum(exps) for e in exps]
    probabilities = class_probabilities(model, image)
    assert probabilities.dtype == np.float64 and probabilities.shape == (3,)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-6)
    assert not model.training and all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_an_image_the_network_cannot_take_is_a_value_error():
    with pytest.raises(ValueError, match=r"an image of shape \(1, 2, 2\) does not fit this network"):
        class_probabilities(hand_model(), np.zeros((1, 2, 2), np.float32))
    with pytest.raises(ValueError, match=r"image must be a \(C, H, W\) float32 array, got float64 \(1, 1, 2\)"):
        class_probabilities(hand_model(), np.zeros((1, 1, 2)))


def shipped_says(name: str, drawing: np.ndarray) -> str:
    """The class the shipped default model ``name`` gives a drawing, prepared in the style it implies."""
    from explorer.nets import checkpoints

    checkpoint = checkpoints.load_default(name)
    shape = checkpoint.spec.input_shape
    style = style_for(shape, class_names=checkpoint.class_names)
    probabilities = class_probabilities(checkpoint.model, prepare_picture(drawing, shape, style=style))
    return checkpoint.class_names[int(probabilities.argmax())]


def test_drawings_black_on_white_are_recognised_by_the_shipped_models():
    seven = np.full((280, 280, 3), 255, np.uint8)  # black strokes on white, as the canvas draws them
    cv2.line(seven, (60, 50), (220, 50), (0, 0, 0), 20)
    cv2.line(seven, (220, 50), (110, 250), (0, 0, 0), 20)
    assert shipped_says("digits", seven) == "7"
    ring = np.full((280, 280, 3), 255, np.uint8)  # the shapes are light on dark: the style inverts the paper
    cv2.circle(ring, (140, 140), 80, (0, 0, 0), 20)
    assert shipped_says("shapes", ring) == "ring"

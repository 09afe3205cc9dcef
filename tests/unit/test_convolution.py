"""explorer.images.convolution against OpenCV, SciPy, a NumPy sliding-window reference and hand-computed cases."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

from explorer.images import convolution
from explorer.images.convolution import PADDING_MODES, correlate

SAME_MODES = ("zero", "reflect", "replicate", "wrap")
SCIPY_MODE = {"zero": "constant", "reflect": "mirror", "replicate": "nearest", "wrap": "grid-wrap"}
NUMPY_MODE = {"zero": "constant", "reflect": "reflect", "replicate": "edge", "wrap": "wrap"}
CV2_BORDER = {"zero": cv2.BORDER_CONSTANT, "reflect": cv2.BORDER_REFLECT_101, "replicate": cv2.BORDER_REPLICATE}
KERNEL_SHAPES = [(1, 1), (2, 2), (3, 3), (1, 5), (4, 1), (6, 3), (10, 11), (15, 15)]

rng = np.random.default_rng(0)
GRAY = rng.random((23, 17), dtype=np.float32)
COLOUR = rng.random((19, 22, 3), dtype=np.float32)


def kernel_of(shape: tuple[int, int], seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def numpy_reference(image: np.ndarray, kernel: np.ndarray, padding: str, stride: int = 1) -> np.ndarray:
    """Pad with np.pad, take every window, multiply-add in float64: the definition, written out."""
    kh, kw = kernel.shape
    image = image.astype(np.float64)
    if padding != "valid":
        widths = [(kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)] + [(0, 0)] * (image.ndim - 2)
        image = np.pad(image, widths, mode=NUMPY_MODE[padding])
    windows = sliding_window_view(image, (kh, kw), axis=(0, 1))[::stride, ::stride]  # (Ho, Wo[, C], kh, kw)
    return np.einsum("...ij,ij->...", windows, kernel.astype(np.float64))


# ----------------------------------------------------------------------------------------- references


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("padding", SAME_MODES)
@pytest.mark.parametrize("image", [GRAY, COLOUR], ids=["gray", "colour"])
def test_same_modes_match_scipy(image, padding, shape):
    kernel = kernel_of(shape)
    weights = kernel[:, :, None] if image.ndim == 3 else kernel
    expected = ndi.correlate(image.astype(np.float64), weights.astype(np.float64), mode=SCIPY_MODE[padding])
    np.testing.assert_allclose(correlate(image, kernel, padding=padding), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("padding", ["zero", "reflect", "replicate"])
@pytest.mark.parametrize("image", [GRAY, COLOUR], ids=["gray", "colour"])
def test_same_modes_match_cv2_filter2d(image, padding, shape):
    kernel = kernel_of(shape)
    expected = cv2.filter2D(image, -1, kernel, borderType=CV2_BORDER[padding])
    np.testing.assert_allclose(correlate(image, kernel, padding=padding), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("image", [GRAY, COLOUR], ids=["gray", "colour"])
def test_wrap_matches_cv2_on_a_wrapped_copy(image, shape):
    kernel = kernel_of(shape)
    kh, kw = shape
    top, left = kh // 2, kw // 2
    padded = cv2.copyMakeBorder(image, top, kh - 1 - top, left, kw - 1 - left, cv2.BORDER_WRAP)
    expected = cv2.filter2D(padded, -1, kernel)[top : top + image.shape[0], left : left + image.shape[1]]
    np.testing.assert_allclose(correlate(image, kernel, padding="wrap"), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(12, 12), (15, 15), (13, 14)])
def test_wrap_on_a_larger_image_with_large_kernels(shape):
    # Kernels of 130+ cells take OpenCV's DFT path, and a larger image spans several of its tiles.
    image = np.random.default_rng(3).random((150, 130), dtype=np.float32)
    kernel = kernel_of(shape)
    expected = ndi.correlate(image.astype(np.float64), kernel.astype(np.float64), mode="grid-wrap")
    np.testing.assert_allclose(correlate(image, kernel, padding="wrap"), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("stride", [1, 2, 3, 4])
def test_every_mode_and_stride_matches_the_sliding_window_definition(padding, shape, stride):
    kernel = kernel_of(shape)
    for image in (GRAY, COLOUR):
        expected = numpy_reference(image, kernel, padding, stride)
        result = correlate(image, kernel, padding=padding, stride=stride)
        np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", KERNEL_SHAPES)
def test_valid_is_the_crop_of_the_same_size_result(shape):
    kernel = kernel_of(shape)
    kh, kw = shape
    same = ndi.correlate(COLOUR.astype(np.float64), kernel[:, :, None].astype(np.float64), mode="mirror")
    top, left = kh // 2, kw // 2
    crop = same[top : top + COLOUR.shape[0] - kh + 1, left : left + COLOUR.shape[1] - kw + 1]
    np.testing.assert_allclose(correlate(COLOUR, kernel, padding="valid"), crop, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("stride", [2, 3, 4])
def test_stride_subsamples_the_stride_one_result(padding, stride):
    kernel = kernel_of((4, 5))
    full = correlate(GRAY, kernel, padding=padding)
    np.testing.assert_array_equal(correlate(GRAY, kernel, padding=padding, stride=stride), full[::stride, ::stride])


def test_hand_computed_3x3_image_2x2_kernel():
    image = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=np.float32)
    kernel = np.array([[1, 2], [3, 4]], dtype=np.float32)
    # valid: out[i, j] = im[i, j] + 2 im[i, j+1] + 3 im[i+1, j] + 4 im[i+1, j+1]
    np.testing.assert_array_equal(correlate(image, kernel, padding="valid"), [[37, 47], [67, 77]])
    # zero, anchor (1, 1): the window reaches one row up and one column left.
    expected = [[4, 11, 18], [18, 37, 47], [36, 67, 77]]
    np.testing.assert_array_equal(correlate(image, kernel, padding="zero"), expected)
    np.testing.assert_array_equal(correlate(image, kernel, padding="zero", stride=2), [[4, 18], [36, 77]])


def test_no_kernel_flip():
    image = np.zeros((5, 5), dtype=np.float32)
    image[2, 2] = 1
    kernel = np.arange(1, 10, dtype=np.float32).reshape(3, 3)
    # Correlating an impulse gives the kernel upside down and mirrored (a convolution would give it as is).
    np.testing.assert_array_equal(correlate(image, kernel)[1:4, 1:4], kernel[::-1, ::-1])


def test_dtype_and_channels():
    kernel = np.ones((3, 3))
    assert correlate(GRAY.astype(np.float64), kernel).dtype == np.float32
    assert correlate((GRAY * 255).astype(np.uint8), kernel.astype(int)).dtype == np.float32
    one_channel = correlate(GRAY[:, :, None], kernel, padding="wrap")
    assert one_channel.shape == (23, 17, 1)
    np.testing.assert_array_equal(one_channel[:, :, 0], correlate(GRAY, kernel, padding="wrap"))
    assert correlate(COLOUR, kernel, padding="valid", stride=2).shape == (9, 10, 3)


def test_huge_but_finite_values_are_accepted():
    image = np.full((4, 4), 1e30, dtype=np.float32)  # the fast finiteness check overflows; the exact one runs
    assert correlate(image, np.ones((1, 1))).max() == pytest.approx(1e30, rel=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"image": np.array([[0.0, np.nan]])}, ValueError, "image must hold finite numbers only"),
        ({"image": np.array([[0.0, np.inf]])}, ValueError, "image must hold finite numbers only"),
        ({"kernel": np.array([[1.0, -np.inf]])}, ValueError, "kernel must hold finite numbers only"),
        ({"image": np.zeros(5)}, ValueError, "image must be (H, W) or (H, W, C), got shape (5,)"),
        ({"image": np.zeros((2, 2, 2, 2))}, ValueError, "image must be (H, W) or (H, W, C)"),
        ({"image": np.zeros((0, 4))}, ValueError, "image must have at least 1 row"),
        ({"image": np.array([["a"]])}, TypeError, "image must hold real numbers"),
        ({"kernel": np.ones(3)}, ValueError, "kernel must be 2-D (rows, cols), got shape (3,)"),
        ({"kernel": np.ones((16, 3))}, ValueError, "kernel must be between 1x1 and 15x15, got shape (16, 3)"),
        ({"kernel": np.ones((0, 3))}, ValueError, "kernel must be between 1x1 and 15x15"),
        ({"kernel": np.ones((9, 9)), "padding": "valid"}, ValueError, "is larger than the image (8x8)"),
        ({"padding": "mirror"}, ValueError, "padding must be one of ('zero', 'reflect'"),
        ({"stride": 0}, ValueError, "stride must be from 1 to 4, got 0"),
        ({"stride": 5}, ValueError, "stride must be from 1 to 4, got 5"),
        ({"stride": 1.5}, TypeError, "stride must be an integer from 1 to 4, got 1.5 (float)"),
    ],
)
def test_bad_input_messages(kwargs, error, message):
    arguments = {"image": np.zeros((8, 8)), "kernel": np.ones((3, 3)), **kwargs}
    with pytest.raises(error) as caught:
        correlate(arguments.pop("image"), arguments.pop("kernel"), **arguments)
    assert message in str(caught.value)


# ----------------------------------------------------------------------------------------------- sizes


def test_padding_amounts():
    assert convolution.padding_amounts((3, 3), padding="zero") == ((1, 1), (1, 1))
    assert convolution.padding_amounts((10, 11), padding="reflect") == ((5, 4), (5, 5))
    assert convolution.padding_amounts((2, 1), padding="wrap") == ((1, 0), (0, 0))
    assert convolution.padding_amounts((10, 11), padding="valid") == ((0, 0), (0, 0))


def test_output_size_hand_cases():
    assert convolution.output_size(512, 3, padding="zero", stride=1) == 512
    assert convolution.output_size(512, 3, padding="valid", stride=1) == 510
    assert convolution.output_size(7, 3, padding="valid", stride=2) == 3  # floor(4 / 2) + 1
    assert convolution.output_size(7, 3, padding="reflect", stride=2) == 4  # floor(6 / 2) + 1
    assert convolution.output_shape((100, 120, 3), (10, 11), padding="valid", stride=1) == (91, 110)
    with pytest.raises(ValueError, match="padding must be one of"):
        convolution.output_size(7, 3, padding="same", stride=1)


@settings(max_examples=50, deadline=None)
@given(
    h=st.integers(1, 30),
    w=st.integers(1, 30),
    kh=st.integers(1, 15),
    kw=st.integers(1, 15),
    stride=st.integers(1, 4),
    padding=st.sampled_from(PADDING_MODES),
)
def test_output_shape_follows_the_formula(h, w, kh, kw, stride, padding):
    if padding == "valid" and (kh > h or kw > w):
        return
    total_h, total_w = (0, 0) if padding == "valid" else (kh - 1, kw - 1)
    expected = ((h + total_h - kh) // stride + 1, (w + total_w - kw) // stride + 1)
    assert convolution.output_shape((h, w), (kh, kw), padding=padding, stride=stride) == expected
    image = np.ones((h, w), dtype=np.float32)
    assert correlate(image, np.ones((kh, kw)), padding=padding, stride=stride).shape == expected


# ------------------------------------------------------------------------------------------ properties


small_images = st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1)).map(
    lambda t: np.random.default_rng(t[2]).random((t[0], t[1]), dtype=np.float32)
)


@settings(max_examples=50, deadline=None)
@given(image=small_images, kh=st.integers(1, 7), kw=st.integers(1, 7), padding=st.sampled_from(SAME_MODES))
def test_identity_kernel_returns_the_image(image, kh, kw, padding):
    kernel = np.zeros((kh, kw), dtype=np.float32)
    kernel[kh // 2, kw // 2] = 1
    np.testing.assert_array_equal(correlate(image, kernel, padding=padding), image)
    np.testing.assert_array_equal(correlate(image, np.ones((1, 1)), padding="valid"), image)


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    h=st.integers(3, 12),
    w=st.integers(3, 12),
    a=st.floats(-3, 3),
    b=st.floats(-3, 3),
    padding=st.sampled_from(PADDING_MODES),
    stride=st.integers(1, 3),
)
def test_linearity(seed, h, w, a, b, padding, stride):
    generator = np.random.default_rng(seed)
    x, y = generator.random((2, h, w), dtype=np.float32)
    kernel = generator.standard_normal((3, 2)).astype(np.float32)
    combined = correlate(a * x + b * y, kernel, padding=padding, stride=stride)
    separate = a * correlate(x, kernel, padding=padding, stride=stride) + b * correlate(
        y, kernel, padding=padding, stride=stride
    )
    np.testing.assert_allclose(combined, separate, rtol=1e-4, atol=1e-4)


@settings(max_examples=50, deadline=None)
@given(image=small_images, kh=st.integers(1, 15), kw=st.integers(1, 15), padding=st.sampled_from(SAME_MODES))
def test_small_images_with_large_kernels_match_scipy(image, kh, kw, padding):
    kernel = kernel_of((kh, kw))
    expected = ndi.correlate(image.astype(np.float64), kernel.astype(np.float64), mode=SCIPY_MODE[padding])
    np.testing.assert_allclose(correlate(image, kernel, padding=padding), expected, rtol=1e-4, atol=1e-4)


# -------------------------------------------------------------------------------------------- padding


@pytest.mark.parametrize("padding", SAME_MODES)
@pytest.mark.parametrize("shape", [(3, 3), (10, 11), (15, 2)])
def test_pad_matches_numpy(padding, shape):
    image = GRAY[:6, :5]  # smaller than some of the padding: the reflection / wrap repeats
    kh, kw = shape
    widths = ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2))
    expected = np.pad(image, widths, mode=NUMPY_MODE[padding])
    np.testing.assert_array_equal(convolution.pad(image, shape, padding=padding), expected)


def test_pad_keeps_channels_and_valid_is_the_image():
    assert convolution.pad(COLOUR, (3, 5), padding="reflect").shape == (21, 26, 3)
    assert convolution.pad(GRAY[:, :, None], (3, 5), padding="zero").shape == (25, 21, 1)
    np.testing.assert_array_equal(convolution.pad(GRAY, (3, 3), padding="valid"), GRAY)


# --------------------------------------------------------------------------------------- worked example


@pytest.mark.parametrize("padding", PADDING_MODES)
@pytest.mark.parametrize("stride", [1, 2, 3, 4])
@pytest.mark.parametrize("shape", [(3, 3), (2, 2), (10, 11), (1, 4)])
def test_worked_example_total_is_the_output_pixel(padding, stride, shape):
    kernel = kernel_of(shape)
    output = correlate(GRAY, kernel, padding=padding, stride=stride)
    padded = convolution.pad(GRAY, shape, padding=padding)
    (top_pad, _), (left_pad, _) = convolution.padding_amounts(shape, padding=padding)
    for row, col in [(0, 0), (22, 16), (11, 8), (0, 16), (5, 1)]:
        example = convolution.worked_example(GRAY, kernel, row=row, col=col, padding=padding, stride=stride)
        assert example.total == pytest.approx(float(output[example.out_row, example.out_col]), abs=1e-4)
        r, c = example.top + top_pad, example.left + left_pad
        np.testing.assert_array_equal(example.patch, padded[r : r + shape[0], c : c + shape[1]])
        np.testing.assert_array_equal(example.products, example.patch * kernel)
        assert example.patch.dtype == np.float32 and example.products.shape == shape


def test_worked_example_picks_the_window_centred_nearest_the_click():
    kernel = np.ones((3, 3), dtype=np.float32)
    example = convolution.worked_example(GRAY, kernel, row=7, col=4)
    assert (example.out_row, example.out_col, example.top, example.left) == (7, 4, 6, 3)
    # valid: output (i, j) is centred on input (i + 1, j + 1)
    example = convolution.worked_example(GRAY, kernel, row=7, col=4, padding="valid")
    assert (example.out_row, example.out_col, example.top, example.left) == (6, 3, 6, 3)
    # stride 2: centres at 0, 2, 4, ...; input 7 is nearest to 6 or 8, column 4 is a centre
    example = convolution.worked_example(GRAY, kernel, row=6, col=4, stride=2)
    assert (example.out_row, example.out_col) == (3, 2)
    # corner click with valid padding is clamped to the first output pixel
    example = convolution.worked_example(GRAY, kernel, row=0, col=0, padding="valid")
    assert (example.out_row, example.out_col, example.top, example.left) == (0, 0, 0, 0)


def test_worked_example_zero_padding_shows_zeros():
    kernel = np.ones((3, 3), dtype=np.float32)
    example = convolution.worked_example(GRAY, kernel, row=0, col=0, padding="zero")
    assert (example.top, example.left) == (-1, -1)
    assert np.all(example.patch[0] == 0) and np.all(example.patch[:, 0] == 0)
    np.testing.assert_array_equal(example.patch[1:, 1:], GRAY[:2, :2])


def test_worked_example_bad_input():
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\) for a worked example"):
        convolution.worked_example(COLOUR, np.ones((3, 3)), row=0, col=0)
    with pytest.raises(ValueError, match="row must be from 0 to 22, got 23"):
        convolution.worked_example(GRAY, np.ones((3, 3)), row=23, col=0)


# ------------------------------------------------------------------------------------ frequency response


def test_frequency_response_matches_numpy_fft_on_a_hand_padded_kernel():
    kernel = kernel_of((3, 5))
    padded = np.zeros((16, 16))
    padded[:3, :5] = kernel
    expected = np.abs(np.fft.fftshift(np.fft.fft2(padded)))
    result = convolution.frequency_response(kernel, size=16)
    assert result.shape == (16, 16) and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)


def test_box_blur_is_low_pass_and_laplacian_high_pass():
    blur = convolution.frequency_response(np.ones((3, 3)), size=64)
    assert blur[32, 32] == pytest.approx(9.0)  # zero frequency = the kernel's sum
    assert blur.max() == pytest.approx(9.0)
    assert blur[0, 0] < 0.2 * blur[32, 32]  # finest checkerboard: (1 - 1 + 1)^2 = 1
    laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=np.float32)
    response = convolution.frequency_response(laplacian, size=64)
    assert response[32, 32] == pytest.approx(0.0, abs=1e-5)
    # finest checkerboard, signs alternating: 8 (centre) + 4 (edge cells, -1 x -1) - 4 (corners) = 8
    assert response[0, 0] == pytest.approx(8.0)
    # finest horizontal stripes, rows alternating: 3 + (-1 + 8 - 1) + 3 = 12, the strongest
    assert response[0, 32] == pytest.approx(12.0) and response.max() == pytest.approx(12.0)


def test_frequency_response_size_is_checked():
    with pytest.raises(ValueError, match=r"size must be at least the kernel size \(11\), got 8"):
        convolution.frequency_response(np.ones((10, 11)), size=8)


def test_check_finite_can_be_turned_off_for_trusted_images():
    image = np.ones((5, 5), dtype=np.float32)
    image[2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        correlate(image, np.ones((3, 3)), padding="zero")
    # Unchecked, the NaN simply spreads to every output whose window covers it (a 3 x 3 neighbourhood).
    out = correlate(image, np.ones((3, 3)), padding="zero", check_finite=False)
    assert np.isnan(out).sum() == 9 and np.isnan(out[1:4, 1:4]).all()
    kernel = np.ones((3, 3))
    kernel[0, 0] = np.inf
    with pytest.raises(ValueError, match="kernel must hold finite numbers"):
        correlate(np.ones((5, 5)), kernel, check_finite=False)


def test_window_picture_outlines_the_box_by_hand():
    image = np.full((10, 10), 0.5, np.float32)
    picture = convolution.window_picture(image, width=20, box=(2, 3, 3, 3), min_px=1)
    assert picture.shape == (20, 20, 3) and picture.dtype == np.uint8
    # Scale 2: the box spans rows 4..10 and columns 6..12 of the picture, outlined two pixels wide.
    red = np.all(picture == convolution.WINDOW_COLOUR, axis=2)
    expected = np.zeros((20, 20), bool)
    for r in (3, 4, 10, 11):
        expected[r, 5:14] = True
    for c in (5, 6, 12, 13):
        expected[3:12, c] = True
    np.testing.assert_array_equal(red, expected)
    np.testing.assert_array_equal(picture[~red], 128)  # a flat gray 0.5 stays 128 after bilinear resizing


def test_window_picture_keeps_a_small_box_visible_and_clips_at_the_border():
    image = np.zeros((100, 200), np.float32)
    picture = convolution.window_picture(image, width=50, box=(0, 0, 3, 3))  # 3 px at scale 0.25 -> 9 px
    assert picture.shape == (25, 50, 3)
    red = np.all(picture == convolution.WINDOW_COLOUR, axis=2)
    rows, cols = np.nonzero(red)
    # Centre 0.375, half-size 4.5: the far edge is at round(4.875) = 5 (outline 5..6), the near edge at -4 is
    # off the picture, so only the far sides show, running from the border.
    assert rows.min() == 0 and cols.min() == 0 and rows.max() == 6 and cols.max() == 6
    np.testing.assert_array_equal(np.nonzero(red[0])[0], [5, 6])
    plain = convolution.window_picture(image, width=50)
    assert not np.all(plain == convolution.WINDOW_COLOUR, axis=2).any()
    with pytest.raises(ValueError, match=r"box must be \(top, left, rows, cols\)"):
        convolution.window_picture(image, width=50, box=(0, 0, 3))
    with pytest.raises(ValueError, match="box rows must be from 1 to 100000, got 0"):
        convolution.window_picture(image, width=50, box=(0, 0, 0, 3))
    with pytest.raises(ValueError, match=r"image must be a 2-D gray image \(H, W\)"):
        convolution.window_picture(np.zeros((4, 4, 3), np.float32), width=4)

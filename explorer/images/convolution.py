"""Sliding a kernel over an image: padding, stride, output size, one output pixel worked out by hand.

What is computed is *cross-correlation*, as CNN layers (``torch.nn.Conv2d``) and ``cv2.filter2D`` do: the
kernel is laid on the image as written, **not flipped**. Output pixel ``(i, j)`` is the sum of
``kernel * window`` where the window is the ``(kh, kw)`` block of the padded image whose top-left corner is
``(i * stride, j * stride)``. (A textbook convolution flips the kernel first; for the symmetric kernels of
most lessons the two agree, for edge kernels the sign flips.)

Padding modes (:data:`PADDING_MODES`), for an image row ``a b c d``:

- ``"zero"``: ``0 0 | a b c d | 0 0`` (constant 0);
- ``"reflect"``: ``c b | a b c d | c b`` -- a mirror that does not repeat the edge pixel
  (``cv2.BORDER_REFLECT_101``, SciPy ``"mirror"``, NumPy and PyTorch ``"reflect"``);
- ``"replicate"``: ``a a | a b c d | d d`` (``cv2.BORDER_REPLICATE``, SciPy ``"nearest"``);
- ``"wrap"``: ``c d | a b c d | a b`` -- periodic (SciPy ``"grid-wrap"``, NumPy ``"wrap"``);
- ``"valid"``: no padding; the kernel stays inside the image and the output shrinks by ``k - 1``.

The kernel's anchor (the cell that sits on the output pixel) is ``(kh // 2, kw // 2)``, as in OpenCV and
SciPy, so even-sized and non-square kernels work: a 10-row kernel reaches 5 rows up and 4 rows down.
All functions take the image as ``(H, W)`` or ``(H, W, C)`` (each channel filtered on its own) and return
``float32``. A ``uint8`` image is byte levels and is divided by 255 first (:mod:`explorer.core.dtype`); other
real dtypes are filtered as the numbers they hold.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from explorer.core import checks, dtype, sizes
from explorer.core.display import to_display

PADDING_MODES = ("zero", "reflect", "replicate", "wrap", "valid")

# The Kernels page edits kernels cell by cell; beyond 15 x 15 the grid no longer fits and the lesson's
# largest kernel (10 x 11) is well inside.
MAX_KERNEL_SIZE = 15
# A stride of 4 already drops 15 of every 16 output pixels; more shows nothing new.
MAX_STRIDE = 4
# OpenCV's limit on channels in one array (CV_CN_MAX).
MAX_CHANNELS = 512
# Largest side of a frequency-response plot: 512 x 512 is plenty of detail and still instant.
MAX_RESPONSE_SIZE = 512

# How each mode is handed to cv2 (wrap is done by hand: cv2.filter2D has no BORDER_WRAP).
_CV2_BORDER = {
    "zero": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_WRAP,
}


@dataclass(frozen=True)
class WorkedExample:
    """One output pixel computed in full, for showing the arithmetic.

    ``top, left`` are the window's top-left corner in **input-image coordinates**: they can be negative
    (or run past the last row/column) when the window hangs over the padding. Add
    :func:`padding_amounts` ``top``/``left`` to get the corner in the :func:`pad` ed image.
    ``patch`` is ``(kh, kw) float32`` -- the image values under the kernel, padded values included;
    ``products`` is ``patch * kernel``; ``total`` is their sum, i.e. ``correlate(...)[out_row, out_col]``.
    """

    out_row: int
    out_col: int
    top: int
    left: int
    patch: np.ndarray
    products: np.ndarray
    total: float


# ----------------------------------------------------------------------------------------------- checks


def _check_padding(padding: object) -> str:
    if padding not in PADDING_MODES:
        raise ValueError(f"padding must be one of {PADDING_MODES}, got {padding!r}")
    return str(padding)


def _check_stride(stride: object) -> int:
    if type(stride) is int and 1 <= stride <= MAX_STRIDE:  # the common case, without the ABC checks
        return stride
    return checks.integer("stride", stride, 1, MAX_STRIDE)


def _check_kernel_shape(kernel_shape: object) -> tuple[int, int]:
    shape = tuple(kernel_shape) if isinstance(kernel_shape, (tuple, list)) else None
    if (
        shape is None
        or len(shape) != 2
        or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in shape)
    ):
        raise ValueError(f"kernel shape must be 2 integers (rows, cols), got {kernel_shape!r}")
    kh, kw = int(shape[0]), int(shape[1])
    if not (1 <= kh <= MAX_KERNEL_SIZE and 1 <= kw <= MAX_KERNEL_SIZE):
        raise ValueError(f"kernel must be between 1x1 and {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE}, got shape {(kh, kw)}")
    return kh, kw


def _as_float32(name: str, array: object, *, check_finite: bool = True) -> np.ndarray:
    array = np.asarray(array)
    if array.dtype.kind not in "iuf":  # checked by kind, not issubdtype: this runs on every filter call
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float32)  # no copy for contiguous float32 input
    # One fast BLAS pass: NaN and inf survive a sum of squares, so a finite one means every value is
    # finite. Only if it overflows (values beyond ~1e19) do we pay for the exact, element-wise check.
    if not check_finite:
        return array
    flat = array.reshape(-1)
    with np.errstate(over="ignore"):
        square_sum = np.dot(flat, flat)
    if not math.isfinite(square_sum) and not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite numbers only, but it contains NaN or infinity")
    return array


def _check_image(image: object, *, check_finite: bool = True) -> np.ndarray:
    if isinstance(image, np.ndarray) and image.dtype == np.uint8:
        image = dtype.to_float(image)  # byte levels -> [0, 1], the one dtype rule
    array = _as_float32("image", image, check_finite=check_finite)
    shape = array.shape
    if len(shape) not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, C), got shape {shape}")
    if shape[0] < 1 or shape[1] < 1 or (len(shape) == 3 and not 1 <= shape[2] <= MAX_CHANNELS):
        raise ValueError(
            f"image must have at least 1 row, 1 column and 1 to {MAX_CHANNELS} channels, got shape {shape}"
        )
    return array


def check_kernel(kernel: object) -> np.ndarray:
    """``kernel`` as a C-contiguous ``(kh, kw) float32`` array (``kernel`` itself when it already is one),
    after checking its dtype, shape (1 to :data:`MAX_KERNEL_SIZE` a side) and that every entry is finite."""
    array = _as_float32("kernel", kernel)
    if array.ndim != 2:
        raise ValueError(f"kernel must be 2-D (rows, cols), got shape {array.shape}")
    kh, kw = array.shape
    if not (1 <= kh <= MAX_KERNEL_SIZE and 1 <= kw <= MAX_KERNEL_SIZE):
        raise ValueError(f"kernel must be between 1x1 and {MAX_KERNEL_SIZE}x{MAX_KERNEL_SIZE}, got shape {(kh, kw)}")
    return array


def _check_fits(image_shape: tuple[int, ...], kernel_shape: tuple[int, int], padding: str) -> None:
    if padding == "valid" and (kernel_shape[0] > image_shape[0] or kernel_shape[1] > image_shape[1]):
        raise ValueError(
            f"kernel of shape {kernel_shape} is larger than the image ({image_shape[0]}x{image_shape[1]}); "
            "with padding 'valid' it must fit inside the image"
        )


# ------------------------------------------------------------------------------------------------ sizes


def padding_amounts(kernel_shape: tuple[int, int], *, padding: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Rows/columns added on each side: ``((top, bottom), (left, right))``.

    For the "same" modes ``top = kh // 2`` (the anchor) and ``bottom = kh - 1 - top``; ``"valid"`` adds none.
    """
    kh, kw = _check_kernel_shape(kernel_shape)
    if _check_padding(padding) == "valid":
        return (0, 0), (0, 0)
    return (kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2)


def output_size(size: int, kernel: int, *, padding: str, stride: int) -> int:
    """Length of the output along one axis: ``floor((size + total_padding - kernel) / stride) + 1``.

    ``total_padding`` is ``kernel - 1`` for the "same" modes and 0 for ``"valid"``.
    """
    size = checks.integer("size", size, 1, wrong_type=ValueError)
    kernel = checks.integer("kernel", kernel, 1, MAX_KERNEL_SIZE, wrong_type=ValueError)
    stride = _check_stride(stride)
    amounts = padding_amounts((kernel, 1), padding=padding)[0]  # (before, after) along this axis
    try:
        return sizes.output_size(size, kernel=kernel, stride=stride, padding=amounts)
    except ValueError:  # every argument is checked above: the kernel does not fit
        raise ValueError(
            f"kernel ({kernel}) is larger than the image ({size}); with padding 'valid' it must fit"
        ) from None


def output_shape(
    image_shape: tuple[int, ...], kernel_shape: tuple[int, int], *, padding: str, stride: int
) -> tuple[int, int]:
    """``(H_out, W_out)`` for an image of shape ``(H, W[, C])`` (channels are kept as they are)."""
    if not isinstance(image_shape, (tuple, list)) or len(image_shape) not in (2, 3):
        raise ValueError(f"image shape must be (H, W) or (H, W, C), got {image_shape!r}")
    kh, kw = _check_kernel_shape(kernel_shape)
    return (
        output_size(image_shape[0], kh, padding=padding, stride=stride),
        output_size(image_shape[1], kw, padding=padding, stride=stride),
    )


# ------------------------------------------------------------------------------------------- filtering


def _correlate_wrap(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Periodic padding: pad with ``BORDER_WRAP``, filter the padded array in place, crop.

    Filtering in place keeps one full-size buffer instead of two; a second one costs more than the
    filtering itself for small kernels (fresh pages from the allocator). ``cv2.filter2D`` supports
    ``dst is src``: its row-buffered engine reads rows ahead of writing them, and its IPP and DFT
    branches check for ``src == dst`` and step aside or use a temporary. The unit tests compare this
    mode against SciPy's ``grid-wrap`` for every kernel size.
    """
    (top, bottom), (left, right) = padding_amounts(kernel.shape, padding="wrap")
    padded = cv2.copyMakeBorder(image, top, bottom, left, right, cv2.BORDER_WRAP)
    cv2.filter2D(padded, -1, kernel, dst=padded, borderType=cv2.BORDER_CONSTANT)
    if padded.ndim < image.ndim:  # cv2 drops a single channel axis
        padded = padded[:, :, None]
    return padded[top : top + image.shape[0], left : left + image.shape[1]]


def correlate(
    image: np.ndarray, kernel: np.ndarray, *, padding: str = "zero", stride: int = 1, check_finite: bool = True
) -> np.ndarray:
    """Slide ``kernel`` over ``image`` (cross-correlation, no kernel flip; see the module docstring).

    Parameters
    ----------
    image : (H, W) or (H, W, C) real array (converted to float32; uint8 divided by 255); every channel is
        filtered on its own.
    kernel : (kh, kw) real array, ``1 <= kh, kw <= 15``.
    padding : one of :data:`PADDING_MODES`.
    stride : 1 to 4; the output keeps every ``stride``-th pixel of the stride-1 result, starting at 0.
    check_finite : refuse an image holding NaN or infinity (as ``scipy.linalg`` does). The check is a full
        pass over the image, about a sixth of a 3 x 3 filter's time; callers whose images come from
        :func:`explorer.images.imageio.load_image` or :mod:`explorer.images.samples` (always finite) may turn it off.
        The kernel is always checked.

    Returns
    -------
    (H_out, W_out) or (H_out, W_out, C) float32, sizes given by :func:`output_shape`. The array may be a
    view into a larger buffer (``"valid"`` crops without copying).
    """
    image = _check_image(image, check_finite=check_finite)
    kernel = check_kernel(kernel)
    padding = _check_padding(padding)
    stride = _check_stride(stride)
    _check_fits(image.shape, kernel.shape, padding)

    if padding == "wrap":
        out = _correlate_wrap(image, kernel)
    else:
        # For "valid" the border mode doesn't matter: the rows/columns it affects are cropped away.
        border = cv2.BORDER_REFLECT_101 if padding == "valid" else _CV2_BORDER[padding]
        out = cv2.filter2D(image, -1, kernel, borderType=border)
        if out.ndim < image.ndim:  # cv2 drops a single channel axis
            out = out[:, :, None]
    if padding == "valid":
        kh, kw = kernel.shape
        top, left = kh // 2, kw // 2
        out = out[top : top + image.shape[0] - kh + 1, left : left + image.shape[1] - kw + 1]
    if stride > 1:
        # Output pixel i of stride s has its window at padded row i * s, i.e. stride-1 output i * s.
        out = np.ascontiguousarray(out[::stride, ::stride])
    return out


def pad(image: np.ndarray, kernel_shape: tuple[int, int], *, padding: str) -> np.ndarray:
    """The array the kernel slides over: ``image`` padded by :func:`padding_amounts`, float32.

    ``(H + kh - 1, W + kw - 1[, C])`` for the "same" modes; for ``"valid"`` the image itself.
    """
    image = _check_image(image)
    (top, bottom), (left, right) = padding_amounts(kernel_shape, padding=padding)
    if padding == "valid":
        return image.copy()
    padded = cv2.copyMakeBorder(image, top, bottom, left, right, _CV2_BORDER[padding], value=0)
    return padded[:, :, None] if image.ndim == 3 and padded.ndim == 2 else padded


def _source_index(index: np.ndarray, n: int, padding: str) -> np.ndarray:
    """Which input row/column a (possibly outside) index reads from; -1 means a zero from the padding."""
    if padding == "zero":
        return np.where((index >= 0) & (index < n), index, -1)
    if padding == "replicate":
        return np.clip(index, 0, n - 1)
    if padding == "wrap":
        return index % n
    if n == 1:  # reflect of a single pixel: everything is that pixel
        return np.zeros_like(index)
    period = 2 * n - 2  # reflect-101 repeats every 2n - 2 samples
    index = index % period
    return np.where(index >= n, period - index, index)


def worked_example(
    image: np.ndarray, kernel: np.ndarray, *, row: int, col: int, padding: str = "zero", stride: int = 1
) -> WorkedExample:
    """Work out the output pixel nearest to a clicked input pixel ``(row, col)`` of a 2-D image.

    The output pixel chosen is the one whose window centre (the kernel's anchor) lies nearest to
    ``(row, col)``, clamped to the output. See :class:`WorkedExample` for the fields.
    """
    image = _check_image(image)
    if image.ndim != 2:
        raise ValueError(f"image must be 2-D (H, W) for a worked example, got shape {image.shape}")
    kernel = check_kernel(kernel)
    padding = _check_padding(padding)
    stride = _check_stride(stride)
    _check_fits(image.shape, kernel.shape, padding)
    h, w = image.shape
    row = checks.integer("row", row, 0, h - 1, wrong_type=ValueError)
    col = checks.integer("col", col, 0, w - 1, wrong_type=ValueError)
    kh, kw = kernel.shape
    out_h, out_w = output_shape(image.shape, kernel.shape, padding=padding, stride=stride)
    (pad_top, _), (pad_left, _) = padding_amounts(kernel.shape, padding=padding)
    # Output i's window starts at input row i * s - pad_top; its centre is kh // 2 further down.
    centre_offset_r, centre_offset_c = kh // 2 - pad_top, kw // 2 - pad_left
    out_row = min(max(math.floor((row - centre_offset_r) / stride + 0.5), 0), out_h - 1)
    out_col = min(max(math.floor((col - centre_offset_c) / stride + 0.5), 0), out_w - 1)
    top, left = out_row * stride - pad_top, out_col * stride - pad_left
    rows = _source_index(np.arange(top, top + kh), h, padding)
    cols = _source_index(np.arange(left, left + kw), w, padding)
    patch = image[np.ix_(np.maximum(rows, 0), np.maximum(cols, 0))]
    patch = np.where((rows[:, None] >= 0) & (cols[None, :] >= 0), patch, 0).astype(np.float32)
    products = (patch * kernel).astype(np.float32)
    return WorkedExample(
        out_row=int(out_row),
        out_col=int(out_col),
        top=int(top),
        left=int(left),
        patch=patch,
        products=products,
        total=float(products.sum(dtype=np.float64)),
    )


def frequency_response(kernel: np.ndarray, *, size: int = 64) -> np.ndarray:
    """How strongly the kernel passes each spatial frequency: ``(size, size) float32``, ``>= 0``.

    The magnitude of the 2-D DFT of the kernel zero-padded to ``size x size`` (``size`` from the kernel's
    longest side to :data:`MAX_RESPONSE_SIZE`), shifted so zero frequency (flat areas) is in the centre and
    the finest patterns at the edges. The centre value equals the kernel's sum. A blur is bright in the
    middle (low-pass), an edge kernel dark there (high-pass).
    """
    kernel = check_kernel(kernel)
    size = checks.integer("size", size, 1, MAX_RESPONSE_SIZE)
    if size < max(kernel.shape):
        raise ValueError(f"size must be at least the kernel size ({max(kernel.shape)}), got {size}")
    spectrum = np.fft.fft2(kernel.astype(np.float64), s=(size, size))
    return np.abs(np.fft.fftshift(spectrum)).astype(np.float32)


# ------------------------------------------------------------------------------------------- the window
# The window outlined on the click-to-inspect picture is at least this many screen pixels across, so a 3 x 3
# kernel's square stays visible on a large photo.
MIN_WINDOW_PX = 9
WINDOW_COLOUR = (220, 30, 30)


def window_picture(
    image: np.ndarray, *, width: int, box: tuple[int, int, int, int] | None = None, min_px: int = MIN_WINDOW_PX
) -> np.ndarray:
    """A gray image resized (bilinear) to ``width`` columns with the kernel's window outlined in red.

    image : ``(H, W)`` float in ``[0, 1]`` (clipped) -> ``(h, width, 3) uint8`` with ``h = max(1, round(H·width/W))``.
    box : ``(top, left, rows, cols)`` in image pixels (it may hang over the border), e.g. a worked example's
        window; drawn as a two-pixel outline at least ``min_px`` picture pixels across, clipped to the picture.
    """
    array = _check_image(image, check_finite=False)
    if array.ndim != 2:
        raise ValueError(f"image must be a 2-D gray image (H, W), got shape {array.shape}")
    width = checks.integer("width", width, 1, 10_000)
    min_px = checks.integer("min_px", min_px, 1, 10_000)
    rows, cols = array.shape
    height = max(1, round(rows * width / cols))
    gray = Image.fromarray(to_display(array, mode="clip")).resize((width, height), Image.Resampling.BILINEAR)
    picture = np.array(gray.convert("RGB"))
    if box is None:
        return picture
    if not isinstance(box, (tuple, list)) or len(box) != 4:
        raise ValueError(f"box must be (top, left, rows, cols), got {box!r}")
    top = checks.integer("box top", box[0], -100_000, 100_000)
    left = checks.integer("box left", box[1], -100_000, 100_000)
    box_rows = checks.integer("box rows", box[2], 1, 100_000)
    box_cols = checks.integer("box cols", box[3], 1, 100_000)
    scale = width / cols
    centre_r, centre_c = (top + box_rows / 2) * scale, (left + box_cols / 2) * scale
    half_r, half_c = max(box_rows * scale, min_px) / 2, max(box_cols * scale, min_px) / 2
    r0, r1 = int(round(centre_r - half_r)), int(round(centre_r + half_r))
    c0, c1 = int(round(centre_c - half_c)), int(round(centre_c + half_c))
    colour = np.array(WINDOW_COLOUR, dtype=np.uint8)
    for r in (r0 - 1, r0, r1, r1 + 1):  # two-pixel outline, clipped to the picture
        if 0 <= r < height:
            picture[r, max(c0 - 1, 0) : min(c1 + 2, width)] = colour
    for c in (c0 - 1, c0, c1, c1 + 1):
        if 0 <= c < width:
            picture[max(r0 - 1, 0) : min(r1 + 2, height), c] = colour
    return picture

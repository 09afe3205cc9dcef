"""The image as a sum of stripes: the 2-D discrete Fourier transform, masks in frequency, phase versus magnitude,
and why filtering with a kernel is a multiplication of spectra.

Images are gray ``(H, W)``: floats (normally in ``[0, 1]``) and integers are transformed as the numbers they hold,
except ``uint8``, which is byte levels divided by 255 (the dtype rule of :mod:`explorer.core.dtype`).

Conventions (the same as ``np.fft`` and ``cv2.dft``):

- :func:`spectrum` is the **centred** DFT, ``np.fft.fftshift(np.fft.fft2(image))``: zero frequency (the sum of
  all pixels) sits at index ``(rows // 2, cols // 2)``, the finest patterns at the borders. It is
  ``complex128``, so a round trip back to the image is exact to ~1e-12 whatever the image's dtype.
- A frequency's distance from the centre is measured in **index steps** of that centred array:
  ``d = sqrt((r - rows // 2)² + (c - cols // 2)²)``. One step along the rows is one cycle per image height,
  along the columns one cycle per image width; on a square image both are the same.
- A mask is a ``(rows, cols) float32`` array in ``[0, 1]`` laid on the centred spectrum: 1 keeps a frequency,
  0 removes it. The masks made here are symmetric about the centre (a frequency and its mirror twin get the
  same weight), which is what keeps the filtered image real.

Working size: a 512 × 512 photo has a quarter of a million frequencies; the page works on the gray image
shrunk so that its longest side is :data:`FFT_SIZE` (see :func:`working_image`), which keeps every
transform a few milliseconds.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import cv2
import numpy as np

from explorer.core import checks, dtype, resize
from explorer.images import convolution
from explorer.images import kernels as kernels_module

# Longest side of the image the page transforms: 256 px keeps structure visible in the spectrum and every
# FFT, mask and picture under a few milliseconds, so a rerun stays well inside 100 ms.
FFT_SIZE = 256
# Largest working size accepted: 2048² complex128 spectra are 64 MB each, the most one call should hold.
MAX_FFT_SIZE = 2048
# Largest frequency distance that can matter on a FFT_SIZE image: the corner, sqrt(128² + 128²) ≈ 181.
MAX_RADIUS = math.ceil(math.hypot(FFT_SIZE / 2, FFT_SIZE / 2))

MASK_KINDS = ("low-pass", "high-pass", "band-pass")
PROFILES = ("ideal", "gaussian")


@dataclass(frozen=True)
class RowSpectrum:
    """One image row and its 1-D DFT.

    ``values``: ``(W,) float32`` the row's pixels; ``frequencies``: ``(W,) float64`` in cycles per pixel,
    ascending from ``-0.5`` (centred like the 2-D spectrum); ``magnitude``: ``(W,) float64``, ``|DFT|`` at
    those frequencies (the value at 0 is the sum of the row).
    """

    values: np.ndarray
    frequencies: np.ndarray
    magnitude: np.ndarray


@dataclass(frozen=True)
class TheoremCheck:
    """Filtering in space against multiplying spectra, on one image and one kernel (all ``(H, W) float32``).

    ``by_fft`` is the periodic cross-correlation computed as ``ifft2(fft2(image) * conj(fft2(kernel)))``;
    ``spatial_wrap`` / ``spatial_zero`` are ``convolution.correlate`` with ``padding="wrap"`` / ``"zero"``.
    ``wrap_difference`` and ``zero_difference`` are the largest ``|spatial - by_fft|``;
    ``zero_difference_inside`` is the same for zero padding, but only over pixels whose window never leaves
    the image (``nan`` when there are none).
    """

    by_fft: np.ndarray
    spatial_wrap: np.ndarray
    spatial_zero: np.ndarray
    wrap_difference: float
    zero_difference: float
    zero_difference_inside: float


@dataclass(frozen=True)
class KernelView:
    """What filtering with one kernel looks like in frequency, for one image (arrays ``(H, W) float32``).

    ``gain``: the frequency response ``|kernel_spectrum|`` divided by its peak, in ``[0, 1]`` (all zeros for an
    all-zero kernel); ``filtered_log``: ``log(1 + |F · conj(H)|)``, the log spectrum after correlating (the
    conjugate has the same magnitude, so this is ``log(1 + |F| |H|)``); ``check``: :func:`check_theorem`;
    ``zero_gap``: ``|spatial_zero - by_fft|`` in the top-left ``corner × corner`` pixels (fewer on a smaller
    image), where zero padding disagrees with the periodic DFT; ``centre``: the response at zero frequency,
    ``|sum of the kernel|``.
    """

    gain: np.ndarray
    filtered_log: np.ndarray
    check: TheoremCheck
    zero_gap: np.ndarray
    centre: float


# ----------------------------------------------------------------------------------------------- checks


def _check_image(image: object, name: str = "image", *, any_size: bool = False) -> np.ndarray:
    # uint8 is byte levels, divided by 255 (the dtype rule); other integers and floats as they are. At most
    # MAX_FFT_SIZE px unless any_size.
    return checks.gray_image(name, image, max_side=None if any_size else MAX_FFT_SIZE)


def _check_spectrum(spectrum_: object) -> np.ndarray:
    array = np.asarray(spectrum_)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"spectrum must be 2-D (H, W), got shape {array.shape}")
    if array.dtype.kind not in "iufc":
        raise TypeError(f"spectrum must hold (complex) numbers, got dtype {array.dtype}")
    return array


def _check_shape(shape: object) -> tuple[int, int]:
    if (
        not isinstance(shape, (tuple, list))
        or len(shape) != 2
        or not all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and 1 <= int(n) <= MAX_FFT_SIZE for n in shape
        )
    ):
        raise ValueError(f"shape must be 2 integers (rows, cols) from 1 to {MAX_FFT_SIZE}, got {shape!r}")
    return int(shape[0]), int(shape[1])


def _check_radius(name: str, value: object) -> float:
    # In frequency steps from the centre (see the module docstring), >= 0 and not bounded above.
    return checks.number(name, value, 0.0, wrong_type=TypeError)


def _check_mask(mask: object, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(mask)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"mask must hold real numbers, got dtype {array.dtype}")
    if array.shape != tuple(shape):
        raise ValueError(f"mask must have the spectrum's shape {tuple(shape)}, got shape {array.shape}")
    array = array.astype(np.float32, copy=False)
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError("mask values must be finite and between 0 and 1")
    return array


# ------------------------------------------------------------------------------------------ transforms


def working_image(image: np.ndarray, *, size: int = FFT_SIZE) -> np.ndarray:
    """The image the page transforms: ``(H, W)`` -> ``(h, w) float32``, longest side at most ``size``.

    Larger images are shrunk with area averaging (``cv2.INTER_AREA``, which does not alias); smaller ones
    are returned as they are (as float32): enlarging adds no frequencies.
    """
    size = checks.integer("size", size, 1, MAX_FFT_SIZE, wrong_type=ValueError)
    array = _check_image(image, any_size=True)
    resized = resize.fit_within(array, max_side=size)
    return resized.copy() if resized is array else resized


def resize_to(image: np.ndarray, *, shape: tuple[int, int]) -> np.ndarray:
    """``(H, W)`` -> ``(rows, cols) float32`` (area averaging when shrinking, bilinear when enlarging).

    Used to give a second image the current image's shape before swapping their magnitudes.
    """
    rows, cols = _check_shape(shape)
    array = _check_image(image, any_size=True)
    shrink = rows * cols <= array.shape[0] * array.shape[1]
    method = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return cv2.resize(array, (cols, rows), interpolation=method).reshape(rows, cols)


def spectrum(image: np.ndarray) -> np.ndarray:
    """The centred 2-D DFT: ``(H, W)`` real -> ``(H, W) complex128``, ``fftshift(fft2(image))``."""
    return np.fft.fftshift(np.fft.fft2(_check_image(image).astype(np.float64)))


def reconstruct(spectrum_: np.ndarray) -> np.ndarray:
    """Back from a centred spectrum to an image: ``(H, W)`` -> ``(H, W) float32``, the real part of the inverse.

    For a spectrum made by :func:`spectrum` (or times a symmetric mask) the imaginary part is rounding noise.
    """
    array = _check_spectrum(spectrum_)
    return np.fft.ifft2(np.fft.ifftshift(array)).real.astype(np.float32)


def log_magnitude(spectrum_: np.ndarray) -> np.ndarray:
    """``log(1 + |F|)`` as ``(H, W) float32``: without the log only the centre would be visible."""
    return np.log1p(np.abs(_check_spectrum(spectrum_))).astype(np.float32)


def phase(spectrum_: np.ndarray) -> np.ndarray:
    """The angle of each frequency, ``(H, W) float32`` in ``[-pi, pi]`` (where each stripe starts)."""
    return np.angle(_check_spectrum(spectrum_)).astype(np.float32)


def row_spectrum(image: np.ndarray, *, row: int) -> RowSpectrum:
    """Row ``row`` of a gray image and the magnitude of its 1-D DFT, centred (see :class:`RowSpectrum`)."""
    array = _check_image(image)
    row = checks.integer("row", row, 0, array.shape[0] - 1, wrong_type=ValueError)
    values = array[row].copy()
    width = values.shape[0]
    magnitude = np.abs(np.fft.fftshift(np.fft.fft(values.astype(np.float64))))
    frequencies = np.fft.fftshift(np.fft.fftfreq(width))
    return RowSpectrum(values=values, frequencies=frequencies, magnitude=magnitude)


# ------------------------------------------------------------------------------------------------ masks


def distance_from_centre(shape: tuple[int, int]) -> np.ndarray:
    """``(rows, cols) float64``: each frequency's distance in index steps from ``(rows // 2, cols // 2)``."""
    rows, cols = _check_shape(shape)
    r = np.arange(rows, dtype=np.float64) - rows // 2
    c = np.arange(cols, dtype=np.float64) - cols // 2
    return np.sqrt(r[:, None] ** 2 + c[None, :] ** 2)


def _low_pass(distance: np.ndarray, radius: float, profile: str) -> np.ndarray:
    if profile == "ideal" or radius == 0:  # a Gaussian of width 0 keeps only the centre, like an ideal one
        return (distance <= radius).astype(np.float32)
    return np.exp(-(distance**2) / (2.0 * radius**2)).astype(np.float32)


def frequency_mask(
    shape: tuple[int, int],
    *,
    kind: str,
    profile: str = "ideal",
    radius: float = 0.0,
    inner: float = 0.0,
    outer: float = 0.0,
) -> np.ndarray:
    """A mask for the centred spectrum: ``(rows, cols) float32`` in ``[0, 1]``; ``d`` is the distance to the centre.

    - ``"low-pass"`` (uses ``radius``): ideal ``d <= radius``; gaussian ``exp(-d² / (2 radius²))``;
    - ``"high-pass"`` (uses ``radius``): ``1 - low-pass``;
    - ``"band-pass"`` (uses ``inner <= outer``): ``low-pass(outer) * high-pass(inner)``, so ideal keeps
      ``inner < d <= outer``.

    Radii are in frequency steps (see the module docstring) and must be ``>= 0``.
    """
    rows, cols = _check_shape(shape)
    if kind not in MASK_KINDS:
        raise ValueError(f"kind must be one of {MASK_KINDS}, got {kind!r}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    distance = distance_from_centre((rows, cols))
    if kind == "band-pass":
        inner, outer = _check_radius("inner", inner), _check_radius("outer", outer)
        if inner > outer:
            raise ValueError(f"inner radius must not exceed the outer radius, got inner {inner:g} > outer {outer:g}")
        return (_low_pass(distance, outer, profile) * (1.0 - _low_pass(distance, inner, profile))).astype(np.float32)
    low = _low_pass(distance, _check_radius("radius", radius), profile)
    return low if kind == "low-pass" else (1.0 - low).astype(np.float32)


def mirror(mask: np.ndarray) -> np.ndarray:
    """The mask turned half a turn about the spectrum's centre: frequency ``f`` goes to ``-f``. ``(H, W)`` kept.

    In the centred layout index ``i`` holds frequency ``i - n // 2``, whose twin ``-(i - n // 2)`` sits at
    ``(2 * (n // 2) - i) mod n``.
    """
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {array.shape}")
    rows, cols = array.shape
    r = (2 * (rows // 2) - np.arange(rows)) % rows
    c = (2 * (cols // 2) - np.arange(cols)) % cols
    return array[np.ix_(r, c)]


def drawn_mask(strokes: np.ndarray, *, shape: tuple[int, int], keep: bool = True) -> np.ndarray:
    """A mask from strokes drawn over the spectrum: ``(h, w)`` opacity -> ``(rows, cols) float32``.

    ``strokes`` is ``uint8`` (0..255, divided by 255: the dtype rule of :mod:`explorer.core.dtype`), float in
    ``[0, 1]`` (clipped; NaN counts as 0) or bool. It may have any size (the canvas is drawn larger than the
    spectrum): it is resized to ``shape`` with area averaging. The drawing is made symmetric
    (``max(mask, mirror(mask))``) because a real image's spectrum is: a frequency and its twin together make
    one stripe, and keeping only one of them would leave a complex image. ``keep=True`` keeps what was drawn,
    ``keep=False`` removes it. Raises ``ValueError`` when nothing is drawn.
    """
    rows, cols = _check_shape(shape)
    array = np.asarray(strokes)
    if array.dtype != np.uint8 and array.dtype.kind not in "bf":
        raise TypeError(f"strokes must be uint8 (opacity 0..255), float in [0, 1] or bool, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"strokes must be 2-D (h, w), got shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.float32)
    array = np.clip(np.nan_to_num(dtype.to_float(array)), 0.0, 1.0)
    if not array.any():
        raise ValueError("the drawn mask is empty: draw on the spectrum to choose which frequencies to keep or remove")
    resized = cv2.resize(array, (cols, rows), interpolation=cv2.INTER_AREA).reshape(rows, cols)
    drawn = np.clip(np.maximum(resized, mirror(resized)), 0.0, 1.0).astype(np.float32)
    return drawn if keep else (1.0 - drawn).astype(np.float32)


def apply_mask(spectrum_: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Multiply a centred spectrum by a mask: ``(filtered spectrum complex128, reconstruction (H, W) float32)``."""
    array = _check_spectrum(spectrum_)
    weights = _check_mask(mask, array.shape)
    filtered = array * weights
    return filtered, reconstruct(filtered)


def kept_energy(spectrum_: np.ndarray, mask: np.ndarray) -> float:
    """Fraction of the spectrum's energy ``sum |F|²`` that survives the mask, in ``[0, 1]`` (1 for an all-zero image).

    By Parseval's theorem this is also the fraction of the image's sum of squared pixel values that remains.
    """
    array = _check_spectrum(spectrum_)
    weights = _check_mask(mask, array.shape)
    power = np.abs(array) ** 2
    total = float(power.sum())
    return float((power * weights.astype(np.float64) ** 2).sum()) / total if total > 0 else 1.0


# ----------------------------------------------------------------------------------- phase and magnitude


def combine(*, magnitude_from: np.ndarray, phase_from: np.ndarray) -> np.ndarray:
    """The image whose spectrum has the magnitudes of one image and the phases of another: ``(H, W) float32``.

    ``reconstruct(|F(magnitude_from)| * exp(i * angle(F(phase_from))))``. Both must be 2-D of the same shape.
    """
    a = _check_image(magnitude_from, "magnitude_from")
    b = _check_image(phase_from, "phase_from")
    if a.shape != b.shape:
        raise ValueError(
            f"magnitude_from and phase_from must have the same shape, got {a.shape} and {b.shape}; "
            "resize one with resize_to"
        )
    return reconstruct(np.abs(spectrum(a)) * np.exp(1j * np.angle(spectrum(b))))


# ----------------------------------------------------------------------------------- kernels and spectra


def kernel_spectrum(kernel: np.ndarray, *, shape: tuple[int, int]) -> np.ndarray:
    """The kernel's centred DFT on a ``(rows, cols)`` grid: ``(rows, cols) complex128``.

    The kernel is laid on an all-zero image of that shape with its anchor ``(kh // 2, kw // 2)`` (the cell
    that sits on the output pixel, as in ``convolution.correlate``) at index ``(0, 0)``; cells above or left
    of the anchor wrap around to the far end. A kernel larger than the grid wraps onto itself (taps that land
    on the same cell add up), which is what periodic filtering does. ``|kernel_spectrum|`` is the kernel's
    frequency response: its centre value is the sum of the kernel.
    """
    array = kernels_module.check_kernel(kernel).astype(np.float64)
    rows, cols = _check_shape(shape)
    kh, kw = array.shape
    placed = np.zeros((rows, cols), dtype=np.float64)
    r = (np.arange(kh) - kh // 2) % rows
    c = (np.arange(kw) - kw // 2) % cols
    np.add.at(placed, np.ix_(r, c), array)
    return np.fft.fftshift(np.fft.fft2(placed))


def correlate_by_fft(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Cross-correlation with periodic ("wrap") borders, done by multiplying spectra: ``(H, W) float32``.

    ``convolution.correlate`` lays the kernel on the image as written (no flip). A *convolution* flips the
    kernel, and the convolution theorem says convolving multiplies spectra; correlating with a real kernel is
    convolving with the flipped kernel, whose spectrum is the complex conjugate. Hence
    ``ifft2(fft2(image) * conj(fft2(kernel placed at its anchor)))``.
    """
    array = _check_image(image)
    kernel_f = np.fft.ifftshift(kernel_spectrum(kernel, shape=array.shape))
    return np.fft.ifft2(np.fft.fft2(array.astype(np.float64)) * np.conj(kernel_f)).real.astype(np.float32)


def check_theorem(image: np.ndarray, kernel: np.ndarray) -> TheoremCheck:
    """Compare :func:`correlate_by_fft` with ``convolution.correlate`` under wrap and zero padding.

    With ``"wrap"`` both compute the same sums and agree to float32 rounding (~1e-6 on images in ``[0, 1]``).
    With ``"zero"`` the spatial filter sees zeros beyond the border while the DFT sees the opposite side of
    the image, so they differ in a band as wide as the kernel's reach; inside that band they agree again.
    """
    array = _check_image(image)
    kernel_array = kernels_module.check_kernel(kernel)
    by_fft = correlate_by_fft(array, kernel_array)
    spatial_wrap = convolution.correlate(array, kernel_array, padding="wrap")
    spatial_zero = convolution.correlate(array, kernel_array, padding="zero")
    kh, kw = kernel_array.shape
    top, bottom, left, right = kh // 2, kh - 1 - kh // 2, kw // 2, kw - 1 - kw // 2
    zero_gap = np.abs(spatial_zero - by_fft)
    inside = zero_gap[top : array.shape[0] - bottom, left : array.shape[1] - right]
    return TheoremCheck(
        by_fft=by_fft,
        spatial_wrap=spatial_wrap,
        spatial_zero=spatial_zero,
        wrap_difference=float(np.abs(spatial_wrap - by_fft).max()),
        zero_difference=float(zero_gap.max()),
        zero_difference_inside=float(inside.max()) if inside.size else float("nan"),
    )


def kernel_view(image: np.ndarray, kernel: np.ndarray, *, corner: int = 16) -> KernelView:
    """The kernel's response at the image's shape, the filtered spectrum and :func:`check_theorem` (see
    :class:`KernelView`); ``corner`` (1 to ``MAX_FFT_SIZE``) is the side of the zero-padding corner kept.
    """
    array = _check_image(image)
    kernel_array = kernels_module.check_kernel(kernel)
    corner = checks.integer("corner", corner, 1, MAX_FFT_SIZE, wrong_type=ValueError)
    response = kernel_spectrum(kernel_array, shape=array.shape)
    check = check_theorem(array, kernel_array)
    gain = np.abs(response)
    peak = float(gain.max())
    rows, cols = array.shape
    return KernelView(
        gain=(gain / peak if peak > 0 else gain).astype(np.float32),
        filtered_log=log_magnitude(spectrum(array) * np.conj(response)),
        check=check,
        zero_gap=np.abs(check.spatial_zero - check.by_fft)[:corner, :corner],
        centre=float(gain[rows // 2, cols // 2]),
    )


def keeps_mean(mask: np.ndarray) -> bool:
    """Whether a mask for the centred spectrum keeps the zero frequency (weight at least 0.5 at the centre):
    then the filtered image keeps the mean brightness and stays around ``[0, 1]``."""
    weights = np.asarray(mask)
    if weights.ndim != 2 or weights.shape[0] < 1 or weights.shape[1] < 1:
        raise ValueError(f"mask must be 2-D (H, W) with at least one pixel, got shape {weights.shape}")
    rows, cols = weights.shape
    return bool(weights[rows // 2, cols // 2] >= 0.5)

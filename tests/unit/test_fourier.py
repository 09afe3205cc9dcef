"""explorer.classical.fourier against NumPy's FFT, SciPy's filters and small cases worked out by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from explorer.classical import fourier
from explorer.images import convolution, kernels

RNG = np.random.default_rng(7)
IMAGE = RNG.random((24, 31), dtype=np.float32)  # odd and even sides, not square


# ------------------------------------------------------------------------------------------- transforms


def test_spectrum_is_the_shifted_numpy_fft():
    expected = np.fft.fftshift(np.fft.fft2(IMAGE.astype(np.float64)))
    result = fourier.spectrum(IMAGE)
    assert result.shape == IMAGE.shape and result.dtype == np.complex128
    np.testing.assert_allclose(result, expected, atol=1e-9)


def test_spectrum_hand_cases():
    # A constant c on 4 x 4: everything at zero frequency, which sits at (2, 2), value 16 c.
    flat = fourier.spectrum(np.full((4, 4), 0.25, np.float32))
    expected = np.zeros((4, 4), complex)
    expected[2, 2] = 4.0
    np.testing.assert_allclose(flat, expected, atol=1e-12)
    # A single bright pixel at (0, 0): every frequency with magnitude 1 and phase 0.
    delta = np.zeros((4, 4), np.float32)
    delta[0, 0] = 1
    np.testing.assert_allclose(fourier.spectrum(delta), np.ones((4, 4)), atol=1e-12)
    # Vertical stripes cos(2 pi * 3 c / 16): two peaks of H * W / 2 at 3 steps left and right of the centre.
    cols = np.arange(16)
    stripes = np.tile(np.cos(2 * np.pi * 3 * cols / 16), (8, 1)).astype(np.float32)
    magnitude = np.abs(fourier.spectrum(stripes))
    assert magnitude[4, 8 + 3] == pytest.approx(64, abs=1e-4)
    assert magnitude[4, 8 - 3] == pytest.approx(64, abs=1e-4)
    magnitude[4, [5, 11]] = 0
    assert magnitude.max() < 1e-4


def test_round_trip_gives_the_image_back():
    back = fourier.reconstruct(fourier.spectrum(IMAGE))
    assert back.dtype == np.float32 and back.shape == IMAGE.shape
    np.testing.assert_allclose(back, IMAGE, atol=1e-6)


@pytest.mark.parametrize("profile", fourier.PROFILES)
def test_all_pass_masks_give_the_image_back(profile):
    spectrum = fourier.spectrum(IMAGE)
    _, back = fourier.apply_mask(spectrum, np.ones(IMAGE.shape, np.float32))
    np.testing.assert_allclose(back, IMAGE, atol=1e-6)
    # An ideal low-pass reaching the corners keeps everything too; a high-pass of radius 0 only drops the mean.
    everything = fourier.frequency_mask(IMAGE.shape, kind="low-pass", profile="ideal", radius=fourier.MAX_RADIUS)
    np.testing.assert_allclose(fourier.apply_mask(spectrum, everything)[1], IMAGE, atol=1e-6)
    no_mean = fourier.frequency_mask(IMAGE.shape, kind="high-pass", profile=profile, radius=0)
    np.testing.assert_allclose(fourier.apply_mask(spectrum, no_mean)[1], IMAGE - IMAGE.mean(), atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(1, 20), cols=st.integers(1, 20), seed=st.integers(0, 1000))
def test_round_trip_any_shape(rows, cols, seed):
    image = np.random.default_rng(seed).random((rows, cols), dtype=np.float32)
    np.testing.assert_allclose(fourier.reconstruct(fourier.spectrum(image)), image, atol=1e-6)


def test_log_magnitude_and_phase():
    spectrum = fourier.spectrum(IMAGE)
    np.testing.assert_allclose(fourier.log_magnitude(spectrum), np.log(1 + np.abs(spectrum)), rtol=1e-6)
    angles = fourier.phase(spectrum)
    assert angles.dtype == np.float32 and np.abs(angles).max() <= np.pi + 1e-6
    # A pixel at (0, 1) of a 1 x 4 row: the spectrum is exp(-2 pi i k / 4), phase -pi k / 2 (wrapped).
    delta = np.array([[0, 1, 0, 0]], np.float32)
    np.testing.assert_allclose(fourier.phase(fourier.spectrum(delta))[0], [np.pi, np.pi / 2, 0, -np.pi / 2], atol=1e-6)


def test_row_spectrum_matches_the_1d_fft():
    strip = fourier.row_spectrum(IMAGE, row=5)
    np.testing.assert_array_equal(strip.values, IMAGE[5])
    np.testing.assert_allclose(strip.magnitude, np.abs(np.fft.fftshift(np.fft.fft(IMAGE[5].astype(np.float64)))))
    assert strip.frequencies[0] == pytest.approx(-15 / 31) and np.all(np.diff(strip.frequencies) > 0)
    # A row of cos(2 pi * 4 c / 32): peaks of 16 at -4/32 and +4/32 cycles per pixel, the sum (0) at 0.
    wave = np.cos(2 * np.pi * 4 * np.arange(32) / 32)[None, :].astype(np.float32)
    strip = fourier.row_spectrum(wave, row=0)
    peaks = strip.frequencies[strip.magnitude > 1]
    np.testing.assert_allclose(peaks, [-0.125, 0.125])
    assert strip.magnitude.max() == pytest.approx(16, abs=1e-4)


def test_working_image_shrinks_by_area_and_keeps_small_images():
    image = RNG.random((512, 384), dtype=np.float32)
    work = fourier.working_image(image)
    assert work.shape == (256, 192) and work.dtype == np.float32
    # Halving with area averaging is the mean of each 2 x 2 block.
    np.testing.assert_allclose(work, image.reshape(256, 2, 192, 2).mean(axis=(1, 3)), atol=1e-6)
    assert fourier.working_image(np.zeros((1, 1024), np.float32)).shape == (1, 256)
    tiny = np.array([[0.5]], np.float32)
    np.testing.assert_array_equal(fourier.working_image(tiny), tiny)


def test_resize_to_gives_the_asked_shape():
    result = fourier.resize_to(RNG.random((100, 60), dtype=np.float32), shape=(50, 30))
    assert result.shape == (50, 30) and result.dtype == np.float32
    assert fourier.resize_to(np.ones((3, 3), np.float32), shape=(8, 5)).shape == (8, 5)


# ------------------------------------------------------------------------------------------------ masks


def test_ideal_low_pass_holds_exactly_the_pixels_within_the_radius():
    # 5 x 5, centre (2, 2), radius 1: the centre and its four neighbours (the diagonals are sqrt(2) away).
    expected = np.zeros((5, 5), np.float32)
    expected[2, 1:4] = 1
    expected[1:4, 2] = 1
    np.testing.assert_array_equal(fourier.frequency_mask((5, 5), kind="low-pass", radius=1), expected)
    # 6 x 7 (centre (3, 3)), radius 2: a point counts when (r - 3)² + (c - 3)² <= 4 -- listed by hand.
    inside = {(1, 3), (2, 2), (2, 3), (2, 4), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (4, 2), (4, 3), (4, 4), (5, 3)}
    mask = fourier.frequency_mask((6, 7), kind="low-pass", profile="ideal", radius=2)
    assert {tuple(map(int, p)) for p in np.argwhere(mask == 1)} == inside
    assert set(np.unique(mask)) == {0.0, 1.0} and mask.dtype == np.float32


def test_gaussian_low_pass_values_at_hand_computed_distances():
    mask = fourier.frequency_mask((9, 9), kind="low-pass", profile="gaussian", radius=2)  # centre (4, 4), sigma 2
    assert mask[4, 4] == pytest.approx(1.0)
    assert mask[4, 5] == pytest.approx(math.exp(-1 / 8), rel=1e-6)  # d = 1
    assert mask[5, 5] == pytest.approx(math.exp(-2 / 8), rel=1e-6)  # d = sqrt(2)
    assert mask[4, 6] == pytest.approx(math.exp(-4 / 8), rel=1e-6)  # d = 2
    assert mask[0, 1] == pytest.approx(math.exp(-(16 + 9) / 8), rel=1e-5)  # d = 5
    # Radius 0: only the centre, like the ideal mask.
    zero = fourier.frequency_mask((4, 4), kind="low-pass", profile="gaussian", radius=0)
    assert zero.sum() == 1 and zero[2, 2] == 1


@pytest.mark.parametrize("profile", fourier.PROFILES)
@pytest.mark.parametrize("radius", [0, 1.5, 4, 30])
def test_high_pass_is_one_minus_low_pass(profile, radius):
    low = fourier.frequency_mask((10, 13), kind="low-pass", profile=profile, radius=radius)
    high = fourier.frequency_mask((10, 13), kind="high-pass", profile=profile, radius=radius)
    np.testing.assert_allclose(high, 1 - low, atol=1e-7)


def test_band_pass():
    # Ideal, 7 x 7, keep 1 < d <= 2: the ring of the 8 neighbours at distance sqrt(2) and the 4 points at 2.
    band = fourier.frequency_mask((7, 7), kind="band-pass", profile="ideal", inner=1, outer=2)
    expected = {(2, 2), (2, 4), (4, 2), (4, 4), (1, 3), (5, 3), (3, 1), (3, 5)}
    assert {tuple(map(int, p)) for p in np.argwhere(band == 1)} == expected
    assert band.sum() == len(expected)
    # Gaussian: low-pass(outer) times high-pass(inner); at d = 2 with inner 1, outer 3.
    gauss = fourier.frequency_mask((7, 7), kind="band-pass", profile="gaussian", inner=1, outer=3)
    assert gauss[3, 5] == pytest.approx(math.exp(-4 / 18) * (1 - math.exp(-4 / 2)), rel=1e-6)
    assert gauss[3, 3] == 0
    # A band from 0 to r is a low-pass of r without its centre point.
    low = fourier.frequency_mask((7, 7), kind="low-pass", profile="ideal", radius=2)
    low[3, 3] = 0
    np.testing.assert_array_equal(fourier.frequency_mask((7, 7), kind="band-pass", inner=0, outer=2), low)


@pytest.mark.parametrize("profile", fourier.PROFILES)
@pytest.mark.parametrize("radius", [0, 3, 20])
def test_low_pass_of_a_constant_image_is_the_constant(profile, radius):
    flat = np.full((16, 21), 0.3, np.float32)
    mask = fourier.frequency_mask(flat.shape, kind="low-pass", profile=profile, radius=radius)
    _, back = fourier.apply_mask(fourier.spectrum(flat), mask)
    np.testing.assert_allclose(back, flat, atol=1e-6)


def test_a_low_pass_matches_the_mean_when_only_the_centre_is_kept():
    mask = fourier.frequency_mask(IMAGE.shape, kind="low-pass", radius=0)
    _, back = fourier.apply_mask(fourier.spectrum(IMAGE), mask)
    np.testing.assert_allclose(back, np.full(IMAGE.shape, IMAGE.mean()), atol=1e-6)


def test_mirror_by_hand():
    # Even side 4: index i holds frequency i - 2, its twin is at (4 - i) mod 4: 0->0, 1->3, 2->2, 3->1.
    np.testing.assert_array_equal(fourier.mirror(np.array([[0, 1, 2, 3]])), [[0, 3, 2, 1]])
    # Odd side 3: centre 1, twin of i is 2 - i: a plain flip.
    np.testing.assert_array_equal(fourier.mirror(np.array([[1], [2], [3]])), [[3], [2], [1]])


def test_drawn_mask_is_resized_symmetric_and_can_remove():
    strokes = np.zeros((16, 16), np.uint8)
    strokes[2:4, 4:6] = 255  # one 2 x 2 blob on a 16 px canvas -> one pixel of an 8 x 8 spectrum
    keep = fourier.drawn_mask(strokes, shape=(8, 8))
    expected = np.zeros((8, 8), np.float32)
    expected[1, 2] = 1  # the blob, shrunk by 2
    expected[7, 6] = 1  # its twin: (2*4 - 1, 2*4 - 2)
    np.testing.assert_array_equal(keep, expected)
    np.testing.assert_array_equal(fourier.drawn_mask(strokes, shape=(8, 8), keep=False), 1 - expected)
    # Masked by a symmetric mask, the reconstruction is real: it matches the full complex inverse.
    filtered, back = fourier.apply_mask(fourier.spectrum(IMAGE[:8, :8]), keep)
    full = np.fft.ifft2(np.fft.ifftshift(filtered))
    assert np.abs(full.imag).max() < 1e-9
    np.testing.assert_allclose(back, full.real, atol=1e-6)


def test_kept_energy_is_parseval():
    mask = fourier.frequency_mask(IMAGE.shape, kind="low-pass", profile="gaussian", radius=3)
    _, back = fourier.apply_mask(fourier.spectrum(IMAGE), mask)
    # By Parseval, the share of sum |F|² kept is the share of the sum of squared pixels left in the image.
    expected = float((back.astype(np.float64) ** 2).sum() / (IMAGE.astype(np.float64) ** 2).sum())
    assert fourier.kept_energy(fourier.spectrum(IMAGE), mask) == pytest.approx(expected, rel=1e-5)
    assert fourier.kept_energy(fourier.spectrum(IMAGE), np.ones(IMAGE.shape)) == pytest.approx(1.0)


# ------------------------------------------------------------------------------------ phase and magnitude


def test_swapping_magnitude_and_phase_by_hand():
    # A: 3 at (0, 0) -> |F| = 3 everywhere, phase 0. B: 1 at (1, 2) -> |F| = 1, phase of a shift by (1, 2).
    a = np.zeros((4, 4), np.float32)
    a[0, 0] = 3
    b = np.zeros((4, 4), np.float32)
    b[1, 2] = 1
    # A's magnitude with B's phase: 3 times the spectrum of B -> 3 at (1, 2).
    np.testing.assert_allclose(fourier.combine(magnitude_from=a, phase_from=b), 3 * b, atol=1e-6)
    # B's magnitude with A's phase: all ones, phase 0 -> 1 at (0, 0).
    np.testing.assert_allclose(fourier.combine(magnitude_from=b, phase_from=a), a / 3, atol=1e-6)
    # An image combined with itself is itself.
    np.testing.assert_allclose(fourier.combine(magnitude_from=IMAGE, phase_from=IMAGE), IMAGE, atol=1e-6)


# ----------------------------------------------------------------------------------- kernels and spectra


@pytest.mark.parametrize("name", ["box blur 3×3", "box blur 10×11", "sobel x", "emboss", "gaussian 5×5", "sharpen"])
def test_convolution_theorem_matches_wrap_correlation(name):
    kernel = kernels.PRESETS[name]
    by_fft = fourier.correlate_by_fft(IMAGE, kernel)
    assert by_fft.shape == IMAGE.shape and by_fft.dtype == np.float32
    np.testing.assert_allclose(by_fft, convolution.correlate(IMAGE, kernel, padding="wrap"), atol=1e-4)
    # And against SciPy's periodic correlation (anchor kh // 2, kw // 2 as well).
    np.testing.assert_allclose(by_fft, ndimage.correlate(IMAGE, kernel, mode="grid-wrap"), atol=1e-4)


def test_convolution_theorem_with_uneven_asymmetric_kernels():
    for kernel in (np.array([[1, 2], [-3, 0.5]], np.float32), RNG.normal(size=(4, 7)).astype(np.float32)):
        reference = ndimage.correlate(IMAGE.astype(np.float64), kernel.astype(np.float64), mode="grid-wrap")
        np.testing.assert_allclose(fourier.correlate_by_fft(IMAGE, kernel), reference, atol=1e-4)


def test_check_theorem_explains_zero_padding():
    kernel = kernels.PRESETS["box blur 5×5"]
    check = fourier.check_theorem(IMAGE, kernel)
    assert check.wrap_difference < 1e-4
    np.testing.assert_allclose(check.spatial_zero, ndimage.correlate(IMAGE, kernel, mode="constant"), atol=1e-4)
    reference_gap = np.abs(
        ndimage.correlate(IMAGE, kernel, mode="constant") - ndimage.correlate(IMAGE, kernel, mode="grid-wrap")
    )
    assert check.zero_difference == pytest.approx(reference_gap.max(), abs=1e-4)
    assert check.zero_difference > 0.5  # a 5 x 5 sum of numbers in [0, 1]: zeros vs the far side differ a lot
    # Two rows / columns in from every side the window stays inside: the two agree again.
    assert check.zero_difference_inside == pytest.approx(reference_gap[2:-2, 2:-2].max(), abs=1e-4)
    assert check.zero_difference_inside < 1e-4


def test_kernel_spectrum_is_the_frequency_response():
    kernel = kernels.PRESETS["sobel x"]
    spectrum = fourier.kernel_spectrum(kernel, shape=(32, 32))
    assert spectrum[16, 16] == pytest.approx(0)  # sums to 0
    # Same magnitudes as convolution.frequency_response (kernel at the corner instead of its anchor).
    np.testing.assert_allclose(np.abs(spectrum), convolution.frequency_response(kernel, size=32), atol=1e-5)
    blur = fourier.kernel_spectrum(np.ones((3, 3)), shape=(8, 10))
    assert blur[4, 5] == pytest.approx(9)


def test_a_kernel_larger_than_the_image_wraps_onto_itself():
    tiny = np.array([[0.5]], np.float32)
    assert fourier.correlate_by_fft(tiny, np.ones((3, 3)))[0, 0] == pytest.approx(4.5)
    two = np.array([[0.0, 1.0]], np.float32)  # periodic: a 1 x 5 kernel of ones sees 0,1,0,1,0 or 1,0,1,0,1
    np.testing.assert_allclose(fourier.correlate_by_fft(two, np.ones((1, 5))), [[2.0, 3.0]], atol=1e-6)


# -------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fourier.frequency_mask((8, 8), kind="low-pass", radius=-1), "radius must be >= 0.0, got -1"),
        (lambda: fourier.frequency_mask((8, 8), kind="high-pass", radius=float("nan")), "radius must be a finite"),
        (
            lambda: fourier.frequency_mask((8, 8), kind="band-pass", inner=30, outer=10),
            "inner radius must not exceed the outer radius, got inner 30 > outer 10",
        ),
        (lambda: fourier.frequency_mask((8, 8), kind="notch", radius=1), "kind must be one of"),
        (lambda: fourier.frequency_mask((8, 8), kind="low-pass", profile="butterworth"), "profile must be one of"),
        (lambda: fourier.frequency_mask((0, 8), kind="low-pass"), "shape must be 2 integers"),
        (
            lambda: fourier.apply_mask(fourier.spectrum(IMAGE), np.ones((8, 8))),
            "mask must have the spectrum's shape (24, 31), got shape (8, 8)",
        ),
        (lambda: fourier.apply_mask(fourier.spectrum(IMAGE), np.full(IMAGE.shape, 2.0)), "between 0 and 1"),
        (lambda: fourier.drawn_mask(np.zeros((50, 50), np.uint8), shape=(8, 8)), "the drawn mask is empty"),
        (lambda: fourier.drawn_mask(np.zeros((5, 5, 4), np.uint8), shape=(8, 8)), "strokes must be 2-D"),
        (lambda: fourier.spectrum(np.zeros((4, 4, 3))), "image must be a 2-D gray image (H, W), got shape (4, 4, 3)"),
        (lambda: fourier.spectrum(np.array([[np.nan]])), "image must hold finite numbers only"),
        (lambda: fourier.spectrum(np.zeros((0, 3))), "image must have at least one pixel"),
        (lambda: fourier.spectrum(np.zeros((1, 3000))), "at most 2048 px"),
        (lambda: fourier.row_spectrum(IMAGE, row=24), "row must be from 0 to 23, got 24"),
        (
            lambda: fourier.combine(magnitude_from=IMAGE, phase_from=IMAGE[:4]),
            "magnitude_from and phase_from must have the same shape",
        ),
        (lambda: fourier.working_image(IMAGE, size=0), "size must be from 1 to 2048, got 0"),
        (lambda: fourier.kernel_spectrum(np.ones((16, 3)), shape=(8, 8)), "kernel must be between 1x1 and 15x15"),
    ],
)
def test_bad_input_is_refused_with_a_message(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


def test_wrong_types_are_refused():
    with pytest.raises(TypeError, match=r"radius must be a finite number >= 0.0, got '3'"):
        fourier.frequency_mask((8, 8), kind="low-pass", radius="3")
    with pytest.raises(TypeError, match="image must hold real numbers"):
        fourier.spectrum(np.array([["a"]]))


def test_kernel_view_against_numpy_fft_and_scipy():
    kernel = kernels.PRESETS["sobel x"]
    view = fourier.kernel_view(IMAGE, kernel, corner=16)
    # |response| is shift-invariant: the kernel padded at the corner gives the same magnitudes.
    gain = np.abs(np.fft.fftshift(np.fft.fft2(kernel.astype(np.float64), s=IMAGE.shape)))
    np.testing.assert_allclose(view.gain, gain / gain.max(), atol=1e-6)
    assert view.gain.dtype == np.float32 and view.gain.max() == pytest.approx(1.0)
    # The filtered spectrum is the spectrum of SciPy's periodic correlation.
    wrapped = ndimage.correlate(IMAGE.astype(np.float64), kernel.astype(np.float64), mode="grid-wrap")
    reference = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2(wrapped))))
    np.testing.assert_allclose(view.filtered_log, reference, rtol=1e-4, atol=1e-4)
    zero = ndimage.correlate(IMAGE, kernel, mode="constant")
    np.testing.assert_allclose(view.zero_gap, np.abs(zero - wrapped)[:16, :16], atol=1e-4)
    assert view.centre == pytest.approx(0.0, abs=1e-9)  # sobel sums to 0
    assert view.check.wrap_difference < 1e-4


def test_kernel_view_hand_cases():
    identity = np.zeros((3, 3), np.float32)
    identity[1, 1] = 1.0
    view = fourier.kernel_view(IMAGE, identity, corner=4)
    np.testing.assert_allclose(view.gain, 1.0, atol=1e-6)  # passes every frequency equally
    np.testing.assert_allclose(view.zero_gap, 0.0, atol=1e-6)  # nothing reaches past the border
    assert view.zero_gap.shape == (4, 4) and view.centre == pytest.approx(1.0)
    box = fourier.kernel_view(IMAGE, np.ones((3, 3), np.float32), corner=40)
    assert box.centre == pytest.approx(9.0) and box.zero_gap.shape == IMAGE.shape  # the corner fits the image
    flat = fourier.kernel_view(IMAGE, np.zeros((3, 3), np.float32))
    np.testing.assert_array_equal(flat.gain, 0.0)
    with pytest.raises(ValueError, match="corner must be from 1 to 2048, got 0"):
        fourier.kernel_view(IMAGE, identity, corner=0)


def test_keeps_mean_reads_the_centre_weight():
    assert fourier.keeps_mean(fourier.frequency_mask((8, 9), kind="low-pass", radius=2))
    assert not fourier.keeps_mean(fourier.frequency_mask((8, 9), kind="high-pass", radius=2))
    half = np.zeros((5, 4), np.float32)
    half[2, 2] = 0.5  # the centre of a 5 x 4 spectrum is (2, 2)
    assert fourier.keeps_mean(half) and not fourier.keeps_mean(half * 0.9)
    with pytest.raises(ValueError, match=r"mask must be 2-D \(H, W\) with at least one pixel, got shape \(3,\)"):
        fourier.keeps_mean(np.ones(3))

"""Built-in photos and test patterns, checked against the packages' own data and hand-computed patterns."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import scipy.ndimage
import skimage.data
from sklearn.datasets import load_sample_image

from explorer.images import samples

SIZE = 64


def _stripes_reference(size: int, angle: float, period: float) -> np.ndarray:
    """The documented formula, written out: rows grow downward, so 'up' is -rows."""
    centre = (size - 1) / 2
    rows, cols = np.indices((size, size), dtype=np.float64) - centre
    d = cols * np.cos(np.radians(angle)) - rows * np.sin(np.radians(angle))
    return 0.5 + 0.5 * np.cos(2 * np.pi * d / period)


GENERATORS = {
    "checkerboard": lambda: samples.checkerboard(size=SIZE, squares=4),
    "stripes": lambda: samples.stripes(size=SIZE, angle=30.0, period=8),
    "circles": lambda: samples.circles(size=SIZE),
    "letter": lambda: samples.letter(size=SIZE, text="A"),
    "step edge": lambda: samples.step_edge(size=SIZE, angle=45.0),
    "noise": lambda: samples.noise(size=SIZE, seed=3),
}


def test_pattern_names_match_generators():
    assert samples.PATTERNS == ("checkerboard", "stripes", "circles", "letter", "step edge", "noise")
    assert samples.PATTERNS_WITH_ANGLE == ("stripes", "step edge")
    assert set(GENERATORS) == set(samples.PATTERNS)


@pytest.mark.parametrize("name", samples.PATTERNS)
def test_pattern_shape_dtype_range_and_determinism(name):
    first, second = GENERATORS[name](), GENERATORS[name]()
    assert first.shape == (SIZE, SIZE)
    assert first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert first.max() - first.min() > 0.9  # uses the full range, not a flat image
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", samples.PATTERNS)
def test_render_pattern_default_size(name):
    image = samples.render_pattern(name)
    assert image.shape == (samples.PATTERN_SIZE, samples.PATTERN_SIZE) and image.dtype == np.float32


def test_checkerboard_matches_kron_of_parity():
    expected = np.kron(np.indices((4, 4)).sum(axis=0) % 2, np.ones((4, 4)))
    np.testing.assert_array_equal(samples.checkerboard(size=16, squares=4), expected)


def test_checkerboard_uneven_squares_differ_by_at_most_one_pixel():
    # 10 px in 3 squares: widths 4, 3, 3 (square index = column * 3 // 10)
    np.testing.assert_array_equal(samples.checkerboard(size=10, squares=3)[0], [0, 0, 0, 0, 1, 1, 1, 0, 0, 0])


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0])
def test_stripes_match_formula(angle):
    np.testing.assert_allclose(
        samples.stripes(size=SIZE, angle=angle, period=8), _stripes_reference(SIZE, angle, 8), atol=1e-6
    )


def test_stripes_angle_0_vary_along_columns_and_90_along_rows():
    vertical = samples.stripes(size=SIZE, angle=0.0, period=8)
    horizontal = samples.stripes(size=SIZE, angle=90.0, period=8)
    # angle 0: every row is the same (constant down each column), brightness changes from column to column
    assert np.ptp(vertical, axis=0).max() < 1e-6 and np.ptp(vertical[0]) > 0.9
    assert np.ptp(horizontal, axis=1).max() < 1e-6 and np.ptp(horizontal[:, 0]) > 0.9


def test_stripes_frequency_peak_is_size_over_period():
    spectrum = np.abs(np.fft.rfft(samples.stripes(size=SIZE, period=8)[0] - 0.5))
    assert int(np.argmax(spectrum)) == SIZE // 8


def test_step_edge_halves():
    edge = samples.step_edge(size=8, angle=0.0)
    expected = np.zeros((8, 8), np.float32)
    expected[:, 4:] = 1.0  # dark on the left at angle 0
    np.testing.assert_array_equal(edge, expected)
    np.testing.assert_array_equal(samples.step_edge(size=8, angle=180.0), expected[:, ::-1])
    np.testing.assert_array_equal(samples.step_edge(size=8, angle=90.0), expected.T[::-1])  # bright on top


def test_step_edge_oblique_is_antialiased_and_balanced():
    edge = samples.step_edge(size=SIZE, angle=30.0)
    assert 0 < np.count_nonzero((edge > 0) & (edge < 1)) < 3 * SIZE  # a thin soft band, not a ramp
    assert abs(edge.mean() - 0.5) < 0.01  # the edge goes through the centre


def test_circles_are_three_discs_of_the_documented_size():
    image = samples.circles(size=256)
    labels, count = scipy.ndimage.label(image >= 0.5)
    assert count == 3
    areas = sorted(np.bincount(labels.ravel())[1:])
    expected = sorted(np.pi * (r * 256) ** 2 for r in (0.22, 0.16, 0.09))
    np.testing.assert_allclose(areas, expected, rtol=0.03)


def test_letter_is_white_on_black_and_centred():
    image = samples.letter(size=128, text="A")
    assert image[0, 0] == 0 and image.max() == 1.0
    rows, cols = np.nonzero(image > 0.5)
    assert abs(rows.mean() - 64) < 12 and abs(cols.mean() - 64) < 12
    assert 0.05 < (image > 0.5).mean() < 0.4  # bold strokes, but mostly background
    assert not np.array_equal(image, samples.letter(size=128, text="B"))


def test_noise_is_default_rng_uniform():
    expected = np.random.default_rng(7).random((16, 16), dtype=np.float32)
    np.testing.assert_array_equal(samples.noise(size=16, seed=7), expected)
    assert not np.array_equal(samples.noise(size=16, seed=7), samples.noise(size=16, seed=8))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: samples.noise(size=4), ValueError, "size must be from 8 to 2048, got 4"),
        (lambda: samples.noise(size=4096), ValueError, "size must be from 8 to 2048, got 4096"),
        (lambda: samples.noise(size=16.0), TypeError, "size must be an integer from 8 to 2048, got 16.0 (float)"),
        (lambda: samples.noise(size=True), TypeError, "size must be an integer from 8 to 2048, got True (bool)"),
        (lambda: samples.noise(seed=-1), ValueError, "seed must be >= 0, got -1"),
        (lambda: samples.stripes(period=1), ValueError, "period must be between 2 and size (256) pixels, got 1"),
        (lambda: samples.stripes(angle=float("nan")), ValueError, "angle must be a finite number, got nan"),
        (lambda: samples.stripes(angle="45"), TypeError, "angle must be a finite number, got '45'"),
        (lambda: samples.checkerboard(squares=1), ValueError, "squares must be >= 2, got 1"),
        (lambda: samples.checkerboard(size=16, squares=17), ValueError, "squares must be at most size (16), got 17"),
        (lambda: samples.checkerboard(squares=2.0), TypeError, "squares must be an integer >= 2, got 2.0 (float)"),
        (lambda: samples.letter(text=""), ValueError, "text must be 1 to 4 printable ASCII characters"),
        (lambda: samples.letter(text="é"), ValueError, "text must be 1 to 4 printable ASCII characters"),
        (lambda: samples.letter(text=5), TypeError, "text must be a string, got int"),
        (lambda: samples.render_pattern("circles", angle=10), ValueError, "angle only applies to stripes"),
        (lambda: samples.render_pattern("zebra"), ValueError, "pattern name must be one of checkerboard"),
    ],
)
def test_pattern_bad_input_messages(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_samples_list():
    assert samples.SAMPLES[0] == "astronaut"
    assert set(samples.SAMPLES) == {
        "astronaut",
        "camera",
        "coins",
        "chelsea",
        "coffee",
        "horse",
        "moon",
        "text",
        "page",
        "brick",
        "rocket",
        "china",
        "flower",
    }


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", samples.SAMPLES)
def test_load_sample_offline_matches_package_data(name, no_network):
    image = samples.load_sample(name)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    if name in ("china", "flower"):
        reference = load_sample_image(f"{name}.jpg")
    else:
        reference = getattr(skimage.data, name)()
    if reference.dtype == bool:  # horse: a mask, shown as black and white
        reference = np.where(reference, 255, 0).astype(np.uint8)
    if reference.ndim == 2:
        reference = np.repeat(reference[:, :, None], 3, axis=2)
    np.testing.assert_array_equal(image, reference)


def test_load_sample_unknown_name():
    with pytest.raises(ValueError, match="name must be one of astronaut, camera, .*; got 'lena'"):
        samples.load_sample("lena")


def test_load_builtin_sample_and_patterns():
    np.testing.assert_array_equal(samples.load_builtin("sample:camera")[:, :, 1], skimage.data.camera())
    stripes = samples.load_builtin("pattern:stripes:45")
    assert stripes.shape == (256, 256, 3) and stripes.dtype == np.uint8
    np.testing.assert_array_equal(stripes[:, :, 0], stripes[:, :, 2])
    expected = np.round(_stripes_reference(256, 45.0, 16) * 255)
    assert np.abs(stripes[:, :, 0].astype(int) - expected).max() <= 1
    edge = samples.load_builtin("pattern:step edge")
    assert edge[0, 0, 0] == 0 and edge[0, -1, 0] == 255
    assert samples.load_builtin("pattern:step edge:90")[0, 0, 0] == 255  # bright half on top
    board = samples.load_builtin("pattern:checkerboard")
    assert set(np.unique(board)) == {0, 255}
    assert samples.load_builtin("pattern:stripes:180").shape == (256, 256, 3)
    assert samples.load_builtin("pattern:stripes:22.5").shape == (256, 256, 3)


@pytest.mark.parametrize(
    ("image_id", "message"),
    [
        ("", "image id '' is not 'sample:NAME', 'pattern:NAME' or 'pattern:NAME:ANGLE'"),
        ("astronaut", "image id 'astronaut' is not 'sample:NAME'"),
        ("upload:abc123", "image id 'upload:abc123' is not 'sample:NAME'"),
        ("<script>alert(1)</script>", "is not 'sample:NAME', 'pattern:NAME' or 'pattern:NAME:ANGLE'"),
        ("sample:", "image id 'sample:' names no sample; samples are: astronaut, camera"),
        ("sample:lena", "image id 'sample:lena' names no sample"),
        ("sample:astronaut:3", "names no sample"),
        ("pattern:zebra", "image id 'pattern:zebra' names no pattern; patterns are: checkerboard, stripes"),
        ("pattern:checkerboard:45", "only stripes, step edge take an angle, not 'checkerboard'"),
        ("pattern:stripes:181", "the angle must be a number of degrees from 0 to 180"),
        ("pattern:stripes:-5", "the angle must be a number of degrees from 0 to 180"),
        ("pattern:stripes:nan", "the angle must be a number of degrees from 0 to 180"),
        ("pattern:stripes:1e2", "the angle must be a number of degrees from 0 to 180"),
        ("pattern:stripes:", "the angle must be a number of degrees from 0 to 180"),
        ("pattern:stripes:45:1", "the angle must be a number of degrees from 0 to 180"),
        ("x" * 10_000, "image id 'xxxxxxxxxx"),
    ],
)
def test_load_builtin_refuses_garbage(image_id, message):
    with pytest.raises(ValueError) as info:
        samples.load_builtin(image_id)
    assert message in str(info.value)
    assert len(str(info.value)) < 400  # a huge id from a URL is not echoed back in full


def test_load_builtin_needs_a_string():
    with pytest.raises(TypeError, match="image_id must be a string, got NoneType"):
        samples.load_builtin(None)

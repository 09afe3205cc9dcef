"""AppTests of the Fourier page: spectrum, row strip, masks (incl. a drawn one), phase swap, kernels in frequency.

Numbers read from the page are checked against SciPy's ``ndimage.correlate`` on the same working image.
"""

import numpy as np
import pytest
from scipy import ndimage

from explorer.classical import fourier
from explorer.core import dtype
from explorer.images import kernels, samples
from tests.app.helpers import image_caption, image_url, metric, ok, use_own_image

PAGE = "app_pages/fourier.py"


def _work(image_id: str = "sample:astronaut") -> np.ndarray:
    return fourier.working_image(dtype.to_gray(samples.load_builtin(image_id)))


def test_renders_with_the_working_size_stated(open_page):
    at = open_page(PAGE)
    assert at.title[0].value == "Fourier"
    assert any("Working size: 256 × 256 px" in caption.value for caption in at.caption)
    for caption in ("Magnitude, log", "Phase", "Mask", "Spectrum × mask", "Back to an image", "Magnitude of A"):
        assert image_url(at, caption)
    assert at.get("plotly_chart")
    assert at.expander and "fourier.spectrum(work)" in at.code[0].value


@pytest.mark.parametrize(("kind", "value"), [("mask", "high-pass"), ("profile", "gaussian"), ("radius", 5)])
def test_each_mask_setting_changes_the_reconstruction(open_page, kind, value):
    at = open_page(PAGE)
    before = image_url(at, "Back to an image")
    widget = at.radio(key=f"fourier.{kind}") if kind != "radius" else at.slider(key="fourier.radius")
    ok(widget.set_value(value).run())
    assert image_url(at, "Back to an image") != before


def test_high_pass_is_drawn_stretched_and_keeps_little_energy(open_page):
    at = open_page(PAGE, query={"mask": "high-pass", "radius": "30"})
    assert "stretched" in image_caption(at, "Back to an image")
    work = _work()
    spectrum = np.fft.fftshift(np.fft.fft2(work.astype(np.float64)))
    rows, cols = np.indices(work.shape)
    outside = (rows - 128) ** 2 + (cols - 128) ** 2 > 30**2
    share = (np.abs(spectrum[outside]) ** 2).sum() / (np.abs(spectrum) ** 2).sum()
    assert any(f"keeps {share:.1%} of the image's energy" in caption.value for caption in at.caption)


def test_band_pass_uses_the_range_slider(open_page):
    at = ok(open_page(PAGE).radio(key="fourier.mask").set_value("band-pass").run())
    before = image_url(at, "Back to an image")
    ok(at.slider(key="fourier.band").set_value((5, 20)).run())
    assert image_url(at, "Back to an image") != before


def test_drawn_mask_from_the_session_key(open_page):
    at = ok(open_page(PAGE).radio(key="fourier.mask").set_value("drawn").run())
    assert any("Nothing drawn yet" in info.value for info in at.info)
    strokes = np.zeros((256, 256), np.uint8)
    strokes[100:156, 100:156] = 255  # a square round the centre: a low-pass of sorts
    at.session_state["fourier.drawn"] = strokes
    ok(at.run())
    kept = image_url(at, "Back to an image")
    assert "clipped" in image_caption(at, "Back to an image")
    ok(at.radio(key="fourier.draw_action").set_value("remove").run())
    assert image_url(at, "Back to an image") != kept
    # Clearing the canvas leaves an empty drawing: a message, no exception, no error.
    at.session_state["fourier.drawn"] = np.zeros((256, 256), np.uint8)
    ok(at.run())
    assert any("the drawn mask is empty" in info.value for info in at.info)
    assert not at.error


def test_the_row_slider_changes_the_strip(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Row 128")
    ok(at.slider(key="fourier.row").set_value(40).run())
    assert image_url(at, "Row 40") != before


def test_the_second_image_changes_the_swaps(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Magnitude of A + phase of B")
    ok(at.selectbox(key="fourier.other").set_value("coins").run())
    assert image_url(at, "Magnitude of A + phase of B") != before
    assert image_url(at, "B: coins")


def test_kernel_numbers_agree_with_scipy(open_page):
    at = ok(open_page(PAGE).selectbox(key="fourier.kernel").set_value("sobel x").run())
    kernel = kernels.PRESETS["sobel x"]
    work = _work()
    wrap = ndimage.correlate(work, kernel, mode="grid-wrap")
    zero = ndimage.correlate(work, kernel, mode="constant")
    assert float(metric(at, "Wrap padding")) < 1e-4
    assert float(metric(at, "Zero padding")) == pytest.approx(np.abs(zero - wrap).max(), rel=0.02)
    assert float(metric(at, "Zero padding, inside")) < 1e-4
    assert "0 at the centre" in image_caption(at, "Kernel response")
    assert any("sums to 0" in caption.value for caption in at.caption)  # normalising refused, explained


def test_the_kernel_choice_changes_the_output(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Kernel response")
    ok(at.selectbox(key="fourier.kernel").set_value("laplacian (8 in the centre)").run())
    assert image_url(at, "Kernel response") != before


def test_the_kernels_page_kernel_is_offered(open_page):
    at = open_page(PAGE)
    assert "your kernel from the Kernels page" not in at.selectbox(key="fourier.kernel").options
    at.session_state["kernels.good"] = ((0.0, 0.0, 0.0), (0.0, 2.0, 0.0), (0.0, 0.0, 0.0))
    ok(at.run())
    assert "your kernel from the Kernels page" in at.selectbox(key="fourier.kernel").options
    at.toggle(key="fourier.normalize").set_value(False)
    ok(at.selectbox(key="fourier.kernel").set_value("your kernel from the Kernels page").run())
    assert "2 at the centre" in image_caption(at, "Kernel response")


def test_deep_link_sets_the_widgets(open_page):
    query = {
        "mask": "band-pass",
        "profile": "gaussian",
        "band": "5-40",
        "row": "17",
        "other": "coins",
        "kernel": "sobel y",
    }
    at = open_page(PAGE, query=query)
    assert at.radio(key="fourier.mask").value == "band-pass"
    assert at.radio(key="fourier.profile").value == "gaussian"
    assert at.slider(key="fourier.band").value == (5, 40)
    assert at.slider(key="fourier.row").value == 17
    assert at.selectbox(key="fourier.other").value == "coins"
    assert at.selectbox(key="fourier.kernel").value == "sobel y"
    assert not at.warning


def test_garbage_link_values_warn_and_fall_back(open_page):
    at = open_page(PAGE, query={"mask": "notch", "radius": "abc", "band": "60-10", "kernel": "nope"})
    warning = " ".join(w.value for w in at.warning)
    for name in ("`mask`", "`radius`", "`band`", "`kernel`"):
        assert name in warning
    assert "must not exceed the outer one" in warning
    assert at.radio(key="fourier.mask").value == "low-pass"
    assert at.slider(key="fourier.radius").value == 30


def test_changing_the_sample_changes_the_output(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Magnitude, log")
    ok(at.selectbox(key="shared.sample").set_value("coins").run())
    assert image_url(at, "Magnitude, log") != before
    assert any("Working size: 202 × 256 px" in caption.value for caption in at.caption)  # coins: 303 x 384, × 2/3


@pytest.mark.parametrize(
    ("shape", "working"),
    [((1, 1, 3), "1 × 1"), ((1, 1024, 3), "1 × 256"), ((1024, 1024, 3), "256 × 256"), ((7, 3, 3), "7 × 3")],
)
def test_any_image_size_works(open_page, shape, working):
    image = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    at = use_own_image(open_page(PAGE, query={"row": "200"}), image, f"fourier-test-{'x'.join(map(str, shape))}")
    assert not at.error
    captions = [caption.value for caption in at.caption]
    assert any(f"Working size: {working} px" in caption for caption in captions), captions
    ok(at.radio(key="fourier.mask").set_value("band-pass").run())
    ok(at.selectbox(key="fourier.kernel").set_value("box blur 10×11").run())
    assert "imageio.load_image" in at.code[0].value


def test_show_the_code_reproduces_the_numbers(open_page):
    at = open_page(PAGE, query={"kernel": "emboss", "mask": "high-pass", "radius": "12"})
    namespace: dict = {}
    exec(at.code[0].value.replace("print(", "(lambda *a: None)("), namespace)
    assert namespace["work"].shape == (256, 256)
    assert namespace["mask"].sum() == pytest.approx(
        (1 - fourier.frequency_mask((256, 256), kind="low-pass", radius=12)).sum()
    )
    assert f"{namespace['check'].zero_difference:.2g}" == metric(at, "Zero padding")

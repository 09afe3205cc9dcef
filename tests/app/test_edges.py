"""AppTests of the Edges & gradients page: every key widget changes its picture, links, bad links, images;
one section drawn at a time, the settings shared between sections.

Numbers shown on the page are checked against OpenCV run directly on the same gray image, or against
counts worked out by hand (an 8 x 8 checkerboard has 7 x 7 inner corners).
"""

import re

import cv2
import numpy as np
import pytest

from explorer.classical import hough
from explorer.core import dtype
from tests.app.helpers import image_caption, image_captions, image_url, ok, use_own_image

PAGE = "app_pages/edges.py"
# Each section and how every picture caption it draws starts (regular expressions, in page order), written out
# here rather than read from the page, so a section that draws another's pictures, or loses one, fails.
SECTION_PICTURES = {
    "gradient": ["gx:", "gy:", "Magnitude √"],
    "direction": ["Direction atan2", "Colour = direction", "Magnitude ≥"],
    "smoothing": ["Sobel 3 × 3 magnitude, no", "Sobel 3 × 3 magnitude after", "Scharr", "Laplacian"],
    "canny": ["1. Smoothed", "2. Gradient", "3. Non-maximum", "4. Double", "5. Hysteresis"],
    "harris": [r"\d+ corners", "Harris score"],
    "hough": ["Canny edges at the working size", "Accumulator", r"\d+ lines drawn back", "Hough circles"],
}


def show(at, section: str):
    """Choose ``section`` in the page's section chooser (its session key, as the browser's click sets it) and rerun."""
    at.session_state["edges.section"] = section
    return ok(at.run())


def _number(text: str, pattern: str) -> float:
    match = re.search(pattern, text)
    assert match, (pattern, text)
    return float(match.group(1).replace(",", ""))


def test_renders_and_the_threshold_matches_opencv(open_page, astronaut_gray):
    at = open_page(PAGE)
    assert at.title[0].value == "Edges & gradients"
    assert not at.error and not at.warning
    # Default: sigma 1, 3 x 3 Sobel, magnitude >= 0.15. Same pipeline written with OpenCV directly.
    smoothed = cv2.GaussianBlur(astronaut_gray, (0, 0), 1.0)
    gx = cv2.Sobel(smoothed, cv2.CV_32F, 1, 0, ksize=3) / 4
    gy = cv2.Sobel(smoothed, cv2.CV_32F, 0, 1, ksize=3) / 4
    expected = float((np.hypot(gx, gy) >= 0.15).mean())
    assert r"\frac{1}{4}" in at.get("latex")[0].value
    show(at, "direction")
    assert f"{expected:.1%}" in image_caption(at, "Magnitude ≥ 0.15")


def test_canny_result_is_close_to_cv2_canny(open_page, astronaut_gray):
    at = show(open_page(PAGE), "canny")
    shown = _number(image_caption(at, "5. Hysteresis"), r"\(([\d,]+) px\)")
    smoothed = dtype.to_uint8(cv2.GaussianBlur(astronaut_gray, (0, 0), 1.0))
    reference = int((cv2.Canny(smoothed, 0.05 * 1020, 0.15 * 1020, L2gradient=True) > 0).sum())
    # OpenCV needs the smoothed image rounded to 8 bits, the page keeps it in float: rounding moves some
    # weak gradients across a threshold (on the same 8-bit image the two agree to 99.8 %, see the unit test).
    assert abs(shown - reference) <= 0.03 * reference


@pytest.mark.parametrize(
    "section, kind, key, value, picture",
    [
        ("gradient", "select_slider", "edges.ksize", 7, "gx:"),
        ("gradient", "slider", "edges.sigma", 3.0, "gx:"),
        ("direction", "select_slider", "edges.ksize", 7, "Direction"),
        ("direction", "slider", "edges.sigma", 3.0, "Magnitude ≥"),
        ("direction", "slider", "edges.mask", 0.3, "Direction"),
        ("direction", "slider", "edges.level", 0.4, "Magnitude ≥"),
        ("smoothing", "slider", "edges.sigma", 3.0, "Laplacian"),
        ("canny", "slider", "edges.sigma", 3.0, "5. Hysteresis"),
        ("canny", "slider", "edges.canny", (0.2, 0.4), "5. Hysteresis"),
        ("canny", "toggle", "edges.auto", True, "5. Hysteresis"),
        ("harris", "slider", "edges.block", 8, "Harris score"),
        ("harris", "slider", "edges.k", 0.15, "Harris score"),
        ("harris", "slider", "edges.corner", 0.3, "Harris score"),
        ("hough", "slider", "edges.sigma", 3.0, "Canny edges at the working size"),
        ("hough", "slider", "edges.canny", (0.2, 0.4), "Accumulator"),
        ("hough", "toggle", "edges.auto", True, "Canny edges at the working size"),
        ("hough", "slider", "edges.line_votes", 0.9, "Accumulator"),
        ("hough", "slider", "edges.max_lines", 2, "Accumulator"),
        ("hough", "slider", "edges.radii", (20, 80), "Hough circles"),
        ("hough", "slider", "edges.circle_votes", 100, "Hough circles"),
    ],
)
def test_each_key_widget_changes_its_output(open_page, section, kind, key, value, picture):
    at = show(open_page(PAGE), section)
    before = image_url(at, picture)
    getattr(at, kind)(key=key).set_value(value).run()
    ok(at)
    assert image_url(at, picture) != before
    assert not at.error


def test_sobel_size_changes_the_kernel_shown(open_page):
    at = open_page(PAGE)
    at.select_slider(key="edges.ksize").set_value(5).run()
    assert r"\frac{1}{48}" in ok(at).get("latex")[0].value
    assert "ksize=5" in at.get("code")[0].value
    assert at.query_params["ksize"] == "5"  # the value is kept in the link


def test_deep_link_sets_the_widgets(open_page):
    at = open_page(PAGE, query={"ksize": "7", "sigma": "2.4", "canny": "0.1,0.3", "radii": "5,25", "auto": "0"})
    assert not at.warning
    assert at.select_slider(key="edges.ksize").value == 7
    assert at.slider(key="edges.sigma").value == pytest.approx(2.4)
    assert r"\frac{1}{640}" in at.get("latex")[0].value
    assert "low, high = 0.1, 0.3" in at.get("code")[0].value  # the code has every section's settings
    show(at, "hough")
    assert at.slider(key="edges.sigma").value == pytest.approx(2.4)
    assert at.slider(key="edges.canny").value == pytest.approx((0.1, 0.3))
    assert at.slider(key="edges.radii").value == (5, 25)


def test_garbage_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"ksize": "4", "sigma": "lots", "canny": "0.5,0.1", "k": "nan", "radii": "9"})
    warning = " ".join(w.value for w in at.warning)
    for name in ("`ksize`", "`sigma`", "`canny`", "`k`", "`radii`"):
        assert name in warning
    assert at.select_slider(key="edges.ksize").value == 3
    show(at, "hough")
    assert at.slider(key="edges.canny").value == pytest.approx((0.05, 0.15))
    assert at.slider(key="edges.radii").value == (10, 40)


def _pictures_of_every_section(at) -> list[str]:
    """The media URLs of gx, Canny's result and the Hough accumulator, each read in its section."""
    return [image_url(show(at, section), caption) for section, caption in CHANGING]


CHANGING = [("gradient", "gx:"), ("canny", "5. Hysteresis"), ("hough", "Accumulator")]


def test_changing_the_sample_changes_the_output(open_page):
    at = open_page(PAGE)
    before = _pictures_of_every_section(at)
    at.selectbox(key="shared.sample").set_value("coins").run()
    ok(at)
    after = _pictures_of_every_section(at)
    assert all(a != b for a, b in zip(before, after))
    assert "303 × 384" in at.caption[0].value
    # The coins are circles: the default radius range finds many of them.
    assert _number(image_caption(at, "Hough circles"), r": (\d+) found") >= 10


def test_a_checkerboard_has_its_49_inner_corners(open_page):
    at = open_page(PAGE, query={"img": "pattern:checkerboard", "show": "harris"})
    assert image_caption(at, "49 corners")


def test_nothing_found_is_said_not_crashed(open_page):
    at = open_page(PAGE, query={"img": "pattern:step edge", "show": "harris"})  # one straight vertical edge
    assert "no corner response" in " ".join(i.value for i in at.info)  # Harris: an edge is not a corner
    assert image_caption(at, "0 corners")
    show(at, "hough")
    assert "no centre got enough votes" in " ".join(i.value for i in at.info)  # no circles
    # ...but the one straight edge is a line, at theta 0 (vertical).
    assert "θ = 0°" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 1024, 3), (1024, 1024, 3)])
def test_any_image_size_works(open_page, shape):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    # As if the picker had accepted an upload of this size (the uploader itself is a browser widget).
    at = use_own_image(open_page(PAGE, query={"show": "hough"}), image, f"test{shape[0]}x{shape[1]}")
    assert not at.error
    assert f"{shape[0]} × {shape[1]}" in at.caption[0].value
    # The Hough section says the size it works at: longest side shrunk to 320, never enlarged.
    scale = min(1.0, hough.WORKING_SIDE / max(shape[:2]))
    working = f"{max(1, round(shape[0] * scale))} × {max(1, round(shape[1] * scale))}"
    assert f"shrunk to {working} (longest side at most 320 px)" in " ".join(m.value for m in at.markdown)
    assert image_url(at, "Accumulator")
    assert "imageio.load_image(" in at.get("code")[0].value  # an upload can't be reloaded by its id
    for section, pictures in SECTION_PICTURES.items():  # every section draws all its pictures, none fails
        assert len(image_captions(show(at, section))) == len(pictures), section
        assert not at.error, section


def test_automatic_thresholds_are_shown_in_the_disabled_slider(open_page, astronaut_gray):
    """With the median rule on, the slider used to stay on the user's (stale) pair while other values were used."""
    at = show(open_page(PAGE), "canny")
    at.slider(key="edges.canny").set_value((0.2, 0.4)).run()
    at.toggle(key="edges.auto").set_value(True).run()
    ok(at)
    # The median rule, by hand: (1 -/+ 0.33) x median, from 0..255 to this page's units (OpenCV's 3x3 Sobel
    # gives 4 x 255 for a step of 1 between 0 and 255): a factor of 255 / 1020.
    median = float(np.median(astronaut_gray))
    low, high = 0.67 * median * 255 / 1020, 1.33 * median * 255 / 1020
    (shown,) = [s for s in at.slider if s.disabled]
    assert shown.value == pytest.approx((low, high), abs=1e-4)
    assert "median rule" in shown.label
    assert f"strong > {high:.2f}" in image_caption(at, "4. Double threshold")
    assert not any(s.key == "edges.canny" for s in at.slider)  # the user's pair isn't drawn as if it were in use
    # Off again: the user's own pair is back, and in use.
    at.toggle(key="edges.auto").set_value(False).run()
    ok(at)
    assert at.slider(key="edges.canny").value == pytest.approx((0.2, 0.4))
    assert not at.slider(key="edges.canny").disabled
    assert "strong > 0.40" in image_caption(at, "4. Double threshold")
    assert "canny=0.2,0.4" in "&".join(f"{k}={v}" for k, v in at.query_params.items()).replace("%2C", ",")


def test_the_first_section_is_shown_by_default(open_page):
    at = open_page(PAGE)
    assert at.session_state["edges.section"] == "gradient"
    assert at.header[0].value == "The gradient, with Sobel kernels"
    assert "show" not in at.query_params  # the default stays out of the link


@pytest.mark.parametrize("section", list(SECTION_PICTURES))
def test_only_the_chosen_sections_pictures_are_drawn(open_page, section):
    at = open_page(PAGE, query={"show": section})
    assert not at.warning
    captions = image_captions(at)
    assert len(captions) == len(SECTION_PICTURES[section]), captions
    assert all(re.match(start, caption) for caption, start in zip(captions, SECTION_PICTURES[section])), captions
    others = [start for other, starts in SECTION_PICTURES.items() if other != section for start in starts]
    assert not [caption for caption in captions for start in others if re.match(start, caption)], captions
    assert len(at.header) == 1  # one section's heading
    # Every section keeps the wrap-up: the check and the code with every section's settings.
    assert "edges.harris(image, block_size=3" in at.get("code")[0].value
    assert at.query_params.get("show") == (None if section == "gradient" else section)


def test_a_link_opens_a_section_and_a_bad_one_falls_back(open_page):
    at = open_page(PAGE, query={"show": "canny"})
    assert not at.warning
    assert at.header[0].value == "Canny, step by step"
    assert image_caption(at, "5. Hysteresis")
    at = open_page(PAGE, query={"show": "everything"})
    warning = " ".join(w.value for w in at.warning)
    assert "`show`" in warning and "gradient" in warning  # names the parameter and what it can be
    assert at.session_state["edges.section"] == "gradient"
    assert image_caption(at, "gx:")


def test_a_setting_from_one_section_is_used_in_another(open_page):
    """Sigma moved in the gradient section smooths Canny's and Hough's input too, once those sections are
    shown: the same pictures as a page opened on them with that sigma in its link."""
    at = open_page(PAGE)
    at.slider(key="edges.sigma").set_value(3.0).run()
    show(at, "canny")
    assert at.slider(key="edges.sigma").value == pytest.approx(3.0)
    canny = [(image_url(at, start), image_caption(at, start)) for start in SECTION_PICTURES["canny"]]
    assert canny[0][1] == "1. Smoothed (σ = 3)"
    linked = open_page(PAGE, query={"sigma": "3", "show": "canny"})
    assert canny == [(image_url(linked, start), image_caption(linked, start)) for start in SECTION_PICTURES["canny"]]
    default = open_page(PAGE, query={"show": "canny"})
    assert image_url(default, "5. Hysteresis") != canny[4][0]  # sigma 1 would not have drawn the same
    # Canny's thresholds set in the Canny section are Hough's voters' thresholds.
    at.slider(key="edges.canny").set_value((0.1, 0.3)).run()
    show(at, "hough")
    assert at.slider(key="edges.canny").value == pytest.approx((0.1, 0.3))
    linked = open_page(PAGE, query={"sigma": "3", "canny": "0.1,0.3", "show": "hough"})
    for start in ("Canny edges at the working size", "Accumulator", "Hough circles"):
        assert image_url(at, start) == image_url(linked, start), start

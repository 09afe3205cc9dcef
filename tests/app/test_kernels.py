"""AppTests of the Kernels page: the grid, presets, padding/stride, the worked example, links, challenges.

Numbers read from the page are checked against SciPy's ``ndimage.correlate`` on the same gray image, or
against the output-size formula worked out by hand.
"""

import numpy as np
import pytest
from scipy import ndimage

from explorer.images import kernels as kernels_module
from tests.app.helpers import image_caption, image_url, metric, ok

PAGE = "app_pages/kernels.py"
SIZE = 512  # the default sample (astronaut) is 512 x 512


def _size_text(at) -> str:
    (text,) = [md.value for md in at.markdown if md.value.startswith("**Output size")]
    return text


def _edit(at, edits: dict[int, dict[str, str]]):
    """Type into the kernel grid the way the browser reports it (row position -> column name -> text)."""
    key = f"_kernels.grid.{at.session_state['kernels.version']}"
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return ok(at.run())


def _good_kernel(at) -> np.ndarray:
    return np.array(at.session_state["kernels.good"], dtype=np.float32)


def test_renders_default_blur(open_page, astronaut_gray):
    at = open_page(PAGE)
    assert at.title[0].value == "Kernels"
    assert "512 × 512" in _size_text(at)
    # Default: the 3x3 box blur, normalised. The centre pixel must equal SciPy's 3x3 mean there.
    expected = ndimage.correlate(astronaut_gray, np.full((3, 3), 1 / 9, np.float32), mode="constant")[256, 256]
    assert float(metric(at, "Output pixel")) == pytest.approx(expected, abs=1e-4)


def test_choosing_a_preset_changes_the_output(open_page, astronaut_gray):
    at = open_page(PAGE)
    before = image_url(at, "Output")
    at.selectbox(key="kernels.preset").set_value("sobel x").run()
    assert not at.exception
    assert image_url(at, "Output") != before
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)
    np.testing.assert_array_equal(_good_kernel(at), sobel)
    # Sobel sums to 0: normalising (on by default) is refused with the explorer's reason, no crash.
    assert any("sum to 0" in w.value for w in at.warning)
    expected = ndimage.correlate(astronaut_gray, sobel, mode="constant")[256, 256]
    assert float(metric(at, "Output pixel")) == pytest.approx(expected, abs=1e-4)


def test_valid_padding_and_stride_change_the_output_size(open_page):
    at = open_page(PAGE)
    at.radio(key="kernels.padding").set_value("valid").run()
    assert "rows: ⌊(512 + 0 − 3) / 1⌋ + 1 = **510**" in _size_text(at)
    at.slider(key="kernels.stride").set_value(2).run()
    assert not at.exception
    # floor((512 + 0 - 3) / 2) + 1 = 255
    text = _size_text(at)
    assert "Output size: 255 × 255" in text
    assert "rows: ⌊(512 + 0 − 3) / 2⌋ + 1 = **255**" in text
    assert "255 × 255" in image_caption(at, "Output")


def test_a_non_square_kernel_reports_both_sides(open_page):
    at = open_page(PAGE)
    at.selectbox(key="kernels.preset").set_value("box blur 10×11").run()
    at.radio(key="kernels.padding").set_value("valid").run()
    at.slider(key="kernels.stride").set_value(3).run()
    assert not at.exception
    # rows: floor((512 - 10) / 3) + 1 = 168; columns: floor((512 - 11) / 3) + 1 = 168
    text = _size_text(at)
    assert "rows: ⌊(512 + 0 − 10) / 3⌋ + 1 = **168**" in text
    assert "columns: ⌊(512 + 0 − 11) / 3⌋ + 1 = **168**" in text


def test_editing_a_cell_changes_the_kernel_and_output(open_page, astronaut_gray):
    at = open_page(PAGE)
    at.toggle(key="kernels.normalize").set_value(False).run()
    before = image_url(at, "Output")
    _edit(at, {1: {"1": "5"}})  # centre of the 3x3 box blur: 1 -> 5
    expected_kernel = np.ones((3, 3), np.float32)
    expected_kernel[1, 1] = 5
    np.testing.assert_array_equal(_good_kernel(at), expected_kernel)
    assert image_url(at, "Output") != before
    expected = ndimage.correlate(astronaut_gray, expected_kernel, mode="constant")[256, 256]
    assert float(metric(at, "Output pixel")) == pytest.approx(expected, abs=1e-4)


def test_fractions_are_accepted(open_page):
    at = _edit(open_page(PAGE), {0: {"0": "1/9"}})
    assert not at.error
    assert _good_kernel(at)[0, 0] == pytest.approx(1 / 9)


@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1e308"])
def test_a_bad_cell_is_named_and_the_last_kernel_stays(open_page, text):
    at = open_page(PAGE)
    before = image_url(at, "Output")
    _edit(at, {2: {"1": text}})
    messages = [e.value for e in at.error]
    assert messages and "row 3, column 2" in messages[0], messages
    assert "last kernel that worked" in messages[0]
    np.testing.assert_array_equal(_good_kernel(at), np.ones((3, 3), np.float32))
    assert image_url(at, "Output") == before


def test_all_zero_kernel_with_normalize_warns_and_keeps_going(open_page):
    at = open_page(PAGE)
    assert at.toggle(key="kernels.normalize").value is True
    _edit(at, {r: {str(c): "0" for c in range(3)} for r in range(3)})
    assert any("sum to 0" in w.value and "normalised" in w.value for w in at.warning), [w.value for w in at.warning]
    assert float(metric(at, "Output pixel")) == 0.0


def test_clicked_pixel_worked_example_sums_to_the_output(open_page, astronaut_gray):
    at = open_page(PAGE)
    at.selectbox(key="kernels.preset").set_value("laplacian (8 in the centre)").run()
    at.session_state["kernels.click"] = (100, 300)
    at.run()
    assert not at.exception
    total, pixel = float(metric(at, "Sum of the products")), float(metric(at, "Output pixel (row 100, column 300)"))
    assert total == pytest.approx(pixel, abs=1e-4)
    laplacian = np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], np.float32)
    assert pixel == pytest.approx(ndimage.correlate(astronaut_gray, laplacian, mode="constant")[100, 300], abs=1e-4)


def test_worked_example_follows_stride(open_page, astronaut_gray):
    at = open_page(PAGE)
    at.slider(key="kernels.stride").set_value(2).run()
    at.session_state["kernels.click"] = (100, 300)
    at.run()
    # With stride 2, output (50, 150) has its window centred on input (100, 300).
    pixel = float(metric(at, "Output pixel (row 50, column 150)"))
    assert pixel == pytest.approx(float(metric(at, "Sum of the products")), abs=1e-4)
    mean = ndimage.correlate(astronaut_gray, np.full((3, 3), 1 / 9, np.float32), mode="constant")[100, 300]
    assert pixel == pytest.approx(mean, abs=1e-4)


def test_deep_link_restores_kernel_padding_and_stride(open_page):
    at = open_page(PAGE, query={"kernel": "0,-1,0;-1,5,-1;0,-1,0", "padding": "reflect", "stride": "2"})
    np.testing.assert_array_equal(_good_kernel(at), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    assert at.radio(key="kernels.padding").value == "reflect"
    assert at.slider(key="kernels.stride").value == 2
    assert "Output size: 256 × 256" in _size_text(at)  # floor((512 + 2 - 3) / 2) + 1
    assert not at.warning
    assert (
        at.query_params["kernel"] == ["0,-1,0;-1,5,-1;0,-1,0"] or at.query_params["kernel"] == "0,-1,0;-1,5,-1;0,-1,0"
    )


def test_garbage_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"stride": "99", "kernel": "zz"})
    (warning,) = at.warning
    assert "`stride`" in warning.value and "`kernel`" in warning.value and "'zz'" in warning.value
    assert at.slider(key="kernels.stride").value == 1
    np.testing.assert_array_equal(_good_kernel(at), np.ones((3, 3), np.float32))


def test_an_edited_kernel_goes_into_the_link(open_page):
    at = _edit(open_page(PAGE), {0: {"2": "-4"}})
    assert "kernel" in at.query_params
    assert "1,1,-4;1,1,1;1,1,1" in str(at.query_params["kernel"])


ANSWERS = {
    "blur": "1/9,1/9,1/9;1/9,1/9,1/9;1/9,1/9,1/9",
    "horizontal": "-1,-1,-1;0,0,0;1,1,1",
    "all_edges": "-1,-1,-1;-1,8,-1;-1,-1,-1",
}


@pytest.mark.parametrize("key", list(ANSWERS))
def test_challenge_passes_with_the_lessons_answer(open_page, key):
    at = open_page(PAGE, query={"kernel": ANSWERS[key], "normalize": "0"})
    at.button(key=f"_kernels.grade.{key}").click().run()
    assert not at.exception
    assert at.success and at.success[0].value.startswith("Passed"), [e.value for e in at.error]


@pytest.mark.parametrize("key", list(ANSWERS))
def test_challenge_fails_with_identity(open_page, key):
    at = open_page(PAGE, query={"preset": "identity"})
    at.button(key=f"_kernels.grade.{key}").click().run()
    assert not at.exception
    assert not at.success
    assert at.error and at.error[0].value.startswith("Not yet")


def test_colour_channels_and_display_modes_render(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Output")
    at.toggle(key="kernels.per_channel").set_value(True).run()
    assert not at.exception
    assert image_url(at, "Output") != before
    for mode in ("abs", "normalize", "diverging", "clip"):
        at.radio(key="kernels.display").set_value(mode).run()
        assert not at.exception
    at.radio(key="kernels.display").set_value("diverging").run()
    assert any("single channel" in i.value for i in at.info)


def test_edits_survive_a_page_switch(open_page):
    at = _edit(open_page(PAGE), {0: {"0": "7"}})
    at.switch_page("app_pages/home.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert _good_kernel(at)[0, 0] == 7
    (grid,) = [frame for frame in at.dataframe if frame.value.shape == (3, 3) and frame.value.iloc[0, 0] == "7"]


def test_a_grade_stays_until_the_kernel_changes(open_page):
    at = open_page(PAGE, query={"kernel": ANSWERS["horizontal"]})
    at.button(key="_kernels.grade.horizontal").click().run()
    assert at.success
    at.radio(key="kernels.display").set_value("abs").run()  # another widget: the verdict stays
    assert at.success
    at.selectbox(key="kernels.preset").set_value("vertical edges").run()  # a new kernel: it goes
    assert not at.success


def test_resizing_keeps_the_anchor_and_pads_with_zeros(open_page):
    at = open_page(PAGE, query={"preset": "sobel y"})
    at.number_input(key="kernels.rows").set_value(5).run()
    assert not at.exception
    expected = np.zeros((5, 3), np.float32)
    expected[1:4] = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]
    np.testing.assert_array_equal(_good_kernel(at), expected)
    assert "rows: ⌊(512 + 4 − 5) / 1⌋ + 1 = **512**" in _size_text(at)


def test_show_the_code_reproduces_the_page(open_page, astronaut_gray):
    at = open_page(PAGE, query={"kernel": "1,2;-3,1/2", "padding": "wrap", "stride": "3", "normalize": "0"})
    at.session_state["kernels.click"] = (200, 100)
    at.run()
    namespace: dict = {}
    exec(at.code[0].value.replace("print(", "(lambda *a: None)("), namespace)
    assert namespace["output"].shape == (171, 171)  # floor((512 + 1 - 2) / 3) + 1
    assert namespace["example"].total == pytest.approx(float(metric(at, "Sum of the products")), abs=1e-4)
    # And against SciPy, whose default anchor for a 2x2 kernel is also cell (kh // 2, kw // 2) = (1, 1).
    kernel = np.array([[1, 2], [-3, 0.5]], np.float32)
    reference = ndimage.correlate(astronaut_gray, kernel, mode="grid-wrap")
    row, col = namespace["example"].out_row, namespace["example"].out_col
    assert float(metric(at, "Output pixel")) == pytest.approx(reference[row * 3, col * 3], abs=1e-4)


# ------------------------------------------------------------------ normalising only when it makes sense


def _captions(at) -> str:
    return "\n".join(caption.value for caption in at.caption)


def test_a_negative_sum_is_not_divided(open_page, astronaut_gray):
    """An edited Sobel summing to -8 used to be divided by -8, flipping every sign; now it is used as typed."""
    at = open_page(PAGE, query={"preset": "sobel x"})
    assert at.toggle(key="kernels.normalize").value is True
    _edit(at, {0: {"2": "-1"}, 1: {"2": "-2"}, 2: {"2": "-1"}})
    kernel = np.array([[-1, 0, -1], [-2, 0, -2], [-1, 0, -1]], np.float32)
    np.testing.assert_array_equal(_good_kernel(at), kernel)
    expected = ndimage.correlate(astronaut_gray, kernel, mode="constant")[256, 256]
    assert expected < 0  # the raw kernel gives a negative number on the bright suit; divided by -8 it would not
    assert float(metric(at, "Output pixel")) == pytest.approx(expected, abs=1e-4)
    (warning,) = at.warning
    assert "sum to -8" in warning.value and "flip the sign" in warning.value and "left as it is" in warning.value


def test_a_positive_edited_kernel_is_divided_by_its_sum(open_page, astronaut_gray):
    at = _edit(open_page(PAGE), {1: {"1": "5"}})  # the box blur with 5 in the middle: sum 13
    kernel = np.ones((3, 3), np.float32)
    kernel[1, 1] = 5
    expected = ndimage.correlate(astronaut_gray, kernel / 13, mode="constant")[256, 256]
    assert float(metric(at, "Output pixel")) == pytest.approx(expected, abs=1e-4)
    assert "Normalised: every cell is divided by that sum" in _captions(at)
    assert not at.warning


def test_a_preset_that_is_not_a_blur_is_left_alone_and_the_caption_says_why(open_page):
    at = open_page(PAGE)
    at.selectbox(key="kernels.preset").set_value("emboss").run()
    assert not at.exception and not at.warning
    assert "“emboss” is not a blur, so it is not normalised" in _captions(at)


def test_normalising_switched_off_is_said(open_page):
    at = open_page(PAGE)
    at.toggle(key="kernels.normalize").set_value(False).run()
    assert "Normalising is off: the kernel is used as typed." in _captions(at)


def test_negative_zero_is_written_as_zero(open_page):
    at = open_page(PAGE, query={"normalize": "0"})
    _edit(at, {r: {str(c): "-0" for c in range(3)} for r in range(3)})
    (equation,) = [md.value for md in at.markdown if "more) = " in md.value]
    assert "-0" not in equation and "(-0)" not in equation, equation
    assert "× 0 +" in equation
    assert "its cells add up to 0." in _captions(at)
    assert "-0" not in metric(at, "Sum of the products")


# ------------------------------------------------------------------ the preset box names a link's kernel


def test_the_readme_link_shows_the_preset_its_kernel_equals(open_page):
    """The README's deep link (a sharpen kernel) used to show "box blur 3×3" in the preset box."""
    query = {"img": "sample:coins", "kernel": "0,-1,0;-1,5,-1;0,-1,0", "padding": "reflect", "stride": "2"}
    at = open_page(PAGE, query=query)
    assert at.selectbox(key="kernels.preset").value == "sharpen"
    assert "kernel" in at.query_params  # the link's kernel stays in the address bar
    # Reset goes back to the preset the box shows, which is the same kernel.
    at.button(key="_kernels.reset").click().run()
    np.testing.assert_array_equal(_good_kernel(at), kernels_module.PRESETS["sharpen"])


def test_a_link_to_a_kernel_that_is_no_preset_shows_custom(open_page):
    at = open_page(PAGE, query={"kernel": "1,2;3,4"})
    box = at.selectbox(key="kernels.preset")
    assert box.value == "custom"
    assert "custom (not a preset)" in box.options
    assert at.button(key="_kernels.reset").disabled
    np.testing.assert_array_equal(_good_kernel(at), [[1, 2], [3, 4]])
    # Picking a preset from the box still loads it.
    box.set_value("sobel y").run()
    np.testing.assert_array_equal(_good_kernel(at), kernels_module.PRESETS["sobel y"])


def test_a_link_saying_custom_without_a_kernel_opens_the_default(open_page):
    at = open_page(PAGE, query={"preset": "custom"})
    assert at.selectbox(key="kernels.preset").value == "box blur 3×3"
    np.testing.assert_array_equal(_good_kernel(at), np.ones((3, 3), np.float32))


# ------------------------------------------------------------------ the preset box follows the grid


def test_editing_a_cell_turns_the_preset_box_to_custom_and_back(open_page):
    at = open_page(PAGE)
    assert at.selectbox(key="kernels.preset").value == "box blur 3×3"
    _edit(at, {1: {"1": "2"}})  # the centre: the kernel is no preset any more
    assert at.selectbox(key="kernels.preset").value == "custom"
    assert not at.button(key="_kernels.reset").disabled  # it can still go back to the box blur
    _edit(at, {1: {"1": "1"}})  # typed back: the box names the preset again
    assert at.selectbox(key="kernels.preset").value == "box blur 3×3"
    # An unrelated rerun doesn't move the box: "custom" chosen by hand stays.
    at.selectbox(key="kernels.preset").set_value("custom").run()
    ok(at.radio(key="kernels.padding").set_value("reflect").run())
    assert at.selectbox(key="kernels.preset").value == "custom"


def test_edits_that_spell_another_preset_name_it_and_reset_returns_to_it(open_page):
    at = open_page(PAGE)
    # The box blur (all ones) typed cell by cell into the sharpen kernel.
    _edit(
        at,
        {0: {"0": "0", "1": "-1", "2": "0"}, 1: {"0": "-1", "1": "5", "2": "-1"}, 2: {"0": "0", "1": "-1", "2": "0"}},
    )
    assert at.selectbox(key="kernels.preset").value == "sharpen"
    _edit(
        at,
        {0: {"0": "0", "1": "-1", "2": "0"}, 1: {"0": "-1", "1": "6", "2": "-1"}, 2: {"0": "0", "1": "-1", "2": "0"}},
    )
    assert at.selectbox(key="kernels.preset").value == "custom"
    at.button(key="_kernels.reset").click().run()
    assert at.selectbox(key="kernels.preset").value == "sharpen"
    np.testing.assert_array_equal(_good_kernel(at), kernels_module.PRESETS["sharpen"])


def test_a_cell_that_is_not_a_number_leaves_the_box_alone(open_page):
    at = open_page(PAGE)
    _edit(at, {0: {"0": "abc"}})
    assert at.selectbox(key="kernels.preset").value == "box blur 3×3"


def test_resizing_a_preset_makes_it_custom(open_page):
    at = open_page(PAGE, query={"preset": "sobel x"})
    at.number_input(key="kernels.cols").set_value(4).run()
    assert at.selectbox(key="kernels.preset").value == "custom"
    at.number_input(key="kernels.cols").set_value(3).run()  # cropped back: the Sobel again
    assert at.selectbox(key="kernels.preset").value == "sobel x"

"""AppTests of the Morphology & segmentation page: every key widget changes what is drawn, links set the
widgets, bad links fall back, bad input is an error message, the challenges grade the page's settings.

Numbers read from the page are checked against scikit-image (Otsu) and SciPy (labels) on the same image.
"""

import numpy as np
import pytest
from scipy import ndimage
from skimage.filters import threshold_otsu

from explorer.classical import morphology
from tests.app.helpers import image_caption, image_captions, image_url, metric, ok
from ui import common

PAGE = "app_pages/morphology.py"


def _draw(at, edits: dict[int, dict[str, bool]]):
    """Tick / untick cells of the drawing grid the way the browser reports it (row -> column name -> value)."""
    key = f"_morph.draw.{at.session_state['morph.drawn_version'] if 'morph.drawn_version' in at.session_state else 0}"
    at.session_state[key] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    return ok(at.run())


def test_renders_with_otsu_like_scikit_image(open_page, astronaut_gray):
    at = open_page(PAGE)
    assert at.title[0].value == "Morphology & segmentation"
    levels = np.round(astronaut_gray * 255).astype(np.uint8)
    expected = threshold_otsu(levels)
    caption = image_caption(at, "Binary")
    assert f"({expected} of 255)" in caption
    assert f"{(levels > expected).mean():.1%} white" in caption
    assert not at.error


def test_operation_iterations_and_threshold_change_the_result(open_page):
    at = open_page(PAGE)
    before = image_url(at, "After open")
    ok(at.selectbox(key="morph.op").set_value("dilate").run())
    after = image_url(at, "After dilate")
    assert after != before
    ok(at.slider(key="morph.iterations").set_value(3).run())
    assert image_url(at, "After dilate") != after
    binary = image_url(at, "Binary")
    ok(at.radio(key="morph.method").set_value("adaptive gaussian").run())
    assert image_url(at, "Binary") != binary


@pytest.mark.parametrize("key, kind, value", [("morph.shape", "selectbox", "cross"), ("morph.size", "slider", 7)])
def test_changing_the_structuring_element_changes_the_result(open_page, key, kind, value):
    at = open_page(PAGE)
    before = image_url(at, "After open")
    getattr(at, kind)(key=key).set_value(value)
    ok(at.run())
    assert image_url(at, "After open") != before


def test_a_drawn_element_is_used_and_an_empty_one_is_an_error(open_page):
    at = open_page(PAGE, query={"src": "letter", "op": "dilate"})
    ok(at.radio(key="morph.element_mode").set_value("drawn").run())
    cross = image_url(at, "After dilate")  # the default drawing: a 3 x 3 cross
    white_cross = int(_image_caption_number(at))
    _draw(at, {2: {"3": True, "5": True}, 4: {"3": True, "5": True}})  # the 3 x 3 square
    assert at.session_state["morph.drawn"].split(";")[2:5] == ["0011100"] * 3
    assert image_url(at, "After dilate") != cross
    assert int(_image_caption_number(at)) > white_cross  # a square grows more than a cross
    _draw(
        at,
        {
            2: {"3": False, "4": False, "5": False},
            3: {"3": False, "4": False, "5": False},
            4: {"3": False, "4": False, "5": False},
        },
    )
    assert any("element is empty" in e.value for e in at.error)


def _image_caption_number(at) -> str:
    return image_caption(at, "After").split(": ")[1].split(" ")[0]


def test_noisy_letter_opening_removes_the_salt(open_page):
    at = open_page(PAGE, query={"src": "letter", "bin": "fixed", "op": "open"})
    letter = morphology.noisy_letter()
    expected = morphology.morph(letter.noisy, operation="open", element=np.ones((3, 3), np.uint8))
    assert f"After open: {int(expected.sum())} white pixels (before: {int(letter.noisy.sum())})" in image_captions(at)
    assert int(metric(at, "Shapes found")) == 1  # the specks are gone: only the letter is outlined


def test_contour_area_filter_and_connectivity_change_the_counts(open_page, astronaut_gray):
    at = open_page(PAGE, query={"op": "erode"})
    found = int(metric(at, "Shapes found"))
    ok(at.number_input(key="morph.min_area").set_value(500).run())
    assert int(metric(at, "Shapes found")) < found
    eight = int(metric(at, "Components"))
    ok(at.radio(key="morph.connectivity").set_value(4).run())
    four = int(metric(at, "Components"))
    # Against SciPy on the same eroded Otsu mask.
    gray = astronaut_gray
    mask, _ = morphology.binarize(gray, method="otsu")
    eroded = morphology.morph(mask, operation="erode", element=np.ones((3, 3), np.uint8))
    assert eight == ndimage.label(eroded, structure=np.ones((3, 3)))[1]
    assert four == ndimage.label(eroded)[1]


def test_min_above_max_area_is_an_error_message(open_page):
    at = open_page(PAGE, query={"amin": "500", "amax": "100"})
    # Messages are shown with Markdown escaped (ui.common.plain), so the underscores arrive as "\_".
    assert any(common.plain("min_area must be at most max_area") in e.value for e in at.error)


def test_kmeans_widgets_change_the_segmentation(open_page):
    at = open_page(PAGE)
    before = image_url(at, "Every pixel painted")
    ok(at.slider(key="morph.k").set_value(6).run())
    after = image_url(at, "Every pixel painted")
    assert after != before
    swatches = [i for i in at.get("image") if i.captions and " · Lab " in i.captions[0]]
    assert len(swatches) == 6
    ok(at.radio(key="morph.space").set_value("RGB").run())
    assert image_url(at, "Every pixel painted") != after


def test_kmeans_with_too_few_colours_says_so_and_the_page_goes_on(open_page):
    at = open_page(PAGE, query={"img": "pattern:checkerboard", "k": "4"})
    assert any("number of distinct colours (2" in e.value for e in at.error)
    assert at.get("expander")  # "Show the code" still drawn


def test_deep_link_sets_the_widgets(open_page):
    at = open_page(PAGE, query={"src": "letter", "op": "close", "shape": "cross", "size": "5", "it": "2", "k": "3"})
    assert at.radio(key="morph.source").value == "letter"
    assert at.selectbox(key="morph.op").value == "close"
    assert at.selectbox(key="morph.shape").value == "cross"
    assert at.slider(key="morph.size").value == 5
    assert at.slider(key="morph.iterations").value == 2
    assert at.slider(key="morph.k").value == 3
    assert not at.warning


def test_garbage_link_values_warn_and_fall_back(open_page):
    at = open_page(PAGE, query={"size": "4", "op": "zap", "drawn": "12;34", "block": "8"})
    (warning,) = at.warning
    for name in ("`size`", "`op`", "`drawn`", "`block`"):
        assert name in warning.value
    assert at.slider(key="morph.size").value == 3
    assert at.selectbox(key="morph.op").value == "open"


def test_changing_the_sample_changes_the_output(open_page):
    at = open_page(PAGE)
    before = image_url(at, "After open"), image_url(at, "Every pixel painted")
    ok(at.selectbox(key="shared.sample").set_value("coins").run())
    after = image_url(at, "After open"), image_url(at, "Every pixel painted")
    assert before[0] != after[0] and before[1] != after[1]


def test_challenges_grade_the_page_settings(open_page):
    at = open_page(PAGE)  # open, 3 x 3 rectangle, 1 iteration: the right answer to "remove the specks"
    ok(at.button(key="_morph.grade.salt").click().run())
    assert any(s.value.startswith("Solved!") for s in at.success)
    ok(at.selectbox(key="morph.op").set_value("erode").run())
    assert not at.success  # the verdict belongs to the settings that were graded
    ok(at.button(key="_morph.grade.salt").click().run())
    (warning,) = at.warning
    assert warning.value.startswith("Not yet.") and "Erosion alone shrinks every stroke" in warning.value
    ok(at.selectbox(key="morph.op").set_value("close").run())
    ok(at.button(key="_morph.grade.holes").click().run())
    assert any(s.value.startswith("Solved!") and "holes are filled" in s.value for s in at.success)


# ------------------------------------------------------------------------------------------------- layout
# At 1280×800 (sidebar open) the main area is about 820 px wide. The longest Operation label, "black-hat
# (closing − image)", needs about 250 px of box and the components table's six columns about 340 px (both
# measured in Chromium, tests/e2e/test_morphology.py): at least 0.3 and 0.42 of the row.
OPERATION_SHARE = 0.3
TABLE_SHARE = 0.42


def _share_of_row(at, holds) -> float:
    """The width share (weight / sum of its row's weights) of the innermost column whose subtree ``holds``."""

    def contains(node) -> bool:
        return holds(node) or any(contains(child) for child in getattr(node, "children", {}).values())

    def walk(node, share: float) -> float | None:
        children = list(getattr(node, "children", {}).values())
        columns = [child for child in children if getattr(child, "type", None) == "column"]
        total = sum(column.weight for column in columns)
        for child in children:
            if contains(child):
                inner = share * child.weight / total if child in columns else share
                return walk(child, inner) if getattr(child, "children", None) else inner
        return share

    assert contains(at.main), "nothing on the page matches"
    return walk(at.main, 1.0)


def test_the_operation_box_and_the_components_table_get_room(open_page):
    at = open_page(PAGE, query={"src": "letter"})
    operation = _share_of_row(at, lambda node: getattr(node, "key", None) == "morph.op")
    assert operation >= OPERATION_SHARE, operation  # it was 0.9 / 4.6 = 0.2: "open (erode, then d…"

    def is_component_table(node) -> bool:
        return getattr(node, "type", None) == "dataframe" and "size (px)" in node.value.columns

    table = _share_of_row(at, is_component_table)
    assert table >= TABLE_SHARE, table
    assert table == pytest.approx(1.5 / 3.5)  # it was 1.0 / 3.2 = 0.31: the last columns were cut off

"""The "Images are numbers" page: renders, follows its widgets, the sidebar image and deep links."""

import numpy as np

from tests.app.helpers import image_captions

PAGE = "app_pages/images_are_numbers.py"


def region_table(at) -> np.ndarray:
    return at.dataframe[0].value.to_numpy()


def test_renders_with_defaults(open_page):
    at = open_page(PAGE)
    assert not at.exception
    assert at.title[0].value == "Images are numbers"
    assert region_table(at).shape == (8, 8)
    assert len(at.warning) == 0
    assert any("gray = 0.299 ×" in code.value for code in at.code)


def test_moving_the_region_changes_the_numbers(open_page):
    at = open_page(PAGE)
    before = region_table(at).copy()
    at.number_input(key="numbers.row").set_value(40).run()
    assert not at.exception
    after = region_table(at)
    assert not np.array_equal(before, after)
    assert list(at.dataframe[0].value.index)[0] == 40
    at.slider(key="numbers.size").set_value(20).run()
    assert not at.exception and region_table(at).shape == (20, 20)
    assert at.query_params["row"] == "40" and at.query_params["size"] == "20"


def test_channel_choice_changes_the_numbers(open_page):
    at = open_page(PAGE)
    gray = region_table(at).copy()
    at.selectbox(key="numbers.channel").set_value("B").run()
    assert not at.exception and not np.array_equal(gray, region_table(at))


def test_digit_index_changes_the_similar_list(open_page):
    at = open_page(PAGE)
    before = at.dataframe[1].value.to_numpy().copy()
    gallery_before = [c for c in image_captions(at) if " · cos " in c]
    at.number_input(key="numbers.digit").set_value(100).run()
    assert not at.exception
    assert not np.array_equal(before, at.dataframe[1].value.to_numpy())
    gallery = [c for c in image_captions(at) if " · cos " in c]
    assert len(gallery) == 10 and gallery != gallery_before
    assert at.query_params["digit"] == "100"
    assert any(c.startswith("#100: a handwritten 4") for c in image_captions(at))


def test_sidebar_sample_changes_the_numbers(open_page):
    at = open_page(PAGE)
    before = region_table(at).copy()
    at.sidebar.selectbox(key="shared.sample").set_value("coffee").run()
    assert not at.exception
    assert not np.array_equal(before, region_table(at))


def test_deep_link_sets_the_widgets(open_page):
    at = open_page(PAGE, query={"row": "10", "col": "20", "size": "5", "ch": "R", "digit": "42", "tint": "1"})
    assert at.number_input(key="numbers.row").value == 10
    assert at.number_input(key="numbers.col").value == 20
    assert at.slider(key="numbers.size").value == 5
    assert at.selectbox(key="numbers.channel").value == "R"
    assert at.number_input(key="numbers.digit").value == 42
    assert at.toggle(key="numbers.tint").value is True
    assert region_table(at).shape == (5, 5)


def test_garbage_link_warns_and_falls_back(open_page):
    at = open_page(PAGE, query={"row": "abc", "size": "99", "ch": "purple", "digit": "-3"})
    assert not at.exception
    assert len(at.warning) == 1
    text = at.warning[0].value
    assert "`row`" in text and "`size`" in text and "`ch`" in text and "`digit`" in text
    assert at.slider(key="numbers.size").value == 8
    assert at.selectbox(key="numbers.channel").value == "Gray"


def test_region_outside_a_small_image_is_moved_inside(open_page):
    at = open_page(PAGE, query={"row": "4000", "col": "4000", "img": "pattern:checkerboard"})
    assert not at.exception
    row, col = at.number_input(key="numbers.row").value, at.number_input(key="numbers.col").value
    assert row + 8 <= 256 and col + 8 <= 256
    assert any("moved to fit" in info.value for info in at.info)

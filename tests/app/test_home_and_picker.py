"""The router, the Home page and the shared image picker."""

import numpy as np
import pytest

from explorer.images import samples
from ui.site_map import SITE_MAP


def test_home_renders_with_the_map_of_pages(open_page):
    at = open_page("app_pages/home.py")
    assert at.title[0].value == "Vision Explorer"
    text = " ".join(m.value for m in at.markdown)
    for page in ("Images are numbers", "Color", "Kernels"):
        assert page in text


def test_picker_defaults_to_astronaut(open_page):
    at = open_page("app_pages/home.py")
    assert at.session_state["shared.image_id"] == "sample:astronaut"
    assert "astronaut" in at.sidebar.caption[0].value


def test_choosing_a_sample_changes_the_current_image(open_page):
    at = open_page("app_pages/home.py")
    at.selectbox(key="shared.sample").set_value("coins").run()
    assert not at.exception
    assert at.session_state["shared.image_id"] == "sample:coins"
    # The URL now names the image so the view can be shared.
    assert at.query_params["img"] == "sample:coins"


def test_test_pattern_with_angle(open_page):
    at = open_page("app_pages/home.py")
    at.radio(key="shared.source").set_value("Test pattern").run()
    at.selectbox(key="shared.pattern").set_value("stripes").run()
    at.slider(key="shared.angle").set_value(45).run()
    assert not at.exception
    assert at.session_state["shared.image_id"] == "pattern:stripes:45"


def test_image_in_the_url_is_selected(open_page):
    at = open_page("app_pages/home.py", query={"img": "pattern:stripes:30"})
    assert at.session_state["shared.image_id"] == "pattern:stripes:30"
    assert at.radio(key="shared.source").value == "Test pattern"
    assert at.slider(key="shared.angle").value == 30


def test_sample_in_the_url_is_selected_on_another_page(open_page):
    at = open_page("app_pages/color.py", query={"img": "sample:coins"})
    assert at.session_state["shared.image_id"] == "sample:coins"
    assert at.selectbox(key="shared.sample").value == "coins"


def test_garbage_image_in_the_url_warns_and_keeps_the_default(open_page):
    at = open_page("app_pages/home.py", query={"img": "<script>alert(1)</script>"})
    assert at.session_state["shared.image_id"] == "sample:astronaut"
    assert any("could not be used" in w.value for w in at.warning)


def test_shared_image_survives_a_page_switch(open_page):
    at = open_page("app_pages/home.py")
    at.selectbox(key="shared.sample").set_value("camera").run()
    at.switch_page("app_pages/color.py").run()
    assert not at.exception
    at.switch_page("app_pages/home.py").run()
    assert at.session_state["shared.image_id"] == "sample:camera"
    assert at.selectbox(key="shared.sample").value == "camera"


@pytest.mark.parametrize("page", [e.path for e in SITE_MAP if not e.image_picker])
def test_pages_without_an_image_have_no_picker(open_page, page):
    at = open_page(page)
    assert not [w for w in at.sidebar if getattr(w, "key", None) == "shared.source"]
    assert not [c for c in at.sidebar.caption if "Current image" in c.value]


def test_picker_choices_survive_a_page_without_the_picker(open_page):
    at = open_page("app_pages/kernels.py")
    at.radio(key="shared.source").set_value("Test pattern").run()
    at.selectbox(key="shared.pattern").set_value("stripes").run()
    at.slider(key="shared.angle").set_value(60).run()
    assert at.query_params["img"] == "pattern:stripes:60"
    at.switch_page("app_pages/neurons.py").run()
    assert not at.exception
    assert "img" not in at.query_params  # the Neurons page's link names no image
    at.run()  # a rerun without the picker must not forget it either
    at.switch_page("app_pages/kernels.py").run()
    assert not at.exception
    assert at.radio(key="shared.source").value == "Test pattern"
    assert at.selectbox(key="shared.pattern").value == "stripes"
    assert at.slider(key="shared.angle").value == 60
    assert at.session_state["shared.image_id"] == "pattern:stripes:60"
    assert at.query_params["img"] == "pattern:stripes:60"


def test_builtin_images_are_rgb_uint8():
    image = samples.load_builtin("sample:camera")
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


def test_link_text_is_shown_literally_not_as_markdown(open_page):
    hostile = "![x](http://example.invalid/x.png)"
    at = open_page("app_pages/kernels.py", query={"stride": hostile})
    warnings = " ".join(w.value for w in at.warning)
    assert "`stride`" in warnings
    assert "\\!\\[x\\]\\(http" in warnings and hostile not in warnings
    assert at.slider(key="kernels.stride").value == 1  # fell back to the default


def test_a_links_warning_stays_until_another_page_opens(open_page):
    at = open_page("app_pages/neurons.py", query={"act": "nonsense"})
    assert any("could not be used" in w.value for w in at.warning)
    at.run()  # any later run of the page (a widget, a finished job) keeps the warning on screen
    assert any("could not be used" in w.value for w in at.warning)
    at.switch_page("app_pages/kernels.py").run()
    assert not any("could not be used" in w.value for w in at.warning)
    at.switch_page("app_pages/neurons.py").run()  # back again: the link was dealt with
    assert not at.exception and not any("could not be used" in w.value for w in at.warning)

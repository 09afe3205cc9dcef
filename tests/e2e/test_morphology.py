"""Morphology & segmentation page in a real browser: it opens by URL, and changing the structuring element
(its shape, then its size) changes the result picture."""

from __future__ import annotations

from playwright.sync_api import expect


def test_page_opens_by_url(app):
    app.open("morphology")
    assert app.title() == "Morphology & segmentation"
    text = app.main_text()
    for heading in (
        "1. Black and white",
        "2. Erode, dilate, open, close",
        "3. Contours",
        "4. Connected components",
        "5. Segmenting by colour",
        "Challenges",
    ):
        assert heading in text
    assert "Shapes found" in text and "Components" in text
    expect(app.image("After open")).to_be_visible()
    app.screenshot("morphology")


def test_changing_the_structuring_element_changes_the_result(app):
    app.open("morphology", "src=letter")
    image = app.image("After open")
    expect(image).to_be_visible()
    first = image.get_attribute("src")

    # The shape: rectangle -> cross, chosen from the dropdown.
    app.page.locator('[data-testid="stSelectbox"]').filter(has_text="Shape").click()
    app.page.get_by_role("option", name="cross", exact=True).click()
    app.wait_idle()
    expect(app.image("After open")).not_to_have_attribute("src", first)
    second = app.image("After open").get_attribute("src")

    # The size: 3 -> 5 with the keyboard on the slider (its step is 2).
    slider = app.page.locator('[data-testid="stSlider"]').filter(has_text="Size (cells, odd)").get_by_role("slider")
    slider.focus()
    slider.press("ArrowRight")
    app.wait_idle()
    expect(app.page.locator('[data-testid="stMain"]')).to_contain_text("The element: 5 × 5 cells")
    expect(app.image("After open")).not_to_have_attribute("src", second)
    assert "shape=cross" in app.page.url and "size=5" in app.page.url
    app.screenshot("morphology-element-changed")


# True when a text box shows less than its text (cut off with "…", or scrolled inside the box).
_CLIPPED = "el => el.scrollWidth > el.clientWidth + 1"
# True when a data grid scrolls sideways: some of its columns are out of view.
_SCROLLS_SIDEWAYS = """root => Array.from(root.querySelectorAll('.dvn-scroller')).some(
    el => el.scrollWidth > el.clientWidth + 1)"""


def test_operation_and_components_table_fit_a_laptop_screen(app):
    """At 1280×800 the Operation box read "open (erode, then d…" and the components table was cut off."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("morphology", "src=letter")
    operation = app.page.get_by_role("combobox", name="Operation")
    expect(operation).to_have_value("open (erode, then dilate)")
    assert not operation.evaluate(_CLIPPED), "the Operation box cuts its text"
    # The widest label of the list fits too.
    operation.focus()
    operation.press("ArrowDown")  # opens the list (a click on the box doesn't reliably at this size)
    app.page.get_by_role("option", name="black-hat (closing − image)", exact=True).click()
    app.wait_idle()
    operation = app.page.get_by_role("combobox", name="Operation")
    expect(operation).to_have_value("black-hat (closing − image)")
    assert not operation.evaluate(_CLIPPED), "the Operation box cuts its text"
    app.page.get_by_text("4. Connected components").scroll_into_view_if_needed()
    table = app.page.locator('[data-testid="stDataFrame"]').filter(has=app.page.get_by_text("size (px)"))
    expect(table).to_have_count(1)
    assert not table.evaluate(_SCROLLS_SIDEWAYS), "the components table hides columns"
    app.screenshot("morphology-components-1280x800")
    operation.scroll_into_view_if_needed()
    app.screenshot("morphology-1280x800")

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

"""Images are numbers and Color in a real browser: a link restores a region, a selectbox changes the pictures."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_link_opens_images_are_numbers_on_a_given_region(app):
    app.open("images-are-numbers", "row=10&col=20&size=4&ch=R")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("The region's R values, rows 10–13, columns 20–23")
    app.screenshot("images-are-numbers-link")


def test_choosing_a_colour_space_changes_the_channel_pictures(app):
    app.open("color")
    pictures = app.page.locator('[data-testid="stImage"]')
    expect(pictures.filter(has_text="H: hue")).to_have_count(1)
    before = pictures.filter(has_text="H: hue").locator("img").get_attribute("src")

    box = app.page.locator('[data-testid="stSelectbox"]').filter(has_text="Colour space")
    box.click()
    app.page.get_by_role("option", name="Lab", exact=True).click()
    app.wait_idle()

    lightness = pictures.filter(has_text="L: lightness")
    expect(lightness).to_have_count(1)
    assert lightness.locator("img").get_attribute("src") != before
    expect(pictures.filter(has_text="H: hue")).to_have_count(0)
    assert re.search(r"[?&]space=Lab\b", app.page.url), app.page.url  # the choice is in the link
    app.screenshot("color-lab")

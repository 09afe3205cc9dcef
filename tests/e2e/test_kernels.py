"""Kernels page in a real browser: editing the grid, a deep link to a custom kernel, clicking the image."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

SHARPEN = "0,-1,0;-1,5,-1;0,-1,0"


def kernel_editor(app) -> Locator:
    """The kernel grid: the first data editor on the page (a glide data grid drawn on a canvas)."""
    return app.page.locator('[data-testid="stDataFrame"]').filter(has=app.page.locator("canvas")).first


def grid_values(editor: Locator) -> list[list[str]]:
    """Cell texts, read from the grid's accessible table (the canvas itself holds no text).

    Glide names cells ``glide-cell-<column>-<row>``; column 0 is the row label, so it is dropped.
    """
    rows = editor.locator('table[role="grid"] tbody tr')
    return [row.locator("td").all_inner_texts()[1:] for row in rows.all()]


def test_editing_a_kernel_cell_changes_the_output(app):
    app.open("kernels")
    editor = kernel_editor(app)
    before_values = grid_values(editor)
    assert len(before_values) == 3 and all(len(row) == 3 for row in before_values), before_values
    before_src = app.image_src("Output")

    # Double-click the cell in the middle row, last column, replace its text, commit with Enter.
    canvas = editor.locator("canvas").first
    box = canvas.bounding_box()
    row_height = box["height"] / (len(before_values) + 1)  # the header row is as tall as a data row
    x = box["x"] + box["width"] - 20  # inside the last column whatever the column widths
    y = box["y"] + row_height * 2.5  # header, row 1, then the middle of row 2
    # The grid's scroller lies over the canvas and takes the clicks, so click by screen position.
    app.page.mouse.dblclick(x, y)
    cell_input = app.page.locator("textarea.gdg-input")  # glide's overlay editor for one cell
    expect(cell_input).to_be_focused()
    cell_input.fill("5")
    cell_input.press("Enter")
    app.wait_idle()

    after_values = grid_values(kernel_editor(app))
    assert after_values[1][2] == "5", after_values
    assert after_values[0] == before_values[0] and after_values[2] == before_values[2]
    # The output picture is a new media file: its content changed.
    expect(app.image("Output")).not_to_have_attribute("src", before_src)
    assert "adds up to" in app.main_text()
    app.screenshot("kernels-edited")


def test_deep_link_reproduces_a_custom_kernel(app):
    app.open("kernels", f"kernel={SHARPEN}")
    assert grid_values(kernel_editor(app)) == [["0", "-1", "0"], ["-1", "5", "-1"], ["0", "-1", "0"]]
    assert "its cells add up to 1" in app.main_text()
    # The link survives: the page keeps the kernel in its own URL.
    assert "kernel=" in app.page.url
    app.screenshot("kernels-deep-link")


def test_clicking_the_image_shows_the_worked_example(app):
    app.open("kernels")
    main = app.page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Clicked input pixel: row 256, column 256.")  # the centre before any click
    sum_metric = app.page.locator('[data-testid="stMetric"]').filter(has_text="Sum of the products")
    before = sum_metric.inner_text()

    frame = app.page.frame_locator('iframe[title*="streamlit_image_coordinates"]')
    picture = frame.locator("img").first
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    # Astronaut is 512 px wide and drawn 512 px wide, so a screen pixel is an image pixel.
    picture.click(position={"x": 100, "y": 60})
    app.wait_idle()

    expect(main).to_contain_text(re.compile(r"Clicked input pixel: row 6\d, column 1\d\d\."))
    text = main.inner_text()
    row, col = map(int, re.search(r"Clicked input pixel: row (\d+), column (\d+)\.", text).groups())
    scale = 512 / box["width"]
    assert abs(row - 60 * scale) <= 2 and abs(col - 100 * scale) <= 2, (row, col, box)
    output_metric = app.page.locator('[data-testid="stMetric"]').filter(has_text="Output pixel")
    expect(output_metric).to_contain_text(f"row {row}, column {col}")
    # The astronaut's top-left area is dark background, the centre is her suit: the sum must differ.
    assert sum_metric.inner_text() != before
    app.screenshot("kernels-clicked")


def test_the_readme_link_names_its_kernel_on_a_laptop_screen(app):
    """The README's link used to show "box blur 3×3" in the preset box over its sharpen kernel."""
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("kernels", f"img=sample:coins&kernel={SHARPEN}&padding=reflect&stride=2")
    expect(app.page.get_by_role("combobox", name="Start from a preset")).to_have_value("sharpen")
    expect(app.page.locator('[data-testid="stMain"]')).to_contain_text("“sharpen” is not a blur")
    assert "kernel=" in app.page.url
    app.screenshot("kernels-readme-link-1280x800")

    app.open("kernels", "kernel=1,2;3,4")
    expect(app.page.get_by_role("combobox", name="Start from a preset")).to_have_value("custom (not a preset)")
    expect(app.page.get_by_role("button", name="Reset to the preset")).to_be_disabled()


def _inside(box: dict, viewport: dict) -> bool:
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"]
        and box["y"] + box["height"] <= viewport["height"]
    )


def test_kernel_and_output_share_a_laptop_screen(app):
    """On 1280 × 800 the grid and the pictures used to be a screen apart: an edit and its effect never met."""
    viewport = {"width": 1280, "height": 800}
    app.page.set_viewport_size(viewport)
    for query in ("", "kernel=1,2,3,4,5;1,2,3,4,5"):  # a preset, and the widest kernel kept beside the pictures
        app.open("kernels", query)
        grid = kernel_editor(app).bounding_box()
        output = app.image("Output").bounding_box()
        picture = app.image("Input").bounding_box()
        for name, box in (("kernel grid", grid), ("output picture", output), ("input picture", picture)):
            assert box is not None and _inside(box, viewport), (query, name, box)
        assert output["width"] >= 190, output  # pictures, not thumbnails
        # The settings that change the output are on that screen too (their top row at least).
        padding = app.page.locator('[data-testid="stRadio"]').filter(has_text="Padding at the border")
        assert _inside(padding.bounding_box(), viewport), padding.bounding_box()
    app.screenshot("kernels-1280x800")


def test_editing_a_cell_turns_the_preset_box_to_custom(app):
    app.page.set_viewport_size({"width": 1280, "height": 800})
    app.open("kernels")
    box = app.page.get_by_role("combobox", name="Start from a preset")
    expect(box).to_have_value("box blur 3×3")
    editor = kernel_editor(app)
    canvas = editor.locator("canvas").first
    bounds = canvas.bounding_box()
    row_height = bounds["height"] / 4  # header + 3 rows
    app.page.mouse.dblclick(bounds["x"] + bounds["width"] - 20, bounds["y"] + row_height * 2.5)
    cell_input = app.page.locator("textarea.gdg-input")
    expect(cell_input).to_be_focused()
    cell_input.fill("2")
    cell_input.press("Enter")
    app.wait_idle()
    expect(box).to_have_value("custom (not a preset)")
    expect(app.page.get_by_role("button", name="Reset to the preset")).to_be_enabled()
    app.page.get_by_role("button", name="Reset to the preset").click()
    app.wait_idle()
    expect(box).to_have_value("box blur 3×3")
    assert grid_values(kernel_editor(app)) == [["1", "1", "1"]] * 3
    app.screenshot("kernels-custom-after-edit")

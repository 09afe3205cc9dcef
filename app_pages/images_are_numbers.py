"""Images are numbers: hover over pixels, read a region as a table, split channels, compare 8×8 digits."""

import random

import pandas as pd
import streamlit as st

from explorer.images import regions
from ui import common, images, show, snippets, urlstate
from ui.cached import images_are_numbers as cached

# Region coordinates accepted from a link: larger than any working image (uploads are shrunk to 1024 px,
# patterns to 2048 px at most); a region that then falls outside the image is moved inside it.
MAX_LINK_COORD = 4096
# How many look-alikes (and opposites) of a digit are shown: one row of small pictures each.
NEIGHBOURS = 5
# Up to 12×12 the numbered heatmap sits beside the table, in a column about 260 px wide on a 1280 px laptop
# (the table's column is wider, so an 8×8 region's table shows all its columns); a bigger one gets a row of its
# own so its digits stay legible.
WIDE_HEATMAP_FROM = 13
NARROW_HEATMAP_PX = 256
# Screen pixels per heatmap cell: room for "255" in 13 px type; at most this in the narrow column.
CELL_PX = 32
# Streamlit draws table rows (and the header) 35 px tall; a table this many rows tall plus 3 px of border has
# no empty row at its foot.
TABLE_ROW_PX = 35

digit_images, digit_labels = cached.digit_data()

PARAMS = (
    urlstate.Param("row", "numbers.row", 180, parse=urlstate.int_in(0, MAX_LINK_COORD)),
    urlstate.Param("col", "numbers.col", 220, parse=urlstate.int_in(0, MAX_LINK_COORD)),
    urlstate.Param("size", "numbers.size", 8, parse=urlstate.int_in(regions.MIN_REGION, regions.MAX_REGION)),
    urlstate.Param("ch", "numbers.channel", "Gray", parse=urlstate.one_of(regions.REGION_CHANNELS)),
    urlstate.Param("tint", "numbers.tint", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("digit", "numbers.digit", 0, parse=urlstate.int_in(0, len(digit_images) - 1)),
)

st.title("Images are numbers")
urlstate.restore("numbers", PARAMS)
st.markdown(
    """
To a computer a photo is a grid of numbers. A colour image stores **three numbers per pixel** — how much
red, green and blue light to mix — each a whole number from 0 (none) to 255 (full). A gray image stores one.
Everything a vision program does, from blurring to recognising a face, is arithmetic on these grids.
"""
)

rgb = images.current_rgb()
image_id = images.image_id()
rows, cols = rgb.shape[:2]

# ---- the picture and a region of it -----------------------------------------------------------------------
st.header("Every pixel is three numbers")


state = st.session_state
requested = (state["numbers.row"], state["numbers.col"], state["numbers.size"])
fitted = regions.fit_region(rgb.shape, top=requested[0], left=requested[1], size=requested[2])
if fitted != requested:
    state["numbers.row"], state["numbers.col"], state["numbers.size"] = fitted
    st.info(f"The region was moved to fit inside this {rows} × {cols} image.")

picture_column, controls_column = st.columns([3, 2])
with controls_column:
    st.markdown("**Pick a region** (its top-left pixel and its side)")
    size = st.slider(
        "Region size (pixels per side)", regions.MIN_REGION, min(regions.MAX_REGION, rows, cols), key="numbers.size"
    )
    # A bigger region may no longer fit at the current position: move it before drawing the inputs.
    state["numbers.row"], state["numbers.col"], _ = regions.fit_region(
        rgb.shape, top=state["numbers.row"], left=state["numbers.col"], size=size
    )
    top = st.number_input("Top row", 0, rows - size, step=1, key="numbers.row")
    left = st.number_input("Left column", 0, cols - size, step=1, key="numbers.col")
    channel = st.selectbox(
        "Numbers of",
        regions.REGION_CHANNELS,
        key="numbers.channel",
        help="Gray = 0.299 R + 0.587 G + 0.114 B, rounded; R, G and B are the stored values.",
    )
    st.caption(f"Image: {images.describe()}. Row 0 is the top, column 0 the left edge.")

with common.user_errors():
    overview = cached.overview(image_id, rgb)
    values = regions.region_values(rgb, top=top, left=left, size=size, channel=channel)

with picture_column:
    st.plotly_chart(cached.overview_figure(overview, top=top, left=left, size=size), key="_numbers.overview_chart")
    if overview.step > 1:
        st.caption(
            f"Hover to read pixels. To stay fast this overview shows one pixel in {overview.step} along each "
            f"direction ({overview.rows} × {overview.cols} of {rows} × {cols}); the values shown are those pixels' "
            "own. The yellow square is your region; scroll or drag to zoom."
        )
    else:
        st.caption("Hover to read pixels. The yellow square is your region; scroll or drag to zoom.")

st.subheader(
    f"The region's {'gray values' if channel == 'Gray' else channel + ' values'}, "
    f"rows {top}–{top + size - 1}, columns {left}–{left + size - 1}"
)
if size < WIDE_HEATMAP_FROM:
    table_column, heatmap_column, zoom_column = st.columns([6, 4, 2])
    cell = min(CELL_PX, (NARROW_HEATMAP_PX - cached.HEATMAP_MARGIN_LEFT) // size)
else:
    table_column, zoom_column = st.columns([4, 1])
    heatmap_column = st.container()
    cell = CELL_PX
with table_column:
    headers = [str(c) for c in range(left, left + size)]
    table = pd.DataFrame(values, index=range(top, top + size), columns=headers)
    st.dataframe(
        table,
        height=min(TABLE_ROW_PX * (size + 1) + 3, 640),
        column_config={name: st.column_config.NumberColumn(width=40) for name in headers},
    )
with heatmap_column:
    st.plotly_chart(
        cached.region_figure(values, top=top, left=left, channel=channel, cell=cell),
        key="_numbers.region_chart",
        width="content",
        config={"displayModeBar": False},
    )
with zoom_column:
    st.image(
        cached.region_picture(image_id, top, left, size, rgb),
        caption="The region in colour, enlarged",
        width="stretch",
    )

# ---- channels and gray ------------------------------------------------------------------------------------
st.header("Three channels, and gray")
st.markdown(
    """
The three numbers of each pixel make three separate grids — the **channels**. Shown alone, a channel is a
gray picture: bright where that colour is strong. Gray keeps one number per pixel, a weighted sum of the
three: green weighs most because our eyes are most sensitive to it, blue least.
"""
)
tinted = st.toggle("Tint each channel in its own colour (the other two set to 0)", key="numbers.tint")
with common.user_errors():
    pictures = cached.channel_pictures(image_id, tinted, rgb)
    arithmetic = regions.gray_arithmetic(rgb, row=top, col=left)
show.side_by_side(pictures, ["R (red)", "G (green)", "B (blue)", "Gray = 0.299 R + 0.587 G + 0.114 B"])
st.markdown(
    f"For the region's top-left pixel (row {arithmetic.row}, column {arithmetic.col}), "
    f"R = {arithmetic.rgb[0]}, G = {arithmetic.rgb[1]}, B = {arithmetic.rgb[2]}:"
)
st.code(f"gray = {arithmetic.formula()}", language=None)

common.check_yourself(
    "A pixel has R = 0, G = 255, B = 0 and another has R = 0, G = 0, B = 255. Both are fully saturated "
    "colours. Which one is brighter in the gray picture, and by how much?",
    "The green one: 0.587 × 255 ≈ 150 against 0.114 × 255 ≈ 29 for the blue one, about five times brighter. "
    "Pure blue looks dark to us, and the gray formula copies our eyes.",
    key="numbers.check_gray",
)

# ---- digits -----------------------------------------------------------------------------------------------
st.header("Handwritten digits as 64 numbers")
st.markdown(
    f"""
scikit-learn ships {len(digit_images):,} tiny scans of handwritten digits, 8 × 8 pixels each. A cell holds how
much ink fell in it, from 0 (none) to 16 (full). Lay the 64 numbers in a row and each digit becomes a point in
a 64-dimensional space. **Cosine similarity** compares two such rows by the angle between them:
1 means the same pattern of ink (even if one is darker), 0 means no ink in common.
"""
)


def _random_digit() -> None:
    st.session_state["numbers.digit"] = random.randrange(len(digit_images))


index_column, button_column = st.columns([3, 1], vertical_alignment="bottom")
with index_column:
    index = st.number_input(
        f"Digit index (0 to {len(digit_images) - 1})", 0, len(digit_images) - 1, step=1, key="numbers.digit"
    )
with button_column:
    st.button("Random digit", key="_numbers.random", on_click=_random_digit)

with common.user_errors():
    found = cached.digit_neighbours(int(index), NEIGHBOURS)
picture_column, matrix_column = st.columns([1, 2])
with picture_column:
    st.image(cached.digit_picture(int(index), 24), caption=f"#{index}: a handwritten {digit_labels[index]}")
with matrix_column:
    st.dataframe(pd.DataFrame(digit_images[index].astype(int)), height=TABLE_ROW_PX * 9 + 3)


def _gallery(title: str, indices, scores) -> None:
    st.markdown(f"**{title}**")
    for column, other, score in zip(st.columns(len(indices)), indices, scores):
        with column:
            st.image(
                cached.digit_picture(int(other), 12),
                caption=f"#{other} · a {digit_labels[other]} · cos {score:.3f}",
            )


_gallery("Most similar (highest cosine similarity, itself left out)", found.most, found.most_scores)
_gallery("Least similar (lowest cosine similarity)", found.least, found.least_scores)

common.check_yourself(
    "Take a digit and make every one of its 64 numbers twice as big (darker ink). What is its cosine "
    "similarity with the original, and why might that be a good thing when comparing handwriting?",
    "Exactly 1: doubling a vector does not change its direction, only its length. So a digit written with a "
    "heavier pen still matches its lighter twin — cosine similarity compares the *pattern* of ink, not the amount.",
    key="numbers.check_digits",
)

common.show_code(
    f"""from explorer.images import color, digits, imageio, regions, samples

{snippets.load_lines(image_id)}
small, step = regions.overview(image)                        # every step-th pixel, for hovering
values = regions.region_values(image, top={top}, left={left}, size={size}, channel={channel!r})
print(values)                                                # ({size}, {size}) uint8
print(regions.gray_arithmetic(image, row={top}, col={left}).formula())
red, green, blue = color.split_channels(image, tinted={tinted})

images, labels = digits.load()                               # (1797, 8, 8) 0..16, (1797,)
print(images[{index}], labels[{index}])
found = digits.most_and_least_similar(images, {index}, count={NEIGHBOURS})
print(found.most, found.most_scores)
print(found.least, found.least_scores)"""
)

urlstate.publish(PARAMS)

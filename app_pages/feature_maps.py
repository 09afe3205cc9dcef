"""Feature maps & filters: what every layer of a trained network makes of one picture, conv1's learned filters
(and how they formed while it trained), the test patches a channel likes best, and a kernel of your own put
inside the network."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from explorer.images import kernels
from explorer.interpret import activations, edge_filters
from explorer.interpret.challenges import VERTICAL_EDGE
from ui import (
    challenge_board,
    common,
    fmaps_filters,
    fmaps_parts,
    fmaps_swap,
    images,
    inspect_input,
    inspect_model,
    kernel_grid,
    urlstate,
)
from ui.cached import feature_maps as cached

LAYER_KEY = "fmaps.layer"  # the enlarged map's layer, by its number in the layer table
CHANNEL_KEY = "fmaps.channel"
PICK_KEY = fmaps_filters.PICK_KEY
GRADED_KEY = "fmaps.graded"  # (model token, filter) last graded: the verdict stays until either changes
CLICK_KEY = "_fmaps.grid_click"
CLICK_SEEN_KEY = "fmaps.grid_click_seen"
MAX_LAYER = 999
MAX_CHANNEL = 4095

PARAMS = (
    urlstate.Param("layer", LAYER_KEY, 1, parse=urlstate.int_in(1, MAX_LAYER)),
    urlstate.Param("channel", CHANNEL_KEY, 0, parse=urlstate.int_in(0, MAX_CHANNEL)),
    urlstate.Param("swap", fmaps_swap.SWAP_KEY, 0, parse=urlstate.int_in(0, MAX_CHANNEL)),
    urlstate.Param("kernel_from", fmaps_parts.SOURCE_KEY, "preset", parse=urlstate.one_of(tuple(fmaps_parts.SOURCES))),
    urlstate.Param(
        "preset",
        fmaps_parts.PRESET_KEY,
        fmaps_parts.DEFAULT_PRESET,
        parse=urlstate.one_of(tuple(kernels.PRESETS)),
    ),
    urlstate.Param("typed", fmaps_parts.TEXT_KEY, fmaps_parts.DEFAULT_TEXT, parse=fmaps_parts.typed_param),
    urlstate.Param("pick", PICK_KEY, 0, parse=urlstate.int_in(0, MAX_CHANNEL)),
    urlstate.Param("filter", fmaps_filters.FILTER_KEY, 0, parse=urlstate.int_in(0, MAX_CHANNEL)),
)

st.title("Feature maps & filters")
st.markdown(
    "A convolution layer turns one picture into a stack of new pictures, one per filter: its **feature maps**. "
    "Follow a picture through a trained network below and see which parts each filter answers to. Early maps "
    "still look like the picture (edges, strokes); deeper ones are smaller and more abstract. Then look at the "
    "first layer's filters themselves, and swap one for a kernel of your own."
)
urlstate.restore("fmaps", PARAMS)
inspected = inspect_model.choose()
if inspected is None:
    st.stop()
trained = inspected.trained
token = trained.token

# ------------------------------------------------------------------------------------------------ the input
choose_column, seen_column = st.columns([1.7, 1.0], gap="large")
with choose_column:
    chosen = inspect_input.choose(inspected, page="fmaps")
if chosen is None:
    urlstate.publish(PARAMS + inspect_model.PARAMS + inspect_input.PARAMS)
    st.stop()
with seen_column:
    height, width = chosen.image.shape[1:]
    st.image(
        cached.input_picture(token, chosen.key, chosen.image),
        width=cached.big_width(chosen.image.shape[1:]),
        caption=f"What the network sees: {common.plain(chosen.title)}, {height}×{width}",
    )
if chosen.steps:  # a picture made into the network's input, step by step
    st.caption("How the picture was made into the network's input (as for its training pictures):")
    for column, (caption, picture) in zip(st.columns(len(chosen.steps)), chosen.steps):
        column.image(picture, caption=caption)
with common.user_errors():
    maps = cached.feature_maps(token, chosen.key, trained.model, chosen.image)
    rows = cached.layer_pictures(token, chosen.key, maps)
if not rows:
    st.info("This network has no layer with feature maps to show (no convolution or pooling).")
    st.stop()

# ------------------------------------------------------------------------------------- every layer's maps
st.subheader("Every layer's feature maps")
st.caption(
    "One row per layer, one small square per channel. White is 0, red positive, blue negative; one colour "
    "scale per layer (its largest value), so a pale square is a channel this picture hardly excites."
)
for row in rows:
    label_column, picture_column = st.columns([1.0, 4.2], gap="small")
    channels, height, width = row.shape
    label_column.markdown(f"**{common.plain(row.name)}**")
    drawn = "" if row.shown == channels else f"  \nthe first {row.shown} drawn"
    label_column.caption(f"{channels} maps of {height}×{width}  \nmin {row.low:.3g} · max {row.high:.3g}{drawn}")
    picture_column.image(row.png, width=min(row.width, cached.GRID_WIDTH_PX))

# ------------------------------------------------------------------------------------------- one map, big
st.subheader("One map, enlarged")
numbers = [fmaps_parts.layer_number(row.name) for row in rows]
by_number = {fmaps_parts.layer_number(row.name): row for row in rows}
if st.session_state.get(LAYER_KEY) not in by_number:
    st.session_state[LAYER_KEY] = numbers[0]
layer_row = by_number[int(st.session_state[LAYER_KEY])]
click_key = f"{CLICK_KEY}.{fmaps_parts.layer_number(layer_row.name)}"
click = st.session_state.get(click_key)
if click is not None and click != st.session_state.get(CLICK_SEEN_KEY):  # a click on its grid picks a channel
    st.session_state[CLICK_SEEN_KEY] = click
    cell = fmaps_parts.clicked_cell(
        click,
        cell=(layer_row.shape[1] * layer_row.factor, layer_row.shape[2] * layer_row.factor),
        gap=cached.GAP_PX,
        columns=layer_row.columns,
        count=layer_row.shown,
        width=layer_row.width,
    )
    if cell is not None:
        st.session_state[CHANNEL_KEY] = cell
st.session_state[CHANNEL_KEY] = min(int(st.session_state.get(CHANNEL_KEY, 0)), layer_row.shape[0] - 1)
choice_column, channel_column = st.columns([2.0, 1.0])
layer_number = choice_column.selectbox(
    "Layer", numbers, key=LAYER_KEY, format_func=lambda number: by_number[number].name
)
layer_row = by_number[int(layer_number)]
st.session_state[CHANNEL_KEY] = min(int(st.session_state[CHANNEL_KEY]), layer_row.shape[0] - 1)
channel = int(channel_column.number_input("Channel", 0, layer_row.shape[0] - 1, step=1, key=CHANNEL_KEY))
values = maps[layer_row.name][channel]
limit = max(abs(layer_row.low), abs(layer_row.high))
input_column, map_column, about_column = st.columns([1.0, 1.0, 1.3], gap="medium")
input_column.image(
    cached.input_picture(token, chosen.key, chosen.image),
    width=cached.big_width(chosen.image.shape[1:]),
    caption=common.plain(chosen.title),
)
map_column.image(
    cached.map_picture(token, chosen.key, layer_row.name, channel, values, limit),
    width=cached.big_width(values.shape),
    caption=f"{layer_row.name}, channel {channel}: {values.shape[0]}×{values.shape[1]}, "
    f"min {values.min():.3g}, max {values.max():.3g}",
)
about_column.caption(
    f"Each of the {layer_row.shape[1]}×{layer_row.shape[2]} squares is one unit of this channel: how strongly the "
    "pattern its filter looks for is present at that place of the picture. Red is a positive answer, blue a "
    "negative one, on the layer's colour scale."
)
st.caption("Click a map to enlarge it.")
streamlit_image_coordinates(
    kernel_grid.EncodedImage(layer_row.png),
    width=layer_row.width,
    key=f"{CLICK_KEY}.{fmaps_parts.layer_number(layer_row.name)}",
    cursor="pointer",
)

# ----------------------------------------------------------------------------------------- top patches
fmaps_parts.show_top_patches(inspected, layer_row.name, channel)

# ------------------------------------------------------------------------------------ conv1's filters
st.subheader("The first layer's filters")
with common.user_errors():
    filters = activations.conv1_filters(trained.model)
epoch, last_epoch = fmaps_filters.show(inspected, filters)
kh, kw = filters.shape[2:]

# ------------------------------------------------------------------------------- your kernel inside the net
st.subheader("Your kernel inside the network")
st.markdown(
    "Put a kernel of your own in place of one of conv1's learned filters. The network runs on unchanged "
    "(a copy of it: the original stays as it was), so you see how much that one filter mattered."
)
swap_index, fitted = fmaps_swap.show(inspected, chosen, first_layer=rows[0].name)

# ------------------------------------------------------------------------------------------- the challenge
st.subheader("Challenge")
with st.container(border=True):
    st.markdown(f"**{VERTICAL_EDGE.title}.** {VERTICAL_EDGE.prompt}")
    st.caption(
        "Click a filter above to look at it closely. Any filter passes that answers a vertical edge at least "
        f"{edge_filters.MIN_RATIO:g} times as strongly as a horizontal one, and at least "
        f"{edge_filters.MIN_STRENGTH:.0%} as strongly as the filter of this network that answers it most strongly."
    )
    pick_column, button_column = st.columns([1.0, 2.0], vertical_alignment="bottom")
    st.session_state[PICK_KEY] = min(int(st.session_state.get(PICK_KEY, 0)), len(filters) - 1)
    pick = int(pick_column.number_input("Filter number", 0, len(filters) - 1, step=1, key=PICK_KEY))
    if button_column.button("Grade my answer", key="_fmaps.grade"):
        st.session_state[GRADED_KEY] = (token, pick)
    if st.session_state.get(GRADED_KEY) == (token, pick):
        grade = cached.grade(token, pick, filters)
        if grade.passed:
            challenge_board.mark(f"fmaps.{VERTICAL_EDGE.key}")
        kernel_grid.show_grade(grade)
    if epoch != last_epoch:
        st.caption("The challenge grades the finished network's filters, not those of the epoch shown above.")

# ------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
Every channel of a convolution layer is one filter slid over all the channels of the layer before it, plus a
bias: the same sliding sum as on the Kernels page, but with numbers the network learned. **Batch norm** then
shifts and rescales each channel, **ReLU** sets the negative values to 0 (the blue disappears), and **pooling**
keeps the strongest value of each small block, so the maps shrink while the number of channels grows.

- A unit deep in the network sees a bigger part of the picture (its **receptive field**): the patches above are
  exactly the pixels one unit of the chosen layer looks at. Early channels like simple strokes and edges;
  deeper ones like combinations of them.
- The first layer's filters often end up as edge and blob detectors, like the presets of the Kernels page. A
  filter that changes from one column to the next answers vertical edges; its frequency picture is bright on
  the left and right.
- Replacing one filter changes one channel; the layers after it were trained on the learned one, so the
  accuracy tells you how much the network relied on it.
"""
)
common.check_yourself(
    "A channel's map after ReLU is entirely white (all 0) for this picture. Does that mean the filter is useless?",
    "No. ReLU keeps only the positive answers: the filter answered negatively (or not at all) everywhere in "
    "*this* picture. Another picture, with the pattern the filter looks for, lights it up. The top test "
    "patches show which pictures do.",
    key="fmaps.check",
)
common.show_code(
    fmaps_parts.code(
        kind=inspected.kind,
        input_shape=tuple(trained.spec.input_shape),
        style=inspected.style,
        input_key=chosen.key,
        picker_id=images.image_id(),
        layer=layer_row.name,
        channel=channel,
        swap_index=swap_index,
        kernel=fitted if fitted is not None else np.zeros((kh, kw), np.float32),
        pick=pick,
    )
)
urlstate.publish(PARAMS + inspect_model.PARAMS + inspect_input.PARAMS)

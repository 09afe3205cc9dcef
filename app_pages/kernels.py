"""Kernels: edit a small grid of numbers, slide it over the image, and see where every output number comes from."""

from __future__ import annotations

import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from explorer.core.display import DISPLAY_MODES
from explorer.images import challenges, convolution, kernels
from ui import challenge_board, common, images, kernel_grid, urlstate
from ui.cached import kernels as cached
from ui.cached import shared

DEFAULT_PRESET = "box blur 3×3"
# The click-to-inspect image is drawn at most this wide, so one screen pixel is about one image pixel.
CLICK_WIDTH = 512
CLICK_KEY = "_kernels.clicker"
# Kernels with up to this many columns sit beside the pictures; a wider one gets the page's width for its grid
# (beside them, 6 columns left the pictures 180 px wide on a laptop).
BESIDE_MAX_COLS = 5
# Layout of the first screen (see "the kernel beside its effect"): the main area's width on a 1280 px laptop
# with the sidebar open, the grid's row labels and cells (TextColumn width 60), and the least the kernel's
# column takes (the preset box's names must stay readable).
MAIN_WIDTH_PX = 820
GRID_LABEL_PX = 80
GRID_CELL_PX = 60
MIN_KERNEL_COLUMN_PX = 270
# Side of the frequency-response picture, in screen pixels.
FREQUENCY_PX = 150

PADDING_LABELS = {
    "zero": "zero",
    "reflect": "reflect (mirror)",
    "replicate": "replicate (copy the edge)",
    "wrap": "wrap around",
    "valid": "none (valid)",
}
DISPLAY_LABELS = {"clip": "clip", "abs": "absolute value", "normalize": "normalise", "diverging": "diverging"}
DISPLAY_EXPLAINED = {
    "clip": "values below 0 are drawn black and above 1 white, so negative responses disappear",
    "abs": "the size of each value, whatever its sign: an edge is bright whichever way it goes",
    "normalize": "the smallest value is drawn black and the largest white",
    "diverging": "0 is white, negative values blue, positive values red",
}


def _kernel_param(text: str) -> str:
    return kernels.to_text(kernels.from_text(text))


PARAMS = (
    urlstate.Param(
        "preset", "kernels.preset", DEFAULT_PRESET, parse=urlstate.one_of((*kernels.PRESETS, kernel_grid.CUSTOM))
    ),
    urlstate.Param("kernel", "kernels.text", "", parse=_kernel_param),
    urlstate.Param("normalize", "kernels.normalize", True, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("padding", "kernels.padding", "zero", parse=urlstate.one_of(convolution.PADDING_MODES)),
    urlstate.Param("stride", "kernels.stride", 1, parse=urlstate.int_in(1, convolution.MAX_STRIDE)),
    urlstate.Param("color", "kernels.per_channel", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("display", "kernels.display", "clip", parse=urlstate.one_of(DISPLAY_MODES)),
)


def _load_preset() -> None:
    if st.session_state["kernels.preset"] != kernel_grid.CUSTOM:  # "custom" has no kernel of its own to load
        kernel_grid.load_preset(st.session_state["kernels.preset"])


def _reset() -> None:
    kernel_grid.load_preset(st.session_state[kernel_grid.ORIGIN_KEY])


st.title("Kernels")
st.markdown(
    "A **kernel** is a small grid of numbers slid over the image: each output pixel is the kernel's numbers "
    "times the pixels under it, added up. Edit a number and watch the output change."
)

urlstate.restore("kernels", PARAMS)
if kernel_grid.BASE_KEY not in st.session_state:
    link_kernel = st.session_state["kernels.text"]
    if link_kernel:  # the preset box names the link's kernel: the preset it equals, or "custom"
        start = kernels.from_text(link_kernel)
        st.session_state["kernels.preset"] = kernel_grid.link_preset(start)
        st.session_state[kernel_grid.LINKED_KEY] = kernels.to_text(start)
        if st.session_state["kernels.preset"] != kernel_grid.CUSTOM:
            st.session_state[kernel_grid.ORIGIN_KEY] = st.session_state["kernels.preset"]
        kernel_grid.set_base(start)
    else:
        if st.session_state["kernels.preset"] == kernel_grid.CUSTOM:  # a link saying "custom" without a kernel
            st.session_state["kernels.preset"] = DEFAULT_PRESET
        kernel_grid.load_preset(st.session_state["kernels.preset"])
kernel_grid.keep_edits()
kernel_grid.follow_edits()

# ------------------------------------------------------------------- the kernel beside its effect
# On a 1280 × 800 laptop the grid and the two pictures share the first screen, so an edit and its effect are
# seen together. The main area is then about 820 px wide: the grid's column gets what the grid needs (its
# row labels and 60 px a column), the pictures share the rest. A kernel wider than BESIDE_MAX_COLS gets a row of
# its own above the pictures (its columns would otherwise squeeze them to thumbnails).
# The settings that change the output (padding, stride...) sit right under the pictures.
grid_cols = len(st.session_state[kernel_grid.BASE_KEY][0])
if grid_cols <= BESIDE_MAX_COLS:
    kernel_px = max(MIN_KERNEL_COLUMN_PX, GRID_LABEL_PX + GRID_CELL_PX * grid_cols)
    kernel_column, effect = st.columns([kernel_px, MAIN_WIDTH_PX - kernel_px], gap="medium")
    preset_place = editor = kernel_column
else:  # the preset box and the grid across the page; the grid's other controls beside the pictures
    preset_place = st.columns([MIN_KERNEL_COLUMN_PX, MAIN_WIDTH_PX - MIN_KERNEL_COLUMN_PX])[0]
    editor = st.container()
    kernel_column, effect = st.columns([MIN_KERNEL_COLUMN_PX, MAIN_WIDTH_PX - MIN_KERNEL_COLUMN_PX], gap="medium")
with effect:
    input_column, output_column = st.columns(2, gap="small")
    settings_row = st.container()  # drawn below the pictures, read before they are computed
with preset_place:
    st.selectbox(
        "Start from a preset",
        (*kernels.PRESETS, kernel_grid.CUSTOM),
        key="kernels.preset",
        on_change=_load_preset,
        format_func=lambda name: kernel_grid.PRESET_LABELS.get(name, name),
    )
with editor:
    st.markdown("**The kernel** (click a cell to type a number)")
    kernel, problem = kernel_grid.grid()
    if problem:
        st.error(f"{common.plain(problem[:1].upper() + problem[1:])}. The last kernel that worked is still in use.")
with kernel_column:
    normalize = st.toggle(
        "Normalise by the sum",
        key="kernels.normalize",
        help="Divide every cell by the sum of all cells, so a flat area keeps its brightness. Only blurs and "
        "kernels whose cells add up to a positive number are divided; the page says when it leaves one as it is.",
    )
    applied = kernel
    refusal = kernels.normalize_refusal(kernel) if normalize else None
    if normalize and refusal is None:
        applied = kernels.normalize(kernel)
    st.caption(kernel_grid.describe(kernel, applied, normalize=normalize))
    if refusal is not None:
        # A sum of 0 or below is worth a warning (the toggle is on and can't do what it says); a preset that
        # isn't a blur already adds up to 1, so a caption is enough.
        (st.warning if kernel.sum(dtype=float) < kernels.ZERO_SUM else st.caption)(refusal)
    if not normalize:
        hint = kernel_grid.brightness_hint(kernel)
        if hint:
            st.info(hint)
    origin = st.session_state.get(kernel_grid.ORIGIN_KEY)
    st.button(
        "Reset to the preset",
        key="_kernels.reset",
        on_click=_reset,
        disabled=origin is None,
        help=None if origin is None else f"Load “{origin}” again, the last preset the box named.",
    )
    rows_col, cols_col = st.columns(2)
    rows_col.number_input(
        "Rows", 1, kernels.MAX_KERNEL_SIZE, step=1, key=kernel_grid.ROWS_KEY, on_change=kernel_grid.resize_to_widgets
    )
    cols_col.number_input(
        "Columns", 1, kernels.MAX_KERNEL_SIZE, step=1, key=kernel_grid.COLS_KEY, on_change=kernel_grid.resize_to_widgets
    )
    st.caption(
        f"Any size from 1 × 1 to {kernels.MAX_KERNEL_SIZE} × {kernels.MAX_KERNEL_SIZE}; rows and columns need not match."
    )
kernel_id = shared.kernel_key(applied)

# ------------------------------------------------------------------------------------------ the sliding
with settings_row:
    settings = [*st.columns([1.7, 1.0], gap="medium"), *st.columns([1.0, 1.7], gap="medium")]
padding = settings[0].radio(
    "Padding at the border",
    convolution.PADDING_MODES,
    key="kernels.padding",
    format_func=PADDING_LABELS.get,
    horizontal=True,
)
stride = settings[1].slider(
    "Stride", 1, convolution.MAX_STRIDE, key="kernels.stride", help="How far the kernel jumps between output pixels."
)
per_channel = settings[2].toggle(
    "Per colour channel",
    key="kernels.per_channel",
    help="Filter red, green and blue separately instead of the gray image.",
)
mode = settings[3].radio(
    "Drawing negative values", DISPLAY_MODES, key="kernels.display", format_func=DISPLAY_LABELS.get, horizontal=True
)
settings[3].caption(DISPLAY_EXPLAINED[mode])

st.session_state["kernels.text"] = kernel_grid.link_text(kernel, st.session_state["kernels.preset"])
urlstate.publish(PARAMS)

gray = images.current_gray()
source = cached.as_float(images.image_id(), images.current_rgb()) if per_channel else gray
size_column, response_column = st.columns([1.6, 1.0], gap="large")
with common.user_errors():
    with size_column:
        kernel_grid.show_output_size(gray.shape, applied.shape, padding=padding, stride=stride)
    output = cached.correlate(images.image_id(), kernel_id, padding, stride, per_channel, source)
    gray_output = (
        output if not per_channel else cached.correlate(images.image_id(), kernel_id, padding, stride, False, gray)
    )

shown_mode = mode
if per_channel and mode == "diverging":
    shown_mode = "normalize"
    with settings_row:
        st.info("The diverging colours need a single channel, so the colour output is drawn normalised.")
input_column.image(
    shared.input_picture(images.image_id(), per_channel, source),
    caption=f"Input ({'colour' if per_channel else 'gray'}) · {gray.shape[0]} × {gray.shape[1]}",
    width="stretch",
    output_format="JPEG",
)
output_column.image(
    cached.output_picture(images.image_id(), kernel_id, padding, stride, per_channel, shown_mode, output),
    caption=f"Output · {output.shape[0]} × {output.shape[1]} · drawn with “{DISPLAY_LABELS[shown_mode]}”",
    width="stretch",
    output_format="PNG",
)
with response_column:
    st.markdown("**What it does to patterns**")
    picture_column, text_column = st.columns([1.0, 1.4], gap="small")
    picture_column.image(cached.frequency_picture(kernel_id), width=FREQUENCY_PX, output_format="PNG")
    text_column.caption(
        "How strongly the kernel lets through each pattern size: the centre is flat areas, the edges are the "
        "finest stripes. A blur is a low-pass filter (bright centre); an edge detector is high-pass (dark centre)."
    )

# ------------------------------------------------------------------------------------ one pixel by hand
st.subheader("Where does one output number come from?")
st.markdown(
    "Click a spot on the gray image. The table shows the pixels under the kernel there (the **patch**), the "
    "kernel, and the two multiplied cell by cell. Their sum is exactly the output pixel. This uses the gray "
    "image even when the colour channels are filtered, so there is one number per cell."
)
# The component's last click is in its session key before it is drawn: read it first, so the picture
# can outline the window of the pixel being explained.
if st.session_state.get(CLICK_KEY):
    st.session_state["kernels.click"] = kernel_grid.click_to_pixel(st.session_state[CLICK_KEY], gray.shape)
row, col = kernel_grid.clicked_pixel(gray.shape)
try:
    example = cached.worked_example(images.image_id(), kernel_id, row, col, padding, stride, gray)
except ValueError as error:
    example, no_example = None, str(error)
picture, arithmetic = st.columns([1.0, 1.0], gap="large")
with picture:
    width = min(CLICK_WIDTH, gray.shape[1])
    box = None if example is None else (example.top, example.left, *applied.shape)
    streamlit_image_coordinates(
        kernel_grid.EncodedImage(cached.clickable_picture(images.image_id(), width, box, gray)),
        width=width,
        key=CLICK_KEY,
        image_format="JPEG",
        cursor="crosshair",
    )
    st.caption(f"Clicked input pixel: row {row}, column {col}. The red square is the kernel's window.")
with arithmetic:
    if example is None:
        st.info(f"No worked example here: {no_example}.")
    else:
        kernel_grid.show_sum(example, applied, gray_output)
if example is not None:
    kernel_grid.show_tables(example, applied)

# ------------------------------------------------------------------------------------------- challenges
st.subheader("Challenges")
st.markdown(
    "Build a kernel in the grid above, then ask for a grade. The kernel in use (normalised if that is on) is graded."
)
for tab, challenge in zip(st.tabs([c.title for c in challenges.CHALLENGES]), challenges.CHALLENGES):
    with tab:
        st.markdown(challenge.prompt)
        # The verdict stays on screen until the kernel changes (a button is True for one run only).
        graded_key = f"kernels.graded.{challenge.key}"
        if st.button("Grade my kernel", key=f"_kernels.grade.{challenge.key}"):
            st.session_state[graded_key] = kernel_id
        if st.session_state.get(graded_key) == kernel_id:
            grade = cached.grade(challenge.key, kernel_id)
            kernel_grid.show_grade(grade)
            if grade.passed:
                challenge_board.mark(f"kernels.{challenge.key}")

# ------------------------------------------------------------------------------------------ explanation
st.subheader("What is going on")
st.markdown(
    """
The recipe on this page is called **cross-correlation**: put the kernel's centre on an input pixel, multiply
the numbers that overlap, add them up, write the sum at that position of the output. A textbook *convolution*
flips the kernel first; for symmetric kernels like the blurs the two are the same.

- **Weights decide the effect.** Positive weights that add up to 1 average the neighbourhood: a blur. Weights
  that add up to 0 give 0 on a flat area and respond only where the brightness changes: an edge detector.
- **Padding** decides what the kernel sees when it hangs over the border. With none (valid) the output
  shrinks by the kernel size minus one.
- **Stride** is the step between windows: stride 2 keeps every second row and column, halving the size.

A convolutional neural network does exactly this sliding sum in its convolution layers. The difference is that
nobody types the numbers: the network starts with random kernels and learns the values that help its task,
and it often ends up with blur-like and edge-like kernels in its first layer, much like the presets here.
"""
)
common.check_yourself(
    "A 3 × 3 kernel whose cells add up to 0 slides over a part of the image where every pixel is 0.6. "
    "What does the output show there, and why do edge kernels behave this way?",
    "The output is **0**: each product is 0.6 × weight, and the weights sum to 0, so the sum is 0.6 × 0 = 0. "
    "An edge kernel therefore ignores flat areas and only answers where neighbouring pixels differ. "
    "(With a blur, whose weights sum to 1, the output there would be 0.6.)",
    key="kernels.check",
)
common.show_code(
    kernel_grid.code(
        kernel=kernel,
        normalize=applied is not kernel,
        padding=padding,
        stride=stride,
        per_channel=per_channel,
        mode=shown_mode,
        image_id=images.image_id(),
        click=(row, col),
    )
)

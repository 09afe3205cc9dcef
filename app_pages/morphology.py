"""Morphology & segmentation: threshold to black and white, reshape with a structuring element, then count
and outline the shapes, number the connected pieces, and group colours with k-means."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.classical import morphology, segmentation
from ui import challenge_board, common, images, snippets, urlstate
from ui.cached import morphology as cached
from ui.versioned_editor import VersionedEditor

SOURCES = ("image", "letter")
SOURCE_LABELS = {"image": "The image from the sidebar", "letter": "The noisy letter (salt and pepper)"}
METHOD_LABELS = {
    "fixed": "fixed threshold",
    "otsu": "Otsu (automatic)",
    "adaptive mean": "adaptive: local mean",
    "adaptive gaussian": "adaptive: local Gaussian mean",
}
OPERATION_LABELS = {
    "erode": "erode",
    "dilate": "dilate",
    "open": "open (erode, then dilate)",
    "close": "close (dilate, then erode)",
    "gradient": "gradient (dilate − erode)",
    "tophat": "top-hat (image − opening)",
    "blackhat": "black-hat (closing − image)",
}
OPERATION_HELP = {
    "erode": "White shrinks: a pixel stays white only if the whole element, centred on it, fits in white.",
    "dilate": "White grows: a pixel turns white if the element, centred on it, touches any white.",
    "open": "Removes white specks the element doesn't fit into; big shapes come back almost unchanged.",
    "close": "Fills black holes and gaps smaller than the element; big shapes stay almost unchanged.",
    "gradient": "Keeps a band along every outline: where dilation and erosion disagree.",
    "tophat": "Keeps only what opening removed: the small bright details.",
    "blackhat": "Keeps only what closing filled: the small dark details.",
}
ELEMENT_MODES = ("shape", "drawn")
ELEMENT_MODE_LABELS = {"shape": "a shape", "drawn": "draw it cell by cell"}
# The drawing grid: 7 x 7 cells is enough for every small element and still fits beside the pictures.
DRAW_SIZE = 7
DEFAULT_DRAWN = morphology.element_to_text(
    morphology.resize_element(morphology.structuring_element(shape="cross", size=3), size=DRAW_SIZE)
)
CELL_PX = 30  # width of one checkbox column: 7 of them fit the element's column
# The drawing grid's editor: a fresh one starts from "morph.drawn_base"; its value is "morph.drawn" (the link's).
DRAW_EDITOR = VersionedEditor(
    prefix="_morph.draw", version_key="morph.drawn_version", base_key="morph.drawn_base", value_key="morph.drawn"
)
# Area limits for contours: 0 .. the most pixels an image can have (1024 x 1024, imageio.WORKING_SIZE).
MAX_AREA = 1024 * 1024
# c of the adaptive threshold, in byte levels: ±50 of 255 covers every useful setting.
MAX_C_LEVELS = 50
MAX_SEED = 9999


def _odd_in(low: int, high: int):
    parse_int = urlstate.int_in(low, high)

    def parse(text: str) -> int:
        value = parse_int(text)
        if value % 2 == 0:
            raise ValueError(f"expected an odd number, got {value}")
        return value

    return parse


def _element_text(text: str) -> str:
    element = morphology.element_from_text(text)
    if element.shape != (DRAW_SIZE, DRAW_SIZE):
        raise ValueError(f"expected {DRAW_SIZE} rows of {DRAW_SIZE} digits, got shape {element.shape}")
    return text


def _connectivity(text: str) -> int:
    if text not in ("4", "8"):
        raise ValueError(f"expected 4 or 8, got {text!r}")
    return int(text)


PARAMS = (
    urlstate.Param("src", "morph.source", "image", parse=urlstate.one_of(SOURCES)),
    urlstate.Param("bin", "morph.method", "otsu", parse=urlstate.one_of(morphology.THRESHOLD_METHODS)),
    urlstate.Param("t", "morph.threshold", 0.5, parse=urlstate.float_in(0.0, 1.0)),
    urlstate.Param("block", "morph.block", 11, parse=_odd_in(morphology.MIN_BLOCK_SIZE, morphology.MAX_BLOCK_SIZE)),
    urlstate.Param("c", "morph.c", 5, parse=urlstate.int_in(-MAX_C_LEVELS, MAX_C_LEVELS)),
    urlstate.Param("inv", "morph.invert", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("op", "morph.op", "open", parse=urlstate.one_of(morphology.OPERATIONS)),
    urlstate.Param("el", "morph.element_mode", "shape", parse=urlstate.one_of(ELEMENT_MODES)),
    urlstate.Param("shape", "morph.shape", "rectangle", parse=urlstate.one_of(morphology.ELEMENT_SHAPES)),
    urlstate.Param("size", "morph.size", 3, parse=_odd_in(1, morphology.MAX_ELEMENT_SIZE)),
    urlstate.Param("it", "morph.iterations", 1, parse=urlstate.int_in(1, morphology.MAX_ITERATIONS)),
    urlstate.Param("drawn", "morph.drawn", DEFAULT_DRAWN, parse=_element_text),
    urlstate.Param("amin", "morph.min_area", 20, parse=urlstate.int_in(0, MAX_AREA)),
    urlstate.Param("amax", "morph.max_area", MAX_AREA, parse=urlstate.int_in(0, MAX_AREA)),
    urlstate.Param("boxes", "morph.boxes", True, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("conn", "morph.connectivity", 8, parse=_connectivity),
    urlstate.Param("k", "morph.k", 4, parse=urlstate.int_in(2, segmentation.MAX_K)),
    urlstate.Param("space", "morph.space", "Lab", parse=urlstate.one_of(segmentation.KMEANS_SPACES)),
    urlstate.Param("seed", "morph.seed", 0, parse=urlstate.int_in(0, MAX_SEED)),
)


def _drawing_from_shape() -> None:
    shape = morphology.structuring_element(shape=st.session_state["morph.shape"], size=st.session_state["morph.size"])
    DRAW_EDITOR.reset(morphology.element_to_text(morphology.resize_element(shape, size=DRAW_SIZE)))


def _draw_grid() -> str:
    """The drawing grid (a data editor of checkboxes); returns the drawn element as text."""
    DRAW_EDITOR.keep_edits()  # after a page switch (or a link), re-base on the element drawn last
    base = morphology.element_from_text(DRAW_EDITOR.base()).astype(bool)
    columns = [str(c + 1) for c in range(DRAW_SIZE)]
    edited = DRAW_EDITOR.draw(
        pd.DataFrame(base, columns=columns),
        hide_index=True,
        column_config={name: st.column_config.CheckboxColumn(name, width=CELL_PX) for name in columns},
        width="content",
    )
    cells = edited[columns].to_numpy(dtype=bool)
    return ";".join("".join("1" if cell else "0" for cell in row) for row in cells)


st.title("Morphology & segmentation")
st.markdown(
    "Many vision tasks start by deciding, pixel by pixel, **object or background**. That black-and-white "
    "picture is rarely clean: specks where there is nothing, holes where there is something. **Morphology** "
    "tidies it with a small stencil, the *structuring element*: erosion peels white off the outlines, "
    "dilation adds it. Once clean, the white shapes can be **outlined**, **counted** and **measured**."
)
urlstate.restore("morph", PARAMS)
st.session_state.setdefault(DRAW_EDITOR.base_key, st.session_state["morph.drawn"])

# --------------------------------------------------------------------------------------------- the input
source = st.radio("Work on", SOURCES, key="morph.source", format_func=SOURCE_LABELS.get, horizontal=True)
if source == "letter":
    input_id, gray = cached.LETTER_ID, cached.letter_gray()
    st.caption(
        f"A {morphology.LETTER_SIZE} × {morphology.LETTER_SIZE} letter A with white specks around it (salt) and "
        "black holes inside it (pepper), always the same (seed 0). Opening removes the specks; closing fills the holes."
    )
else:
    input_id, gray = images.image_id(), images.current_gray()
    st.caption(f"Image: {images.describe()} (used in gray for the black-and-white steps)")

# ------------------------------------------------------------------------------------------ binarisation
st.header("1. Black and white")
controls, pictures = st.columns([1.2, 2.0], gap="medium")  # room for "Invert (dark objects become white)"
with controls:
    method = st.radio(
        "How to choose the threshold", morphology.THRESHOLD_METHODS, key="morph.method", format_func=METHOD_LABELS.get
    )
    threshold = st.slider(
        "Threshold (white above it)", 0.0, 1.0, step=0.01, key="morph.threshold", disabled=method != "fixed"
    )
    adaptive = method.startswith("adaptive")
    block = st.slider(
        "Neighbourhood (block size, px)",
        morphology.MIN_BLOCK_SIZE,
        morphology.MAX_BLOCK_SIZE,
        step=2,
        key="morph.block",
        disabled=not adaptive,
        help="Adaptive only: the square around each pixel whose mean is its threshold.",
    )
    c_levels = st.slider(
        "Offset C (gray levels of 255)",
        -MAX_C_LEVELS,
        MAX_C_LEVELS,
        key="morph.c",
        disabled=not adaptive,
        help="Adaptive only: a pixel is white if it is brighter than its neighbourhood's mean minus C.",
    )
    invert = st.toggle("Invert (dark objects become white)", key="morph.invert")
binary_key = (method, float(threshold), int(block), int(c_levels), bool(invert))
with common.user_errors():
    mask, used, gray_png, mask_png = cached.binary(input_id, binary_key, gray)
with pictures:
    left, right = st.columns(2)
    left.image(gray_png, caption=f"Gray input · {gray.shape[0]} × {gray.shape[1]}", width="stretch")
    if used is not None:
        caption = f"Binary: white where gray > {used:.3f} ({round(used * 255)} of 255) · {mask.mean():.1%} white"
    else:
        caption = f"Binary: each pixel against its {block} × {block} neighbourhood's mean − {c_levels}/255 · {mask.mean():.1%} white"
    right.image(mask_png, caption=caption, width="stretch")
if method == "otsu":
    st.caption(
        "Otsu tries every threshold and keeps the one that splits the histogram into two groups that are each "
        "as tight as possible. It works when the picture really has two levels (dark and light)."
    )
elif adaptive:
    st.caption(
        "Adaptive thresholds follow uneven lighting: a shadowed page and a sunlit one both come out as text on paper."
    )

# ------------------------------------------------------------------------------------------ morphology
st.header("2. Erode, dilate, open, close")
# The settings get a row of their own, so the Operation box is wide enough for its longest label
# ("black-hat (closing − image)") on a 1280-pixel laptop screen; the element and the pictures share the next.
operation_column, iterations_column, mode_column = st.columns([1.2, 1.0, 1.2], gap="medium")
with operation_column:
    operation = st.selectbox("Operation", morphology.OPERATIONS, key="morph.op", format_func=OPERATION_LABELS.get)
    st.caption(OPERATION_HELP[operation])
with iterations_column:
    iterations = st.slider(
        "Iterations",
        1,
        morphology.MAX_ITERATIONS,
        key="morph.iterations",
        help="Repeat every erosion and dilation inside the operation this many times.",
    )
with mode_column:
    mode = st.radio(
        "Structuring element",
        ELEMENT_MODES,
        key="morph.element_mode",
        format_func=ELEMENT_MODE_LABELS.get,
        horizontal=True,
    )
element_column, pictures = st.columns([1.0, 2.4], gap="medium")
with element_column:
    if mode == "shape":
        shape = st.selectbox("Shape", morphology.ELEMENT_SHAPES, key="morph.shape")
        size = st.slider("Size (cells, odd)", 1, morphology.MAX_ELEMENT_SIZE, step=2, key="morph.size")
        element_text = morphology.element_to_text(morphology.structuring_element(shape=shape, size=size))
    else:
        st.caption("Tick the cells of the element; the middle cell is its centre.")
        st.session_state["morph.drawn"] = _draw_grid()
        st.button(
            "Start from the shape",
            key="_morph.from_shape",
            on_click=_drawing_from_shape,
            help="Copy the rectangle / ellipse / cross chosen under 'a shape' into the grid.",
        )
        element_text = st.session_state["morph.drawn"]
    with common.user_errors():
        element = morphology.element_from_text(element_text)
    st.image(cached.element_png(element_text))
    st.caption(f"The element: {element.shape[0]} × {element.shape[1]} cells, the red dot is its centre.")
step_key = (input_id, binary_key, operation, element_text, int(iterations))
with common.user_errors():
    result, result_png, difference_png, white_before, white_after = cached.morphed(step_key, mask)
with pictures:
    left, right = st.columns(2)
    left.image(
        result_png, caption=f"After {operation}: {white_after} white pixels (before: {white_before})", width="stretch"
    )
    right.image(difference_png, caption="Compared: white kept · green added · red removed", width="stretch")

# ------------------------------------------------------------------------------------------ contours
st.header("3. Contours: outline, count, measure")
st.markdown(
    "`cv2.findContours` walks around the edge of every white shape of the result above. Each outline gives an "
    "**area** and a **bounding box**; an area filter throws away what is too small (noise) or too large (background)."
)
controls, picture = st.columns([1.0, 2.2], gap="medium")
with controls:
    min_area = st.number_input("Smallest area kept (pixels)", 0, MAX_AREA, step=10, key="morph.min_area")
    max_area = st.number_input("Largest area kept (pixels)", 0, MAX_AREA, step=1000, key="morph.max_area")
    boxes = st.toggle("Draw bounding boxes", key="morph.boxes")
background = cached.letter_gray() if source == "letter" else images.current_rgb()
with common.user_errors():
    contour_png, contour_count, contour_table = cached.contours(
        step_key, int(min_area), int(max_area), boxes, result, background
    )
with controls:
    st.metric("Shapes found", contour_count)
    if contour_count >= segmentation.MAX_CONTOURS:
        st.caption(f"Only the {segmentation.MAX_CONTOURS} largest are kept: raise the smallest area to see fewer.")
with picture:
    st.image(contour_png, caption="Outlines (and boxes) over the input; one colour per shape", width="stretch")
if contour_table:
    st.dataframe(pd.DataFrame(contour_table), hide_index=True, height=220, key="_morph.contour_table")
    st.caption(
        "Largest first, at most 50 rows. *area*: pixels inside the outline (the outline and any holes included); "
        "*polygon area*: OpenCV's `contourArea`, through the outline pixels' centres, so a little smaller."
    )
else:
    st.info("No shapes in this area range: widen the range, or change the threshold so there is some white.")

# ------------------------------------------------------------------------------------------ components
st.header("4. Connected components")
st.markdown(
    "Another way to number the shapes: give every white pixel the label of the white pixels it touches. "
    "With **8-connectivity** pixels touching only at a corner belong together; with **4** they don't."
)
# The table's six columns need more room than the other sections' controls: a wider left column.
controls, picture = st.columns([1.5, 2.0], gap="medium")
with controls:
    connectivity = st.radio("Neighbours that connect", (4, 8), key="morph.connectivity", horizontal=True)
with common.user_errors():
    labels_png, label_count, label_table = cached.components(step_key, int(connectivity), result)
with controls:
    st.metric("Components", label_count)
    if label_table:
        st.dataframe(pd.DataFrame(label_table), hide_index=True, height=250, key="_morph.component_table")
with picture:
    st.image(labels_png, caption="Each component in its own colour (black: background)", width="stretch")

# ------------------------------------------------------------------------------------------ k-means
st.header("5. Segmenting by colour: k-means")
st.markdown(
    "k-means sorts the pixels into **k** groups of similar colour: start from k guessed colours, give every "
    "pixel the nearest one, move each guess to the mean of its pixels, repeat until nothing moves. It needs no "
    "threshold and works on the colour image from the sidebar."
)
controls, picture = st.columns([1.0, 2.2], gap="medium")
with controls:
    k = st.slider("Number of groups k", 2, segmentation.MAX_K, key="morph.k")
    space = st.radio(
        "Compare colours in",
        segmentation.KMEANS_SPACES,
        key="morph.space",
        horizontal=True,
        help="Lab is built so that equal distances look equally different; in HSV the hue wraps around at red.",
    )
    seed = st.number_input(
        "Seed", 0, MAX_SEED, step=1, key="morph.seed", help="Chooses the starting guesses and the pixels sampled."
    )
    st.caption(
        f"For speed the groups are fitted on {segmentation.KMEANS_SAMPLE:,} pixels picked at random (with the seed); "
        "then every pixel joins its nearest group."
    )
try:
    kmeans_png, tiles, fractions, centres = cached.kmeans(
        images.image_id(), int(k), space, int(seed), images.current_rgb()
    )
except ValueError as error:  # e.g. k above the number of colours of a tiny or flat image: say so, keep the page
    picture.error(str(error))
else:
    with picture:
        st.image(
            kmeans_png, caption=f"Every pixel painted with its group's mean colour (k = {k}, {space})", width="stretch"
        )
        for column, tile, fraction, centre in zip(st.columns(len(tiles)), tiles, fractions, centres):
            column.image(tile, caption=f"{fraction:.0%} · {space} " + ", ".join(f"{v:.0f}" for v in centre), width=64)

# ------------------------------------------------------------------------------------------ challenges
st.header("Challenges")
st.markdown(
    "Each challenge applies the **operation, element and iterations chosen in step 2** to its own noisy letter. "
    "Choose them, then ask for a grade."
)
for tab, challenge in zip(st.tabs([c.title for c in morphology.CHALLENGES]), morphology.CHALLENGES):
    with tab:
        st.markdown(challenge.prompt)
        settings = (operation, element_text, int(iterations))
        # The verdict stays on screen until the settings change (a button is True for one run only).
        graded_key = f"morph.graded.{challenge.key}"
        if st.button("Grade my settings", key=f"_morph.grade.{challenge.key}"):
            st.session_state[graded_key] = settings
        before, after = st.columns(2)
        before.image(cached.challenge_input(challenge.key), caption="The challenge's letter", width=256)
        if st.session_state.get(graded_key) == settings:
            passed, feedback, graded_png = cached.grade(challenge.key, *settings)
            after.image(graded_png, caption=f"After {operation}: green added, red removed", width=256)
            (st.success if passed else st.warning)(("Solved! " if passed else "Not yet. ") + " ".join(feedback))
            if passed:
                challenge_board.mark(f"morph.{challenge.key}")

# ------------------------------------------------------------------------------------------ wrap-up
common.check_yourself(
    "You open a picture with a 5 × 5 square: first erode, then dilate. Which white shapes disappear for good, "
    "and why do the big ones come back?",
    "Every white shape that can't hold a whole 5 × 5 square anywhere inside it vanishes in the erosion, and "
    "nothing is left for the dilation to grow back. A shape that can hold the square keeps at least its "
    "centre pixels; the dilation then lays the square around each of them, which rebuilds the shape except "
    "for corners and thin parts narrower than 5 pixels.",
    key="morph.check",
)
if source == "letter":
    load = "image = morphology.noisy_letter().noisy.astype(np.float32)  # (128, 128) float32, 0 or 1"
else:
    load = snippets.load_lines(input_id, convert="gray")
kmeans_input = "rgb" if source == "image" else "samples.load_builtin(" + repr(images.image_id()) + ")"
common.show_code(
    f"""import numpy as np
from explorer.classical import morphology, segmentation
from explorer.core import dtype
from explorer.images import imageio, samples

{load}
mask, threshold = morphology.binarize(image, method={method!r}, threshold={threshold}, block_size={block},
                                      c={c_levels} / 255, invert={invert})   # (H, W) bool
element = morphology.element_from_text({element_text!r})                  # {element.shape[0]} x {element.shape[1]} uint8
result = morphology.morph(mask, operation={operation!r}, element=element, iterations={iterations})
contours = segmentation.find_contours(result, min_area={int(min_area)}, max_area={int(max_area)})
print(len(contours), [c.area for c in contours[:5]])
parts = segmentation.components(result, connectivity={connectivity})
print(parts.count, parts.sizes)
groups = segmentation.kmeans_colors({kmeans_input}, k={k}, space={space!r}, seed={seed})
print(groups.swatches, groups.fractions)                                   # (k, 3) uint8 colours, shares
print(morphology.grade("salt", operation={operation!r}, element=element, iterations={iterations}).feedback)"""
)

urlstate.publish(PARAMS)

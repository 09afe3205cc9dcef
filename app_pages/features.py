"""Features & detection: ORB keypoints and matching, HOG, a Haar face detector, a bag of visual words."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from explorer.classical import bovw, detection, features
from ui import common, images, snippets, urlstate
from ui.cached import features as cached
from ui.cached.shared import input_picture

# Slider ranges on this page (the explorer functions accept more; these keep every rerun interactive).
FEATURE_COUNTS = (1, 2000)  # more than 2000 keypoints turn the drawing into a blur
PYRAMID_SCALES = tuple(round(1.1 + 0.1 * i, 1) for i in range(10))  # 1.1 .. 2.0
MAX_PAGE_LEVELS = 12
COPY_SCALES = tuple(round(0.5 + 0.1 * i, 1) for i in range(16))  # 0.5 .. 2.0
RATIOS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))  # 0.5 .. 0.95
CELL_SIZES = (4, 6, 8, 10, 12, 16)
HAAR_SCALES = tuple(round(1.05 + 0.05 * i, 2) for i in range(10))  # 1.05 .. 1.5
MAX_PAGE_NEIGHBOURS = 20
MIN_SIZES = (10, 200)
WORD_COUNTS = (2, 64)  # k-means of ~2300 descriptors stays well under a second up to 64 words
MAX_SEED = 999
MATCHER_LABELS = {"cross-check": "cross-check (mutual nearest)", "ratio": "ratio test (Lowe)"}


def _number(value: float) -> str:
    return f"{value:g}"


PARAMS = (
    urlstate.Param("n", "features.n_features", 500, parse=urlstate.int_in(*FEATURE_COUNTS)),
    urlstate.Param("pyr", "features.scale_factor", 1.2, parse=urlstate.number_from(PYRAMID_SCALES), format=_number),
    urlstate.Param("levels", "features.n_levels", 8, parse=urlstate.int_in(1, MAX_PAGE_LEVELS)),
    urlstate.Param("angle", "features.angle", 30, parse=urlstate.int_in(-180, 180)),
    urlstate.Param("scale", "features.scale", 0.8, parse=urlstate.number_from(COPY_SCALES), format=_number),
    urlstate.Param("matcher", "features.matcher", "cross-check", parse=urlstate.one_of(features.MATCHERS)),
    urlstate.Param("ratio", "features.ratio", 0.75, parse=urlstate.number_from(RATIOS), format=_number),
    urlstate.Param("bins", "features.orientations", 9, parse=urlstate.int_in(2, 18)),
    urlstate.Param("cell", "features.cell", 8, parse=lambda t: int(urlstate.number_from(CELL_SIZES)(t))),
    urlstate.Param("block", "features.block", 2, parse=urlstate.int_in(1, 4)),
    urlstate.Param("haar", "features.haar_scale", 1.1, parse=urlstate.number_from(HAAR_SCALES), format=_number),
    urlstate.Param("neigh", "features.neighbours", 5, parse=urlstate.int_in(0, MAX_PAGE_NEIGHBOURS)),
    urlstate.Param("minsize", "features.min_size", 30, parse=urlstate.int_in(*MIN_SIZES)),
    urlstate.Param("k", "features.k", 16, parse=urlstate.int_in(*WORD_COUNTS)),
    urlstate.Param("seed", "features.seed", 0, parse=urlstate.int_in(0, MAX_SEED)),
)

st.title("Features & detection")
urlstate.restore("features", PARAMS)
st.markdown(
    "A filter answers a question at every pixel. A **feature** is a compact answer about a spot or a whole "
    "image that stays the same when the picture changes in ways we don't care about: turned, shrunk, "
    "brighter. Here are four classic ones: corner keypoints you can find again in a rotated copy, "
    "histograms of edge directions, a face detector built from light-dark rectangles, and a whole image "
    "summarised as counts of typical patches."
)
rgb = images.current_rgb()
image_id = images.image_id()
st.caption(f"Image: {images.describe()}")

# ------------------------------------------------------------------------------------------------- ORB
st.header("ORB keypoints")
st.markdown(
    "ORB looks for **corners**: spots where the brightness changes in two directions, so they can be pinned "
    "down exactly. To find big corners as well as small ones it searches an **image pyramid**: the image, "
    "then copies each *scale factor* times smaller. Each keypoint also gets an **orientation** (the "
    "direction its patch is brightest towards) and a **descriptor**: 256 yes/no answers to “is this pixel "
    "brighter than that one?” inside the patch, measured relative to the orientation."
)
orb_cols = st.columns(3)
n_features = orb_cols[0].slider("Number of keypoints (at most)", *FEATURE_COUNTS, step=1, key="features.n_features")
scale_factor = orb_cols[1].select_slider(
    "Pyramid scale factor",
    PYRAMID_SCALES,
    key="features.scale_factor",
    help="Each level of the pyramid is this many times smaller than the one above.",
)
n_levels = orb_cols[2].slider("Pyramid levels", 1, MAX_PAGE_LEVELS, key="features.n_levels")
urlstate.publish(PARAMS)  # widget values are already in session_state; the link follows every change

with common.user_errors():
    orb = cached.orb(image_id, n_features, scale_factor, n_levels, rgb)
picture_col, numbers_col = st.columns([2.2, 1.0], gap="medium")
with picture_col:
    st.image(
        orb.picture,
        caption="Circle = the patch described (bigger on coarser levels); line = orientation; colour = pyramid level",
        width="stretch",
        output_format="JPEG",
    )
with numbers_col:
    st.metric("Keypoints found", orb.found)
    if orb.found == 0:
        st.info(
            "Nothing found: ORB needs corners, and it ignores a border of "
            f"{features.ORB_EDGE} px, so a flat image or one smaller than {features.MIN_ORB_SIDE} px on a side "
            "has none. Try a photo or the checkerboard."
        )
    if orb.levels_used < n_levels:
        st.caption(
            f"Only {orb.levels_used} of the {n_levels} levels are at least {features.MIN_ORB_SIDE} px on a side "
            "in this image; the smaller ones are skipped."
        )
    if orb.found:
        st.dataframe(
            pd.DataFrame(
                {
                    "level": range(len(orb.per_level)),
                    "keypoints": orb.per_level,
                    "scale": [f"1/{scale_factor**i:.2f}" for i in range(len(orb.per_level))],
                }
            ),
            hide_index=True,
            width="stretch",
        )

# -------------------------------------------------------------------------------------------- matching
st.header("Find the same keypoints in a rotated, scaled copy")
st.markdown(
    "Good keypoints can be found again after the camera turns or moves closer. Here the copy is made by a "
    "transform we chose, so every match can be **checked**: a match is right when the keypoint found in the "
    f"copy sits within {features.MATCH_TOLERANCE_PX:g} px of where the transform moves the original one. "
    "Descriptors are compared by **Hamming distance** (how many of the 256 bits differ)."
)
match_cols = st.columns([1.0, 1.0, 1.2, 1.0])
angle = match_cols[0].slider("Rotation (degrees)", -180, 180, step=5, key="features.angle")
scale = match_cols[1].select_slider("Scale of the copy", COPY_SCALES, key="features.scale")
matcher = match_cols[2].radio(
    "Matching rule", features.MATCHERS, key="features.matcher", format_func=MATCHER_LABELS.get
)
ratio = st.session_state["features.ratio"]
if matcher == "ratio":
    ratio = match_cols[3].select_slider(
        "Ratio",
        RATIOS,
        key="features.ratio",
        help="Keep a match only if the best candidate is nearer than this fraction of the second best.",
    )
else:
    match_cols[3].caption("Cross-check keeps a pair only when each keypoint is the other's nearest.")

with common.user_errors():
    match = cached.matches(image_id, angle, scale, n_features, scale_factor, n_levels, matcher, ratio, rgb)
metric_cols = st.columns(4)
metric_cols[0].metric("Keypoints in the image", match.first)
metric_cols[1].metric("Keypoints in the copy", match.second)
metric_cols[2].metric("Matches", match.matches)
share = f"{match.right / match.matches:.0%} of matches" if match.matches else "no matches"
metric_cols[3].metric("Geometrically right", match.right, delta=share, delta_color="off")
if match.matches == 0:
    st.info("Nothing to match: one of the two images has no keypoints (or no pair passed the matching rule).")
st.image(
    match.picture,
    caption=f"Left: the image. Right: the copy ({match.copy_shape[0]} × {match.copy_shape[1]} px), "
    "turned counter-clockwise and scaled. Blue lines: right matches; orange: wrong ones.",
    width="stretch",
    output_format="JPEG",
)

# ------------------------------------------------------------------------------------------------- HOG
st.header("HOG: histograms of oriented gradients")
st.markdown(
    "HOG cuts the image into small **cells** and, in each, adds up the gradient strength per **direction** "
    "(0–180°, so dark-to-light and light-to-dark count the same). Each star below is one cell: a line per "
    "direction bin, drawn along the edge, brighter where that direction is strong. Neighbouring cells are "
    "grouped into overlapping **blocks** and each block is normalised, so the description barely changes "
    "with lighting. All the blocks' numbers in a row are the descriptor a classic people detector feeds to "
    "a linear classifier."
)
hog_cols = st.columns(3)
orientations = hog_cols[0].slider("Orientation bins", 2, 18, key="features.orientations")
cell = hog_cols[1].select_slider("Cell size (px)", CELL_SIZES, key="features.cell")
block = hog_cols[2].slider("Block size (cells per side)", 1, 4, key="features.block")
try:
    hog = cached.hog(image_id, orientations, cell, block, rgb)
except ValueError as error:
    hog = None
    st.info(f"No HOG for this image: {error}.")
if hog is not None:
    image_col, glyph_col = st.columns(2)
    image_col.image(input_picture(image_id, False, rgb), caption="The image", width="stretch", output_format="JPEG")
    glyph_col.image(
        hog.picture,
        caption=f"One star per {cell} × {cell} px cell · {hog.cells[0]} × {hog.cells[1]} cells",
        width="stretch",
        output_format="PNG",
    )
    shrunk = (
        f" (a copy shrunk to at most {cached.HOG_MAX_SIDE} px, enough for {cell} px cells)"
        if max(rgb.shape[:2]) > cached.HOG_MAX_SIDE
        else ""
    )
    st.markdown(
        f"**Descriptor length: {hog.length:,}.** On the {hog.shape[0]} × {hog.shape[1]} px image{shrunk}:\n\n"
        f"- cells: ⌊{hog.shape[0]} / {cell}⌋ × ⌊{hog.shape[1]} / {cell}⌋ = {hog.cells[0]} × {hog.cells[1]}\n"
        f"- blocks (one cell apart): ({hog.cells[0]} − {block} + 1) × ({hog.cells[1]} − {block} + 1) = "
        f"{hog.blocks[0]} × {hog.blocks[1]}\n"
        f"- length = blocks × cells per block × bins = {hog.blocks[0] * hog.blocks[1]:,} × {block * block} × "
        f"{orientations} = **{hog.formula_length:,}**"
    )

# --------------------------------------------------------------------------------------- face detection
st.header("Face detection with a Haar cascade")
st.markdown(
    "OpenCV ships a face detector trained with the Viola–Jones method. A 24 × 24 px window slides over the "
    "image at many sizes; at each place it runs a **cascade** of 25 stages of Haar features (sums of light "
    "rectangles minus dark ones, like eyes darker than cheeks). Most windows are rejected by the first "
    "stages, which is why it is fast. A face triggers many overlapping windows; **min neighbours** is how "
    "many a group needs before it counts as a face."
)
haar_cols = st.columns(3)
haar_scale = haar_cols[0].select_slider(
    "Scale factor", HAAR_SCALES, key="features.haar_scale", help="How much the window grows between sizes."
)
neighbours = haar_cols[1].slider("Min neighbours", 0, MAX_PAGE_NEIGHBOURS, key="features.neighbours")
min_size = haar_cols[2].slider("Min face size (px)", *MIN_SIZES, step=5, key="features.min_size")
with common.user_errors():
    found = cached.faces(image_id, haar_scale, neighbours, min_size, rgb)
face_picture, face_numbers = st.columns([2.2, 1.0], gap="medium")
with face_picture:
    note = (
        f" (detected on a copy at most {detection.DETECT_MAX_SIDE} px on a side)"
        if max(rgb.shape[:2]) > detection.DETECT_MAX_SIDE
        else ""
    )
    st.image(found.picture, caption=f"Boxes: detected faces{note}", width="stretch", output_format="JPEG")
with face_numbers:
    st.metric("Faces found", len(found.boxes))
    if not found.boxes:
        st.info("Nothing found with these settings. Try lower min neighbours or a smaller min face size.")
    elif neighbours == 0:
        st.caption("With min neighbours 0 every window that passed the cascade is shown, overlaps and all.")
with st.container(border=True):
    st.markdown(
        """
**Bias in face detection.** A detector only knows faces like the ones it was trained on. When some groups
of people are rare in the training data, the detector misses or misreads them more often, and a single
overall accuracy figure hides it. Joy Buolamwini and Timnit Gebru measured exactly this in the *Gender
Shades* study at the MIT Media Lab: three commercial face-analysis services, tested on 1,270 faces balanced
by skin type and gender, classified lighter-skinned men almost perfectly (at most 0.8 % errors) but got up
to 34.7 % of darker-skinned women wrong. That study looked at gender classification, not detection, but the
lesson carries over: check a detector group by group on the people it will be used on. The cascade here
was made at Intel in the early 2000s (its file names Rainer Lienhart as author); what its training faces
looked like is not documented with it.

*Source:* J. Buolamwini and T. Gebru, “Gender Shades: Intersectional Accuracy Disparities in Commercial
Gender Classification”, *Proceedings of the 1st Conference on Fairness, Accountability and Transparency*,
PMLR 81:77–91, 2018.
"""
    )

# ------------------------------------------------------------------------------------------ bag of words
st.header("Bag of visual words")
st.markdown(
    f"To compare whole images, pool the ORB descriptors of {len(bovw.CODEBOOK_SAMPLES)} sample photos "
    f"({', '.join(bovw.CODEBOOK_SAMPLES)}; {bovw.BOVW_FEATURES} keypoints each) and group them with "
    "**k-means** into *k* clusters: the cluster centres are the **visual words**. An image then becomes a "
    "histogram: how many of its descriptors fall nearest to each word. Images are compared by the **cosine "
    "similarity** of their histograms: 1 when they use the words in the same proportions, 0 when they share "
    "none. The order of the keypoints is lost, hence *bag*."
)
word_cols = st.columns(2)
k = word_cols[0].slider("Number of visual words k", *WORD_COUNTS, key="features.k")
seed = word_cols[1].number_input("k-means seed", 0, MAX_SEED, step=1, key="features.seed")
with common.user_errors():
    words = cached.bag_of_words(image_id, k, int(seed), rgb)
total = sum(words.histogram)
if total == 0:
    st.info("Nothing found: this image has no ORB keypoints, so its histogram is empty and it resembles nothing.")
else:
    current_sample = image_id.partition(":")[2] if image_id.startswith("sample:") else None
    others = [i for i in words.order if words.names[i] != current_sample]
    best = words.order[0]
    closest_other = others[0]
    if words.names[best] == current_sample:
        st.markdown(
            f"This image is one of the codebook samples, so it is most similar to **itself** "
            f"(cosine {words.similarity[best]:.3f}). The most similar *other* sample is "
            f"**{words.names[closest_other]}** (cosine {words.similarity[closest_other]:.3f})."
        )
    else:
        st.markdown(f"Most similar sample: **{words.names[best]}** (cosine similarity {words.similarity[best]:.3f}).")
    figure = go.Figure()
    figure.add_trace(go.Bar(x=list(range(k)), y=list(words.histogram), name="this image", marker_color="#1f77b4"))
    compare = words.names[closest_other]
    figure.add_trace(
        go.Bar(
            x=list(range(k)),
            y=list(cached.sample_histogram(k, int(seed), compare)),
            name=f"{compare} (most similar other sample)",
            marker_color="#ff7f0e",
        )
    )
    figure.update_layout(
        height=300,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        barmode="group",
        xaxis_title="visual word",
        yaxis_title="descriptors",
        legend={"orientation": "h", "y": 1.12},
    )
    chart_col, table_col = st.columns([2.2, 1.0], gap="medium")
    chart_col.plotly_chart(figure, key="_features.words_chart")
    chart_col.caption(f"{total} descriptors of this image, each counted once at its nearest word.")
    table_col.dataframe(
        pd.DataFrame(
            {
                "sample": [words.names[i] for i in words.order],
                "cosine similarity": [round(words.similarity[i], 3) for i in words.order],
            }
        ),
        hide_index=True,
        width="stretch",
    )

# ---------------------------------------------------------------------------------------------- wrap-up
common.check_yourself(
    "You rotate the copy by 90° and the share of right matches stays high, but at scale 0.5 with a single "
    "pyramid level it drops. Why does the pyramid matter for scale and not for rotation?",
    "Each keypoint's descriptor is measured relative to its own orientation, so turning the image turns the "
    "sampling pattern with it: rotation is built into the descriptor. Scale is not: a corner that fills a "
    "31 px patch in the image fills only about 15 px in a half-size copy. With several pyramid levels the "
    "copy's level 0 can meet the image's level ~4 (1.2⁴ ≈ 2), where the patches cover the same part of "
    "the scene; with one level they never do.",
    key="features.check",
)

common.show_code(
    f"""from explorer.classical import bovw, detection, features, hog
from explorer.core import resize
from explorer.images import imageio, samples

{snippets.load_lines(image_id)}
keypoints = features.orb_keypoints(image, n_features={n_features}, scale_factor={scale_factor}, n_levels={n_levels})
print(len(keypoints), keypoints.per_level())
picture = features.draw_keypoints(image, keypoints)             # (H, W, 3) uint8

result = features.match_rotated_copy(image, angle={angle}, scale={scale}, n_features={n_features},
                                     scale_factor={scale_factor}, n_levels={n_levels}, method={matcher!r}, ratio={ratio})
print(len(result.pairs), "matches,", result.n_right, "right")
picture = features.draw_matches(image, result)

small = resize.fit_within(image, max_side={cached.HOG_MAX_SIDE})
hog_result = hog.hog(small, orientations={orientations}, cell_size={cell}, block_size={block})
print(len(hog_result.descriptor), hog.hog_length(small.shape, orientations={orientations}, cell_size={cell}, block_size={block}))
glyphs = hog.hog_picture(hog_result)                               # float32 in [0, 1]

boxes = detection.detect_faces(image, scale_factor={haar_scale}, min_neighbors={neighbours}, min_size={min_size})
picture = detection.draw_boxes(image, boxes)                       # boxes: (top, left, rows, cols)

sets = [bovw.descriptors(samples.load_sample(name)) for name in bovw.CODEBOOK_SAMPLES]
codebook = bovw.build_codebook(sets, k={k}, seed={int(seed)})
histograms = [bovw.word_histogram(d, codebook) for d in sets]
mine = bovw.word_histogram(bovw.descriptors(image), codebook)
order, similarity = bovw.rank_by_similarity(mine, histograms)    # cosine, most similar first
print([(bovw.CODEBOOK_SAMPLES[i], round(float(similarity[i]), 3)) for i in order])"""
)

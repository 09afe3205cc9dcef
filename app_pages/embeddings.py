"""Embeddings: the test set as the network's last hidden layer sees it, flattened to a 2-D map (PCA, t-SNE),
beside the same map of the raw pixels; the map across the training's epochs; nearest neighbours by cosine
similarity; the map's numbers as CSV.

The parts are in ``ui.emb_parts`` (maps, the epoch player, neighbours) and ``ui.emb_figures`` (the plotly
figure); the cached calls and the worker calls in ``ui.cached.embeddings``.
"""

from __future__ import annotations

import streamlit as st

from ui import common, emb_parts, inspect_input, inspect_model, urlstate
from ui.cached import embeddings as cached

METHOD_KEY = "emb.method"
K_KEY = "emb.k"
MAX_K = 12
ATTRIBUTION = "app_pages/attribution.py"

PARAMS = (
    urlstate.Param("proj", METHOD_KEY, "tsne", parse=urlstate.one_of(tuple(emb_parts.METHODS))),
    urlstate.Param("k", K_KEY, 6, parse=urlstate.int_in(1, MAX_K)),
    urlstate.Param("epoch", emb_parts.EPOCH_KEY, 0, parse=urlstate.int_in(0, 100)),
)

st.title("Embeddings")
st.markdown(
    "Just before its last layer, a network describes every picture by a list of numbers, its *embedding*. "
    "The last layer can only draw straight borders through the space of these lists, so by then the pictures "
    "of a class must sit together. Flattened onto a map, that space shows how well the network sorts the test "
    "images, which ones it mixes up, and how much it beats comparing raw pixels."
)
inspected = inspect_model.choose()
if inspected is None:
    st.stop()
urlstate.restore("emb", PARAMS)
urlstate.restore("inspect.input", inspect_input.PARAMS)  # the test image ("i") is read before its chooser is drawn
all_params = PARAMS + inspect_model.PARAMS + inspect_input.PARAMS

if inspected.test is None:
    urlstate.publish(all_params)
    st.info(
        "The maps need the test images this network was measured on, and this network came without them (it "
        "was not trained on the digits or shapes of a default model). Train it on the **Train a CNN** page to "
        "inspect it here, or pick a default network."
    )
    st.stop()
test = inspected.test

# ---------------------------------------------------------------------------------------------- the maps
st.subheader("1. The test set on a map")
method_column, help_column = st.columns([1, 3], gap="medium", vertical_alignment="center")
method = method_column.radio(
    "Map made by",
    list(emb_parts.METHODS),
    key=METHOD_KEY,
    horizontal=True,
    format_func=emb_parts.METHODS.get,
    help="PCA keeps the two directions along which the points vary most; t-SNE keeps each point's neighbours.",
)
with common.user_errors():
    data = emb_parts.map_data(inspected)
found = emb_parts.layouts(inspected, data, method)
sample = "" if len(data.indices) == len(test) else f" (an even sample of {len(data.indices):,} of {len(test):,})"
help_column.caption(
    f"Each dot is a test image{sample}, coloured by its true class; black rings mark the ones the network gets "
    "wrong. Hover over a dot for its classes, click it to see it below; click a class in the legend to show it alone."
)
selected = int(st.session_state.get(inspect_input.INDEX_KEY, 0))
selected = min(max(selected, 0), len(test) - 1)
map_columns = st.columns(2, gap="medium")
clicks = []
for column, space in zip(map_columns, cached.SPACES, strict=True):
    with column:
        clicks.append(emb_parts.draw_map(inspected, data, space, method, found[space], selected))
st.caption(
    "No UMAP: measured here, umap-learn compiles itself for 15 to 20 s the first time any new process uses it, "
    "then still takes about 4 s for 2,000 points, with less faithful neighbourhoods than this t-SNE "
    "(benchmarks/interpret_embeddings.py)."
)
clicked = next((index for index in clicks if index is not None), None)
if clicked is not None:  # the clicked image becomes the section's test image (and the query below)
    st.session_state[inspect_input.SOURCE_KEY] = "test"
    st.session_state[inspect_input.INDEX_KEY] = clicked
    st.rerun()  # draw the mark on both maps

image_column, export_column = st.columns([3, 1], gap="medium", vertical_alignment="bottom")
with image_column:
    emb_parts.show_image(inspected, selected)
    if st.button("Why did it say that? Open it on the Attribution page", key="_emb.to_attribution"):
        inspect_input.open_test_image(ATTRIBUTION, selected, own_model=False)
with export_column:
    emb_parts.csv_button(inspected, data, method, found)

# --------------------------------------------------------------------------------------------- epochs
st.subheader("2. The map while the network learned")
st.markdown(
    "After every epoch the training kept the embeddings of a few hundred test images. Each frame below starts "
    "from the one before, so a dot moves only as far as the network's view of its image changed."
)
emb_parts.epochs(inspected, method)

# ------------------------------------------------------------------------------------------ neighbours
st.subheader("3. Nearest neighbours")
st.markdown(
    "Which test images are most like this one? Compare the lists of numbers by the angle between them "
    "(cosine similarity: 1 means the same direction, 0 nothing in common), once on the raw pixels and once "
    "on the network's features."
)
query_column, result_column = st.columns([1.0, 2.2], gap="large")
with query_column:
    query = inspect_input.choose(inspected, page="emb")
    k = st.slider("How many neighbours", 1, MAX_K, key=K_KEY)
with result_column:
    if query is not None:
        emb_parts.neighbours(inspected, data, query, k)
urlstate.publish(all_params)

st.subheader("What is going on")
st.markdown(
    """
- **An embedding** is the list of numbers a network hands to its last layer: 256 numbers per image for the
  default digits network, 64 for the shapes network. The last layer weighs them into one score per class, so
  training pushes images of one class towards the same region of that space.
- **Pixel space versus feature space.** Raw pixels are a list of numbers too, but two images of the same
  digit written a little to the left or right share few bright pixels. The features are built to ignore such
  differences, so the classes form tighter, better separated groups.
- **PCA** turns the space so that the first two axes carry the most spread, and drops the rest: honest about
  large distances, but groups that differ along the dropped directions overlap.
- **t-SNE** places the dots so that each one keeps the same near neighbours it had in the full space. Distances
  between groups and the sizes of groups on its map mean little; who sits next to whom is what it preserves.
- **Across epochs** the groups pull apart as the network learns. Each frame starts from the previous frame's
  layout, otherwise t-SNE would rotate and reshuffle the picture every time.
- **Cosine similarity** compares directions, not lengths: an image and a brighter copy of it score 1.
"""
)
common.check_yourself(
    "On the t-SNE map of the features two classes sit far apart at opposite corners. Does that mean the network "
    "finds them more different than two classes that sit next to each other?",
    "No. t-SNE keeps each point's *near* neighbours and says little about large distances: where it places "
    "whole groups relative to each other, and how big they look, can change with the seed. To compare classes, "
    "look at PCA (which keeps large distances, though in two dimensions only) or at the confusion matrix.",
    key="emb.check",
)
common.show_code(emb_parts.snippet(inspected, method, selected, k, query.key if query is not None else None))

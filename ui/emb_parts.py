"""The Embeddings page's parts: the two maps (pixels, features) with their clicks, the clicked image, the map
across epochs with its player, and the nearest neighbours. The numbers come from ``ui.cached.embeddings``
(features, neighbours) and from worker jobs (``ui.inspect_jobs``: the projections)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

from explorer.interpret import challenges, embeddings
from ui import challenge_board, common, emb_figures, inspect_input, inspect_jobs, inspect_worker, snippets, urlstate
from ui.cached import embeddings as cached
from ui.cached import shared
from ui.inspect_model import Inspected

METHODS = {"tsne": "t-SNE", "pca": "PCA"}
SPACE_TITLES = {"pixels": "Pixel space", "features": "Feature space"}
SEEN_KEY = "emb.map_seen"  # {space: the last click handled}, so an old click is not applied again
EPOCH_KEY = "emb.epoch"
PLAY_KEY = "emb.playing"
FIRST_TICK_KEY = "emb.play_first"  # the page's run right after Play: no step yet
PLAY_STEP_S = 1.0  # one epoch a second while playing: time to see where the points went
GLIDE_MS = 600  # plotly moves the points to their next place in this long
NEIGHBOUR_SIDE = 84  # screen pixels a neighbour is drawn at (its caption must fit under it)


@dataclass(frozen=True, eq=False)
class MapData:
    """What the two maps show: the test images at ``indices`` (all, or an even sample), their labels and
    predictions, and the points of each space for the projection call (pixel rows, features)."""

    indices: np.ndarray
    labels: np.ndarray
    predictions: np.ndarray | None
    points: dict[str, np.ndarray]
    test_key: str


def map_data(inspected: Inspected) -> MapData:
    """The maps' test images and their points (the features computed once per model, cached)."""
    test = inspected.test
    assert test is not None
    test_key = f"{test.name}|{len(test)}"
    features = cached.test_features(inspected.trained.token, test_key, inspected.trained.model, test.images)
    indices = cached.map_indices(len(test))
    everything = len(indices) == len(test)  # no copies of the whole set on every rerun
    images = test.images if everything else test.images[indices]
    predictions = None if inspected.evaluation is None else inspected.evaluation.predictions[indices]
    points = {"pixels": embeddings.pixel_features(images), "features": features if everything else features[indices]}
    return MapData(indices, test.labels[indices], predictions, points, test_key)


@dataclass(frozen=True, eq=False)
class Projection:
    """One map's projection: the worker call, and its layout ``(N, 2)`` once computed (else the job's view)."""

    call: inspect_worker.Call
    layout: np.ndarray | None
    view: Any


def layouts(inspected: Inspected, data: MapData, method: str) -> dict[str, Projection]:
    """Ask for both projections at once (two jobs: two workers can run them side by side)."""
    found = {}
    for space in cached.SPACES:
        call = cached.projection_call(inspected.trained.token, data.test_key, space, method, data.points[space])
        value, view = inspect_jobs.result(call, label=_label(method, data, space))
        found[space] = Projection(call, value, view)
    return found


def _label(method: str, data: MapData, space: str) -> str:
    return f"{METHODS[method]} of {len(data.indices)} images' {'pixels' if space == 'pixels' else 'features'}"


def clicked_index(event: Any) -> int | None:
    """The test index (``customdata``) of the point selected on a map, from ``st.plotly_chart``'s event."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points:
        data = point.get("customdata")
        if isinstance(data, list):
            data = data[0] if data else None
        if isinstance(data, (int, float)):
            return int(data)
    return None


def take_click(space: str, event: Any) -> int | None:
    """The test index of a point just clicked on the ``space`` map, once per click (None: nothing new). A
    selection stays in the chart's state across reruns: only a change counts."""
    clicked = clicked_index(event)
    seen: dict = st.session_state.setdefault(SEEN_KEY, {})
    new = clicked is not None and seen.get(space) != clicked
    seen[space] = clicked
    return clicked if new else None


def draw_map(inspected: Inspected, data: MapData, space: str, method: str, found: Projection, selected: int | None):
    """One map (or its wait); the test index clicked on it in this run, if any."""
    st.markdown(f"**{SPACE_TITLES[space]}**: {data.points[space].shape[1]:,} numbers per image")
    if found.layout is None:
        inspect_jobs.wait(found.call, found.view, label=_label(method, data, space))
        return None
    figure = cached.map_figure(
        found.call.key,
        selected,
        space == "features",  # one legend for both maps, on the right
        found.layout,
        data.labels,
        tuple(inspected.trained.class_names),
        data.indices,
        data.predictions,
    )
    event = st.plotly_chart(
        figure, key=f"_emb.map.{space}", on_select="rerun", selection_mode="points", config={"displayModeBar": False}
    )
    return take_click(space, event)


def show_image(inspected: Inspected, index: int) -> None:
    """The clicked test image enlarged, with its true and predicted class."""
    test = inspected.test
    assert test is not None
    names = inspected.trained.class_names
    picture_column, text_column = st.columns([1, 3], gap="small")
    picture_column.image(inspect_input.seen(test.images[index], side=120), output_format="PNG")
    lines = [f"**Test image {index}**", f"true class: {common.plain(names[int(test.labels[index])])}"]
    if inspected.evaluation is not None:
        predicted = int(inspected.evaluation.predictions[index])
        verdict = "right" if predicted == int(test.labels[index]) else "**wrong**"
        lines.append(
            f"predicted: {common.plain(names[predicted])} "
            f"({inspected.evaluation.confidence[index]:.0%} sure, {verdict})"
        )
    text_column.markdown("  \n".join(lines))


def csv_button(inspected: Inspected, data: MapData, method: str, found: dict[str, Projection]) -> None:
    ready = {f"{space}_{method}": p.layout for space, p in found.items() if p.layout is not None}
    if inspected.evaluation is None or not ready:
        return
    predictions = inspected.evaluation.predictions[data.indices]
    names = tuple(inspected.trained.class_names)

    def make() -> bytes:
        return cached.points_csv(ready, data.labels, predictions, names, data.indices)

    st.download_button(
        "Download the map as CSV",
        make,
        file_name=f"embeddings_{method}.csv",
        mime="text/csv",
        key="_emb.csv",
        help="One row per test image: its coordinates on each map, its true and its predicted class.",
    )


# ------------------------------------------------------------------------------------------------ epochs
def epochs(inspected: Inspected, method: str) -> None:
    """The map of the snapshots' embeddings, one frame per epoch, with a slider and a player."""
    snapshots = inspected.trained.snapshots
    if not snapshots:
        st.info(
            "This network has no record of its training: the shipped models and uploaded files were trained "
            "elsewhere. Train a network on the **Train a CNN** page (two or three epochs are enough), come back, "
            "and choose *Your model* above: every epoch's embeddings are kept while it trains."
        )
        return
    frames = tuple(snapshot.embeddings for snapshot in snapshots)
    call = cached.frames_call(inspected.trained.token, method, frames)
    label = f"{METHODS[method]} of {len(frames)} epochs"
    layouts, view = inspect_jobs.result(call, label=label)
    if view is not None:
        inspect_jobs.wait(call, view, label=label)
        return
    assert layouts is not None  # (value, None): finished
    epoch_numbers = [snapshot.epoch for snapshot in snapshots]
    if st.session_state.get(EPOCH_KEY) not in epoch_numbers:
        st.session_state[EPOCH_KEY] = epoch_numbers[-1]
    ranges = emb_figures.frame_ranges(layouts)
    _player(inspected, layouts, epoch_numbers, ranges)


def _toggle_play(epoch_numbers: list[int]) -> None:
    """``on_click`` of Play/Pause (callbacks run before the fragment, so the click itself never steps)."""
    if st.session_state.get(PLAY_KEY):
        st.session_state[PLAY_KEY] = False
        return
    st.session_state[PLAY_KEY] = True
    st.session_state[FIRST_TICK_KEY] = True
    if st.session_state.get(EPOCH_KEY) == epoch_numbers[-1]:
        st.session_state[EPOCH_KEY] = epoch_numbers[0]


def _player(inspected: Inspected, layouts: np.ndarray, epoch_numbers: list[int], ranges) -> None:
    """Slider, Play/Pause and the frame, in a fragment. While playing, the fragment runs every
    :data:`PLAY_STEP_S` and steps one epoch; its timer is set when the page runs, so starting or stopping
    reruns the page."""
    playing = bool(st.session_state.get(PLAY_KEY))

    @urlstate.fragment(run_every=PLAY_STEP_S if playing else None)
    def frame() -> None:
        if playing and st.session_state.get(PLAY_KEY):
            if st.session_state.get(FIRST_TICK_KEY):  # the page's own run after Play: show this frame a moment
                st.session_state[FIRST_TICK_KEY] = False  # (set to False, not deleted: page keys are kept)
            else:
                position = epoch_numbers.index(st.session_state[EPOCH_KEY])
                st.session_state[EPOCH_KEY] = epoch_numbers[min(position + 1, len(epoch_numbers) - 1)]
                if position + 2 >= len(epoch_numbers):
                    st.session_state[PLAY_KEY] = False  # the last frame: stop (the rerun below drops the timer)
        slider_column, button_column = st.columns([4, 1], vertical_alignment="bottom")
        if len(epoch_numbers) > 1:
            slider_column.select_slider("Epoch", epoch_numbers, key=EPOCH_KEY)
        else:
            slider_column.caption("One epoch so far: train more epochs to watch the map change.")
        button_column.button(
            "Pause" if st.session_state.get(PLAY_KEY) else "Play",
            key="_emb.play",
            disabled=len(epoch_numbers) < 2,
            on_click=_toggle_play,
            args=(epoch_numbers,),
        )
        epoch = st.session_state[EPOCH_KEY]
        position = epoch_numbers.index(epoch)
        snapshot = inspected.trained.snapshots[position]
        figure = emb_figures.map_figure(
            layouts[position],
            snapshot.labels,
            tuple(inspected.trained.class_names),
            indices=snapshot.indices,
            ranges=ranges,
            animate_ms=GLIDE_MS,
        )
        st.plotly_chart(figure, key="_emb.epochs_map", config={"displayModeBar": False})
        history = inspected.trained.history
        accuracy = f"; test accuracy after it: {history[position].test_accuracy:.1%}" if position < len(history) else ""
        st.caption(
            f"After epoch {epoch} of {epoch_numbers[-1]}{accuracy}. {len(snapshot.indices)} test images, "
            "coloured by their true class."
        )
        if bool(st.session_state.get(PLAY_KEY)) != playing:
            st.rerun(scope="app")  # start or stop the fragment's timer

    frame()


# ------------------------------------------------------------------------------------------------ neighbours
def neighbours(inspected: Inspected, data: MapData, query: inspect_input.InputImage, k: int) -> None:
    """The query, its ``k`` nearest test images by pixels and by features, and the challenge graded on them."""
    test = inspected.test
    assert test is not None
    st.markdown(f"**Query:** {common.plain(query.title)}")
    if query.steps:
        st.image([picture for _, picture in query.steps], caption=[common.plain(c) for c, _ in query.steps])
    else:
        st.image(inspect_input.seen(query.image, side=NEIGHBOUR_SIDE), output_format="PNG")
    skip = int(query.key.split(":", 1)[1]) if query.key.startswith("test:") else None
    try:
        found = cached.neighbours(
            inspected.trained.token,
            data.test_key,
            query.key,
            k,
            skip,
            inspected.trained.model,
            test.images,
            query.image,
        )
    except ValueError as error:  # a blank picture: no direction to compare
        st.info(f"No neighbours for this picture: {common.plain(error)}.")
        return
    neighbour_strip(inspected, found.pixel_indices, found.pixel_similarities, "By pixels")
    neighbour_strip(inspected, found.feature_indices, found.feature_similarities, "By the network's features")
    if skip is not None:
        st.caption("The query itself (similarity 1) is left out.")
    challenge(inspected, query, found)


def neighbour_strip(inspected: Inspected, indices: np.ndarray, similarities: np.ndarray, title: str) -> None:
    """The neighbours in a row, best first, each captioned with its test index, true class and similarity."""
    test = inspected.test
    assert test is not None
    names = inspected.trained.class_names
    st.markdown(f"**{title}**")
    pictures = [_picture_png(test.images, int(index)) for index in indices]
    captions = [
        f"{common.plain(f'#{int(index)} · {similarity:.3f}')}  \n{common.plain(names[int(test.labels[index])])}"
        for index, similarity in zip(indices, similarities, strict=True)
    ]
    st.image(pictures, caption=captions, width=NEIGHBOUR_SIDE, output_format="PNG")


def _picture_png(images: np.ndarray, index: int) -> bytes:
    """Test image ``index`` enlarged to about :data:`NEIGHBOUR_SIDE` screen pixels, as PNG bytes."""
    return shared.encode(inspect_input.seen(images[index], side=NEIGHBOUR_SIDE))


def challenge(inspected: Inspected, query: inspect_input.InputImage, found: cached.Neighbours) -> None:
    """The page's challenge, graded on the current query's nearest neighbours."""
    test = inspected.test
    assert test is not None
    st.markdown(
        f"**Challenge: {challenges.PIXELS_MISLEAD.title.lower()}.** {challenges.PIXELS_MISLEAD.prompt} "
        "Change the query (click a dot on a map, or the grid) until it is graded as found."
    )
    if len(found.pixel_indices) == 0 or len(found.feature_indices) == 0:
        return
    grade = embeddings.grade_pixels_mislead(
        label=query.label if query.key.startswith("test:") else None,
        pixel_neighbour=int(found.pixel_indices[0]),
        feature_neighbour=int(found.feature_indices[0]),
        labels=test.labels,
        class_names=inspected.trained.class_names,
    )
    lines = [common.plain(line) for line in grade.feedback]  # they name classes: user text
    if grade.passed:
        challenge_board.mark(f"emb.{challenges.PIXELS_MISLEAD.key}")
        st.success("Found! " + " ".join(lines))
    else:
        st.info("Not yet. " + " ".join(lines))


# ------------------------------------------------------------------------------------------------ the code
_LOAD = {
    "default": """checkpoint = checkpoints.load_default({name!r})
model = checkpoint.model
train, test = recipes.RECIPES[{name!r}].data()      # the split the model was measured on""",
    "own": """# Your own network and its test set: `trainer.model` and `test` from the Train page's "Show the code",
# or a saved file: checkpoints.load_checkpoint(open("my_model.safetensors", "rb").read()).model
model, test = trainer.model, test""",
}


def snippet(inspected: Inspected, method: str, index: int, k: int, query_key: str | None = None) -> str:
    """The page's numbers in a notebook: features, both maps, the epochs (own models), neighbours, the CSV.
    ``query_key`` is the neighbours' query (an ``InputImage.key``; None or a test image: test image ``index``)."""
    name = inspected.kind if inspected.kind in ("digits", "shapes") else None
    load = _LOAD["default"].format(name=name) if name else _LOAD["own"]
    epochs = (
        f"""
# Across epochs (a training of your own): trainer.snapshots keeps each epoch's embeddings
frames = embeddings.project_frames([s.embeddings for s in trainer.snapshots], method={method!r})  # (E, n, 2)
"""
        if name is None
        else ""
    )
    if query_key is None or query_key.startswith("test:"):
        query = f"""# The {k} test images most like test image {index}, by pixels and by features (itself comes first)
query = test.images[{index}]
by_pixels = embeddings.nearest(pixels[{index}], pixels, k={k + 1})
by_features = embeddings.nearest(evaluation.embeddings(model, query[None])[0], features, k={k + 1})"""
    else:
        query = f"""# The {k} test images most like your picture, by pixels and by features
model_input_shape = {tuple(inspected.trained.spec.input_shape)!r}
{snippets.inspect_image_lines(query_key, kind=inspected.kind, style=inspected.style)}\
by_pixels = embeddings.nearest(embeddings.pixel_features(image[None])[0], pixels, k={k})
by_features = embeddings.nearest(evaluation.embeddings(model, image[None])[0], features, k={k})"""
    return f"""from explorer.images import imageio, samples
from explorer.interpret import embeddings
from explorer.nets import checkpoints, evaluation, predict_one, recipes

{load}
features = evaluation.embeddings(model, test)          # (N, D): what the last layer reads
pixels = embeddings.pixel_features(test.images)         # (N, C·H·W): the raw pixels
feature_map = embeddings.project(features, method={method!r}, seed=0)   # (N, 2)
pixel_map = embeddings.project(pixels, method={method!r}, seed=0)
predictions, probabilities = evaluation.predict(model, test)
{epochs}
{query}
print(by_pixels, by_features)

table = embeddings.points_csv({{"features_{method}": feature_map, "pixels_{method}": pixel_map}},
                              labels=test.labels, predictions=predictions, class_names=test.class_names)
open("embeddings_{method}.csv", "w", encoding="utf-8", newline="").write(table)
"""

"""Train a CNN: pick data and a network, train it in the background while watching the curves, then look at
its mistakes; save the model and load it back."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from explorer.data import own_images, torchvision_sets
from explorer.images import imageio
from explorer.nets import architecture, augment, layer_table, training
from ui import common, training_jobs, urlstate
from ui.cached import train as cached

DATASETS = {
    "digits8": "Digits 8×8 (1,797 handwritten digits, built in)",
    "digits16": "Digits enlarged to 16×16",
    "digits28": "Digits enlarged to 28×28",
    "shapes": "Shapes 28×28, gray (stripes, discs, rings, …)",
    "shapes_color": "Shapes 32×32, colour",
    "own": "Your own images (ZIP or pictures per class)",
    "mnist": "MNIST digits 28×28 (download, about 12 MB)",
    "fashion_mnist": "Fashion-MNIST 28×28 (download, about 30 MB)",
    "cifar10": "CIFAR-10 photos 32×32 (download, about 170 MB)",
}
TORCHVISION = ("mnist", "fashion_mnist", "cifar10")
# Images per class for the generated and downloaded sets: 100 trains in seconds, 1,000 in a minute or two on
# one CPU thread; more would keep a shared server's training slots busy for too long.
PER_CLASS_CHOICES = (100, 300, 1000)
OWN_SIZES = (16, 24, 32, 48, 64)
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BATCH_SIZES = (8, 16, 32, 64, 128, 256)
WEIGHT_DECAYS = (0.0, 0.00001, 0.0001, 0.001, 0.01)
# Epochs per start (or per "continue"): a few minutes at most on the bigger sets, so a slot frees soon.
MAX_EPOCHS_PER_RUN = 30
MAX_SEED = 9999
MAX_ROTATION = 45  # degrees; further, a 6 becomes a 9
MAX_OWN_CLASSES = own_images.MAX_CLASSES
PREVIEW_PER_CLASS = 8
GALLERY_SIZE = 16  # misclassified test images shown, most confident first
CELL_IMAGES = 16  # test images shown for a chosen cell of the confusion matrix
LIVE_REFRESH_S = 1.0

JOB_KEY = "train.job"
MODEL_KEY = "train.model"
SEEN_KEY = "train.job_seen"  # (job id, status) the full page last drew: a change triggers a full rerun
BASE_KEY = "train.layers_base"  # rows a fresh layer editor starts from
VERSION_KEY = "train.layers_version"
ROWS_KEY = "train.layers_rows"  # what the editor returned last run (survives page switches)
CAPTURES_KEY = "train.captures"  # camera pictures per class: {class index: [bytes]}
CAPTURE_IDS_KEY = "train.capture_ids"
UPLOAD_SEEN_KEY = "train.upload_seen"


def _choice(options):
    """Parser for one of a tuple of numbers given in the URL as text."""
    texts = {f"{option:g}": option for option in options}

    def parse(text: str):
        if text not in texts:
            raise ValueError(f"expected one of {', '.join(texts)}; got {text!r}")
        return texts[text]

    return parse


PARAMS = (
    urlstate.Param("data", "train.dataset", "digits8", parse=urlstate.one_of(tuple(DATASETS))),
    urlstate.Param("per_class", "train.per_class", 300, parse=_choice(PER_CLASS_CHOICES)),
    urlstate.Param("test", "train.test_pct", 20, parse=urlstate.int_in(10, 50)),
    urlstate.Param("net", "train.preset", layer_table.SMALL_CNN, parse=urlstate.one_of(layer_table.TABLE_PRESETS)),
    urlstate.Param("opt", "train.optimizer", "adam", parse=urlstate.one_of(training.OPTIMIZERS)),
    urlstate.Param("lr", "train.lr", 0.001, parse=_choice(LEARNING_RATES), format=lambda v: f"{v:g}"),
    urlstate.Param("momentum", "train.momentum", 0.9, parse=urlstate.float_in(0.0, 0.99)),
    urlstate.Param("batch", "train.batch", 32, parse=_choice(BATCH_SIZES)),
    urlstate.Param("epochs", "train.epochs", 10, parse=urlstate.int_in(1, MAX_EPOCHS_PER_RUN)),
    urlstate.Param("wd", "train.wd", 0.0, parse=_choice(WEIGHT_DECAYS), format=lambda v: f"{v:g}"),
    urlstate.Param("seed", "train.seed", 0, parse=urlstate.int_in(0, MAX_SEED)),
    urlstate.Param("hflip", "train.hflip", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("vflip", "train.vflip", False, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param("rotate", "train.rotation", 0, parse=urlstate.int_in(0, MAX_ROTATION)),
    urlstate.Param("shift", "train.shift", 0.0, parse=urlstate.float_in(0.0, 0.3)),
    urlstate.Param("noise", "train.noise", 0.0, parse=urlstate.float_in(0.0, 0.3)),
    urlstate.Param("erase", "train.erasing", 0.0, parse=urlstate.float_in(0.0, 1.0)),
    # Your own images: the pictures stay with whoever uploads them; the link carries how they are read,
    # so an instructor can share e.g. three named classes to fill with the camera.
    urlstate.Param("own", "train.own_mode", "zip", parse=urlstate.one_of(("zip", "classes"))),
    urlstate.Param("own_size", "train.own_size", 32, parse=_choice(OWN_SIZES)),
    urlstate.Param("own_color", "train.own_color", True, parse=urlstate.boolean, format=urlstate.format_bool),
    urlstate.Param(
        "classes",
        "train.own_classes",
        own_images.MIN_CLASSES,
        parse=urlstate.int_in(own_images.MIN_CLASSES, MAX_OWN_CLASSES),
    ),
    urlstate.Param("camera", "train.use_camera", False, parse=urlstate.boolean, format=urlstate.format_bool),
    *(
        urlstate.Param(f"class{index + 1}", f"train.own_name{index}", "", parse=own_images.clean_class_name)
        for index in range(MAX_OWN_CLASSES)
    ),
)


def _plain(text: str) -> str:
    """A class name for plotly labels, which understand a little HTML: shown literally, never as markup."""
    return html.escape(text, quote=False)


# ------------------------------------------------------------------------------------------------ data
def _class_name(index: int) -> str:
    """Class ``index``'s name as typed (its text box's value), or "class N" while it is empty."""
    return (st.session_state.get(f"train.own_name{index}") or "").strip() or f"class {index + 1}"


def _camera(captures: dict[int, list[bytes]], names: list[str]) -> None:
    """One camera for every class (one video stream, as Teachable Machine): each new picture goes to the
    class chosen next to it, in ``captures[class index]``."""
    seen = st.session_state.setdefault(CAPTURE_IDS_KEY, set())
    _clamped("train.camera_class", len(names))
    with st.container(border=True):
        target = st.radio(
            "The next picture goes to",
            range(len(names)),
            key="train.camera_class",
            horizontal=True,
            format_func=lambda index: names[index],
        )
        shot = st.camera_input(
            "Take a picture", key="_train.camera", help="Take a picture, press Clear photo, take the next one."
        )
    full = sum(len(taken) for taken in captures.values()) >= own_images.MAX_IMAGES  # bounds a session's memory
    if shot is not None and shot.file_id not in seen:
        seen.add(shot.file_id)
        if not full:
            captures.setdefault(target, []).append(shot.getvalue())
    if full:
        st.warning(
            f"{own_images.MAX_IMAGES:,} pictures is the most a data set can hold: forget some before taking more."
        )


def _own_dataset():
    """The user's own images (ZIP or per class), or None with a hint drawn."""
    mode = st.radio(
        "How to give your pictures",
        ("zip", "classes"),
        key="train.own_mode",
        horizontal=True,
        format_func={"zip": "a ZIP with one folder per class", "classes": "pictures per class (files or camera)"}.get,
    )
    left, right = st.columns(2)
    size = left.select_slider("Image size (pixels a side)", OWN_SIZES, key="train.own_size")
    color = right.toggle("Keep colour", key="train.own_color")
    st.caption(
        f"{own_images.MIN_CLASSES} to {own_images.MAX_CLASSES} classes, at least "
        f"{own_images.MIN_IMAGES_PER_CLASS} pictures each, {own_images.MAX_IMAGES} in all. Every picture is "
        "cropped to its centre square and shrunk."
    )
    if mode == "zip":
        upload = st.file_uploader("ZIP archive", type=["zip"], key="_train.zip")
        if upload is None:
            st.info("Upload a ZIP whose folders are the classes, e.g. `cats/1.jpg`, `dogs/7.png`.")
            return None, None
        data = upload.getvalue()
        key = cached.digest(data)
        with common.user_errors():
            result = cached.own_zip(key, size, color, data)
        return f"own:zip:{key}:{size}:{int(color)}", result
    count = int(st.number_input("Number of classes", own_images.MIN_CLASSES, MAX_OWN_CLASSES, key="train.own_classes"))
    use_camera = st.toggle("Take pictures with the camera", key="train.use_camera")
    captures = st.session_state.setdefault(CAPTURES_KEY, {})
    names = [_class_name(index) for index in range(count)]
    classes_area = st.container()  # drawn above the camera, filled after it: a new shot counts at once
    if use_camera:
        _camera(captures, names)
    files: dict[str, list[bytes]] = {}
    columns = min(count, 4)
    with classes_area:
        for column_index, column in enumerate(st.columns(columns)):
            for index in range(column_index, count, columns):
                with column, st.container(border=True):
                    st.text_input(
                        f"Class {index + 1} name",
                        key=f"train.own_name{index}",
                        placeholder=f"class {index + 1}",
                        max_chars=own_images.MAX_CLASS_NAME_CHARS,
                    )
                    uploads = st.file_uploader(
                        "Pictures",
                        type=list(imageio.UPLOAD_EXTENSIONS),
                        accept_multiple_files=True,
                        key=f"_train.own_files{index}",
                    )
                    pictures = [upload.getvalue() for upload in uploads or []]
                    taken = captures.get(index, [])
                    if use_camera or taken:
                        st.caption(f"{len(taken)} camera picture(s) kept for this class")
                    if taken:
                        st.button(
                            "Forget them",
                            key=f"_train.forget{index}",
                            on_click=captures.pop,
                            args=(index, None),
                            help="Drops this class's camera pictures, to take them again.",
                        )
                    files[names[index]] = pictures + taken
    if sum(len(v) for v in files.values()) == 0:
        st.info("Add pictures to each class: upload files, or switch the camera on.")
        return None, None
    key = cached.files_key(files)
    with common.user_errors():
        result = cached.own_files(key, size, color, files)
    return f"own:files:{key}:{size}:{int(color)}", result


def _torchvision_dataset(name: str, per_class: int):
    """MNIST / Fashion-MNIST / CIFAR-10 from the cache folder, or a download button; None until loaded."""
    try:
        return cached.torchvision_set(name, per_class)
    except torchvision_sets.DatasetUnavailableError as error:
        st.warning(str(error))
        return None
    except ValueError:
        pass  # not downloaded yet
    st.info(f"{DATASETS[name]} is not on this server yet. Downloading it takes a moment; it then stays here.")
    if not st.button("Download it now", key="_train.download_data"):
        return None
    bar = st.progress(0.0, text="Checking the connection…")
    try:
        dataset = cached.torchvision_set(
            name,
            per_class,
            _download=True,
            _on_progress=lambda f: bar.progress(min(max(f, 0.0), 1.0), text=f"Downloading… {f:.0%}"),
        )
    except ValueError as error:  # DatasetUnavailableError is one: offline, or a server that doesn't answer
        bar.empty()
        st.warning(str(error))
        return None
    bar.empty()
    return dataset


def choose_dataset():
    """Draw the data choice; return ``(key, dataset)`` or ``(None, None)`` when there is nothing to use yet."""
    choice = st.selectbox("Data set", tuple(DATASETS), key="train.dataset", format_func=DATASETS.get)
    if choice.startswith("digits"):
        size = int(choice.removeprefix("digits"))
        return f"digits:{size}", cached.digits(size)
    if choice in ("shapes", "shapes_color") or choice in TORCHVISION:
        per_class = st.select_slider("Images per class", PER_CLASS_CHOICES, key="train.per_class")
        if choice in TORCHVISION:
            dataset = _torchvision_dataset(choice, per_class)
            return (f"{choice}:{per_class}", dataset) if dataset is not None else (None, None)
        color = choice == "shapes_color"
        return f"shapes:{int(color)}:{per_class}", cached.shapes_set(color, per_class)
    key, result = _own_dataset()
    if result is None:
        return None, None
    if result.skipped:
        with st.expander(f"{len(result.skipped)} file(s) left out"):
            st.dataframe(
                pd.DataFrame({"file": [s.name for s in result.skipped], "why": [s.reason for s in result.skipped]}),
                hide_index=True,
            )
    return key, result.dataset


# ----------------------------------------------------------------------------------------- architecture
def _set_layers(rows) -> None:
    st.session_state[BASE_KEY] = [dict(row) for row in rows]
    st.session_state[ROWS_KEY] = [dict(row) for row in rows]
    st.session_state[VERSION_KEY] = st.session_state.get(VERSION_KEY, 0) + 1


def _load_preset() -> None:
    _set_layers(layer_table.preset_rows(st.session_state["train.preset"]))


def _editor_key() -> str:
    return f"_train.layers.{st.session_state.get(VERSION_KEY, 0)}"


def _records(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                c: (None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else v)
                for c, v in record.items()
                if c in layer_table.COLUMNS
            }
        )
    return rows


def edit_layers() -> list[dict]:
    """The editable layer table; returns its rows."""
    if BASE_KEY not in st.session_state:
        _load_preset()
    elif _editor_key() not in st.session_state and st.session_state.get(ROWS_KEY) != st.session_state[BASE_KEY]:
        _set_layers(st.session_state[ROWS_KEY])  # back from another page: keep the edits
    frame = pd.DataFrame(st.session_state[BASE_KEY], columns=list(layer_table.COLUMNS))
    frame = frame.astype({"size": "float64", "kernel": "float64", "stride": "float64", "padding": "object"})
    frame.index = pd.RangeIndex(1, len(frame) + 1)  # numbered as the summary and the error messages number layers
    edited = st.data_editor(
        frame,
        key=_editor_key(),
        num_rows="dynamic",
        hide_index=False,
        column_config={
            "layer": st.column_config.SelectboxColumn("layer", options=list(layer_table.LAYER_KINDS), required=True),
            "size": st.column_config.NumberColumn(
                "size", help="filters (conv), units (dense), window (pools), drop probability (dropout)", format="%g"
            ),
            "kernel": st.column_config.NumberColumn("kernel", help="kernel side (conv)", format="%d"),
            "stride": st.column_config.NumberColumn("stride", help="step (conv, pools)", format="%d"),
            "padding": st.column_config.TextColumn("padding", help="a whole number or same (conv)"),
        },
    )
    rows = _records(edited)
    st.session_state[ROWS_KEY] = rows
    return rows


def summary_table(spec: architecture.ArchitectureSpec) -> None:
    rows = architecture.summary(spec)
    st.dataframe(
        pd.DataFrame(
            {
                "layer": [f"{i + 1}. {row.name}" for i, row in enumerate(rows)],
                "output shape": [architecture.format_shape(row.output_shape) for row in rows],
                "params": [f"{row.params:,}" for row in rows],
            }
        ),
        hide_index=True,
    )
    st.metric("Parameters to learn", f"{sum(row.params for row in rows):,}")


# ---------------------------------------------------------------------------------------------- results
def _curves(history, running=None) -> go.Figure:
    """Loss and accuracy per epoch, train and test. ``running`` (a Progress within an unfinished epoch)
    adds the training curves' point so far, at a fractional epoch: the curve moves within long epochs."""
    epochs = [record.epoch for record in history]
    figure = make_subplots(rows=1, cols=2, subplot_titles=("Loss (lower is better)", "Accuracy"))
    for column, (train_values, test_values, running_value) in enumerate(
        (
            ([r.train_loss for r in history], [r.test_loss for r in history], "epoch_loss"),
            ([r.train_accuracy for r in history], [r.test_accuracy for r in history], "epoch_accuracy"),
        ),
        start=1,
    ):
        train_x = epochs
        if running is not None:
            train_x = [*epochs, running.epoch - 1 + running.batch / running.batches_per_epoch]
            train_values = [*train_values, getattr(running, running_value)]
        figure.add_scatter(
            x=train_x,
            y=train_values,
            mode="lines+markers",
            name="train",
            line_color="#1b6ca8",
            showlegend=column == 1,
            row=1,
            col=column,
        )
        figure.add_scatter(
            x=epochs,
            y=test_values,
            mode="lines+markers",
            name="test",
            line_color="#d95f02",
            showlegend=column == 1,
            row=1,
            col=column,
        )
    figure.update_xaxes(title_text="epoch", rangemode="tozero")
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    figure.update_yaxes(range=[0, 1.02], tickformat=".0%", row=1, col=2)
    figure.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.25))
    return figure


def _progress_text(progress) -> str:
    return (
        f"Epoch {progress.epoch} of {progress.epochs}, batch {progress.batch} of {progress.batches_per_epoch} · "
        f"{progress.images_per_second:,.0f} images/s · about {progress.eta_seconds:,.0f} s left · "
        f"last batch loss {progress.last_loss:.3f}"
    )


def _stop() -> None:
    job = st.session_state.get(JOB_KEY)
    if job is not None:
        job.stop()


def show_job(job: training_jobs.Job) -> tuple:
    """Status, progress and curves of the job; returns ``(view, LiveState with a model, or None)``."""
    view = job.view()
    live = view.progress if isinstance(view.progress, cached.LiveState) else None
    run = view.value if isinstance(view.value, cached.TrainingRun) else None
    history = run.result.history if run is not None else (live.progress.history if live else ())
    if view.status == training_jobs.QUEUED:
        running, waiting = training_jobs.SCHEDULER.counts()
        st.info(
            f"Waiting for a free training slot: you are **{training_jobs.ordinal(view.position)} in line**. "
            f"This server trains {training_jobs.SCHEDULER.max_running} network(s) at once "
            f"({running} running, {waiting} waiting); yours starts as soon as one finishes."
        )
    elif view.status == training_jobs.RUNNING:
        if live is None:
            st.progress(0.0, text="Starting…")
        else:
            st.progress(min(max(live.progress.fraction_done, 0.0), 1.0), text=_progress_text(live.progress))
    elif view.status == training_jobs.DONE:
        last = history[-1] if history else None
        st.success(
            f"Training finished: {len(history)} epoch(s)"
            + (f", test accuracy {last.test_accuracy:.1%}." if last else ".")
        )
    elif view.status == training_jobs.STOPPED:
        st.warning(view.message or "Training stopped.")
    elif view.status == training_jobs.DIVERGED:
        st.error(view.message + " A learning rate that is too large makes each step overshoot, and the loss explodes.")
    elif view.status == training_jobs.FAILED:
        st.error(view.message)
    if not view.finished:
        # A waiting training has nothing to stop yet: the same button takes it out of the line.
        label = "Leave the line" if view.status == training_jobs.QUEUED else "Stop"
        st.button(label, key="_train.stop", on_click=_stop, type="primary")
    running = None
    if live is not None and not view.finished and live.progress.epoch > (history[-1].epoch if history else 0):
        running = live.progress  # an epoch under way: its training batches so far
    if history or running is not None:
        st.plotly_chart(_curves(history, running), key="train.curves")
        if running is not None:
            st.caption(
                f"The last training point is epoch {running.epoch} so far (batch {running.batch} of "
                f"{running.batches_per_epoch}); the test curve gets its point when the epoch ends."
            )
    elif not view.finished:
        st.caption("The curves appear once the first batches have trained.")
    if live is not None and live.model is not None and not view.finished:
        return view, live
    return view, None


def _clamped(key: str, count: int) -> None:
    if st.session_state.get(key, 0) >= count:
        st.session_state[key] = 0


def show_results(model, token: str, test, class_names: tuple[str, ...], test_key: str) -> None:
    """Confusion matrix (with a cell picker), per-class accuracy and the most confident mistakes."""
    result = cached.evaluate(token, test_key, model, test)
    k = len(class_names)
    names = [_plain(n) for n in class_names]
    st.markdown(f"**Test accuracy: {result.accuracy:.1%}** on {len(test):,} test images the network never trained on.")
    left, right = st.columns([1.3, 1.0], gap="large")
    with left:
        figure = go.Figure(
            go.Heatmap(
                z=result.matrix,
                x=names,
                y=names,
                colorscale="Blues",
                text=result.matrix,
                texttemplate="%{text}",
                hovertemplate="true %{y}, predicted %{x}: %{z} images<extra></extra>",
            )
        )
        figure.update_layout(
            xaxis_title="predicted class",
            yaxis_title="true class",
            yaxis_autorange="reversed",
            height=140 + 36 * k,
            margin=dict(l=10, r=10, t=30, b=10),
            xaxis_type="category",
            yaxis_type="category",
        )
        st.plotly_chart(figure, key="train.confusion")
    with right:
        per_class = pd.DataFrame(
            {
                "class": list(class_names),
                "test images": result.matrix.sum(axis=1),
                "accuracy": result.per_class,
            }
        )
        st.dataframe(
            per_class,
            hide_index=True,
            column_config={
                "accuracy": st.column_config.ProgressColumn("accuracy", format="percent", min_value=0.0, max_value=1.0)
            },
        )
    st.markdown("**Look inside one cell.** Pick a true class and a predicted class to see those test images.")
    for key in ("train.cell_true", "train.cell_pred"):
        _clamped(key, k)
    first, second = st.columns(2)
    true_class = first.selectbox("True class", range(k), key="train.cell_true", format_func=lambda i: class_names[i])
    predicted = second.selectbox(
        "Predicted class", range(k), key="train.cell_pred", format_func=lambda i: class_names[i]
    )
    cell = np.flatnonzero((test.labels == true_class) & (result.predictions == predicted))
    st.caption(
        f"{len(cell)} test image(s) in this cell"
        + (f"; the first {CELL_IMAGES} are shown." if len(cell) > CELL_IMAGES else ".")
    )
    if len(cell):
        _gallery(test, cell[:CELL_IMAGES], result, class_names)
    st.markdown("**The most confident mistakes**: test images the network got wrong, surest first.")
    if len(result.wrong) == 0:
        st.caption("No mistakes on the test set.")
    else:
        _gallery(test, result.wrong[:GALLERY_SIZE], result, class_names)


def _gallery(test, indices, result, class_names) -> None:
    pictures = cached.to_pictures(test.images[indices])
    scale = max(1, 64 // pictures.shape[1])
    columns = st.columns(8)
    for slot, (index, picture) in enumerate(zip(indices, pictures)):
        with columns[slot % 8]:
            st.image(np.repeat(np.repeat(picture, scale, axis=0), scale, axis=1), output_format="PNG")
            # Class names may come from a user's folders: st.text shows them as they are.
            st.text(
                f"true: {class_names[test.labels[index]]}\nsaid: {class_names[result.predictions[index]]} "
                f"({result.confidence[index]:.0%})"
            )


def _dataset_code() -> str:
    choice, per_class = st.session_state["train.dataset"], st.session_state["train.per_class"]
    if choice.startswith("digits"):
        return f"datasets.digits(size={int(choice.removeprefix('digits'))})"
    if choice in ("shapes", "shapes_color"):
        return f"shapes.make_shapes({per_class}, color={choice == 'shapes_color'}, seed=0)"
    if choice in TORCHVISION:
        return f"torchvision_sets.load_torchvision({choice!r}, max_per_class={per_class})"
    size, color = st.session_state["train.own_size"], st.session_state["train.own_color"]
    if st.session_state["train.own_mode"] == "zip":
        return f'own_images.from_zip(open("my_images.zip", "rb").read(), image_size={size}, color={color}).dataset'
    return (
        f'own_images.from_class_files({{"cats": [open("cat1.jpg", "rb").read(), ...], "dogs": [...]}}, '
        f"image_size={size}, color={color}).dataset"
    )


# ------------------------------------------------------------------------------------------------- page
st.title("Train a CNN")
st.markdown(
    "Here you train a small network yourself. Choose the pictures it learns from and how the network is "
    "built, press **Start**, and watch two numbers fall and rise: the loss (how wrong the network is on "
    "average) and the accuracy (how often its first guess is right), on the training images and on test "
    "images it never learns from. Then look at what it still gets wrong."
)
urlstate.restore("train", PARAMS)
job = st.session_state.get(JOB_KEY)
job_view = job.view() if job is not None else None
active = job_view is not None and not job_view.finished

st.subheader("1. The data")
data_column, preview_column = st.columns([1.0, 1.4], gap="large")
with data_column:
    dataset_key, dataset = choose_dataset()
    test_pct = st.slider("Share kept for testing (%)", 10, 50, step=5, key="train.test_pct")
    seed = st.session_state["train.seed"]
    split = None
    if dataset is not None:
        with common.user_errors():
            split = cached.split(dataset_key, test_pct / 100, seed, dataset)
        counts = dataset.counts()
        channels, height, width = dataset.image_shape
        st.markdown(
            f"**{len(dataset):,} images** of {height}×{width} pixels, {'colour' if channels == 3 else 'gray'}: "
            f"{len(split[0]):,} to train on, {len(split[1]):,} to test (split with seed {seed})."
        )
        st.dataframe(
            pd.DataFrame({"class": list(counts), "images": list(counts.values())}),
            hide_index=True,
            height=min(400, 38 + 35 * len(counts)),
        )
with preview_column:
    if dataset is not None:
        st.image(
            cached.preview(dataset_key, PREVIEW_PER_CLASS, dataset),
            output_format="PNG",
            caption="The first images of each class, one row per class (in the order of the table).",
        )

st.subheader("2. The network")
st.markdown(
    "Start from a known network and change it: edit a cell, add a row at the bottom, or select rows and "
    "delete them. The output layer (one unit per class) is added for you."
)
net_column, summary_column = st.columns([1.2, 1.0], gap="large")
with net_column:
    st.selectbox(
        "Start from",
        layer_table.TABLE_PRESETS,
        key="train.preset",
        on_change=_load_preset,
        format_func=layer_table.TABLE_PRESET_TITLES.get,
    )
    rows = edit_layers()
spec, spec_error = None, None
if dataset is not None:
    title = layer_table.TABLE_PRESET_TITLES[st.session_state["train.preset"]]
    try:
        spec = layer_table.rows_to_spec(
            rows,
            name=title[: architecture.MAX_NAME_LENGTH],
            input_shape=dataset.image_shape,
            num_classes=dataset.n_classes,
        )
    except ValueError as error:
        spec_error = str(error)
with summary_column:
    if spec_error:
        st.error(f"This network can't take {dataset.image_shape[1]}×{dataset.image_shape[2]} images: {spec_error}.")
    elif spec is not None:
        summary_table(spec)
    else:
        st.caption("The summary appears once a data set is loaded.")

st.subheader("3. How to train")
aug_column, opt_column = st.columns(2, gap="large")
with aug_column:
    st.markdown("**Augmentation**: random changes to each training image, new every epoch.")
    flips = st.columns(2)
    flips[0].toggle("Mirror left–right", key="train.hflip")
    flips[1].toggle("Mirror top–bottom", key="train.vflip")
    st.slider("Rotate up to (degrees)", 0, MAX_ROTATION, key="train.rotation")
    st.slider("Shift up to (share of the size)", 0.0, 0.3, step=0.05, key="train.shift")
    st.slider("Noise (standard deviation)", 0.0, 0.3, step=0.05, key="train.noise")
    st.slider("Erase a patch (probability)", 0.0, 1.0, step=0.1, key="train.erasing")
augment_config = augment.AugmentConfig(
    hflip=st.session_state["train.hflip"],
    vflip=st.session_state["train.vflip"],
    rotation_deg=float(st.session_state["train.rotation"]),
    shift=float(st.session_state["train.shift"]),
    noise_std=float(st.session_state["train.noise"]),
    erasing_p=float(st.session_state["train.erasing"]),
)
with opt_column:
    st.markdown("**Optimiser**: how each step changes the weights.")
    optimizer = st.radio(
        "Optimiser",
        training.OPTIMIZERS,
        key="train.optimizer",
        horizontal=True,
        format_func={"adam": "Adam", "sgd": "SGD with momentum"}.get,
    )
    st.select_slider("Learning rate", LEARNING_RATES, key="train.lr", format_func=lambda v: f"{v:g}")
    st.slider("Momentum (SGD)", 0.0, 0.99, step=0.01, key="train.momentum", disabled=optimizer != "sgd")
    numbers = st.columns(2)
    numbers[0].select_slider("Batch size", BATCH_SIZES, key="train.batch")
    numbers[1].slider("Epochs", 1, MAX_EPOCHS_PER_RUN, key="train.epochs")
    numbers = st.columns(2)
    numbers[0].select_slider("Weight decay", WEIGHT_DECAYS, key="train.wd", format_func=lambda v: f"{v:g}")
    numbers[1].number_input(
        "Seed",
        0,
        MAX_SEED,
        step=1,
        key="train.seed",
        help="The same seed gives the same split, starting weights and batch order.",
    )
urlstate.publish(PARAMS)
if dataset is not None and not augment_config.is_identity:
    originals, changed = cached.augmented(dataset_key, augment_config, seed, split[0])
    st.caption("The first training images as they are (top) and as one epoch might see them (bottom).")
    scale = max(1, 96 // originals.shape[1])  # about 96 screen pixels a picture
    big = lambda p: np.repeat(np.repeat(p, scale, axis=0), scale, axis=1)  # noqa: E731
    st.image([big(p) for p in originals], output_format="PNG")
    st.image([big(p) for p in changed], output_format="PNG")

config = None
with common.user_errors():
    config = training.TrainConfig(
        optimizer=optimizer,
        learning_rate=float(st.session_state["train.lr"]),
        momentum=float(st.session_state["train.momentum"]),
        batch_size=int(st.session_state["train.batch"]),
        epochs=int(st.session_state["train.epochs"]),
        weight_decay=float(st.session_state["train.wd"]),
        seed=int(seed),
        augment=augment_config,
    )

st.subheader("4. Train")
ready = spec is not None and split is not None and not active
buttons = st.columns([1, 2, 3])
start = buttons[0].button("Start training", key="_train.start", type="primary", disabled=not ready)
run = job_view.value if job_view is not None and isinstance(job_view.value, cached.TrainingRun) else None
can_continue = (
    run is not None
    and job_view.status in (training_jobs.DONE, training_jobs.STOPPED)
    and len(run.trainer.history) + config.epochs <= training.MAX_EPOCHS
)
more = buttons[1].button(
    f"Continue for {config.epochs} more epoch(s)",
    key="_train.continue",
    disabled=not can_continue,
    help="Keeps the weights and the optimiser's state and trains on the same data.",
)
if start and ready:
    with common.user_errors():
        job = cached.start_training(spec, split[0], split[1], config, title=dataset.name)
    st.session_state[JOB_KEY] = job
    st.rerun()  # draw the page again with Start disabled and the live panel ticking
elif more and can_continue:
    st.session_state[JOB_KEY] = cached.continue_training(
        run.trainer, config.epochs, test=run.test, title=run.dataset_title
    )
    st.rerun()
if job is None:
    st.caption("Press Start: the training runs on the server while you keep using the page.")

# A finished job's model becomes the session's model once (the fragment below asks for this full rerun).
if job is not None:
    job_view = job.view()
    if job_view.finished and st.session_state.get(SEEN_KEY) != (job.id, job_view.status):
        st.session_state[SEEN_KEY] = (job.id, job_view.status)
        if job_view.status in (training_jobs.DONE, training_jobs.STOPPED) and isinstance(
            job_view.value, cached.TrainingRun
        ):
            if job_view.value.result.history:
                st.session_state[MODEL_KEY] = cached.trained_model(job_view.value, job.id)
active = job is not None and not job.view().finished
current_test = None if split is None else (split[1], f"{dataset_key}|{test_pct}|{seed}")


# The job's thread never touches the page: this fragment reads its state once a second while it trains.
@st.fragment(run_every=LIVE_REFRESH_S if active else None)
def live_panel() -> None:
    job = st.session_state.get(JOB_KEY)
    live = None
    if job is not None:
        view, live = show_job(job)
        if view.finished and st.session_state.get(SEEN_KEY) != (job.id, view.status):
            st.rerun()  # the whole page: stop refreshing, keep the model, enable the buttons
    st.subheader("5. Results")
    if live is not None:
        st.caption(f"After epoch {live.model_epoch}; updated after every epoch while the network trains.")
        show_results(
            live.model, f"job {job.id} epoch {live.model_epoch}", live.test, live.test.class_names, f"job {job.id}"
        )
        return
    trained = st.session_state.get(MODEL_KEY)
    if job is not None and not view.finished:
        st.caption("The results appear after the first epoch.")
        return
    if trained is None:
        st.caption("Train a network (or load one below) to see its confusion matrix and its mistakes.")
        return
    st.caption(f"Model: {common.plain(trained.source)}.")  # may name an uploaded file: plain text
    if trained.test is not None:
        show_results(trained.model, trained.token, trained.test, trained.class_names, f"{trained.token} own test")
    elif current_test is None:
        st.info("Choose a data set to test this model on.")
    elif current_test[0].image_shape != trained.spec.input_shape or current_test[0].n_classes != len(
        trained.class_names
    ):
        c, h, w = trained.spec.input_shape
        st.info(
            f"This model takes {h}×{w} {'colour' if c == 3 else 'gray'} images and tells {len(trained.class_names)} "
            "classes apart: choose a data set like that above to test it."
        )
    else:
        show_results(trained.model, trained.token, current_test[0], trained.class_names, current_test[1])


live_panel()

st.subheader("6. Save or load a model")


def save_and_load() -> None:
    save_column, load_column = st.columns(2, gap="large")
    with save_column:
        trained = st.session_state.get(MODEL_KEY)
        if trained is None:
            st.caption("Once a network has trained, you can download it here.")
        else:
            with common.user_errors():
                data = cached.checkpoint_bytes(trained.token, trained)
            st.download_button(
                "Download the model",
                data,
                file_name="vision-explorer-model.safetensors",
                mime="application/octet-stream",
                key="_train.download",
            )
            st.caption(
                f"Model: {common.plain(trained.source)}; {len(data) / 1024:,.0f} kB. Load it back here, or in a "
                "notebook with `checkpoints.load_checkpoint`."
            )
        st.button(
            "Use the default digits model",
            key="_train.use_default",
            on_click=cached.use_default_model,
            args=(MODEL_KEY, "train.default_error"),
            help="A small CNN trained on the 8×8 digits, shipped with the app.",
        )
        if st.session_state.get("train.default_error"):
            st.error(st.session_state["train.default_error"])
    with load_column:
        st.file_uploader(
            "Load a model saved from this page (.safetensors)",
            type=["safetensors"],
            key="_train.upload",
            on_change=cached.use_uploaded_model,
            args=("_train.upload", MODEL_KEY, "train.upload_error"),
        )
        if st.session_state.get("train.upload_error"):
            st.error(common.plain(st.session_state["train.upload_error"]))


save_and_load()

st.subheader("What is going on")
st.markdown(
    """
- **An epoch** is one pass over the training images, in batches. After each batch the optimiser nudges
  every weight a little against the gradient of the loss; the learning rate sets how big the nudge is.
- **Train versus test.** The network only ever learns from the training images. The test images measure
  whether it learned something general: when the training accuracy keeps rising but the test accuracy stalls
  or falls, the network is memorising its training images (*overfitting*). Augmentation, dropout and weight
  decay make memorising harder.
- **A learning rate that is too large** makes steps overshoot: the loss jumps around or explodes to
  infinity. One that is too small makes the curves crawl. Adam adapts the step for each weight and usually
  works at 0.001; plain SGD often wants 0.01 to 0.1 with momentum 0.9.
- **The confusion matrix** counts, for each true class (row), what the network said (column). The diagonal
  is right; a bright cell off the diagonal is a pair of classes the network mixes up.
"""
)
common.check_yourself(
    "After 20 epochs the training accuracy is 100 % but the test accuracy is 85 % and has been falling for "
    "five epochs. What is happening, and name two things on this page that could help?",
    "The network is **overfitting**: it has learned the training images by heart, including their accidents, "
    "and that no longer helps on new images. Stop earlier (fewer epochs), add augmentation (shifts, small "
    "rotations, erasing), add a dropout layer or some weight decay, or use a smaller network or more images.",
    key="train.check",
)
common.show_code(
    f"""from explorer.data import datasets, own_images, shapes, torchvision_sets
from explorer.nets import augment, checkpoints, evaluation, layer_table, training

dataset = {_dataset_code()}
train, test = dataset.split({test_pct / 100:g}, seed={seed})
rows = {st.session_state.get(ROWS_KEY)!r}
spec = layer_table.rows_to_spec(rows, name="my network", input_shape=dataset.image_shape,
                                       num_classes=dataset.n_classes)
config = training.TrainConfig(optimizer={optimizer!r}, learning_rate={st.session_state["train.lr"]:g},
                              momentum={st.session_state["train.momentum"]:g}, batch_size={st.session_state["train.batch"]},
                              epochs={st.session_state["train.epochs"]}, weight_decay={st.session_state["train.wd"]:g},
                              seed={seed}, augment=augment.{augment_config!r})
trainer = training.Trainer(spec, train, test, config)
result = trainer.run(on_progress=print)          # result.history: one EpochRecord per epoch
more = trainer.run(epochs=5)                      # continue where it stopped

predictions, probabilities = evaluation.predict(trainer.model, test)
matrix = evaluation.confusion_matrix(test.labels, predictions, num_classes=test.n_classes)
worst = evaluation.misclassified(test.labels, predictions, probabilities)
data = checkpoints.save_checkpoint(trainer.model, spec, class_names=test.class_names,
                                   metrics={{"test_accuracy": result.history[-1].test_accuracy}})
"""
)

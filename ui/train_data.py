"""The "Train a CNN" page's data chooser: the built-in and generated sets, MNIST-like downloads, and your own
pictures (a ZIP of class folders, or files and camera shots per class); what the chosen set holds; and the
line of notebook code that loads it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer.data import own_images, torchvision_sets
from explorer.data.datasets import Dataset
from explorer.images import imageio
from ui import common
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
MAX_OWN_CLASSES = own_images.MAX_CLASSES
PREVIEW_PER_CLASS = 8

CAPTURES_KEY = "train.captures"  # camera pictures per class: {class index: [bytes]}
CAPTURE_IDS_KEY = "train.capture_ids"


def clamped(key: str, count: int) -> None:
    """Back to the first choice when the selectbox/radio at ``key`` points past ``count`` options."""
    if st.session_state.get(key, 0) >= count:
        st.session_state[key] = 0


def _class_name(index: int) -> str:
    """Class ``index``'s name as typed (its text box's value), or "class N" while it is empty."""
    return (st.session_state.get(f"train.own_name{index}") or "").strip() or f"class {index + 1}"


def _camera(captures: dict[int, list[bytes]], names: list[str]) -> None:
    """One camera for every class (one video stream, as Teachable Machine): each new picture goes to the
    class chosen next to it, in ``captures[class index]``."""
    seen = st.session_state.setdefault(CAPTURE_IDS_KEY, set())
    clamped("train.camera_class", len(names))
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


def _own_dataset() -> tuple[str | None, own_images.OwnImagesResult | None]:
    """The user's own images (ZIP or per class), or ``(None, None)`` with a hint drawn."""
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


def _torchvision_dataset(name: str, per_class: int) -> Dataset | None:
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


def choose_dataset() -> tuple[str, Dataset] | tuple[None, None]:
    """Draw the data choice; return ``(key, dataset)`` or ``(None, None)`` when there is nothing to use yet."""
    choice = str(st.selectbox("Data set", list(DATASETS), key="train.dataset", format_func=DATASETS.__getitem__))
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
    if key is None or result is None:
        return None, None
    if result.skipped:
        with st.expander(f"{len(result.skipped)} file(s) left out"):
            st.dataframe(
                pd.DataFrame({"file": [s.name for s in result.skipped], "why": [s.reason for s in result.skipped]}),
                hide_index=True,
            )
    return key, result.dataset


def describe(dataset: Dataset, split: tuple[Dataset, Dataset], seed: int) -> None:
    """How many images of what size, how they are split, and a table of images per class."""
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


def show_preview(dataset_key: str, dataset: Dataset) -> None:
    """The first images of each class, a row per class."""
    st.image(
        cached.preview(dataset_key, PREVIEW_PER_CLASS, dataset),
        output_format="PNG",
        caption="The first images of each class, one row per class (in the order of the table).",
    )


def dataset_code() -> str:
    """The notebook expression that loads the chosen data set (for "Show the code")."""
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

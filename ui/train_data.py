"""The "Train a CNN" page's data chooser: the built-in and generated sets, MNIST-like downloads, and your own
pictures (a ZIP of class folders, or files and camera shots per class); what the chosen set holds; and the
line of notebook code that loads it."""

from __future__ import annotations

from dataclasses import dataclass

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
CAMERA_VERSION_KEY = "train.camera_version"  # in the camera's widget key: a fresh camera after every photo
# Class cards per row at most: three fit a 1280-pixel screen with their upload buttons inside.
CARDS_PER_ROW = 3
THUMBS_PER_ROW = 4
THUMBS_ROWS_SHOWN = 2  # more camera pictures than this many rows scroll inside the card
# A card shows a class's latest camera pictures, at most this many (a page run draws each with its ✕).
MAX_THUMBS = 24
# The camera: 400 pixels wide fits beside the data settings on a 1280-pixel screen; its label, 16:9 video
# (225 px) and button are 293 pixels tall.
CAMERA_WIDTH_PX, CAMERA_BOX_PX = 400, 300


@dataclass(frozen=True)
class Planned:
    """What the chosen data set gives the network, known before all its pictures are in: the input
    ``(C, H, W)``, the number of classes, and what it still waits for (plain text; empty once ready)."""

    input_shape: tuple[int, int, int]
    n_classes: int
    waiting: str = ""

    @classmethod
    def of(cls, dataset: Dataset) -> Planned:
        return cls(dataset.image_shape, dataset.n_classes)


def clamped(key: str, count: int) -> None:
    """Back to the first choice when the selectbox/radio at ``key`` points past ``count`` options."""
    if st.session_state.get(key, 0) >= count:
        st.session_state[key] = 0


def _class_name(index: int) -> str:
    """Class ``index``'s name as the data set will hold it (``own_images.clean_class_name`` of its text box's
    value), or "class N" while it is empty."""
    try:
        return own_images.clean_class_name(st.session_state.get(f"train.own_name{index}") or "")
    except ValueError:
        return f"class {index + 1}"


def _camera_key() -> str:
    return f"_train.camera.{st.session_state.get(CAMERA_VERSION_KEY, 0)}"


def _accept_shot(widget_key: str) -> None:
    """``on_change`` of the camera: the new photo goes to the class chosen above it, and the next run draws a
    camera under a new key, which opens ready for the next photo (no "Clear photo" in between)."""
    shot = st.session_state.get(widget_key)
    if shot is None:  # the photo was cleared by hand
        return
    captures = st.session_state.setdefault(CAPTURES_KEY, {})
    if sum(len(taken) for taken in captures.values()) < own_images.MAX_IMAGES:  # bounds a session's memory
        photo = cached.kept_photo(shot.getvalue())
        captures.setdefault(int(st.session_state.get("train.camera_class", 0)), []).append(photo)
    st.session_state[CAMERA_VERSION_KEY] = st.session_state.get(CAMERA_VERSION_KEY, 0) + 1


def _drop(index: int, position: int, key: str) -> None:
    """``on_click`` of a thumbnail's ✕: forget that camera picture (found by its digest if the list moved)."""
    taken = st.session_state.get(CAPTURES_KEY, {}).get(index, [])
    if position < len(taken) and cached.digest(taken[position]) == key:
        del taken[position]
        return
    for other, data in enumerate(taken):
        if cached.digest(data) == key:
            del taken[other]
            return


def _progress_text(name: str, count: int) -> str:
    needed = own_images.MIN_IMAGES_PER_CLASS
    return f"{name}: {count} of {needed}" if count < needed else f"{name}: {count} pictures, enough"


def _camera(names: list[str], counts: list[int]) -> None:
    """One camera for every class (one video stream, as Teachable Machine): each photo goes to the class
    chosen above it, in ``st.session_state[CAPTURES_KEY][class index]``."""
    clamped("train.camera_class", len(names))
    with st.container(border=True):
        st.radio(
            "The next picture goes to",
            range(len(names)),
            key="train.camera_class",
            horizontal=True,
            format_func=lambda index: common.plain(names[index]),
        )
        key = _camera_key()
        # Every photo mounts a new camera (a new key). For its first second a new camera shows the video at
        # the camera's own size (Streamlit sizes it after a 1 s debounce): a box of the final height keeps
        # that from pushing the page about. 480p: the same request on every mount, whatever the box's width.
        with st.container(height=CAMERA_BOX_PX, border=False):
            st.camera_input(
                "Take a picture",
                key=key,
                on_change=_accept_shot,
                args=(key,),
                help="Each photo goes to the class chosen above; the camera is ready for the next one at once.",
                resolution="480p",
                width=CAMERA_WIDTH_PX,
            )
        st.caption(common.plain(" · ".join(_progress_text(n, c) for n, c in zip(names, counts))))
    if sum(len(t) for t in st.session_state.get(CAPTURES_KEY, {}).values()) >= own_images.MAX_IMAGES:
        st.warning(
            f"{own_images.MAX_IMAGES:,} pictures is the most a data set can hold: forget some before taking more."
        )


def _thumbnails(index: int, taken: list[bytes]) -> None:
    """The class's latest camera pictures (at most :data:`MAX_THUMBS`, newest last), each with a ✕ that
    forgets it; and "Forget all"."""
    first_shown = max(0, len(taken) - MAX_THUMBS)
    st.caption(f"{len(taken)} camera picture(s)" + (f", the latest {MAX_THUMBS} shown" if first_shown else ""))
    rows = -(-(len(taken) - first_shown) // THUMBS_PER_ROW)
    # Beyond two rows, the pictures scroll inside the card (its height: two rows of a picture and a ✕).
    box = st.container(height=2 * (cached.THUMB_SIDE + 48)) if rows > THUMBS_ROWS_SHOWN else st.container()
    with box:
        for first in range(first_shown, len(taken), THUMBS_PER_ROW):
            columns = st.columns(THUMBS_PER_ROW, gap="small")
            for position in range(first, min(first + THUMBS_PER_ROW, len(taken))):
                data = taken[position]
                key = cached.digest(data)
                with columns[position - first]:
                    try:
                        st.image(cached.thumbnail(key, data), width=cached.THUMB_SIDE)
                    except ValueError:  # never from the camera; said rather than raised
                        st.caption("unreadable")
                    st.button(
                        "✕",
                        key=f"_train.drop{index}.{position}",
                        on_click=_drop,
                        args=(index, position, key),
                        help="Forget this picture",
                        type="tertiary",
                    )
    st.button(
        "Forget all",
        key=f"_train.forget{index}",
        on_click=st.session_state[CAPTURES_KEY].pop,
        args=(index, None),
        help="Drops this class's camera pictures, to take them again.",
    )


def _class_cards(count: int, names: list[str], captures: dict[int, list[bytes]]) -> list[list[bytes]]:
    """A card per class, in rows across the page: its name, how far it is, its uploads and camera pictures.
    Returns each class's pictures (uploads, then camera pictures)."""
    rows = -(-count // CARDS_PER_ROW)
    per_row = -(-count // rows)  # 4 classes: two rows of two rather than three and one
    pictures: list[list[bytes]] = []
    for first in range(0, count, per_row):
        columns = st.columns(per_row, gap="small")
        for index in range(first, min(first + per_row, count)):
            with columns[index - first], st.container(border=True):
                st.text_input(
                    f"Class {index + 1} name",
                    key=f"train.own_name{index}",
                    placeholder=f"class {index + 1}",
                    max_chars=own_images.MAX_CLASS_NAME_CHARS,
                )
                progress = st.empty()
                uploads = st.file_uploader(
                    "Pictures",
                    type=list(imageio.UPLOAD_EXTENSIONS),
                    accept_multiple_files=True,
                    key=f"_train.own_files{index}",
                )
                taken = captures.get(index, [])
                pictures.append([upload.getvalue() for upload in uploads or []] + taken)
                # Class names are typed by people (or come in a link): plain text.
                progress.progress(
                    min(len(pictures[-1]) / own_images.MIN_IMAGES_PER_CLASS, 1.0),
                    text=common.plain(_progress_text(names[index], len(pictures[-1]))),
                )
                if taken:
                    _thumbnails(index, taken)
    return pictures


def _waiting(names: list[str], pictures: list[list[bytes]]) -> str:
    """What the classes still lack (plain text), or "" when every class has enough pictures and its own name."""
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        return f"Two classes are both named {repeated[0]}: give each class its own name."
    needed = own_images.still_needed({name: len(p) for name, p in zip(names, pictures)})
    short = [
        f"{name}: {len(p)} of {own_images.MIN_IMAGES_PER_CLASS}" for name, p in zip(names, pictures) if needed[name]
    ]
    if not short:
        return ""
    return f"Each class needs at least {own_images.MIN_IMAGES_PER_CLASS} pictures. Still short: {', '.join(short)}."


def _own_settings() -> tuple[str, int, bool]:
    mode = st.radio(
        "How to give your pictures",
        ("zip", "classes"),
        key="train.own_mode",
        horizontal=True,
        format_func={"zip": "a ZIP with one folder per class", "classes": "pictures per class (files or camera)"}.get,
    )
    left, right = st.columns(2)
    size = int(left.select_slider("Image size (pixels a side)", OWN_SIZES, key="train.own_size"))
    color = bool(right.toggle("Keep colour", key="train.own_color"))
    st.caption(
        f"{own_images.MIN_CLASSES} to {own_images.MAX_CLASSES} classes, at least "
        f"{own_images.MIN_IMAGES_PER_CLASS} pictures each, {own_images.MAX_IMAGES} in all. Every picture is "
        "cropped to its centre square and shrunk."
    )
    return mode, size, color


def _own_dataset(side, wide) -> tuple[str | None, own_images.OwnImagesResult | None, Planned | None]:
    """The user's own images (a ZIP, or pictures per class): ``(key, result, planned)``; key and result are
    None until the pictures make a data set, ``planned`` is the input they will make (None for a ZIP not
    loaded yet: its classes are unknown). Problems are shown, never stop the page."""
    mode, size, color = _own_settings()
    if mode == "zip":
        upload = st.file_uploader("ZIP archive", type=["zip"], key="_train.zip")
        if upload is None:
            st.info("Upload a ZIP whose folders are the classes, e.g. `cats/1.jpg`, `dogs/7.png`.")
            return None, None, None
        data = upload.getvalue()
        key = cached.digest(data)
        try:
            result = cached.own_zip(key, size, color, data)
        except ValueError as error:
            st.error(f"This ZIP does not make a data set: {common.plain(error)}")
            return None, None, None
        return f"own:zip:{key}:{size}:{int(color)}", result, Planned.of(result.dataset)
    count = int(st.number_input("Number of classes", own_images.MIN_CLASSES, MAX_OWN_CLASSES, key="train.own_classes"))
    use_camera = st.toggle("Take pictures with the camera", key="train.use_camera")
    captures = st.session_state.setdefault(CAPTURES_KEY, {})
    names = [_class_name(index) for index in range(count)]
    with wide:
        st.markdown(
            "**Your classes.** Name each class and give it pictures: upload files into its card"
            + (", or take photos with the camera above." if use_camera else ", or switch the camera on above.")
        )
        pictures = _class_cards(count, names, captures)
    if use_camera:
        with side:
            _camera(names, [len(p) for p in pictures])
    planned = Planned((3 if color else 1, size, size), count)
    if not any(pictures):
        hint = (
            "Choose a class next to the camera and press Take Photo, or upload files in the class cards below."
            if use_camera
            else "Add pictures to each class: upload files in the class cards below, or switch the camera on."
        )
        st.info(hint)
        return None, None, Planned(planned.input_shape, count, hint)
    waiting = _waiting(names, pictures)
    if waiting:
        st.info(common.plain(waiting))
        return None, None, Planned(planned.input_shape, count, waiting)
    files = dict(zip(names, pictures))
    key = cached.files_key(files)
    try:
        result = cached.own_files(key, size, color, files)
    except ValueError as error:  # e.g. unreadable files leave a class short
        message = f"These pictures don't make a data set yet: {error}."
        st.error(common.plain(message))
        return None, None, Planned(planned.input_shape, count, message)
    return f"own:files:{key}:{size}:{int(color)}", result, Planned.of(result.dataset)


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


def choose_dataset(*, side=None, wide=None) -> tuple[str | None, Dataset | None, Planned | None]:
    """Draw the data choice: ``(key, dataset, planned)``; key and dataset are None while there is nothing to
    train on yet, ``planned`` says what the network will get (see :class:`Planned`), or is None when unknown.

    side, wide : containers for your own pictures per class: the camera goes in ``side`` (beside the data
        settings), the class cards in ``wide`` (across the page). Both default to where this is called.
    """
    side = st.container() if side is None else side
    wide = st.container() if wide is None else wide
    choice = str(st.selectbox("Data set", list(DATASETS), key="train.dataset", format_func=DATASETS.__getitem__))
    if choice.startswith("digits"):
        size = int(choice.removeprefix("digits"))
        dataset = cached.digits(size)
        return f"digits:{size}", dataset, Planned.of(dataset)
    if choice in ("shapes", "shapes_color") or choice in TORCHVISION:
        per_class = st.select_slider("Images per class", PER_CLASS_CHOICES, key="train.per_class")
        if choice in TORCHVISION:
            loaded = _torchvision_dataset(choice, per_class)
            if loaded is None:
                return None, None, None
            return f"{choice}:{per_class}", loaded, Planned.of(loaded)
        color = choice == "shapes_color"
        dataset = cached.shapes_set(color, per_class)
        return f"shapes:{int(color)}:{per_class}", dataset, Planned.of(dataset)
    key, result, planned = _own_dataset(side, wide)
    if key is None or result is None:
        return None, None, planned
    if result.skipped:
        with st.expander(f"{len(result.skipped)} file(s) left out"):
            st.dataframe(
                pd.DataFrame({"file": [s.name for s in result.skipped], "why": [s.reason for s in result.skipped]}),
                hide_index=True,
            )
    return key, result.dataset, planned


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

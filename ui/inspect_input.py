"""The image an Inspect page works on: a test image (picked from a grid, by number, or sent from another page),
the sidebar's picture, an uploaded picture, a camera photo, or the drawing from the Draw & predict page.

Any picture that is not a test image goes through the Train page's "Try your model" preprocessing
(:func:`explorer.nets.predict_one.prepare_picture` in the style the network's data set needs), and the page can
show the steps. The choice is shared by the section's pages (``inspect.input`` and ``inspect.test_index``), and
the test image's number is in the URL as ``i``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import dtype, mosaic, resize
from explorer.images import imageio
from explorer.nets import predict_one
from ui import common, images, kernel_grid, torch_runtime, urlstate
from ui.cached import shared
from ui.cached import train as cached_train
from ui.inspect_model import Inspected

SOURCES = {
    "test": "A test image",
    "picker": "The sidebar's picture",
    "upload": "Upload a picture",
    "camera": "Camera",
    "draw": "Your drawing",
}
SOURCE_KEY = "inspect.input"
INDEX_KEY = "inspect.test_index"
GRID_KEY = "inspect.grid"  # which test images the grid shows: "first" or "wrong"
# Per file source ("upload", "camera"): the widget, and (digest, (H, W, 3) uint8) of its last picture or why the
# last file could not be used.
FILE_WIDGET_KEYS = {"upload": "_inspect.picture_file", "camera": "_inspect.camera"}
PICTURES_KEY = "inspect.pictures"  # {source: (digest, picture)}
FILE_ERRORS_KEY = "inspect.file_errors"  # {source: message}
GRID_CLICK_KEY = "_inspect.grid_click"
# The Draw & predict page keeps its last drawing here: (H, W, 3 or 4) uint8.
DRAWING_KEY = "draw.picture"
GRID_CELLS = 40  # enough to find an interesting one, small enough to paint at once
# A cell is drawn about this many screen pixels a side, in whole pixels, and the grid at most this wide: it
# fits the narrow column the pages give the input choice at 1280×800.
GRID_CELL_SCREEN = 48
GRID_MAX_WIDTH = 370
GRID_MAX_COLUMNS = 10
SEEN_SIDE = 168
MAX_INDEX = 1_000_000


def _parse_source(text: str) -> str:
    return urlstate.one_of(("test", "picker"))(text)


PARAMS = (
    urlstate.Param("i", INDEX_KEY, 0, parse=urlstate.int_in(0, MAX_INDEX)),
    urlstate.Param("src", SOURCE_KEY, "test", parse=_parse_source, format=lambda s: s if s == "picker" else "test"),
)


@dataclass(frozen=True, eq=False)
class InputImage:
    """What a page inspects.

    image : ``(C, H, W) float32`` in [0, 1], the network's input (read-only).
    key : a small cache key: ``"test:17"``, ``"picker:<image id>"``, ``"upload:<sha256>"``, ``"camera:<sha256>"``,
        ``"draw:<sha256>"``.
    label : the true class when known (a test image), else None.
    title : for people, plain text: ``"test image 17 (a 3)"``.
    steps : the preprocessing as ``(caption, picture uint8)`` pairs (empty for a test image).
    """

    image: np.ndarray
    key: str
    label: int | None
    title: str
    steps: tuple[tuple[str, np.ndarray], ...] = ()


def seen(image: np.ndarray, side: int = SEEN_SIDE) -> np.ndarray:
    """``(C, H, W) float32`` -> the picture as the network sees it, enlarged in whole pixels to about
    ``side`` screen pixels: ``(H·f, W·f[, 3]) uint8``."""
    picture = dtype.to_uint8(np.clip(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0), 0.0, 1.0))
    return resize.enlarge(picture, factor=resize.screen_factor(max(picture.shape[:2]), target=side))


def _digest(picture: np.ndarray) -> str:
    return cached_train.picture_key(picture)[:16]


@st.cache_data(show_spinner=False, max_entries=64)
def _prepared(key: str, style: str, input_shape: tuple[int, int, int], _picture: np.ndarray) -> np.ndarray:
    """``predict_one.prepare_picture``, keyed by the picture's key, the style and the input shape."""
    return predict_one.prepare_picture(_picture, input_shape, style=style)


@st.cache_data(show_spinner=False, max_entries=32)
def _grid(token: str, which: str, _test_images: np.ndarray, _indices: np.ndarray) -> tuple[bytes, int, int, int]:
    """PNG of the grid of test images at ``_indices``, the factor it is enlarged by, its width in pixels and
    its number of columns."""
    factor, columns = mosaic.grid_layout(
        _test_images.shape[2], target_cell=GRID_CELL_SCREEN, max_width=GRID_MAX_WIDTH, max_columns=GRID_MAX_COLUMNS
    )
    picture = mosaic.tile(np.ascontiguousarray(_test_images[_indices]), columns=columns, gap=1)
    return shared.encode(resize.enlarge(picture, factor=factor)), factor, picture.shape[1] * factor, columns


def _grid_indices(inspected: Inspected, which: str) -> np.ndarray:
    assert inspected.test is not None
    if which == "wrong" and inspected.evaluation is not None:
        return np.asarray(inspected.evaluation.wrong[:GRID_CELLS], dtype=np.int64)
    return mosaic.classes_in_turn(inspected.test.labels, GRID_CELLS)


def _test_image(inspected: Inspected, page: str) -> InputImage | None:
    test = inspected.test
    assert test is not None
    st.session_state[INDEX_KEY] = min(int(st.session_state.get(INDEX_KEY, 0)), len(test) - 1)
    which = st.radio(
        "Show",
        ["first", "wrong"],
        key=GRID_KEY,
        horizontal=True,
        format_func={"first": "a few of each class", "wrong": "mistakes, most confident first"}.get,
    )
    indices = _grid_indices(inspected, which)
    if len(indices) == 0:
        st.caption("The network gets every test image right: there are no mistakes to show.")
    else:
        from streamlit_image_coordinates import streamlit_image_coordinates

        png, factor, width, columns = _grid(inspected.trained.token, which, test.images, indices)
        st.caption("Click an image to inspect it.")
        click = streamlit_image_coordinates(
            kernel_grid.EncodedImage(png), width=width, key=f"{GRID_CLICK_KEY}.{page}.{which}", cursor="pointer"
        )
        clicked = st.session_state.get(f"inspect.grid_clicked.{page}")
        if click is not None and click != clicked:
            st.session_state[f"inspect.grid_clicked.{page}"] = click
            position = mosaic.cell_at(
                float(click["x"]),
                float(click["y"]),
                cell=test.image_shape[1:],
                gap=1,
                columns=columns,
                count=len(indices),
                scale=factor,
            )
            if position is not None:
                st.session_state[INDEX_KEY] = int(indices[position])
    index = int(st.number_input("Test image number", 0, len(test) - 1, step=1, key=INDEX_KEY))
    label = int(test.labels[index])
    title = f"test image {index} (true class: {test.class_names[label]})"
    return InputImage(test.images[index], f"test:{index}", label, title)


@st.cache_data(show_spinner=False, max_entries=32)
def _steps(
    key: str, style: str, input_shape: tuple[int, int, int], first: str, _picture: np.ndarray
) -> tuple[tuple[str, np.ndarray], ...]:
    """``predict_one.preparation_steps`` drawn about :data:`SEEN_SIDE` pixels a side (small ones enlarged in
    whole pixels), the first captioned ``first``."""
    steps = predict_one.preparation_steps(_picture, input_shape, style=style)
    shown = []
    for number, (caption, picture) in enumerate(steps):
        side = max(picture.shape[:2])
        if side < SEEN_SIDE:
            picture = resize.enlarge(picture, factor=resize.screen_factor(side, target=SEEN_SIDE))
        else:
            picture = resize.fit_within(picture, max_side=SEEN_SIDE)
        shown.append((first if number == 0 else caption, picture))
    return tuple(shown)


def _from_picture(inspected: Inspected, picture: np.ndarray, key: str, title: str) -> InputImage | None:
    shape = inspected.trained.spec.input_shape
    try:
        image = _prepared(key, inspected.style, shape, picture)
        steps = _steps(key, inspected.style, shape, title[:1].upper() + title[1:], picture)
    except ValueError as error:  # a blank drawing for the digit styles
        st.info(f"Nothing to recognise in that picture yet: {common.plain(error)}.")
        return None
    return InputImage(image, key, None, title, steps)


def _take_file(source: str) -> None:
    """``on_change`` of the uploader and the camera: decode the new file into the source's picture, or keep
    why it can't be used; a removed file removes the picture."""
    pictures = st.session_state.setdefault(PICTURES_KEY, {})
    errors = st.session_state.setdefault(FILE_ERRORS_KEY, {})
    pictures.pop(source, None)
    errors.pop(source, None)
    upload = st.session_state.get(FILE_WIDGET_KEYS[source])
    if upload is None:
        return
    data = upload.getvalue()
    try:
        pictures[source] = (hashlib.sha256(data).hexdigest()[:16], cached_train.decode_picture(data))
    except ValueError as error:
        errors[source] = f"That picture could not be used: {error}"


def _from_file(inspected: Inspected, source: str) -> InputImage | None:
    key = FILE_WIDGET_KEYS[source]
    if source == "upload":
        st.file_uploader(
            "A picture", type=list(imageio.UPLOAD_EXTENSIONS), key=key, on_change=_take_file, args=(source,)
        )
    else:
        st.camera_input("Take a photo", key=key, on_change=_take_file, args=(source,))
    error = st.session_state.get(FILE_ERRORS_KEY, {}).get(source)
    if error:
        st.error(common.plain(error))
    kept = st.session_state.get(PICTURES_KEY, {}).get(source)
    if kept is None:
        what = "Upload a picture" if source == "upload" else "Take a photo"
        st.info(f"{what}: the network sees it as it saw its training pictures.")
        return None
    digest, picture = kept
    title = "your uploaded picture" if source == "upload" else "your photo"
    return _from_picture(inspected, picture, f"{source}:{digest}", title)


def choose(inspected: Inspected, *, page: str) -> InputImage | None:
    """Draw the choice of input and return it (None: nothing chosen yet, the page has said what to do).

    ``page`` is the calling page's key prefix (widget keys of the grid differ per page)."""
    urlstate.restore("inspect.input", PARAMS)
    sources = [
        source
        for source in SOURCES
        if (source != "test" or inspected.test is not None)
        and (source != "draw" or st.session_state.get(DRAWING_KEY) is not None)
    ]
    if st.session_state.get(SOURCE_KEY) not in sources:
        st.session_state[SOURCE_KEY] = sources[0]
    source = st.radio("Image", sources, key=SOURCE_KEY, horizontal=True, format_func=SOURCES.get)
    torch_runtime.configure()
    if source == "test":
        return _test_image(inspected, page)
    if source == "picker":
        st.caption(f"The sidebar's picture ({common.plain(images.describe())}), made into the network's input.")
        return _from_picture(inspected, images.current_rgb(), f"picker:{images.image_id()}", "the sidebar's picture")
    if source in FILE_WIDGET_KEYS:
        return _from_file(inspected, source)
    drawing = st.session_state[DRAWING_KEY]
    return _from_picture(inspected, drawing, f"draw:{_digest(drawing)}", "your drawing")


def open_test_image(page_path: str, test_index: int, *, own_model: bool) -> None:
    """Switch to the Inspect page ``page_path`` (``"app_pages/attribution.py"``) on test image ``test_index``
    of the session's own model (``own_model``) or of the chosen model, in this session (so a session's own
    model comes along). Call it when a button is pressed (it ends the run)."""
    from ui import inspect_model

    st.session_state[SOURCE_KEY] = "test"
    st.session_state[INDEX_KEY] = int(test_index)
    if own_model:
        st.session_state[inspect_model.CHOICE_KEY] = "session"
    choice = st.session_state.get(inspect_model.CHOICE_KEY, "digits")
    query = {"i": str(int(test_index)), "model": inspect_model.PARAMS[0].format(choice)}
    st.switch_page(page_path, query_params=query)

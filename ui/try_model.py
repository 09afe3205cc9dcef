"""The Train page's "Try your model" (Teachable Machine's payoff): a drawing, an uploaded picture or a camera
photo goes through the session's model, which shows the picture as the network sees it and its probability
for each class, updated with every stroke or photo.

The last picture of each source is kept in ``st.session_state[PICTURES_KEY]`` (``{"draw" | "upload" |
"camera": picture}``), so it survives a visit to another page; tests put pictures there directly. The panel is a
fragment: drawing reruns only the panel, not the whole Train page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from explorer.core import dtype, resize
from explorer.images import imageio
from explorer.nets import predict_one
from ui import common, train_figures
from ui.cached import train as cached

SOURCES = {"draw": "Draw", "upload": "Upload a picture", "camera": "Camera"}
SOURCE_KEY = "train.try_source"
PICTURES_KEY = "train.try_pictures"  # {source: (H, W[, 3 or 4]) uint8}: the last picture from each source
ERRORS_KEY = "train.try_errors"  # {source: message}: why the last file from a source could not be used
UPLOAD_KEY = "_train.try_upload"
CAMERA_KEY = "_train.try_camera"
CANVAS_KEY = "_train.try_canvas"  # a component: its state can't be assigned, hence the "_"
DRAWING_KEY = "train.try_drawing"  # the canvas's own description of the drawing, to redraw it after a remount
INITIAL_KEY = "train.try_initial"  # what the mounted canvas was given as its initial drawing (kept constant)
SENT_KEY = "train.try_sent"  # digest of the last picture the canvas sent, so each drawing is decoded once
# The canvas: 280 pixels a side is ten times MNIST's 28 and leaves room for a thick stroke. A 20-pixel brush
# draws strokes about as thick, relative to the digit, as the data sets' pen strokes.
CANVAS_SIDE = 280
BRUSH_WIDTHS = (8, 14, 20, 28, 40)
DEFAULT_BRUSH = 20
BRUSH_KEY = "train.try_brush"
# The network's view is drawn at about this many screen pixels a side, in whole-pixel blocks.
SEEN_SIDE = 168

_HOW = {
    "digits": "Your picture is cut to its ink, shrunk to 8×8 cells and scaled so the darkest cell is 16, "
    "white on black, exactly as the training digits were made; then enlarged like them if the network "
    "takes bigger images. Draw one digit, big.",
    "mnist": "Your picture is cut to its ink and fitted into the middle 20×20 pixels of a 28×28 frame, white "
    "strokes on black, as MNIST's digits were made. Draw one digit, big.",
    "dark": "The training pictures are light on a dark background: a picture on light paper is turned into its "
    "negative, then its centre square is shrunk to the network's size.",
    "photo": "The picture's centre square is shrunk to the network's size (gray if the network works on gray), "
    "as the training pictures were.",
}


def _keep(source: str, picture: np.ndarray | None, error: str | None = None) -> None:
    pictures = st.session_state.setdefault(PICTURES_KEY, {})
    errors = st.session_state.setdefault(ERRORS_KEY, {})
    pictures.pop(source, None)
    errors.pop(source, None)
    if picture is not None:
        pictures[source] = picture
    if error is not None:
        errors[source] = error


def take_file(source: str, widget_key: str) -> None:
    """``on_change`` of the uploader and the camera: decode the new file into the source's picture (or note why
    it can't be used); a removed file removes the picture."""
    upload = st.session_state.get(widget_key)
    if upload is None:
        _keep(source, None)
        return
    try:
        _keep(source, cached.decode_picture(upload.getvalue()))
    except ValueError as error:
        _keep(source, None, f"That picture could not be used: {error}")


@dataclass(frozen=True)
class CanvasKeys:
    """The session keys of one drawing canvas (each page that draws has its own)."""

    canvas: str  # the component's key (starts with "_": a component's state can't be assigned)
    drawing: str  # the canvas's own description of the drawing, to redraw it after a remount
    initial: str  # what the mounted canvas was given as its initial drawing (kept constant)
    sent: str  # digest of the last picture the canvas sent, so each drawing is decoded once
    brush: str  # the brush width slider


TRY_KEYS = CanvasKeys(CANVAS_KEY, DRAWING_KEY, INITIAL_KEY, SENT_KEY, BRUSH_KEY)


def canvas(
    keys: CanvasKeys,
    *,
    caption: str = "Draw in black on white. Undo and clear are in the toolbar.",
    stroke_color: str = "#000000",
    background_color: str = "#ffffff",
    height: int = CANVAS_SIDE,
    width: int = CANVAS_SIDE,
) -> tuple[bool, np.ndarray | None]:
    """A drawing canvas and its brush width slider: ``(changed, picture)``. ``changed`` is True once per new
    drawing the canvas sends; ``picture`` is then the drawing ``(height, width, 4) uint8`` (strokes on a
    transparent background), or None for an empty canvas. Unchanged: ``(False, None)``."""
    # Imported here: the component registers itself on import, which needs a running Streamlit (tests and
    # scripts import this module without one).
    from streamlit_drawable_canvas import st_canvas

    # Above the canvas: room for the canvas's toolbar, which floats over whatever is there.
    st.caption(caption)
    brush = int(st.session_state.get(keys.brush, DEFAULT_BRUSH))
    if keys.canvas not in st.session_state:  # (re)mounted: redraw the last drawing, then keep it fixed
        st.session_state[keys.initial] = st.session_state.get(keys.drawing)
    drawn_canvas = st_canvas(
        stroke_width=brush,
        stroke_color=stroke_color,
        background_color=background_color,
        height=height,
        width=width,
        drawing_mode="freedraw",
        initial_drawing=st.session_state.get(keys.initial),
        return_image_data=True,
        key=keys.canvas,
    )
    st.select_slider("Brush width", BRUSH_WIDTHS, value=DEFAULT_BRUSH, key=keys.brush)
    sent = drawn_canvas.image_bytes
    if sent is None:
        return False, None
    digest = cached.picture_key(np.frombuffer(sent, dtype=np.uint8))
    if digest == st.session_state.get(keys.sent):
        return False, None
    st.session_state[keys.sent] = digest
    st.session_state[keys.drawing] = drawn_canvas.json_data
    drawn = bool((drawn_canvas.json_data or {}).get("objects"))
    return True, (np.ascontiguousarray(drawn_canvas.image_data) if drawn else None)


def _draw() -> None:
    """The canvas (black on white); a new drawing replaces the "draw" picture, an empty canvas removes it."""
    changed, picture = canvas(TRY_KEYS)
    if changed:
        _keep("draw", picture)


def _seen(image: np.ndarray) -> np.ndarray:
    """``(C, H, W) float32`` -> the picture as the network sees it, enlarged in whole-pixel blocks: uint8."""
    picture = dtype.to_uint8(image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0))
    return resize.enlarge(picture, factor=resize.screen_factor(max(picture.shape[:2]), target=SEEN_SIDE))


def _result(trained, style: str, source: str) -> None:
    """The network's view of the source's picture and its probabilities, or why there are none."""
    error = st.session_state.get(ERRORS_KEY, {}).get(source)
    picture = st.session_state.get(PICTURES_KEY, {}).get(source)
    if error:
        st.error(common.plain(error))
        return
    if picture is None:
        hint = {
            "draw": "Draw on the white square: the network answers after every stroke.",
            "upload": "Upload a picture: the network answers at once.",
            "camera": "Take a photo: the network answers at once.",
        }
        st.info(hint[source])
        return
    try:
        image, probabilities = cached.probabilities(
            trained.token, cached.picture_key(picture), style, trained.model, trained.spec.input_shape, picture
        )
    except ValueError as error:  # a blank drawing for the digit styles
        st.info(f"Nothing to recognise yet: {common.plain(error)}.")
        return
    top = int(np.argmax(probabilities))
    channels, rows, cols = trained.spec.input_shape
    seen_column, chart_column = st.columns([1.0, 1.6], gap="small")
    with seen_column:
        st.image(
            _seen(image),
            caption=f"What the network sees: {rows}×{cols}, {'colour' if channels == 3 else 'gray'}",
            output_format="PNG",
        )
    with chart_column:
        # Class names may come from a user's folders: plain text, never Markdown.
        st.markdown(f"The network says **{common.plain(trained.class_names[top])}** ({probabilities[top]:.0%} sure).")
        st.plotly_chart(train_figures.probabilities_figure(probabilities, trained.class_names), key="train.try_chart")


@st.fragment
def panel(model_key: str) -> None:
    """Try the model in ``st.session_state[model_key]`` (a ``TrainedModel``) on a picture of your own."""
    trained = st.session_state.get(model_key)
    if trained is None:
        st.caption("Train a network (or load one below), then try it here on a drawing, a photo or a picture.")
        return
    style = predict_one.style_for(
        trained.spec.input_shape,
        data_name=trained.test.name if trained.test is not None else None,
        class_names=trained.class_names,
    )
    st.markdown(
        "Give the network a picture it has never seen and watch its answer: the probability it gives each "
        f"class. {_HOW[style]}"
    )
    source = st.radio("Picture from", list(SOURCES), key=SOURCE_KEY, horizontal=True, format_func=SOURCES.get)
    input_column, result_column = st.columns([1.0, 1.45], gap="large")
    with input_column:
        if source == "draw":
            _draw()
        elif source == "upload":
            st.file_uploader(
                "A picture",
                type=list(imageio.UPLOAD_EXTENSIONS),
                key=UPLOAD_KEY,
                on_change=take_file,
                args=("upload", UPLOAD_KEY),
            )
        else:
            st.camera_input("Take a photo", key=CAMERA_KEY, on_change=take_file, args=("camera", CAMERA_KEY))
    with result_column:
        _result(trained, style, source)

"""The shared image picker (sidebar) and the current image every page works on.

The current image is named by an id string kept in ``st.session_state["shared.image_id"]``:

- ``sample:NAME`` and ``pattern:NAME[:ANGLE]`` are built in (``explorer.images.samples.load_builtin``); they can be
  shared in the URL as ``?img=...``;
- ``upload:HASH`` and ``camera:HASH`` are this session's own images, decoded once and kept in
  ``st.session_state["shared.user_images"]`` (never shared between sessions).

A failed upload shows the loader's message and leaves the previous image selected.
"""

from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from explorer.core import dtype
from explorer.images import imageio, samples
from ui import common, urlstate

IMAGE_ID_KEY = "shared.image_id"
USER_IMAGES_KEY = "shared.user_images"
DEFAULT_IMAGE_ID = "sample:astronaut"
# A session keeps its last few uploads so switching back is instant; older ones are dropped to bound memory.
MAX_USER_IMAGES = 3
SOURCES = ("Sample", "Test pattern", "Upload", "Camera")


@st.cache_data(max_entries=64, show_spinner=False)
def _builtin(image_id: str) -> np.ndarray:
    """Decoded built-in image, shared read-only across sessions (cache_data hands out copies)."""
    return samples.load_builtin(image_id)


@st.cache_data(max_entries=32, show_spinner=False)
def _decode(digest: str, _data: bytes) -> np.ndarray:
    """Decoded upload keyed by its content hash; ``_data`` is not hashed again."""
    return imageio.load_image(_data)


def image_id() -> str:
    """Id of the current image (a small stable cache key)."""
    return st.session_state.get(IMAGE_ID_KEY, DEFAULT_IMAGE_ID)


def current_rgb() -> np.ndarray:
    """The current image, ``(H, W, 3) uint8``."""
    current = image_id()
    user_images = st.session_state.get(USER_IMAGES_KEY, {})
    if current in user_images:
        return user_images[current]
    try:
        return _builtin(current)
    except ValueError:
        st.session_state[IMAGE_ID_KEY] = DEFAULT_IMAGE_ID
        return _builtin(DEFAULT_IMAGE_ID)


def current_gray() -> np.ndarray:
    """The current image in gray, ``(H, W) float32`` in ``[0, 1]``."""
    return _gray(image_id(), current_rgb())


@st.cache_data(max_entries=16, show_spinner=False)
def _gray(image_id: str, _image: np.ndarray) -> np.ndarray:
    return dtype.to_gray(_image)


def describe() -> str:
    """A short human description of the current image, e.g. ``sample astronaut, 512 × 512``."""
    rows, cols = current_rgb().shape[:2]
    kind, _, name = image_id().partition(":")
    if kind in ("upload", "camera"):
        name = "your " + ("upload" if kind == "upload" else "camera photo")
    return f"{name.replace(':', ' ')} · {rows} × {cols} px"


def _select(new_id: str) -> None:
    st.session_state[IMAGE_ID_KEY] = new_id


def _accept_user_image(kind: str, data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()[:16]
    new_id = f"{kind}:{digest}"
    user_images = dict(st.session_state.get(USER_IMAGES_KEY, {}))
    if new_id not in user_images:
        try:
            user_images[new_id] = _decode(digest, data)
        except ValueError as error:
            st.sidebar.error(f"That image could not be used: {common.plain(error)}. The previous image stays selected.")
            return
        while len(user_images) > MAX_USER_IMAGES:
            user_images.pop(next(iter(user_images)))
        st.session_state[USER_IMAGES_KEY] = user_images
    _select(new_id)


def _restore_from_url() -> None:
    """Apply ``?img=...`` once per session; a bad value keeps the default and says so."""
    if st.session_state.get("shared.url_restored"):
        return
    st.session_state["shared.url_restored"] = True
    raw = st.query_params.get("img")
    if raw is None:
        return
    try:
        _builtin(raw)
    except ValueError as error:
        st.warning(f"The link's image `img` could not be used ({common.plain(error)}); showing the default image.")
        return
    _select(raw)
    kind, _, rest = raw.partition(":")
    st.session_state["shared.source"] = "Sample" if kind == "sample" else "Test pattern"
    if kind == "sample":
        st.session_state["shared.sample"] = rest
    else:
        name, _, angle = rest.partition(":")
        st.session_state["shared.pattern"] = name
        if angle:
            st.session_state["shared.angle"] = int(float(angle))


def picker() -> None:
    """Draw the sidebar picker and update the current image. Called by the router on every run of a page
    that uses an image (see ``ui.site_map``)."""
    _restore_from_url()
    st.session_state.setdefault("shared.source", "Sample")
    st.session_state.setdefault("shared.sample", DEFAULT_IMAGE_ID.partition(":")[2])
    st.session_state.setdefault("shared.pattern", samples.PATTERNS[0])
    st.session_state.setdefault("shared.angle", 0)
    sidebar = st.sidebar
    sidebar.subheader("Image")
    source = sidebar.radio("Source", SOURCES, key="shared.source", horizontal=True)
    if source == "Sample":
        name = sidebar.selectbox("Sample image", samples.SAMPLES, key="shared.sample")
        _select(f"sample:{name}")
    elif source == "Test pattern":
        name = sidebar.selectbox("Pattern", samples.PATTERNS, key="shared.pattern")
        if name in samples.PATTERNS_WITH_ANGLE:
            angle = sidebar.slider("Angle (degrees)", 0, 180, step=5, key="shared.angle")
            _select(f"pattern:{name}:{angle}")
        else:
            _select(f"pattern:{name}")
    elif source == "Upload":
        upload = sidebar.file_uploader(
            "Your image",
            type=list(imageio.UPLOAD_EXTENSIONS),
            key="_shared.upload",
            help=f"Large images are shrunk so their longest side is {imageio.WORKING_SIZE} px.",
        )
        if upload is not None:
            _accept_user_image("upload", upload.getvalue())
    else:
        photo = sidebar.camera_input("Take a photo", key="_shared.camera")
        if photo is not None:
            _accept_user_image("camera", photo.getvalue())
    sidebar.caption(f"Current image: {describe()}")
    _publish_image()


def leave_out_picker() -> None:
    """For a page that doesn't use an image: no picker, and no ``?img=`` in its URL. The picker's choices
    are kept for the next page that shows it (``urlstate.keep_page_state``)."""
    st.session_state[urlstate.SHARED_PARAMS_KEY] = {}
    if "img" in st.query_params:
        del st.query_params["img"]


def _publish_image() -> None:
    """Name a built-in image in the URL (``?img=``); uploads and the default image are left out."""
    current = image_id()
    shared = {}
    if current != DEFAULT_IMAGE_ID and current.split(":")[0] in ("sample", "pattern"):
        shared["img"] = current
    st.session_state[urlstate.SHARED_PARAMS_KEY] = shared
    # Only the "img" key is touched here: the page's own parameters are still to be read by its restore().
    if "img" in shared and st.query_params.get("img") != shared["img"]:
        st.query_params["img"] = shared["img"]
    elif "img" not in shared and "img" in st.query_params:
        del st.query_params["img"]

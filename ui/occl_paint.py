"""The Occlusion page's "Paint your own occlusion": click the enlarged image to put gray squares on it, watch the
class probabilities change, undo or clear; and the graded challenge "hide the digit".

The squares live in session state per input image and resolution (:data:`PATCHES_KEY`: ``{store key: [(row,
col, size), …]}``, coordinates in the network's input pixels), so going to another image and back keeps them.
The arithmetic (where a click lands, which pixels a square covers, the grade) is :mod:`explorer.interpret.paint`.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from explorer.core.grading import Grade
from explorer.interpret import paint
from ui import challenge_board, common, train_figures
from ui.cached import occlusion as cached
from ui.kernel_grid import EncodedImage

PATCHES_KEY = "occl.patches"
SIZE_KEY = "occl.patch"  # the side of the next square, in input pixels
SIZED_FOR_KEY = "occl.patch_for"  # the input size (H, W) the square side was last set for
CLICK_KEY = "_occl.paint"
CHALLENGE = paint.HIDE
CHALLENGE_ID = f"occl.{CHALLENGE.key}"  # ui.challenge_board's id: Home lists it with a mark once passed
PATCH_SIZES = (1, 2, 3, 4, 6, 8)
# Images whose squares are kept: the session's recent ones (a dict entry each, a few hundred bytes).
MAX_STORED_IMAGES = 24


def store_key(input_key: str, shape: tuple[int, ...]) -> str:
    """Where an input's squares are kept: its key and shape (the same test index differs between data sets)."""
    return f"{input_key}|{'x'.join(str(side) for side in shape)}"


def patches(store: str) -> cached.Patches:
    """The squares painted on this input, oldest first."""
    stored = st.session_state.get(PATCHES_KEY, {}).get(store, ())
    return tuple((int(row), int(col), int(size)) for row, col, size in stored)


def _set(store: str, value: cached.Patches) -> None:
    kept = {key: list(items) for key, items in st.session_state.get(PATCHES_KEY, {}).items() if key != store}
    kept[store] = [list(patch) for patch in value]
    while len(kept) > MAX_STORED_IMAGES:
        kept.pop(next(iter(kept)))
    st.session_state[PATCHES_KEY] = kept


def add_click(store: str, shape: tuple[int, ...], click: dict | None, size: int) -> None:
    """Put a ``size`` square where ``click`` (the component's ``x, y, width, height``) landed."""
    if not click or "x" not in click:
        return
    row, col = paint.click_to_pixel(
        click["x"],
        click["y"],
        width=click.get("width") or shape[2],
        height=click.get("height") or shape[1],
        shape=(shape[1], shape[2]),
    )
    current = patches(store)
    if len(current) < paint.MAX_PATCHES:
        _set(store, (*current, (row, col, int(size))))


def _on_click(store: str, shape: tuple[int, ...]) -> None:
    add_click(store, shape, st.session_state.get(CLICK_KEY), st.session_state.get(SIZE_KEY, 1))


def _undo(store: str) -> None:
    _set(store, patches(store)[:-1])


def _clear(store: str) -> None:
    _set(store, ())


def sizes(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Square sides offered for an input of ``shape``: up to half its shorter side (1 always)."""
    return tuple(size for size in PATCH_SIZES if size == 1 or size <= min(shape[1:]) // 2)


def default_size(shape: tuple[int, ...]) -> int:
    """The first square side for an input of ``shape``: single pixels on the 8×8 digits (the challenge counts
    them), about a seventh of the side on bigger inputs (4 on 28×28, where one pixel hides almost nothing)."""
    return max(size for size in sizes(shape) if size <= max(1, min(shape[1:]) // 7))


def panel(*, token: str, input_key: str, image: np.ndarray, model, class_names, challenge: bool) -> None:
    """The painting panel for ``image`` ``(C, H, W)``; ``challenge``: grade "hide the digit" (digits model)."""
    shape = image.shape
    store = store_key(input_key, shape)
    offered = sizes(shape)
    if st.session_state.get(SIZED_FOR_KEY) != shape[1:] or st.session_state.get(SIZE_KEY) not in offered:
        st.session_state[SIZE_KEY] = default_size(shape)  # a new input size starts from its own default
        st.session_state[SIZED_FOR_KEY] = shape[1:]
    current = patches(store)
    painted = cached.painted(token, input_key, current, image)
    before = cached.probabilities(token, input_key, (), model, image)
    after = cached.probabilities(token, input_key, current, model, painted)
    pixels = int(paint.painted_mask(shape[1:], current).sum())

    picture_column, chart_column = st.columns([1.0, 1.1], gap="large")
    with picture_column:
        size_column, undo_column, clear_column = st.columns([1.6, 1.0, 1.0], vertical_alignment="bottom")
        size_column.select_slider(
            "Square side",
            offered,
            key=SIZE_KEY,
            help="Each click paints a square of this many of the network's input pixels a side, centred where "
            "you click.",
        )
        undo_column.button(
            "Undo", key="_occl.undo", on_click=_undo, args=(store,), disabled=not current, width="stretch"
        )
        clear_column.button(
            "Clear", key="_occl.clear", on_click=_clear, args=(store,), disabled=not current, width="stretch"
        )
        width = shape[2] * cached.factor(shape)
        streamlit_image_coordinates(
            EncodedImage(cached.painted_picture(token, input_key, current, painted)),
            width=width,
            key=CLICK_KEY,
            image_format="PNG",
            cursor="crosshair",
            on_click=functools.partial(_on_click, store, shape),
        )
        st.caption(
            f"Click to paint gray squares · {len(current)} square{'s' if len(current) != 1 else ''}, "
            f"{pixels} of {shape[1] * shape[2]} pixels painted"
        )
    top_before, top_after = int(np.argmax(before)), int(np.argmax(after))
    with chart_column:
        if not current:
            st.markdown(
                f"The network says **{common.plain(class_names[top_after])}** ({after[top_after]:.0%}). "
                "Click the image to hide parts of it."
            )
        elif top_after == top_before:
            st.markdown(
                f"Still **{common.plain(class_names[top_after])}**: {after[top_after]:.0%}, "
                f"was {before[top_before]:.0%}."
            )
        else:
            st.markdown(
                f"Now **{common.plain(class_names[top_after])}** ({after[top_after]:.0%}); the untouched image was "
                f"**{common.plain(class_names[top_before])}** ({before[top_before]:.0%})."
            )
        st.plotly_chart(train_figures.probabilities_figure(after, class_names), key="_occl.paint_chart")
    if challenge:
        _challenge(token, input_key, current, class_names, model, image)


def _show_grade(grade: Grade) -> None:
    lines = [common.plain(line) for line in grade.feedback]
    (st.success if grade.passed else st.info)(("Passed! " if grade.passed else "Not yet. ") + " ".join(lines))


def _challenge(token: str, input_key: str, current: cached.Patches, class_names, model, image: np.ndarray) -> None:
    with st.container(border=True):
        st.markdown(f"**Challenge: {CHALLENGE.title.lower()}.** {CHALLENGE.prompt} {paint.HIDE_RULES}")
        if not input_key.startswith("test:"):
            st.caption("The challenge is about a test digit: pick one of the test images above to take it.")
            return
        if not current:
            st.caption("Paint on the image above; the grade follows every click.")
            return
        grade = cached.grade_hide(token, input_key, current, tuple(class_names), model, image)
        if grade.passed:
            challenge_board.mark(CHALLENGE_ID)
        _show_grade(grade)
        if not grade.passed and CHALLENGE_ID in challenge_board.passed():
            st.caption("You have passed this challenge before in this session.")

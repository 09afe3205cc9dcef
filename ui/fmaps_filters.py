"""The Feature maps page's "The first layer's filters": conv1's kernels and their frequency pictures (after any
epoch of a training done in this session), and one filter, clicked, looked at closely."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from ui import fmaps_parts, fmaps_swap, kernel_grid
from ui.cached import feature_maps as cached
from ui.inspect_model import Inspected

EPOCH_KEY = "fmaps.epoch"
FILTER_KEY = "fmaps.filter"  # the filter looked at closely
PICK_KEY = "fmaps.pick"  # the challenge's answer
FILTER_CLICK_KEY = "_fmaps.filter_click"
FILTER_SEEN_KEY = "fmaps.filter_click_seen"


def _epoch(inspected: Inspected, filters: np.ndarray) -> tuple[int, int, np.ndarray]:
    """``(epoch shown, last epoch, its filters)``; epoch 0 (both) for a network without training snapshots."""
    snapshots = [s for s in inspected.trained.snapshots if s.conv1_filters is not None]
    if not snapshots:
        st.caption("Train a model on the Train page to watch its filters form, epoch by epoch.")
        return 0, 0, filters
    epochs = [s.epoch for s in snapshots]
    if st.session_state.get(EPOCH_KEY) not in epochs:
        st.session_state[EPOCH_KEY] = epochs[-1]
    epoch = int(st.select_slider("After epoch", epochs, key=EPOCH_KEY)) if len(epochs) > 1 else epochs[0]
    shown = next(s.conv1_filters for s in snapshots if s.epoch == epoch)
    assert shown is not None
    return epoch, epochs[-1], shown


def show(inspected: Inspected, filters: np.ndarray) -> tuple[int, int]:
    """Draw the section for the network's conv1 ``filters (F, C, kh, kw)``; return ``(epoch shown, last epoch)``.

    A click on a filter makes it the one looked at closely, the one "Your kernel inside the network" replaces
    and the challenge's answer (so call this before those are drawn)."""
    token = inspected.trained.token
    epoch, last_epoch, shown = _epoch(inspected, filters)
    count, in_channels, kh, kw = shown.shape
    grids = cached.filter_pictures(token, epoch, shown)
    click = st.session_state.get(FILTER_CLICK_KEY)
    if click is not None and click != st.session_state.get(FILTER_SEEN_KEY):
        st.session_state[FILTER_SEEN_KEY] = click
        picked = fmaps_parts.clicked_cell(
            click,
            cell=(grids.cell, grids.cell),
            gap=cached.FILTER_GAP_PX,
            columns=grids.columns,
            count=count,
            width=grids.width,
        )
        if picked is not None:
            st.session_state[FILTER_KEY] = st.session_state[fmaps_swap.SWAP_KEY] = st.session_state[PICK_KEY] = picked
    st.session_state[FILTER_KEY] = min(int(st.session_state.get(FILTER_KEY, 0)), count - 1)
    filter_column, spectrum_column = st.columns(2, gap="medium")
    with filter_column:
        streamlit_image_coordinates(
            kernel_grid.EncodedImage(grids.kernels), width=grids.width, key=FILTER_CLICK_KEY, cursor="pointer"
        )
        st.caption(
            f"{count} filters of {kh}×{kw}"
            + (f" × {in_channels} channels (drawn as colours, gray is 0)" if in_channels == 3 else "")
            + (f", after epoch {epoch}" if epoch else "")
            + f"; numbered 0 to {count - 1}, {grids.columns} to a row. Click one to look at it closely."
        )
    spectrum_column.image(
        grids.spectra,
        width=grids.width,
        caption="Their frequency pictures, as on the Kernels page: the centre is flat areas, the border the finest "
        "stripes; bright left and right means it passes changes along a row (vertical edges).",
    )
    selected = int(st.session_state[FILTER_KEY])
    kernel_picture, spectrum_picture, weights = cached.one_filter(token, epoch, selected, shown)
    picture_column, spectrum_one_column, numbers_column = st.columns([1.0, 1.0, 1.6], gap="medium")
    picture_column.image(kernel_picture, caption=f"Filter {selected}")
    spectrum_one_column.image(spectrum_picture, caption="Its frequency picture")
    with numbers_column:
        st.caption(
            f"Filter {selected}'s weights"
            + (f" (the sum of its {in_channels} channels: what it does to a gray picture)" if in_channels > 1 else "")
        )
        fmaps_parts.show_kernel(weights)
    return epoch, last_epoch

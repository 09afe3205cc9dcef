"""The "Train a CNN" page's "Save or load a model": download the session's model as ``.safetensors``, use the
default digits model, or load a file saved from this page."""

from __future__ import annotations

import streamlit as st

from ui import common
from ui.cached import train as cached

DEFAULT_ERROR_KEY = "train.default_error"
UPLOAD_ERROR_KEY = "train.upload_error"


def save_and_load(model_key: str) -> None:
    """Two columns: download (and the default model) on the left, the uploader on the right. A model chosen
    here becomes ``st.session_state[model_key]``."""
    save_column, load_column = st.columns(2, gap="large")
    with save_column:
        trained = st.session_state.get(model_key)
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
            args=(model_key, DEFAULT_ERROR_KEY),
            help="A small CNN trained on the 8×8 digits, shipped with the app.",
        )
        if st.session_state.get(DEFAULT_ERROR_KEY):
            st.error(st.session_state[DEFAULT_ERROR_KEY])
    with load_column:
        st.file_uploader(
            "Load a model saved from this page (.safetensors)",
            type=["safetensors"],
            key="_train.upload",
            on_change=cached.use_uploaded_model,
            args=("_train.upload", model_key, UPLOAD_ERROR_KEY),
        )
        if st.session_state.get(UPLOAD_ERROR_KEY):
            st.error(common.plain(st.session_state[UPLOAD_ERROR_KEY]))

"""Embeddings (Inspect a CNN): being built (issue 10)."""

import streamlit as st

st.title("Embeddings")
st.info("This page is being built.")

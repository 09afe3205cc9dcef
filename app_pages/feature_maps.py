"""Feature maps & filters (Inspect a CNN): being built (issue 10)."""

import streamlit as st

st.title("Feature maps & filters")
st.info("This page is being built.")

"""Draw & predict (Inspect a CNN): being built (issue 10)."""

import streamlit as st

st.title("Draw & predict")
st.info("This page is being built.")

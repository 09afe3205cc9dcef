import streamlit as st

st.title("fourier")
st.info("Being built.")

import streamlit as st

st.title("morphology")
st.info("Being built.")

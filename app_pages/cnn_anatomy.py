import streamlit as st

st.title("cnn_anatomy")
st.info("Being built.")

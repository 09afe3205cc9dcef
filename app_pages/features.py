import streamlit as st

st.title("features")
st.info("Being built.")

import streamlit as st

st.title("edges")
st.info("Being built.")

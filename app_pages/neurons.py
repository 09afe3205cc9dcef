import streamlit as st

st.title("neurons")
st.info("Being built.")

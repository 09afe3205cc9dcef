"""Vision Explorer's entry point: only the router (``st.navigation``) and the shared sidebar."""

import streamlit as st

from ui import images, urlstate

st.set_page_config(page_title="Vision Explorer", layout="wide")

PAGES = {
    "": [st.Page("pages/home.py", title="Home", url_path="home", default=True)],
    "Images": [
        st.Page("pages/images_are_numbers.py", title="Images are numbers", url_path="images-are-numbers"),
        st.Page("pages/color.py", title="Color", url_path="color"),
        st.Page("pages/kernels.py", title="Kernels", url_path="kernels"),
    ],
}

page = st.navigation(PAGES)
urlstate.keep_page_state()
images.picker()
page.run()

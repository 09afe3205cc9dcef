"""Vision Explorer's entry point: only the router (``st.navigation``) and the shared sidebar."""

import streamlit as st

from ui import images, urlstate

st.set_page_config(page_title="Vision Explorer", layout="wide")

# The page scripts live in app_pages/, not pages/: Streamlit treats a folder named "pages" next to the entry
# script as a legacy multipage app, so the first request after a server start (and every AppTest run) would
# run a page directly, without this router, its sections or the shared image picker.
PAGES = {
    "": [st.Page("app_pages/home.py", title="Home", default=True)],
    "Images": [
        st.Page("app_pages/images_are_numbers.py", title="Images are numbers", url_path="images-are-numbers"),
        st.Page("app_pages/color.py", title="Color", url_path="color"),
        st.Page("app_pages/kernels.py", title="Kernels", url_path="kernels"),
    ],
    "Classical vision": [
        st.Page("app_pages/edges.py", title="Edges & gradients", url_path="edges"),
        st.Page("app_pages/fourier.py", title="Fourier", url_path="fourier"),
        st.Page("app_pages/morphology.py", title="Morphology & segmentation", url_path="morphology"),
        st.Page("app_pages/features.py", title="Features & detection", url_path="features"),
    ],
    "Neural networks": [
        st.Page("app_pages/neurons.py", title="Neurons", url_path="neurons"),
        st.Page("app_pages/cnn_anatomy.py", title="CNN anatomy", url_path="cnn-anatomy"),
        st.Page("app_pages/train.py", title="Train a CNN", url_path="train"),
    ],
}

page = st.navigation(PAGES)
urlstate.keep_page_state()
images.picker()
page.run()

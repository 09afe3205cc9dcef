"""The floor under a page visit's paint time: Streamlit's frontend with nothing of Vision Explorer in it.

``python benchmarks/bench_page_weight.py --floor`` measures these three pages exactly as it measures the app's
(switch and fresh tab, same server configuration, same browser): a title alone, then a title and one element of
each kind the app's pages use: a tiny plotly chart, a small table, a code block (every page's "Show the code"), a
clickable picture (the custom component of Kernels, Morphology and Feature maps). What they cost is what any page
with that kind of element costs at least on this machine, whatever the page itself does.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from PIL import Image
from streamlit_image_coordinates import streamlit_image_coordinates

# url_path -> title: the benchmark clicks the sidebar links by these titles.
FLOOR_PAGES = {
    "": "Title only",
    "chart": "One tiny chart",
    "table": "One small table",
    "code": "One code block",
    "component": "One clickable picture",
}


def _title_only() -> None:
    st.title(FLOOR_PAGES[""])


def _tiny_chart() -> None:
    st.title(FLOOR_PAGES["chart"])
    st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2], y=[0, 1, 0])))


def _small_table() -> None:
    st.title(FLOOR_PAGES["table"])
    st.dataframe(pd.DataFrame({"x": [0, 1, 2], "y": [0, 1, 0]}))


def _code_block() -> None:
    st.title(FLOOR_PAGES["code"])
    with st.expander("Show the code"):
        st.code("print(1 + 1)", language="python")


def _clickable_picture() -> None:
    st.title(FLOOR_PAGES["component"])
    streamlit_image_coordinates(Image.fromarray(np.zeros((8, 8), np.uint8)), width=64, key="_floor.click")


if __name__ == "__main__":
    st.navigation(
        [
            st.Page(_title_only, title=FLOOR_PAGES[""], default=True),
            st.Page(_tiny_chart, title=FLOOR_PAGES["chart"], url_path="chart"),
            st.Page(_small_table, title=FLOOR_PAGES["table"], url_path="table"),
            st.Page(_code_block, title=FLOOR_PAGES["code"], url_path="code"),
            st.Page(_clickable_picture, title=FLOOR_PAGES["component"], url_path="component"),
        ]
    ).run()

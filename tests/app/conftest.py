"""AppTest helpers: run the real router and switch to a page, as a user would."""

import os

import pytest
from streamlit.testing.v1 import AppTest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(ROOT, "streamlit_app.py")
# A page's first run decodes samples and fills caches; later reruns are fast.
TIMEOUT_S = 60


@pytest.fixture
def open_page():
    """``open_page("app_pages/kernels.py", query={"stride": "2"})`` -> an AppTest that has run that page."""

    def _open(page: str, *, query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        for name, value in (query or {}).items():
            at.query_params[name] = value
        if page != "app_pages/home.py":
            # st.navigation names pages by url_path, which AppTest only knows after a first run (see the
            # docstring of AppTest.switch_page); without it the switch silently lands on Home.
            at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open

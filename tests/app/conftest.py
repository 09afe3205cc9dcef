"""AppTest helpers: run the real router and switch to a page, as a user would."""

import os

import pytest
from streamlit.runtime import pages_manager
from streamlit.testing.v1 import AppTest

# TEMPORARY (lead will remove when pages/ is renamed): a folder literally named "pages" next to the entry script
# makes Streamlit run legacy multipage mode; force the st.navigation router.
_original_init = pages_manager.PagesManager.__init__


def _init_without_pages_folder(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    pages_manager.PagesManager.uses_pages_directory = False


pages_manager.PagesManager.__init__ = _init_without_pages_folder

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(ROOT, "streamlit_app.py")
# A page's first run decodes samples and fills caches; later reruns are fast.
TIMEOUT_S = 60


@pytest.fixture
def open_page():
    """``open_page("pages/kernels.py", query={"stride": "2"})`` -> an AppTest that has run that page."""

    def _open(page: str, *, query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        for name, value in (query or {}).items():
            at.query_params[name] = value
        if page != "pages/home.py":
            # st.navigation names pages by url_path, which AppTest only knows after a first run (see the
            # docstring of AppTest.switch_page); without it the switch silently lands on Home.
            at.run()
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return _open

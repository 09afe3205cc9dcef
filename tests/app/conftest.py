"""AppTest helpers: run the real router and switch to a page, as a user would."""

import os

import pytest
from streamlit.testing.v1 import AppTest

from explorer.data import downloads
from explorer.deep import backbone
from ui import backbone_weights, common

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
APP = os.path.join(ROOT, "streamlit_app.py")
# A page's first run decodes samples and fills caches; later reruns are fast.
TIMEOUT_S = 60


@pytest.fixture
def open_page():
    """``open_page("app_pages/kernels.py", query={"stride": "2"})`` -> an AppTest that has run that page."""

    def _open(page: str, *, query: dict[str, str] | None = None, code_shown: bool = True) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        # "Show the code" open, as a learner who opened it: many tests read or run the page's code block, which
        # is only drawn while the expander is open (ui.common.show_code).
        at.session_state[common.SHOW_CODE_KEY] = code_shown
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


def _fresh_backbone_caches() -> None:
    backbone_weights._shared.clear()
    backbone_weights._reachable.clear()


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """The app's cache folder empty (``tmp_path / "vision-explorer"``, as ``$XDG_CACHE_HOME/vision-explorer``)
    and no network: download.pytorch.org is never reachable (never the machine's real network)."""
    root = tmp_path / "vision-explorer"
    monkeypatch.setattr(downloads, "DEFAULT_ROOT", root)
    monkeypatch.setattr(downloads, "is_reachable", lambda *args, **kwargs: False)
    _fresh_backbone_caches()
    yield root
    _fresh_backbone_caches()


@pytest.fixture
def fake_weights(offline):
    """Weights of torchvision's SqueezeNet 1.1 with random (seeded) values where the real ones would be: they
    load as the real ones do (only downloads are hash-checked). Returns the file's path."""
    import torch  # here: most AppTests never need it
    from torchvision import models

    torch.manual_seed(7)
    path = backbone.weights_path(offline)
    path.parent.mkdir(parents=True)
    torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
    _fresh_backbone_caches()
    return path

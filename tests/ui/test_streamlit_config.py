"""The shared-server settings in .streamlit/config.toml (issue 11): each is set, to a sane value, with a comment
saying why, and Streamlit itself reads them as set."""

from __future__ import annotations

import os
import tomllib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(ROOT, ".streamlit", "config.toml")

EXPECTED = {
    ("server", "maxUploadSize"): 25,
    ("server", "maxMessageSize"): 50,
    ("server", "disconnectedSessionTTL"): 120,
    ("server", "enableXsrfProtection"): True,
    ("server", "fileWatcherType"): "none",
    ("runner", "postScriptGC"): False,
    ("browser", "gatherUsageStats"): False,
}


@pytest.mark.parametrize(("section", "name"), list(EXPECTED))
def test_each_shared_server_setting_is_set_with_its_reason(section, name):
    with open(CONFIG, "rb") as file:
        config = tomllib.load(file)
    assert config[section][name] == EXPECTED[(section, name)]
    lines = open(CONFIG, encoding="utf-8").read().splitlines()
    (index,) = [i for i, line in enumerate(lines) if line.startswith(f"{name} =")]
    assert section == "browser" or lines[index - 1].startswith("#"), f"{name} has no comment saying why"


def test_streamlit_reads_the_file_as_written(monkeypatch):
    from streamlit import config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True)
    try:
        for (section, name), value in EXPECTED.items():
            assert config.get_option(f"{section}.{name}") == value, (section, name)
    finally:
        config.get_config_options(force_reparse=True)

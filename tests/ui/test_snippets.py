"""The shared "load line" of the "Show the code" snippets runs and loads what the page shows."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from explorer.core import dtype
from explorer.images import samples
from ui import snippets

IMPORTS = "from explorer.core import dtype\nfrom explorer.images import imageio, samples\n"


def _run(code: str) -> dict:
    namespace: dict = {}
    exec(IMPORTS + code, namespace)
    return namespace


@pytest.mark.parametrize("image_id", ["sample:coins", "pattern:stripes:30"])
def test_built_in_images_reload_by_id(image_id):
    rgb = samples.load_builtin(image_id)
    np.testing.assert_array_equal(_run(snippets.load_lines(image_id))["image"], rgb)
    gray = _run(snippets.load_lines(image_id, convert="gray"))
    np.testing.assert_array_equal(gray["rgb"], rgb)
    np.testing.assert_allclose(gray["image"], dtype.to_gray(rgb))
    as_float = _run(snippets.load_lines(image_id, convert="float"))["image"]
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float, rgb / 255.0, atol=1e-7)


def test_an_upload_is_read_from_a_file(tmp_path, monkeypatch):
    picture = np.array([[[255, 0, 0], [0, 0, 255]]], np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "PNG")
    (tmp_path / snippets.UPLOAD_FILE).write_bytes(buffer.getvalue())
    monkeypatch.chdir(tmp_path)
    code = snippets.load_lines("upload:3f2a", convert="gray")
    assert "3f2a" not in code  # the session's upload id means nothing in a notebook
    np.testing.assert_allclose(_run(code)["image"], [[0.299, 0.114]], atol=1e-6)  # BT.601 of red, blue


def test_unknown_conversion_is_refused():
    with pytest.raises(ValueError, match="convert must be"):
        snippets.load_lines("sample:coins", convert="bgr")  # type: ignore[arg-type]

"""Every "Show the code" snippet runs, so none can rot (a doctest for the pages).

Each page of ``ui/site_map.py`` is opened with AppTest in its built-in state (the astronaut sample on the
pages with the image picker, the digits on Train) and the code blocks of its "Show the code" expander are read
from the rendered page, never copied here. Each page's code then runs in a fresh interpreter (the project on
``PYTHONPATH``, nothing else imported), which must finish without an error; where it is cheap, a number the
snippet computes is compared with the one the page shows.

The pages with the image picker also show a variant for an uploaded image, which reads a file
(``imageio.load_image(open("….jpg", "rb").read())``): that variant runs too, in a folder holding a picture
under the name the snippet opens. The Train page's own-images variants need folders of the user's pictures:
they are only checked to name the right loader.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import image_caption, metric, use_own_image
from ui import common, inspect_input
from ui.site_map import SITE_MAP

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Home has no code to show; every other page has at least one snippet (a renamed expander would otherwise
# leave this test with nothing to run).
WITHOUT_CODE = {"app_pages/home.py"}
PAGES = [entry.path for entry in SITE_MAP if entry.path not in WITHOUT_CODE]
PICKER_PAGES = [entry.path for entry in SITE_MAP if entry.image_picker and entry.path not in WITHOUT_CODE]
INSPECT_PAGES = {entry.path for entry in SITE_MAP if entry.section == "Inspect a CNN"}
# The slowest snippet (Train: 15 epochs on the digits) takes a few seconds; this bounds a hang.
TIMEOUT_S = 240

# page -> (expression evaluated in the snippet's namespace after it ran, what the page shows it as).
# ("metric", label): the st.metric's value, equal; ("caption", start): inside that picture's caption.
CHECKS: dict[str, list[tuple[str, tuple[str, str]]]] = {
    "app_pages/color.py": [('f"{mask.mean():.1%}"', ("metric", "Pixels selected"))],
    "app_pages/kernels.py": [('f"{example.total:.4f}"', ("metric", "Sum of the products"))],
    "app_pages/edges.py": [('f"{strong.mean():.1%} of the pixels"', ("caption", "Magnitude ≥ 0.15"))],
    "app_pages/fourier.py": [('f"{check.zero_difference:.2g}"', ("metric", "Zero padding"))],
    "app_pages/morphology.py": [
        ("str(len(contours))", ("metric", "Shapes found")),
        ("str(parts.count)", ("metric", "Components")),
    ],
    "app_pages/features.py": [
        ("str(len(keypoints))", ("metric", "Keypoints found")),
        ("str(len(result.pairs))", ("metric", "Matches")),
        ("str(result.n_right)", ("metric", "Geometrically right")),
        ("str(len(boxes))", ("metric", "Faces found")),
    ],
    "app_pages/neurons.py": [('f"{run.losses[-1]:.4f}"', ("metric", "Loss at the end"))],
    "app_pages/cnn_anatomy.py": [('f"{sum(row.params for row in rows):,}"', ("metric", "Total parameters"))],
    # torch's own count of the trained model's weights against the page's layer table
    "app_pages/train.py": [
        ('f"{sum(p.numel() for p in trainer.model.parameters()):,}"', ("metric", "Parameters to learn"))
    ],
}

# Links that keep a page's code quick to run (the Train page's snippet trains for the page's number of epochs) or
# show the picture a check reads.
QUERIES = {
    "app_pages/train.py": {"epochs": "1"},
    # Edges shows one section at a time: the threshold's caption is in its "direction" section.
    "app_pages/edges.py": {"show": "direction"},
}

# Runs in the fresh interpreter: the snippet from stdin, then the checks; their values on the last line.
RUNNER = """
import json, sys
job = json.load(sys.stdin)
namespace = {"__name__": "__snippet__"}
exec(compile(job["code"], "<Show the code>", "exec"), namespace)
print("CHECKS " + json.dumps([eval(expression, namespace) for expression in job["checks"]]))
"""


def snippets(at) -> list[str]:
    """The code blocks inside the page's "Show the code" expander(s), as shown."""
    return [code.value for block in at.expander if block.label == "Show the code" for code in block.code]


def run_snippet(code: str, *, cwd: str, checks: list[str] = ()) -> list:
    """Run ``code`` in a fresh interpreter in ``cwd``; fail with its traceback and the code if it raises.
    Returns the values of the ``checks`` expressions evaluated after it."""
    env = {**os.environ, "PYTHONPATH": ROOT, "OMP_NUM_THREADS": "1"}  # one torch thread, as the app runs
    result = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps({"code": code, "checks": list(checks)}),
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert result.returncode == 0, f"the snippet failed:\n{result.stderr[-3000:]}\n--- the snippet:\n{code}"
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("CHECKS ")]
    return json.loads(line.removeprefix("CHECKS "))


def shown(at, where: tuple[str, str]) -> str:
    kind, label = where
    return metric(at, label) if kind == "metric" else image_caption(at, label)


def test_every_page_but_home_shows_code():
    assert PAGES and set(PICKER_PAGES) <= set(PAGES)
    assert "app_pages/train.py" in PAGES and set(CHECKS) <= set(PAGES)


@pytest.mark.parametrize("page", ["app_pages/kernels.py", "app_pages/train.py", "app_pages/dreams_style.py"])
def test_the_code_block_is_drawn_only_while_the_expander_is_open(open_page, page):
    """Closed (a session's start): the expander is there and no code block, so the browser doesn't load the
    syntax highlighter; opened: the code; the setting holds on the next page, as a learner who reads the code
    expects."""
    at = open_page(page, code_shown=False)
    assert [block.label for block in at.expander].count("Show the code") == 1
    assert snippets(at) == [] and not at.code
    at.session_state[common.SHOW_CODE_KEY] = True  # what opening the expander does
    at.run()
    (code,) = snippets(at)
    assert "from explorer" in code
    at.switch_page("app_pages/edges.py").run()
    assert not at.exception
    assert len(snippets(at)) == 1


@pytest.mark.parametrize("page", PAGES)
def test_the_code_runs_and_computes_what_the_page_shows(open_page, tmp_path, page):
    at = open_page(page, query=QUERIES.get(page))
    codes = snippets(at)
    assert codes, f"{page} shows no code under 'Show the code'"
    checks = CHECKS.get(page, [])
    # The blocks of one page run in order in one interpreter: a later one may use what an earlier defined.
    values = run_snippet("\n\n".join(codes), cwd=str(tmp_path), checks=[expression for expression, _ in checks])
    for (expression, where), value in zip(checks, values):
        page_value = shown(at, where)
        assert value == page_value if where[0] == "metric" else value in page_value, (expression, value, page_value)


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("page", PICKER_PAGES)
def test_the_code_for_an_uploaded_image_reads_the_file_and_runs(open_page, tmp_path, page):
    # A small picture with some structure (a bright disc on noise), so that every section finds something.
    rows, cols = np.indices((96, 128))
    image = np.random.default_rng(3).integers(0, 120, (96, 128, 3), dtype=np.uint8)
    image[(rows - 48) ** 2 + (cols - 64) ** 2 < 30**2] = (230, 200, 40)
    at = use_own_image(open_page(page), image, f"show-the-code-{os.path.basename(page)}")
    if page in INSPECT_PAGES:  # these start on a test image: ask for the sidebar's picture as the input
        at.session_state[inspect_input.SOURCE_KEY] = "picker"
        at.run()
    code = "\n\n".join(snippets(at))
    assert "imageio.load_image(open(" in code and "samples.load_builtin(" not in code, code
    # The snippet opens the user's file by a placeholder name: put the picture there (a PNG under a .jpg
    # name is fine: the loader reads the content, not the name).
    for name in set(re.findall(r"""load_image\(open\(["']([^"']+)["']""", code)):
        (tmp_path / name).write_bytes(_png(image))
    run_snippet(code, cwd=str(tmp_path))


@pytest.mark.parametrize(
    ("query", "loader"),
    [
        ({"data": "own", "own": "zip"}, "own_images.from_zip("),
        ({"data": "own", "own": "classes"}, "own_images.from_class_files("),
    ],
)
def test_the_train_code_for_own_images_names_the_loader(open_page, query, loader):
    # These read the user's folders of pictures, which a test does not have: only the text is checked.
    code = "\n\n".join(snippets(open_page("app_pages/train.py", query=query)))
    assert loader in code, code
    assert "datasets.digits(" not in code, code

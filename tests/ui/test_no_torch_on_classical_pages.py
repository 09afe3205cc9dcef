"""The classical pages never import torch: it takes seconds to import and they don't need it.

The router and each classical page run with ``AppTest`` in a fresh interpreter (this test process may
already hold torch from other tests), and ``sys.modules`` is checked after each one. One interpreter runs
them all, in order, so the first page that pulls torch in is the one named in the failure.
"""

import json
import os
import subprocess
import sys

from ui.site_map import CLASSICAL_PAGES

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
report = {}
at = AppTest.from_file("streamlit_app.py", default_timeout=120)
at.run()
report["router"] = ("torch" in sys.modules, [str(e.value) for e in at.exception])
for page in sys.argv[1:]:
    at.switch_page(page)
    at.run()
    report[page] = ("torch" in sys.modules, [str(e.value) for e in at.exception])
print(json.dumps(report))
"""


def test_router_and_classical_pages_do_not_import_torch():
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *CLASSICAL_PAGES], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(report) == ["router", *CLASSICAL_PAGES]
    for step, (torch_loaded, exceptions) in report.items():
        assert not exceptions, f"{step} raised: {exceptions}"
        assert not torch_loaded, f"torch was imported by the time {step} had run"

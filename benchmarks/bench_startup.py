"""Start-up: time to first paint of a fresh server, and whether the classical pages import torch.

1. **First paint.** A headless Chromium is launched first (not timed). Then the clock starts, ``streamlit
   run streamlit_app.py`` starts on a free port, and the browser opens ``/`` as soon as the health
   endpoint answers; the clock stops when Home's title "Vision Explorer" is visible. Target: 3 s.
2. **No torch.** In a fresh Python process per page, ``AppTest`` runs the router (Home), then switches to
   the page and runs it; the row says whether ``torch`` is in ``sys.modules`` afterwards. Target: not
   imported (torch takes seconds to import and the classical pages don't need it).

Run ``python benchmarks/bench_startup.py`` for a table; ``benchmarks/run.py`` imports :func:`run`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.e2e import harness  # noqa: E402  (the project root is on the path only from here)
from ui.site_map import CLASSICAL_PAGES  # noqa: E402

# A person waiting for a link to open gives up on a blank page after a few seconds.
FIRST_PAINT_TARGET_S = 3.0
# Give up (and report a miss) after this long: a server that needs more is broken, not slow.
GIVE_UP_S = 60.0

# Runs in a fresh interpreter: the router (Home), then one page; prints whether torch got imported.
_TORCH_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("streamlit_app.py", default_timeout=120)
at.run()
after_router = "torch" in sys.modules
page = sys.argv[1]
if page:
    at.switch_page(page)
    at.run()
print(json.dumps({"router": after_router, "page": "torch" in sys.modules,
                  "exception": [str(e.value) for e in at.exception]}))
"""


def _wait_for_title(page) -> None:
    page.get_by_role("heading", name="Vision Explorer", exact=True).first.wait_for(
        state="visible", timeout=GIVE_UP_S * 1000
    )


def first_paint_seconds() -> tuple[float, float, float]:
    """Seconds from ``streamlit run`` starting to (its health endpoint answering, Home's title visible),
    and for comparison, the seconds a second visitor then waits for the title (warm server)."""
    from playwright.sync_api import sync_playwright

    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    with sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright.chromium)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        start = time.perf_counter()
        process = harness.start_server(port, watch_files=True)  # as deployed
        try:
            harness.wait_healthy(process, base_url, GIVE_UP_S, poll_s=0.02)  # polled often: it is timed
            healthy = time.perf_counter() - start
            page.goto(base_url, wait_until="commit")
            _wait_for_title(page)
            first = time.perf_counter() - start
            second_page = browser.new_page(viewport={"width": 1400, "height": 1000})
            second_start = time.perf_counter()
            second_page.goto(base_url, wait_until="commit")
            _wait_for_title(second_page)
            return healthy, first, time.perf_counter() - second_start
        finally:
            browser.close()
            harness.stop_server(process)


def torch_imported(page: str) -> dict:
    """Run the router and then ``page`` ("" for the router only) in a fresh interpreter; report torch."""
    result = subprocess.run(
        [sys.executable, "-c", _TORCH_PROBE, page], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        raise RuntimeError(f"torch probe for {page or 'router'} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    """Rows ``{name, ours_ms, baseline_ms, ratio, target, ok}``; the torch rows carry ``torch_imported``."""
    healthy, seconds, warm = first_paint_seconds()
    rows = [
        {
            "name": "first paint of Home after `streamlit run` (headless Chromium)",
            "ours_ms": round(seconds * 1e3, 0),
            "baseline_ms": None,
            "ratio": None,
            "target": FIRST_PAINT_TARGET_S * 1e3,
            "ok": bool(seconds <= FIRST_PAINT_TARGET_S),
            # of which: until the server answers its health check (Python + Streamlit start-up)
            "server_ready_ms": round(healthy * 1e3, 0),
            # for comparison: a second visitor on the now-warm server (page load + one script run)
            "warm_paint_ms": round(warm * 1e3, 0),
        }
    ]
    for page in ("",) + CLASSICAL_PAGES:
        probe = torch_imported(page)
        imported = probe["page"] if page else probe["router"]
        rows.append(
            {
                "name": f"torch imported by the router{' + ' + page if page else ''}",
                "ours_ms": None,
                "baseline_ms": None,
                "ratio": None,
                "target": "not imported",
                "ok": not imported and not probe["exception"],
                "torch_imported": imported,
            }
        )
    return rows


def main() -> int:
    for row in run():
        value = f"{row['ours_ms']:.0f} ms" if row["ours_ms"] is not None else ("yes" if row["torch_imported"] else "no")
        print(f"{row['name']:<70} {value:>10}  target {row['target']}  {'ok' if row['ok'] else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

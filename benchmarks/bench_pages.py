"""How long a page takes to rerun when a user changes one of its key widgets.

For each classical page, the real router runs under Streamlit's ``AppTest`` on the default 512 × 512
sample (astronaut), switches to the page and runs once to warm up (imports, decoding, first cache fill).
Then one key widget is set to another value and back, again and again, and every ``at.run()`` is timed
with the wall clock. The median is compared with the target: a rerun the user doesn't notice.

Going back and forth means most reruns after the first two hit ``st.cache_data``: that is what a user
toggling a control sees, and it is the part the page itself controls (widgets, caching, rendering).
``AppTest``'s own overhead is included, so the browser sees slightly less (it also compiles the page script
on every run, 10–50 ms, where a server compiles it once).

A second row per page times a **visit**: from Home to the page and back, :data:`VISITS` times, each arrival
timed (what an attendee clicking through the sidebar costs the server once caches are warm), and reports the
size of the page's elements as sent to the browser (``message_kb``: the serialized element protos; pictures
sent as media files are not in it). A browser's visit also spends time drawing (plotly, tables); that part is
measured in a browser, not here.

Run ``python benchmarks/bench_pages.py`` for a table; ``benchmarks/run.py`` imports :func:`run`.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APP = os.path.join(ROOT, "streamlit_app.py")
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# 15 changes give a median that one slow rerun (a garbage collection, a busy moment) doesn't move.
CHANGES = 15
# A rerun under about 100 ms feels immediate to a person moving a control.
TARGET_MS = 100.0
# The Inspect and Deep features pages draw more (a network's maps, several charts): the issues allow them
# 150 ms once their heavy results are cached.
INSPECT_TARGET_MS = 150.0
# The warm-up run decodes the sample and imports the page's modules; allow it plenty of time.
RUN_TIMEOUT_S = 120
# Arrivals timed per page: a visit needs two runs (Home, then the page), so fewer than the widget changes.
VISITS = 7

# page name -> (page file, widget kind as AppTest names it, widget key, the two values alternated)
PAGES = {
    "images_are_numbers": ("app_pages/images_are_numbers.py", "number_input", "numbers.row", (180, 200)),
    "color": ("app_pages/color.py", "selectbox", "color.space", ("HSV", "Lab")),
    "kernels": ("app_pages/kernels.py", "radio", "kernels.padding", ("zero", "reflect")),
    "features": ("app_pages/features.py", "slider", "features.n_features", (500, 300)),
    "edges": ("app_pages/edges.py", "select_slider", "edges.ksize", (3, 5)),
    "fourier": ("app_pages/fourier.py", "slider", "fourier.radius", (30, 12)),
    "morphology": ("app_pages/morphology.py", "selectbox", "morph.shape", ("rectangle", "ellipse")),
    "neurons": ("app_pages/neurons.py", "radio", "neurons.activation", ("sigmoid", "tanh")),
    "cnn_anatomy": ("app_pages/cnn_anatomy.py", "slider", "anatomy.shift", (0, 6)),
    "train": ("app_pages/train.py", "slider", "train.test_pct", (20, 30)),
    "feature_maps": ("app_pages/feature_maps.py", "number_input", "fmaps.channel", (3, 7)),
    "attribution": ("app_pages/attribution.py", "select_slider", "attr.opacity", (0.5, 0.8)),
    "occlusion": ("app_pages/occlusion.py", "slider", "occl.window", (2, 3)),
    "embeddings": ("app_pages/embeddings.py", "slider", "emb.k", (6, 9)),
    "draw_predict": ("app_pages/draw_predict.py", "number_input", "draw.seed", (0, 1)),
    # Offline (no pretrained weights, as on a fresh server): the notice, the layer table and the pixel neighbours;
    # its "Check yourself" answer is the control that exists in that state.
    "pretrained": ("app_pages/pretrained.py", "toggle", "pretrained.check", (True, False)),
    "dreams_style": ("app_pages/dreams_style.py", "slider", "dreams.octaves", (4, 3)),
}
INSPECT_PAGES = frozenset(
    ("feature_maps", "attribution", "occlusion", "embeddings", "draw_predict", "pretrained", "dreams_style")
)


def time_page(page: str, kind: str, key: str, values: tuple, *, changes: int = CHANGES) -> list[float]:
    """Milliseconds of each ``at.run()`` after setting the widget ``key`` to alternating ``values``."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")  # AppTest's "missing ScriptRunContext" warnings are expected
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)
    at.run()  # the router and Home, as a visitor arrives
    at.switch_page(page)
    at.run()  # warm-up
    if at.exception:
        raise RuntimeError(f"{page} raised: {[e.value for e in at.exception]}")
    times = []
    for index in range(changes):
        value = values[(index + 1) % 2]  # the first change moves away from the default
        getattr(at, kind)(key=key).set_value(value)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1e3)
        if at.exception:
            raise RuntimeError(f"{page} raised after {key}={value!r}: {[e.value for e in at.exception]}")
    return times


def message_kb(at) -> float:
    """Kilobytes of the serialized elements (main area and sidebar) of ``at``'s last run."""

    def size(node) -> int:
        proto = getattr(node, "proto", None)
        own = proto.ByteSize() if proto is not None and not hasattr(node, "children") else 0
        return own + sum(size(child) for child in getattr(node, "children", {}).values())

    return (size(at.main) + size(at.sidebar)) / 1e3


def time_visits(page: str, *, visits: int = VISITS) -> tuple[list[float], float]:
    """Milliseconds of each ``at.run()`` that arrives on ``page`` from Home (after one warm-up visit), and the
    page's :func:`message_kb`."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")
    at = AppTest.from_file(APP, default_timeout=RUN_TIMEOUT_S)
    at.run()
    at.switch_page(page)
    at.run()  # warm-up
    times = []
    for _ in range(visits):
        at.switch_page("app_pages/home.py")
        at.run()
        at.switch_page(page)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1e3)
        if at.exception:
            raise RuntimeError(f"{page} raised on a visit: {[e.value for e in at.exception]}")
    return times, message_kb(at)


def run(*, changes: int = CHANGES, visits: int = VISITS) -> list[dict]:
    """Two rows per page, a rerun and a visit: ``{name, ours_ms, baseline_ms, ratio, target, ok}`` (no baseline:
    an absolute target); visit rows also carry ``message_kb``."""
    rows = []
    for name, (page, kind, key, values) in PAGES.items():
        target = INSPECT_TARGET_MS if name in INSPECT_PAGES else TARGET_MS
        times = time_page(page, kind, key, values, changes=changes)
        median = statistics.median(times)
        rows.append(
            {
                "name": f"page rerun {name} ({key} changed, 512 px, median of {changes})",
                "ours_ms": round(median, 1),
                "baseline_ms": None,
                "ratio": None,
                "target": target,
                "ok": bool(median <= target),
            }
        )
        times, kb = time_visits(page, visits=visits)
        median = statistics.median(times)
        rows.append(
            {
                "name": f"page visit {name} (from Home, 512 px, median of {visits}; {kb:.0f} kB of elements)",
                "ours_ms": round(median, 1),
                "baseline_ms": None,
                "ratio": None,
                "target": target,
                "ok": bool(median <= target),
                "message_kb": round(kb, 1),
            }
        )
    return rows


def main() -> int:
    for row in run():
        verdict = "ok" if row["ok"] else "MISSED"
        print(f"{row['name']:<70} {row['ours_ms']:>8.1f} ms  target {row['target']:.0f}  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

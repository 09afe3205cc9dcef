"""Load the frontend's biggest element code while the attendee reads the session's first page.

Streamlit's browser app fetches the code of an element kind (plotly charts, data grids, code blocks) the first
time a page shows one, and the browser then parses and runs it. The plotly chunk alone is 4.7 MB: on a 2-core
laptop the first page with a chart took 2.0–2.7 s to paint after a click, the same page 1.0–1.2 s once the chunk
had been loaded by an earlier page (``benchmarks/bench_page_weight.py``, benchmarks/README.md). So the session's
first page asks the browser, once it has painted and is idle, to import those chunks: a later page finds them
loaded. A page that shows one of them itself imports the same module, which the browser loads only once.

The chunks' names carry a content hash that changes with Streamlit's version; they are read from Streamlit's
own static folder, so the script asks for exactly the files the browser app would. A name that isn't found is
left out (``tests/ui/test_frontend_preload.py`` fails then, so an upgrade can't silently turn this off).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import streamlit as st

# The element chunks worth loading ahead (biggest first): plotly charts; tables (st.dataframe, data editors)
# and the Arrow formatting they need; code blocks (st.code, "Show the code").
CHUNK_PREFIXES = ("PlotlyChart", "DataFrame", "arrowFormatUtils", "StreamlitSyntaxHighlighter")
# The page must have looked finished this long (checked every POLL_MS) before the chunks are asked for: loading
# them while the first page still paints made that page slower (a fresh tab on Kernels: 2.1 s -> 2.9 s).
QUIET_MS = 100
POLL_MS = 100
SESSION_KEY = "router.frontend_preloaded"  # a plain session key: the script is sent once per session

_STATIC_JS = Path(st.__file__).parent / "static" / "static" / "js"


@functools.cache
def chunk_names(folder: Path = _STATIC_JS) -> tuple[str, ...]:
    """The file names in ``folder`` of :data:`CHUNK_PREFIXES`' chunks (``PlotlyChart.<hash>.js``), in order.
    Read once per folder: the installed Streamlit's files don't change while the server runs."""
    names = []
    for prefix in CHUNK_PREFIXES:
        found = sorted(path.name for path in folder.glob(f"{prefix}.*.js"))
        if len(found) == 1:
            names.append(found[0])
    return tuple(names)


def script(names: tuple[str, ...], quiet_ms: int = QUIET_MS) -> str:
    """A ``<script>`` that imports each chunk in turn, from the folder of the page's own ``index.<hash>.js``
    (so a proxy's path prefix is kept), once the page has finished painting (Streamlit idle, no element still
    loading, every picture decoded) for ``quiet_ms`` and the browser is idle; at most once per browser tab."""
    return f"""<script>
(() => {{
  if (window.__visionExplorerPreload) return;
  window.__visionExplorerPreload = true;
  const index = Array.from(document.scripts).find((s) => /\\/static\\/js\\/index\\.[\\w-]+\\.js$/.test(s.src));
  if (!index) return;
  const folder = index.src.slice(0, index.src.lastIndexOf("/") + 1);
  const load = () => {json.dumps(list(names))}.reduce(
    (previous, name) => previous.then(() => import(folder + name).catch(() => undefined)),
    Promise.resolve(),
  );
  const BUSY = '[data-testid="stStatusWidget"], [data-stale="true"], [data-testid="stSkeleton"]';
  const painted = () => {{
    const app = document.querySelector('[data-testid="stApp"]');
    return (
      app !== null &&
      app.dataset.testScriptState === "notRunning" &&
      document.querySelector(BUSY) === null &&
      Array.from(document.images).every((image) => image.complete)
    );
  }};
  const idle = window.requestIdleCallback || ((callback) => setTimeout(callback, 0));
  let quietSince = null;
  const watch = setInterval(() => {{
    if (!painted()) {{
      quietSince = null;
      return;
    }}
    quietSince = quietSince === null ? performance.now() : quietSince;
    if (performance.now() - quietSince >= {quiet_ms}) {{
      clearInterval(watch);
      idle(load, {{ timeout: 2000 }});
    }}
  }}, {POLL_MS});
}})();
</script>"""


def preload_once() -> None:
    """On the session's first run, add the (invisible) preload script at the foot of the page."""
    if st.session_state.get(SESSION_KEY):
        return
    st.session_state[SESSION_KEY] = True
    names = chunk_names()
    if names:
        st.html(script(names), unsafe_allow_javascript=True)

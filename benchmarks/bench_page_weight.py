"""What one attendee's browser costs: the bytes each page's first visit moves, and its time to finished paint.

A venue's Wi-Fi is shared by the room. For every page of ``ui.site_map.SITE_MAP``, on a warm server (its own
``streamlit run`` on a free loopback port, ``tests/e2e/harness.py``; one visitor first opens every page once by
URL, in a browser context of its own), headless Chromium (``harness.launch_chromium``) visits the page the two
ways an attendee arrives:

* **switch**: a click on the page's sidebar link in a session that is already open (the common case). One
  browser context opens Home, clicks every other page's link in the sidebar's order, then Home's. By default
  the next click comes as soon as a page has finished painting (the fastest reader); ``--read-s`` spends that
  long on each page first, as an attendee reading it does (the first page preloads the frontend's plotly,
  table and code chunks meanwhile: ``ui/frontend_preload.py``).
* **fresh tab**: a new tab of that same context opened on the page's URL: a new Streamlit session, with the
  frontend's files already in the browser's cache.

What is counted, from Chromium's DevTools protocol (``Network`` domain of a CDP session on the tab):

* the page's bytes: websocket payloads both ways (``webSocketFrameReceived`` / ``Sent``; Streamlit's
  protobuf messages, uncompressed on the wire as ``server.enableWebsocketCompression`` is off), plus the
  ``encodedDataLength`` (headers and body, as moved) of every ``/media/`` file and ``/_stcore/`` request;
* apart: the frontend's static files (``/static/``, component files, the HTML shell, fonts) that moved during
  the visit. A browser keeps them (content-hashed, cached for a year), so they are paid once per attendee, not
  per page; the first visit of a page can pull a chunk the frontend loads lazily (plotly, the data grid).

A visit is timed from the click (or the tab's navigation) until the page has finished painting: a
``script_finished`` message has arrived, the app is not running (``data-test-script-state``, no status widget,
no stale elements or skeletons), every ``<img>`` is complete, every plotly chart has drawn its SVG, every data
grid its canvas, every component iframe has loaded, and the page's title is there; and it stays so for
``IDLE_FOR_S`` (the visit's time is when that quiet began). The poll runs every ``POLL_S``, which is the
timing's resolution.

Targets per page visit: ≤ 1 MB (10^6 bytes) and ≤ 1.5 s. For a page that misses one, the output names what is
big: the bytes by message kind (element types of the deltas, decoded with Streamlit's own protobuf classes), and
each picture's file size beside its natural and displayed size.

    python benchmarks/bench_page_weight.py                 # 3 runs (new browser context each), table + JSON
    python benchmarks/bench_page_weight.py --runs 2 --pages kernels,train
    python benchmarks/bench_page_weight.py --floor         # the floor: Streamlit's own frontend, one element
    python benchmarks/run.py --only page_weight            # the same as rows
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.bench_load import process_cpu_s  # noqa: E402
from benchmarks.floor_app import FLOOR_PAGES  # noqa: E402
from tests.e2e import harness  # noqa: E402  (the project root is on the path only from here)
from ui.site_map import SITE_MAP  # noqa: E402

# A room of 30 on a shared venue Wi-Fi of a few MB/s: each page visit should cost well under a second of it.
BYTES_TARGET = 1_000_000
# A page switch that takes longer than this feels broken rather than busy.
PAINT_TARGET_MS = 1500.0
# The same size as the browser tests' viewport: most of a page is on screen, so its pictures load.
VIEWPORT = {"width": 1400, "height": 2600}
SERVER_START_TIMEOUT_S = 60.0
# url_path -> the title its sidebar link shows, for the app and for --floor (benchmarks/floor_app.py).
TITLES = {entry.url_path: entry.title for entry in SITE_MAP}
FLOOR_SCRIPT = "benchmarks/floor_app.py"
# A visit that has not finished painting after this long is reported as failed, not waited for.
GIVE_UP_S = 60.0
# How long a page must stay finished to count (a chart may draw, or an image start loading, a frame later).
IDLE_FOR_S = 0.4
POLL_S = 0.02
RUNS = 3

# What still has to happen before the page counts as painted ("" when nothing). Every querySelector here names
# an element Streamlit 1.67 draws; the browser tests' ``wait_idle`` checks the first four the same way.
_PENDING_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return "no app";
  const state = app.getAttribute("data-test-script-state");
  if (state !== "notRunning" && state !== "compilationError") return "script " + state;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return "status widget";
  if (document.querySelector('[data-stale="true"]')) return "stale elements";
  const skeleton = document.querySelector('[data-testid="stSkeleton"]');
  if (skeleton) {
    const holder = skeleton.parentElement && skeleton.parentElement.closest("[data-testid]");
    const where = holder ? holder.getAttribute("data-testid") + " " + holder.className.split(" ").filter(
      name => name.startsWith("st-key-")).join(" ") : "";
    return ("skeleton in " + where).trim();
  }
  if (!document.querySelector('[data-testid="stMain"] h1')) return "no title";
  for (const image of document.images) if (!image.complete) return "image loading";
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!chart.querySelector(".main-svg")) return "plotly chart";
  for (const grid of document.querySelectorAll('[data-testid="stDataFrame"]'))
    if (!grid.querySelector("canvas")) return "data grid";
  for (const frame of document.querySelectorAll("iframe")) {
    let ready = true;
    try { ready = !frame.contentDocument || frame.contentDocument.readyState === "complete"; } catch (e) {}
    if (!ready) return "iframe";
  }
  return "";
}
"""

# Each picture of the page and of its components' iframes (same origin): its URL, its natural size and the
# size it is drawn at (CSS pixels).
_IMAGES_JS = """
() => {
  const documents = [document];
  for (const frame of document.querySelectorAll("iframe")) {
    try { if (frame.contentDocument) documents.push(frame.contentDocument); } catch (e) {}
  }
  return documents.flatMap(doc => Array.from(doc.images)).map(image => ({
    src: image.currentSrc || image.src,
    natural: [image.naturalWidth, image.naturalHeight],
    shown: [image.clientWidth, image.clientHeight],
  }));
}
"""


def _payload_bytes(response: dict) -> tuple[int, bytes | None]:
    """The size of a websocket frame's payload, and the payload itself for a binary frame.

    CDP gives a binary frame's payload (opcode 2) in base64, a text frame's as text."""
    data = response.get("payloadData", "")
    if response.get("opcode") == 2:
        raw = base64.b64decode(data)
        return len(raw), raw
    return len(data.encode()), None


def message_kind(payload: bytes) -> tuple[str, bool]:
    """What a ForwardMsg is, for the report: ``"element:imgs"``, ``"block"``, ``"script_finished"``...; and
    whether it ends a script run."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    try:
        message.ParseFromString(payload)
    except Exception:  # not a ForwardMsg: counted, just not named
        return "unparsed", False
    kind = message.WhichOneof("type") or "empty"
    if kind == "delta":
        delta = message.delta.WhichOneof("type")
        if delta == "new_element":
            return f"element:{message.delta.new_element.WhichOneof('type')}", False
        return f"delta:{delta}", False
    return kind, kind == "script_finished"


def classify(url: str, resource_type: str) -> str | None:
    """``"media"``, ``"stcore"`` (the page's own HTTP traffic), ``"static"`` (the frontend, cached by the
    browser) or None (no network: data: and blob: URLs)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    if parts.path.startswith("/media/"):
        return "media"
    if "/_stcore/" in parts.path:  # also /<page>/_stcore/... when a tab opens on a page's URL
        return "stcore"
    return "static"  # /static/, /component/, the HTML shell (resource type Document), fonts, favicon


@dataclass
class Visit:
    """What one page visit moved and how long it took to paint."""

    page: str  # url_path, "" for Home
    mode: str  # "switch", "fresh tab" or "session start"
    paint_ms: float | None = None
    error: str | None = None
    load: float = 0.0  # the machine's 1-minute load average when the visit ended (a shared machine's paint times)
    # CPU time the visit cost (also until the quiet was confirmed): the tab's renderer process (CDP
    # Performance.getMetrics ProcessTime) and the server's process (/proc); unlike the paint time, they hardly
    # change when other work shares the cores.
    browser_cpu_ms: float | None = None
    server_cpu_ms: float | None = None
    ws_in: int = 0
    ws_out: int = 0
    media: int = 0
    stcore: int = 0
    static: int = 0
    media_files: dict[str, int] = field(default_factory=dict)  # path -> bytes
    static_files: dict[str, int] = field(default_factory=dict)
    kinds: Counter = field(default_factory=Counter)  # message kind -> bytes received
    images: list[dict] = field(default_factory=list)
    trace: list[tuple[int, str]] = field(default_factory=list)  # (ms, what was pending) as it changed

    @property
    def page_bytes(self) -> int:
        """The visit's own bytes: websocket both ways, media and ``/_stcore/`` requests (static apart)."""
        return self.ws_in + self.ws_out + self.media + self.stcore

    def summary(self) -> dict:
        return {
            "page": self.page,
            "mode": self.mode,
            "paint_ms": None if self.paint_ms is None else round(self.paint_ms, 0),
            "bytes": self.page_bytes,
            "ws_in": self.ws_in,
            "ws_out": self.ws_out,
            "media": self.media,
            "media_count": len(self.media_files),
            "stcore": self.stcore,
            "static": self.static,
            "browser_cpu_ms": self.browser_cpu_ms,
            "server_cpu_ms": self.server_cpu_ms,
            "error": self.error,
        }


class Traffic:
    """Listens to one tab's CDP ``Network`` events and adds them to the current :class:`Visit`."""

    def __init__(self, context, tab, server_pid: int | None = None) -> None:
        self.cdp = context.new_cdp_session(tab)
        self.server_pid = server_pid
        self._cpu_start: tuple[float, float | None] = (0.0, None)
        self.visit: Visit | None = None
        self.finished = False  # a script_finished message arrived during the current visit
        self._requests: dict[str, tuple[str, str]] = {}  # requestId -> (url, resource type)
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.loadingFinished", self._loaded)
        self.cdp.on("Network.webSocketFrameReceived", self._received)
        self.cdp.on("Network.webSocketFrameSent", self._sent)
        self.cdp.send("Network.enable")
        self.cdp.send("Performance.enable")

    def start(self, visit: Visit) -> None:
        self.visit, self.finished = visit, False
        self._cpu_start = self._cpu()

    def _cpu(self) -> tuple[float, float | None]:
        """CPU seconds so far of the tab's renderer process and of the server's process (None: no server pid)."""
        metrics = {metric["name"]: metric["value"] for metric in self.cdp.send("Performance.getMetrics")["metrics"]}
        return metrics.get("ProcessTime", 0.0), None if self.server_pid is None else process_cpu_s(self.server_pid)

    def stop(self) -> None:
        """End the current visit: its CPU times; later events are not counted."""
        if self.visit is not None:
            browser, server = self._cpu()
            self.visit.browser_cpu_ms = round(max(0.0, browser - self._cpu_start[0]) * 1e3, 1)
            if server is not None and self._cpu_start[1] is not None:
                self.visit.server_cpu_ms = round((server - self._cpu_start[1]) * 1e3, 1)
        self.visit = None

    def _request(self, params: dict) -> None:
        self._requests[params["requestId"]] = (params["request"]["url"], params.get("type", ""))

    def _loaded(self, params: dict) -> None:
        url, resource_type = self._requests.pop(params["requestId"], ("", ""))
        where = classify(url, resource_type)
        if self.visit is None or where is None:
            return
        size = int(params.get("encodedDataLength", 0))
        path = urlsplit(url).path
        if where == "media":
            self.visit.media += size
            self.visit.media_files[path] = self.visit.media_files.get(path, 0) + size
        elif where == "stcore":
            self.visit.stcore += size
        else:
            self.visit.static += size
            if size:
                self.visit.static_files[path] = self.visit.static_files.get(path, 0) + size

    def _received(self, params: dict) -> None:
        if self.visit is None:
            return
        size, payload = _payload_bytes(params["response"])
        self.visit.ws_in += size
        if payload is not None:
            kind, finished = message_kind(payload)
            self.visit.kinds[kind] += size
            self.finished = self.finished or finished

    def _sent(self, params: dict) -> None:
        if self.visit is not None:
            self.visit.ws_out += _payload_bytes(params["response"])[0]


def wait_painted(tab, traffic: Traffic, start: float, trace: list | None = None) -> float:
    """Seconds from ``start`` (a ``time.perf_counter()``) until the page finished painting and stayed so for
    :data:`IDLE_FOR_S`; RuntimeError naming what was pending after :data:`GIVE_UP_S`. ``trace`` gets
    ``(ms, what was pending)`` whenever that changes (what kept a slow page from finishing)."""
    quiet_since = None
    pending = "nothing yet"
    while time.perf_counter() - start < GIVE_UP_S:
        pending = tab.evaluate(_PENDING_JS) if traffic.finished else "no script_finished message yet"
        now = time.perf_counter()
        if trace is not None and (not trace or trace[-1][1] != pending):
            trace.append((round((now - start) * 1e3), pending))
        if pending:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= IDLE_FOR_S:
            return quiet_since - start
        tab.wait_for_timeout(POLL_S * 1e3)  # not time.sleep: Playwright delivers the CDP events meanwhile
    raise RuntimeError(f"not painted after {GIVE_UP_S:.0f} s: {pending}")


def _page_images(tab) -> list[dict]:
    return [dict(image, src=urlsplit(image["src"]).path) for image in tab.evaluate(_IMAGES_JS)]


def _exception_text(tab) -> str | None:
    exceptions = tab.locator('[data-testid="stException"]')
    return exceptions.first.inner_text()[:500] if exceptions.count() else None


def _finish(visit: Visit, tab, traffic: Traffic, start: float) -> Visit:
    try:
        visit.paint_ms = wait_painted(tab, traffic, start, visit.trace) * 1e3
        visit.images = _page_images(tab)
        visit.error = _exception_text(tab)
    except Exception as error:  # a page that never paints is a result to report, not a crash
        visit.error = str(error)[:500]
    traffic.stop()
    visit.load = os.getloadavg()[0]
    return visit


def open_tab(context, base_url: str, page: str, mode: str = "fresh tab", server_pid: int | None = None):
    """A new tab of ``context`` opened on ``/<page>``: the tab, its :class:`Traffic` and the measured
    :class:`Visit` (with the server's CPU if ``server_pid`` is given)."""
    tab = context.new_page()
    traffic = Traffic(context, tab, server_pid)
    visit = Visit(page, mode)
    traffic.start(visit)
    start = time.perf_counter()
    tab.goto(f"{base_url}/{page}", wait_until="commit")
    return tab, traffic, _finish(visit, tab, traffic, start)


def switch_to(tab, traffic: Traffic, page: str, titles: dict[str, str] = TITLES) -> Visit:
    """Click the sidebar link of ``page`` (a url_path; ``titles`` gives its link's text) in the open session
    ``tab``; the measured visit."""
    title = titles[page]
    link = tab.locator('[data-testid="stSidebarNavLink"]').filter(has_text=title).first
    link.wait_for(state="visible")
    visit = Visit(page, "switch")
    traffic.start(visit)
    start = time.perf_counter()
    link.click()
    return _finish(visit, tab, traffic, start)


def one_run(
    browser,
    base_url: str,
    pages: list[str],
    server_pid: int | None = None,
    *,
    read_s: float = 0.0,
    titles: dict[str, str] = TITLES,
) -> list[Visit]:
    """A new browser context (an empty cache): Home, then every page by its sidebar link and Home again
    (switches; ``read_s`` seconds on each page after it has painted, before the next click), then every page
    in a fresh tab of that context."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab, traffic, start = open_tab(context, base_url, "", mode="session start", server_pid=server_pid)
        visits = [start]
        for page in [p for p in pages if p] + ([""] if "" in pages else []):
            tab.wait_for_timeout(read_s * 1e3)
            visits.append(switch_to(tab, traffic, page, titles))
        tab.close()
        for page in pages:
            fresh_tab, _, visit = open_tab(context, base_url, page, server_pid=server_pid)
            visits.append(visit)
            fresh_tab.close()
        return visits
    finally:
        context.close()


def warm_up(browser, base_url: str, pages: list[str]) -> dict[str, float]:
    """One visitor opens every page once by URL (imports, decoding, first cache fills); seconds per page."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        tab = context.new_page()
        traffic = Traffic(context, tab)
        seconds = {}
        for page in pages:
            visit = Visit(page, "warm-up")
            traffic.start(visit)
            start = time.perf_counter()
            tab.goto(f"{base_url}/{page}", wait_until="commit")
            _finish(visit, tab, traffic, start)
            if visit.error:
                raise RuntimeError(f"warm-up of /{page} failed: {visit.error}")
            seconds[page] = round(visit.paint_ms / 1e3, 2)
        return seconds
    finally:
        context.close()


def measure(
    *,
    runs: int = RUNS,
    pages: list[str] | None = None,
    read_s: float = 0.0,
    floor: bool = False,
    browser=None,
) -> dict:
    """Start a server, warm it up, measure ``runs`` runs; every visit's numbers and the diagnostics.
    ``floor``: the same for ``benchmarks/floor_app.py`` (its pages) instead of the app. ``browser``: a Chromium
    already running (a test's); by default one is launched for the measurement."""
    from playwright.sync_api import sync_playwright

    titles = FLOOR_PAGES if floor else TITLES
    pages = list(titles) if pages is None else pages
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = harness.start_server(port, script=FLOOR_SCRIPT if floor else "streamlit_app.py")

    def visits(browser) -> dict:
        warm = warm_up(browser, base_url, pages)
        all_runs = [one_run(browser, base_url, pages, process.pid, read_s=read_s, titles=titles) for _ in range(runs)]
        return {"warm_up_s": warm, "runs": all_runs, "titles": titles}

    try:
        harness.wait_healthy(process, base_url, SERVER_START_TIMEOUT_S)
        if browser is not None:
            return visits(browser)
        with sync_playwright() as playwright:
            launched = harness.launch_chromium(playwright.chromium)
            try:
                return visits(launched)
            finally:
                launched.close()
    finally:
        harness.stop_server(process)


def gzipped_size(path: str) -> int | None:
    """What Streamlit's frontend file ``/static/...`` would weigh gzipped (level 6, as nginx's ``gzip on`` at
    its default level 1 sends a little more); None for a file that is not one of Streamlit's own.

    Streamlit 1.67 serves its frontend bundles uncompressed on purpose (its ``starlette_gzip_middleware``: "a
    reverse proxy / CDN compresses and caches these"), so on a server reached without such a proxy every attendee
    pulls them at full size."""
    import gzip

    import streamlit

    if not path.startswith("/static/"):
        return None
    file = os.path.join(os.path.dirname(streamlit.__file__), "static", path.lstrip("/"))  # its static/static/
    if not os.path.isfile(file):
        return None
    with open(file, "rb") as handle:
        return len(gzip.compress(handle.read(), compresslevel=6))


def frontend_bytes(visits: list[Visit]) -> tuple[int, int]:
    """The frontend's files one attendee's browser fetched in a run (its first visit and every page switch,
    not the fresh tabs, whose files were cached): bytes as moved, and as they would move gzipped."""
    moved = gzipped = 0
    for visit in visits:
        if visit.mode == "fresh tab":
            continue
        for path, size in visit.static_files.items():
            moved += size
            packed = gzipped_size(path)
            gzipped += size if packed is None else min(size, packed)
    return moved, gzipped


def _spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)} if values else {}


def per_page(result: dict) -> list[dict]:
    """One entry per (page, mode): bytes and paint time over the runs, whether both targets were met, and
    what was biggest (from the run with the most bytes)."""
    grouped: dict[tuple[str, str], list[Visit]] = defaultdict(list)
    for visits in result["runs"]:
        for visit in visits:
            grouped[(visit.page, visit.mode)].append(visit)
    entries = []
    for (page, mode), visits in grouped.items():
        title = result.get("titles", TITLES)[page]
        paints = [v.paint_ms for v in visits if v.paint_ms is not None]
        sizes = [v.page_bytes for v in visits]
        heaviest = max(visits, key=lambda v: v.page_bytes)
        errors = [v.error for v in visits if v.error]
        bytes_ok = max(sizes) <= BYTES_TARGET
        paint_ok = bool(paints) and statistics.median(paints) <= PAINT_TARGET_MS
        shown = {image["src"]: image for image in heaviest.images}
        entries.append(
            {
                "page": page,
                "title": title,
                "mode": mode,
                "bytes": _spread(sizes),
                "paint_ms": _spread(paints),
                "ws_in": _spread([v.ws_in for v in visits]),
                "ws_out": _spread([v.ws_out for v in visits]),
                "media": _spread([v.media for v in visits]),
                "media_count": _spread([len(v.media_files) for v in visits]),
                "static": _spread([v.static for v in visits]),
                "browser_cpu_ms": _spread([v.browser_cpu_ms for v in visits if v.browser_cpu_ms is not None]),
                "server_cpu_ms": _spread([v.server_cpu_ms for v in visits if v.server_cpu_ms is not None]),
                "bytes_ok": bytes_ok,
                "paint_ok": paint_ok,
                "ok": bytes_ok and paint_ok and not errors,
                "errors": errors,
                "biggest_messages": heaviest.kinds.most_common(4),
                "slowest_trace": max(visits, key=lambda v: v.paint_ms or GIVE_UP_S * 1e3).trace,
                "biggest_media": [
                    {"src": src, "bytes": size, **{k: shown[src][k] for k in ("natural", "shown") if src in shown}}
                    for src, size in sorted(heaviest.media_files.items(), key=lambda item: -item[1])[:5]
                ],
                "biggest_static": sorted(
                    max(visits, key=lambda v: v.static).static_files.items(), key=lambda item: -item[1]
                )[:3],
                "load": _spread([v.load for v in visits]),
            }
        )
    return entries


def _kb(value: float) -> str:
    return f"{value / 1e3:,.0f}"


def _range(spread: dict, fmt) -> str:
    if not spread:
        return "-"
    low, high = fmt(spread["min"]), fmt(spread["max"])
    return f"{fmt(spread['median'])} ({low}-{high})" if low != high else fmt(spread["median"])


def table(entries: list[dict]) -> str:
    """Per page and way of arriving: kB (websocket in, media), paint ms, CPU ms of the tab and of the server,
    static kB; medians (ranges over the runs). The websocket's outgoing kB (a fraction of one) are in the JSON."""
    headers = (
        "page",
        "arrival",
        "kB",
        "ws in kB",
        "media kB (files)",
        "paint ms",
        "tab CPU ms",
        "server CPU ms",
        "static kB",
        "ok",
    )
    lines = []
    for e in entries:
        files = f"{_range(e['media'], _kb)} ({e['media_count']['median']:.0f})" if e["media"] else "-"
        ok = (
            "yes"
            if e["ok"]
            else "NO: "
            + ", ".join(
                w
                for w, bad in (("bytes", not e["bytes_ok"]), ("time", not e["paint_ok"]), ("error", e["errors"]))
                if bad
            )
        )
        lines.append(
            (
                e["title"],
                e["mode"],
                _range(e["bytes"], _kb),
                _range(e["ws_in"], _kb),
                files,
                _range(e["paint_ms"], lambda v: f"{v:,.0f}"),
                _range(e["browser_cpu_ms"], lambda v: f"{v:,.0f}"),
                _range(e["server_cpu_ms"], lambda v: f"{v:,.0f}"),
                _range(e["static"], _kb),
                ok,
            )
        )
    widths = [max(len(cells[i]) for cells in [headers, *lines]) for i in range(len(headers))]
    out = ["  ".join(c.ljust(w) for c, w in zip(cells, widths)) for cells in [headers, *lines]]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def rows(entries: list[dict]) -> list[dict]:
    """``run.py`` rows: one per page and way of arriving, the median paint time against 1.5 s; the kB (worst
    run) against 1 MB in the name and in ``kb``."""
    return [
        {
            "name": f"{e['title']}: {e['mode']}, {_kb(e['bytes']['max'])} kB (<= {_kb(BYTES_TARGET)} kB)",
            "ours_ms": e["paint_ms"].get("median"),
            "baseline_ms": None,
            "ratio": None,
            "target": PAINT_TARGET_MS,
            "ok": e["ok"],
            "kb": round(e["bytes"]["max"] / 1e3, 1),
            "kb_target": BYTES_TARGET / 1e3,
            **{key: e[key] for key in ("page", "mode", "bytes", "paint_ms", "media", "media_count", "static")},
            "errors": e["errors"],
        }
        for e in entries
        if e["mode"] != "session start"
    ]


def run() -> list[dict]:
    return rows(per_page(measure()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="browser contexts measured one after the other")
    parser.add_argument("--pages", help="comma-separated url paths (home for Home); default every page")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="measure benchmarks/floor_app.py (a title alone; one element of each kind) instead of the app",
    )
    parser.add_argument(
        "--read-s", type=float, default=0.0, help="seconds spent on each page before the next click (default 0)"
    )
    args = parser.parse_args(argv)
    pages = None
    if args.pages and args.floor:
        parser.error("--floor measures its own three pages; leave out --pages")
    if args.pages:
        known = {entry.url_path or "home": entry.url_path for entry in SITE_MAP}
        wanted = [name.strip() for name in args.pages.split(",")]
        unknown = [name for name in wanted if name not in known]
        if unknown:
            parser.error(f"--pages: unknown {unknown}; known: {', '.join(known)}")
        pages = [known[name] for name in wanted]
    result = measure(runs=args.runs, pages=pages, read_s=args.read_s, floor=args.floor)
    entries = per_page(result)
    print(table(entries))
    missed = [e for e in entries if not e["ok"]]
    for e in missed:
        print(f"\n{e['title']} ({e['mode']}) missed: errors {e['errors'][:1]}")
        print(f"  biggest messages (bytes): {e['biggest_messages']}")
        print(f"  biggest media: {e['biggest_media']}")
        print(f"  biggest static files: {e['biggest_static']}")
        print(f"  slowest visit, pending (ms, what): {e['slowest_trace']}")
    frontend = [frontend_bytes(visits) for visits in result["runs"]]
    loads = [v.load for visits in result["runs"] for v in visits]
    print(
        f"\nThe frontend's files (static, once per attendee: a first visit and every page by its link), kB per run: "
        f"{', '.join(_kb(moved) for moved, _ in frontend)} "
        f"(gzipped: {', '.join(_kb(packed) for _, packed in frontend)}); "
        f"the machine's load average during the visits: "
        f"{min(loads):.1f}-{max(loads):.1f} (2 cores)"
    )
    print(
        json.dumps(
            {
                "page_weight": entries,
                "warm_up_s": result["warm_up_s"],
                "runs": args.runs,
                "read_s": args.read_s,
                "floor": args.floor,
                "frontend_bytes_per_run": [moved for moved, _ in frontend],
                "frontend_gzipped_bytes_per_run": [packed for _, packed in frontend],
                "load_average": _spread(loads),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

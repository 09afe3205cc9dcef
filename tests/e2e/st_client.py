"""Simulated attendees speaking Streamlit's own protocol, for the load benchmark (``benchmarks/bench_load.py``)
and its short run in the test suite (``tests/e2e/test_load.py``). No pytest and no browser here.

What a browser tab does, reduced to what loads the server:

1. ``GET /_stcore/health`` and ``/_stcore/host-config`` (the static frontend files are left out: a browser
   caches them, and ``bench_startup.py`` measures them), then a websocket on ``/_stcore/stream`` with the
   ``streamlit`` subprotocol.
2. A ``BackMsg`` with ``rerun_script``: a ``ClientState`` holding the page (``page_script_hash`` or, on the
   first load, the URL path as ``page_name``), the ``query_string`` and the ``widget_states``.
3. ``ForwardMsg`` s back until ``script_finished``: ``navigation`` lists the pages and their hashes, deltas
   carry the elements (a widget's ``id`` is ``$$ID-<hash>-<user key>``), ``page_info_changed`` the page's
   query string, ``ref_hash`` an element the client said it already had (``cached_message_hashes``, as the
   browser's message cache does).
4. ``GET`` of every ``/media/...`` file the run's elements refer to (once per session, like a browser cache).

Simplifications, each making the load a little lighter than a browser's: widget states are sent only for the
widgets the attendee set (a browser also sends the defaults of every widget it drew), no heartbeats, and
``auto_rerun`` requests (live panels during a training) are ignored.

Everything goes to the loopback address given; every run has a timeout, and an attendee stops at its deadline.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
import urllib.parse
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

# One script run (plus its media) that takes longer than this is a failure, not a slow run.
RUN_TIMEOUT_S = 120.0
# Media URLs in a serialized element: /media/<content hash>.<extension>.
MEDIA_URL = re.compile(rb"/media/[0-9A-Za-z_-]+\.[0-9A-Za-z]+")
# Widget kinds an attendee knows how to move (Element oneof names).
SETTABLE = ("slider", "selectbox", "radio", "number_input", "checkbox")
# The widget an attendee moves on each page (its session key), as in bench_pages.py; a page missing from here,
# or whose widget was renamed, gets one of its other main-area widgets.
KEY_WIDGETS = {
    "images-are-numbers": "numbers.row",
    "color": "color.space",
    "kernels": "kernels.padding",
    "edges": "edges.ksize",
    "fourier": "fourier.radius",
    "morphology": "morph.shape",
    "features": "features.n_features",
    "neurons": "neurons.activation",
    "cnn-anatomy": "anatomy.shift",
    "train": "train.test_pct",
    "feature-maps": "fmaps.channel",
    "attribution": "attr.opacity",
    "occlusion": "occl.opacity",
    "embeddings": "emb.k",
    "draw": "draw.seed",
}


class LoadError(RuntimeError):
    """A run that did not finish cleanly (exception shown, page not found, timeout, media missing)."""


@dataclass
class Widget:
    """A widget as its delta describes it: enough to set a new value."""

    id: str
    kind: str  # "slider", "selectbox", ...
    proto: object  # the element's own proto (Slider, Radio, ...)
    sidebar: bool

    @property
    def key(self) -> str:
        """The user key (``numbers.row``), or "" for a widget without one."""
        parts = self.id.split("-", 2)
        return parts[2] if self.id.startswith("$$ID-") and len(parts) == 3 else ""


@dataclass
class Run:
    """One interaction: a script run and the media it refers to."""

    kind: str  # "first load", "page switch", "widget change"
    page: str  # URL path ("" is Home)
    attendee: int
    start: float  # time.monotonic() when the request left
    script_s: float = 0.0  # until script_finished
    total_s: float = 0.0  # until the last media file arrived
    media: int = 0
    received_bytes: int = 0
    widget: str = ""
    error: str = ""
    alerts: list[str] = field(default_factory=list)  # the text of st.success/info/warning/error elements drawn


@dataclass
class _Cached:
    widgets: list[Widget] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)


async def http_get(base_url: str, path: str, *, timeout_s: float = RUN_TIMEOUT_S) -> bytes:
    """``GET path`` over one HTTP/1.1 connection (``Connection: close``); the body, or LoadError on a non-200."""
    url = urllib.parse.urlsplit(base_url)
    reader, writer = await asyncio.wait_for(asyncio.open_connection(url.hostname, url.port), timeout_s)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), timeout_s)
    finally:
        writer.close()
    head, _, body = response.partition(b"\r\n\r\n")
    status = head.split(b" ", 2)[1:2]
    if status != [b"200"]:
        raise LoadError(f"GET {path} answered {head.splitlines()[0].decode(errors='replace') if head else 'nothing'}")
    return body


class Session:
    """One browser tab: a websocket session on a Streamlit server, driven one run at a time."""

    def __init__(self, base_url: str, *, attendee: int = 0) -> None:
        self.base_url = base_url.rstrip("/")
        self.attendee = attendee
        self.websocket = None
        self.pages: dict[str, str] = {}  # URL path -> page_script_hash, in the navigation's order
        self.page = ""  # URL path of the current page
        self.page_hash = ""
        self.query_string = ""
        self.widgets: list[Widget] = []  # drawn by the last run
        self.widget_states: dict[str, WidgetState] = {}  # set by us on the current page
        self.buttons: dict[str, str] = {}  # user key -> widget id, of the buttons the last full run drew
        self.fragments: dict[str, float] = {}  # fragment id -> seconds between its automatic reruns
        self._cache: dict[str, _Cached] = {}  # message hash -> what it held (for ref_hash messages)
        self._fetched: set[str] = set()  # media already downloaded (a browser's cache)

    async def open(self, page: str = "", query_string: str = "") -> Run:
        """Connect and run ``page`` (URL path, "" for Home) as a new visitor does."""
        run = Run("first load", page, self.attendee, time.monotonic())
        try:
            await http_get(self.base_url, "/_stcore/health")
            await http_get(self.base_url, "/_stcore/host-config")
            ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
            self.websocket = await asyncio.wait_for(
                websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, compression=None),
                RUN_TIMEOUT_S,
            )
            self.page, self.query_string = page, query_string
            await self._rerun(run, page_name=page)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def switch_page(self, page: str) -> Run:
        """Open another page from the sidebar: its hash, no query string, the old page's widget states."""
        run = Run("page switch", page, self.attendee, time.monotonic())
        if page not in self.pages:
            run.error = f"LoadError: no page {page!r} in the navigation ({', '.join(self.pages)})"
            return run
        self.page, self.page_hash, self.query_string = page, self.pages[page], ""
        try:
            await self._rerun(run)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        self.widget_states = {}
        return run

    def pick_widget(self, rng: random.Random) -> Widget | None:
        """The page's key widget (``KEY_WIDGETS``), else a random settable one in the main area, else None."""
        main = [w for w in self.widgets if not w.sidebar and not getattr(w.proto, "disabled", False)]
        wanted = KEY_WIDGETS.get(self.page)
        for widget in main:
            if wanted and widget.key == wanted:
                return widget
        return rng.choice(main) if main else None

    async def change_widget(self, widget: Widget, rng: random.Random) -> Run:
        """Give ``widget`` a new value (random, within its own options or range) and rerun."""
        run = Run("widget change", self.page, self.attendee, time.monotonic(), widget=widget.key or widget.kind)
        self.widget_states[widget.id] = new_state(widget, self.widget_states.get(widget.id), rng)
        try:
            await self._rerun(run)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def press(self, key: str) -> Run:
        """Click the button with user key ``key`` (drawn by the last run), as the browser does: a trigger."""
        run = Run("button", self.page, self.attendee, time.monotonic(), widget=key)
        if key not in self.buttons:
            run.error = f"LoadError: no button {key!r} on the page"
            return run
        trigger = WidgetState(id=self.buttons[key], trigger_value=True)
        try:
            await self._rerun(run, extra=[trigger])
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def rerun_fragment(self, fragment_id: str) -> Run:
        """One tick of a live panel (``st.fragment(run_every=...)``): what the browser sends every interval."""
        run = Run("live panel", self.page, self.attendee, time.monotonic())
        try:
            await self._rerun(run, fragment_id=fragment_id)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def close(self) -> None:
        if self.websocket is not None:
            await self.websocket.close()
            self.websocket = None

    async def _rerun(
        self, run: Run, *, page_name: str = "", extra: list[WidgetState] | None = None, fragment_id: str = ""
    ) -> None:
        """Send ``rerun_script``, read ForwardMsgs until ``script_finished``, fetch the new media; fill ``run``."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash
        state.page_name = page_name
        state.widget_states.widgets.extend(self.widget_states.values())
        state.widget_states.widgets.extend(extra or [])
        if fragment_id:
            state.fragment_id, state.is_auto_rerun = fragment_id, True
        state.cached_message_hashes.extend(self._cache)
        run.start = time.monotonic()
        await self.websocket.send(message.SerializeToString())
        media = await asyncio.wait_for(self._read_until_finished(run), RUN_TIMEOUT_S)
        run.script_s = time.monotonic() - run.start
        new = [url for url in dict.fromkeys(media) if url not in self._fetched]
        if new:
            deadline = RUN_TIMEOUT_S - run.script_s
            await asyncio.gather(*(http_get(self.base_url, url, timeout_s=deadline) for url in new))
            self._fetched.update(new)
        run.media = len(new)
        run.total_s = time.monotonic() - run.start

    async def _read_until_finished(self, run: Run) -> list[str]:
        widgets: list[Widget] = []
        media: list[str] = []
        buttons: dict[str, str] = {}
        while True:
            data = await self.websocket.recv()
            run.received_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._on_delta(msg, widgets, media, buttons, run.alerts)
            elif kind == "new_session":  # a run starts (a fragment's st.rerun() starts a second one)
                widgets, buttons = [], {}
            elif kind == "auto_rerun":
                self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    raise LoadError(f"server referred to message {msg.ref_hash} the client never had")
                widgets.extend(cached.widgets)
                media.extend(cached.media)
                buttons.update(cached.buttons)
                run.alerts.extend(cached.alerts)
            elif kind == "navigation":
                self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash
                by_hash = {h: path for path, h in self.pages.items()}
                self.page = by_hash.get(self.page_hash, self.page)
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "page_not_found":
                raise LoadError(f"page not found: {msg.page_not_found.page_name!r}")
            elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
                raise LoadError(f"script compilation error: {msg.session_event.script_compilation_exception}")
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise LoadError("script finished with a compile error")
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:  # not a fragment's run alone
                        self.widgets, self.buttons = widgets, buttons
                    return media

    def _on_delta(
        self, msg: ForwardMsg, widgets: list[Widget], media: list[str], buttons: dict[str, str], alerts: list[str]
    ) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise LoadError(f"page raised {element.exception.type}: {element.exception.message}")
        found = _Cached()
        if kind == "button":
            widget_id = element.button.id
            parts = widget_id.split("-", 2)
            if widget_id.startswith("$$ID-") and len(parts) == 3:
                found.buttons[parts[2]] = widget_id
        elif kind == "alert":
            found.alerts.append(element.alert.body)
        if kind in SETTABLE:
            proto = getattr(element, kind)
            path = msg.metadata.delta_path
            found.widgets.append(Widget(proto.id, kind, proto, sidebar=bool(path) and path[0] == 1))
        found.media = [url.decode() for url in MEDIA_URL.findall(element.SerializeToString())]
        widgets.extend(found.widgets)
        media.extend(found.media)
        buttons.update(found.buttons)
        alerts.extend(found.alerts)
        if msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = found


def new_state(widget: Widget, previous: WidgetState | None, rng: random.Random) -> WidgetState:
    """A WidgetState holding a value for ``widget`` other than its current one, encoded as Streamlit 1.67's
    frontend does: radio/selectbox by option text, select_slider by option texts, sliders as a double array,
    number inputs as a double, checkboxes as a bool."""
    proto = widget.proto
    state = WidgetState(id=widget.id)
    if widget.kind in ("radio", "selectbox"):
        options = list(proto.options)
        current = previous.string_value if previous is not None else (options[proto.default] if options else "")
        others = [option for option in options if option != current] or options
        state.string_value = rng.choice(others) if others else ""
    elif widget.kind == "slider" and proto.options:  # a select_slider
        options = list(proto.options)
        current = list(previous.string_array_value.data) if previous is not None else []
        choices = [option for option in options if [option] != current] or options
        picks = (
            sorted(rng.sample(range(len(options)), 2))
            if len(proto.default) == 2
            else [options.index(rng.choice(choices))]
        )
        state.string_array_value.data.extend(options[i] for i in picks)
    elif widget.kind == "slider":
        steps = max(1, round((proto.max - proto.min) / proto.step)) if proto.step else 100
        values = sorted(proto.min + rng.randint(0, steps) * (proto.max - proto.min) / steps for _ in proto.default)
        state.double_array_value.data.extend(round(v) if proto.data_type == Slider.INT else v for v in values)
    elif widget.kind == "number_input":
        low = proto.min if proto.has_min else proto.default - 10 * (proto.step or 1)
        high = proto.max if proto.has_max else proto.default + 10 * (proto.step or 1)
        value = rng.uniform(low, high)
        state.double_value = float(round(value)) if proto.data_type == NumberInput.INT else value
    elif widget.kind == "checkbox":
        state.bool_value = not (previous.bool_value if previous is not None else proto.default)
    return state


@dataclass(frozen=True)
class Plan:
    """What the attendees do. Each one arrives at a random moment within ``arrival_s``, opens Home, then
    until ``duration_s`` has passed since the first arrival: thinks (``think_s`` ± 50 %), and either moves
    the page's key widget (``changes_per_page`` times on each page) or opens the next page of its tour (every
    page in the navigation's order, each attendee starting at a different one, so a few attendees cover them
    all)."""

    attendees: int = 30
    think_s: float = 10.0
    duration_s: float = 60.0
    arrival_s: float = 10.0
    changes_per_page: int = 2
    seed: int = 0


async def attendee(base_url: str, plan: Plan, index: int, start: float) -> list[Run]:
    """One simulated attendee's runs, in order. Stops at its first error (the session may be gone)."""
    rng = random.Random(plan.seed * 1000 + index)
    await asyncio.sleep(rng.uniform(0, plan.arrival_s))
    deadline = start + plan.duration_s
    session = Session(base_url, attendee=index)
    runs = [await session.open()]
    try:
        if runs[-1].error:
            return runs
        tour = list(session.pages)
        at = (index * len(tour)) // max(1, plan.attendees) if tour else 0
        changes = plan.changes_per_page  # Home: go straight on to the tour
        while True:
            await asyncio.sleep(plan.think_s * rng.uniform(0.5, 1.5))
            if time.monotonic() >= deadline:
                break
            widget = session.pick_widget(rng) if changes < plan.changes_per_page else None
            if widget is not None:
                runs.append(await session.change_widget(widget, rng))
                changes += 1
            else:
                at = (at + 1) % len(tour)
                if tour[at] == session.page:  # the tour wrapped onto the current page
                    at = (at + 1) % len(tour)
                runs.append(await session.switch_page(tour[at]))
                changes = 0
            if runs[-1].error:
                break
    finally:
        await session.close()
    return runs


async def run_plan(base_url: str, plan: Plan) -> list[Run]:
    """Every attendee of ``plan`` against ``base_url`` (a loopback server), all runs in start order."""
    if urllib.parse.urlsplit(base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"base_url must be a loopback server, got {base_url!r}")
    start = time.monotonic()
    results = await asyncio.gather(*(attendee(base_url, plan, i, start) for i in range(plan.attendees)))
    return sorted((run for runs in results for run in runs), key=lambda run: run.start)


async def tour(base_url: str) -> list[Run]:
    """One visitor opening every page once (a warm-up: imports, decoding, first cache fills)."""
    session = Session(base_url)
    runs = [await session.open()]
    try:
        for page in list(session.pages)[1:]:
            runs.append(await session.switch_page(page))
    finally:
        await session.close()
    return runs

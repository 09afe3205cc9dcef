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
5. Like a browser, a session keeps the cookies its server (or a proxy in front of it) sets and sends them with
   every request and the websocket handshake: a proxy's affinity cookie, Streamlit's ``_streamlit_xsrf``
   (sent back as the websocket's second subprotocol and as the ``X-Xsrftoken`` header of uploads).
   ``Session.upload`` does what the browser's file picker does: asks for upload URLs on the websocket,
   ``PUT`` s the file there, then reruns with the uploader's new state.

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
from streamlit.proto.Common_pb2 import FileUploaderState, FileURLs, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

# One script run (plus its media) that takes longer than this is a failure, not a slow run.
RUN_TIMEOUT_S = 120.0
# Media URLs in a serialized element: /media/<content hash>.<extension>.
MEDIA_URL = re.compile(rb"/media/[0-9A-Za-z_-]+\.[0-9A-Za-z]+")
# deploy/nginx.conf's affinity cookie: the name of the replica a browser's session lives on.
AFFINITY_COOKIE = "vx_replica"
# Streamlit's XSRF cookie (double-submit: its value goes back as a header / websocket subprotocol).
XSRF_COOKIE = "_streamlit_xsrf"
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
    "pretrained": "pretrained.check",
    "dreams": "dreams.octaves",
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
    texts: list[str] = field(default_factory=list)  # the text of markdown and caption elements drawn
    replica: str = ""  # behind deploy/nginx.conf: the replica that served it (its affinity cookie)


@dataclass
class _Cached:
    widgets: list[Widget] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)
    alerts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    uploaders: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]  # (lower-case name, value), in order
    body: bytes


async def http_request(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    timeout_s: float = RUN_TIMEOUT_S,
) -> Response:
    """One HTTP/1.1 request on a connection of its own (``Connection: close``). ``cookies`` (a browser's jar
    for this server) are sent, and updated from the answer's ``Set-Cookie`` headers."""
    url = urllib.parse.urlsplit(base_url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {url.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies.items()))
    if body or method in ("PUT", "POST"):
        lines.append(f"Content-Length: {len(body)}")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(url.hostname, url.port), timeout_s)
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), timeout_s)
    finally:
        writer.close()
    head, _, payload = response.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status_line = head_lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise LoadError(f"{method} {path}: no HTTP answer ({head_lines[0][:80]!r})")
    parsed = [(name.strip().lower(), value.strip()) for name, _, value in (h.partition(":") for h in head_lines[1:])]
    if cookies is not None:
        for name, value in parsed:
            if name == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                cookies[cookie_name.strip()] = cookie_value.strip()
    return Response(int(status_line[1]), parsed, payload)


async def http_get(
    base_url: str, path: str, *, timeout_s: float = RUN_TIMEOUT_S, cookies: dict[str, str] | None = None
) -> bytes:
    """``GET path``; the body, or LoadError on a non-200. ``cookies`` as in :func:`http_request`."""
    response = await http_request(base_url, "GET", path, cookies=cookies, timeout_s=timeout_s)
    if response.status != 200:
        raise LoadError(f"GET {path} answered {response.status}")
    return response.body


def multipart(name: str, data: bytes, mime: str) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with one file field ``file`` (what the browser's uploader sends) and
    its Content-Type header value."""
    boundary = f"----vx{random.getrandbits(64):016x}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


async def put_file(
    base_url: str, upload_url: str, name: str, data: bytes, mime: str, *, cookies: dict[str, str]
) -> Response:
    """``PUT`` a file to a Streamlit upload URL as the browser does: the XSRF cookie's value as the
    ``X-Xsrftoken`` header, the cookies, a multipart body."""
    body, content_type = multipart(name, data, mime)
    headers = {"Content-Type": content_type, "X-Xsrftoken": cookies.get(XSRF_COOKIE, "")}
    return await http_request(base_url, "PUT", upload_url, body=body, headers=headers, cookies=cookies)


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
        self.cookies: dict[str, str] = {}  # a browser's cookie jar for this server (and its proxy)
        self.session_id = ""  # the server's id of this session (from new_session; uploads name it)
        self.uploaders: dict[str, str] = {}  # user key -> widget id, of the file uploaders the last run drew
        self.media_urls: list[str] = []  # every media URL fetched, in order

    async def open(self, page: str = "", query_string: str = "") -> Run:
        """Connect and run ``page`` (URL path, "" for Home) as a new visitor does."""
        run = Run("first load", page, self.attendee, time.monotonic())
        try:
            await http_get(self.base_url, "/_stcore/health", cookies=self.cookies)
            await http_get(self.base_url, "/_stcore/host-config", cookies=self.cookies)
            await self.connect()
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

    async def connect(self) -> None:
        """Open the websocket as the browser does: its cookies, its origin, and the XSRF token as the second
        subprotocol."""
        ws_url = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        protocols = ["streamlit"] + ([self.cookies[XSRF_COOKIE]] if XSRF_COOKIE in self.cookies else [])
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.websocket = await asyncio.wait_for(
            websockets.connect(
                ws_url,
                subprotocols=protocols,
                additional_headers=headers,
                origin=self.base_url,
                max_size=None,
                compression=None,
                proxy=None,
            ),
            RUN_TIMEOUT_S,
        )

    async def rerun(self) -> Run:
        """Run the current page again with the same widget states (a browser's "Rerun")."""
        run = Run("rerun", self.page, self.attendee, time.monotonic())
        try:
            await self._rerun(run)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def choose(self, key: str, option: str) -> Run:
        """Pick ``option`` (its text) in the radio or selectbox with user key ``key`` drawn by the last run."""
        run = Run("widget change", self.page, self.attendee, time.monotonic(), widget=key)
        found = [w for w in self.widgets if w.key == key and w.kind in ("radio", "selectbox")]
        if not found:
            run.error = f"LoadError: no radio or selectbox {key!r} on the page"
            return run
        self.widget_states[found[0].id] = WidgetState(id=found[0].id, string_value=option)
        try:
            await self._rerun(run)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
        return run

    async def upload_urls(self, name: str) -> FileURLs:
        """Ask the server for one file's upload URL on the websocket, as the browser's uploader does."""
        message = BackMsg()
        message.file_urls_request.request_id = f"vx-{random.getrandbits(32):08x}"
        message.file_urls_request.file_names.append(name)
        message.file_urls_request.session_id = self.session_id
        await self.websocket.send(message.SerializeToString())

        async def answer() -> FileURLs:
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await self.websocket.recv())
                if msg.WhichOneof("type") == "file_urls_response":
                    if msg.file_urls_response.error_msg:
                        raise LoadError(f"upload URLs refused: {msg.file_urls_response.error_msg}")
                    return msg.file_urls_response.file_urls[0]

        return await asyncio.wait_for(answer(), RUN_TIMEOUT_S)

    async def upload(self, key: str, name: str, data: bytes, mime: str) -> Run:
        """Upload a file through the uploader with user key ``key`` (drawn by the last run) and rerun, as
        the browser does: upload URL, ``PUT`` (XSRF header, cookies), then the uploader's new state."""
        run = Run("upload", self.page, self.attendee, time.monotonic(), widget=key)
        if key not in self.uploaders:
            run.error = f"LoadError: no file uploader {key!r} on the page"
            return run
        try:
            urls = await self.upload_urls(name)
            put = await put_file(self.base_url, urls.upload_url, name, data, mime, cookies=self.cookies)
            if put.status != 204:
                raise LoadError(f"PUT {urls.upload_url} answered {put.status}: {put.body[:200]!r}")
            info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id, file_urls=urls)
            widget_id = self.uploaders[key]
            self.widget_states[widget_id] = WidgetState(
                id=widget_id, file_uploader_state_value=FileUploaderState(uploaded_file_info=[info])
            )
            await self._rerun(run)
        except (LoadError, OSError, TimeoutError, websockets.WebSocketException) as error:
            run.error = f"{type(error).__name__}: {error}"
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
            await asyncio.gather(
                *(http_get(self.base_url, url, timeout_s=deadline, cookies=self.cookies) for url in new)
            )
            self._fetched.update(new)
            self.media_urls.extend(new)
        run.media = len(new)
        run.total_s = time.monotonic() - run.start
        run.replica = self.cookies.get(AFFINITY_COOKIE, "")

    async def _read_until_finished(self, run: Run) -> list[str]:
        widgets: list[Widget] = []
        media: list[str] = []
        buttons: dict[str, str] = {}
        uploaders: dict[str, str] = {}
        while True:
            data = await self.websocket.recv()
            run.received_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._on_delta(msg, widgets, media, buttons, run, uploaders)
            elif kind == "new_session":  # a run starts (a fragment's st.rerun() starts a second one)
                widgets, buttons, uploaders = [], {}, {}
                self.session_id = msg.new_session.initialize.session_id or self.session_id
            elif kind == "auto_rerun":
                self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    raise LoadError(f"server referred to message {msg.ref_hash} the client never had")
                widgets.extend(cached.widgets)
                media.extend(cached.media)
                buttons.update(cached.buttons)
                uploaders.update(cached.uploaders)
                run.alerts.extend(cached.alerts)
                run.texts.extend(cached.texts)
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
                        self.widgets, self.buttons, self.uploaders = widgets, buttons, uploaders
                    return media

    def _on_delta(
        self,
        msg: ForwardMsg,
        widgets: list[Widget],
        media: list[str],
        buttons: dict[str, str],
        run: Run,
        uploaders: dict[str, str],
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
        elif kind == "markdown":
            found.texts.append(element.markdown.body)
        elif kind == "file_uploader":
            parts = element.file_uploader.id.split("-", 2)
            if len(parts) == 3:
                found.uploaders[parts[2]] = element.file_uploader.id
        if kind in SETTABLE:
            proto = getattr(element, kind)
            path = msg.metadata.delta_path
            found.widgets.append(Widget(proto.id, kind, proto, sidebar=bool(path) and path[0] == 1))
        found.media = [url.decode() for url in MEDIA_URL.findall(element.SerializeToString())]
        widgets.extend(found.widgets)
        media.extend(found.media)
        buttons.update(found.buttons)
        uploaders.update(found.uploaders)
        run.alerts.extend(found.alerts)
        run.texts.extend(found.texts)
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

"""Two replicas of the app behind nginx (``deploy/nginx.conf``) on loopback, as the compose file runs them
(issue 11, "Replicas behind a real proxy").

What is checked, against the replicas themselves rather than the proxy's word:
- a browser's affinity cookie keeps its session on one replica: its upload and its pictures work through the
  proxy and on that replica, and fail when sent to the other replica directly (400 "Invalid session_id",
  404): affinity is what makes them work;
- newcomers are spread over both replicas, and simulated attendees browse through the proxy without errors;
- a replica stops: sessions on the other keep working, every newcomer (and the stopped replica's browsers)
  lands on the living one and works, and stays there after the stopped replica is back;
- a real Chromium through the proxy: a page paints, and a picture uploaded with the sidebar picker is used.

The replicas share no cookie secret: Streamlit's XSRF check does not need one (``deploy/nginx.conf`` says why),
and the upload tests prove it. nginx missing is a failure naming the install script, never a skip.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from tests.e2e import harness, proxy, st_client
from tests.e2e.conftest import RUN_TIMEOUT_MS, VIEWPORT, App

T = TypeVar("T")
AFFINITY_COOKIE = st_client.AFFINITY_COOKIE
REPLICAS = ("replica-1", "replica-2")
SERVER_START_TIMEOUT_S = 120  # two servers starting at once on a shared 2-core machine
UPLOADER = "_shared.upload"  # the sidebar picker's file uploader (ui/images.py)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a thread of its own (Playwright's sync API may hold the test thread's loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def png_bytes(rows: int, cols: int) -> bytes:
    ramp = np.linspace(0, 255, cols, dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.stack([np.tile(ramp, (rows, 1))] * 3, axis=-1)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Cluster:
    ports: dict[str, int]  # replica name -> its port
    servers: dict[str, Any]  # replica name -> its process
    nginx: proxy.Proxy

    def direct(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start_replica(self, name: str) -> None:
        self.servers[name] = harness.start_server(self.ports[name])
        harness.wait_healthy(self.servers[name], self.direct(name), SERVER_START_TIMEOUT_S)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        proxy.nginx_binary()
    except FileNotFoundError as error:
        pytest.fail(f"{error}. The replica tests are not skipped.", pytrace=False)
    ports = {name: harness.free_port() for name in REPLICAS}
    servers = {name: harness.start_server(port) for name, port in ports.items()}
    nginx = None
    try:
        for name, process in servers.items():
            harness.wait_healthy(process, f"http://127.0.0.1:{ports[name]}", SERVER_START_TIMEOUT_S)
        nginx = proxy.start([ports[name] for name in REPLICAS])
        cluster = Cluster(ports, servers, nginx)
        # Warm both replicas directly (imports, first cache fills) so no test's timeouts depend on order.
        for name in REPLICAS:
            warm = _run(st_client.tour(cluster.direct(name)))
            assert [run.error for run in warm if run.error] == []
        yield cluster
    finally:
        if nginx is not None:
            proxy.stop(nginx)
        for process in servers.values():
            harness.stop_server(process)


def _ok(run: st_client.Run) -> st_client.Run:
    assert not run.error, f"{run.kind} of {run.page!r}: {run.error}"
    return run


async def _affinity(cluster: Cluster) -> None:
    session = st_client.Session(cluster.nginx.base_url)
    try:
        _ok(await session.open("kernels"))
        mine = session.cookies.get(AFFINITY_COOKIE)
        assert mine in REPLICAS, session.cookies
        other = next(name for name in REPLICAS if name != mine)
        assert session.media_urls, "the Kernels page shows pictures"
        picture = session.media_urls[0]

        # Pictures: through the proxy and on its own replica, yes; on the other replica, no.
        jar = dict(session.cookies)
        assert (await st_client.http_request(cluster.nginx.base_url, "GET", picture, cookies=jar)).status == 200
        assert (await st_client.http_request(cluster.direct(mine), "GET", picture)).status == 200
        assert (await st_client.http_request(cluster.direct(other), "GET", picture)).status == 404

        # An upload through the proxy, as the browser's picker does it, is used by the page.
        _ok(await session.choose("shared.source", "Upload"))
        run = _ok(await session.upload(UPLOADER, "ramp.png", png_bytes(40, 60), "image/png"))
        assert any("Current image: your upload · 40 × 60 px" in text for text in run.texts), run.texts
        assert not any("could not be used" in alert for alert in run.alerts), run.alerts

        # The same upload sent past the proxy: its replica takes it, the other refuses the session.
        urls = await session.upload_urls("again.png")
        data = png_bytes(8, 8)
        wrong = await st_client.put_file(
            cluster.direct(other), urls.upload_url, "again.png", data, "image/png", cookies=dict(session.cookies)
        )
        assert wrong.status == 400 and b"Invalid session_id" in wrong.body, (wrong.status, wrong.body[:200])
        right = await st_client.put_file(
            cluster.direct(mine), urls.upload_url, "again.png", data, "image/png", cookies=dict(session.cookies)
        )
        assert right.status == 204, (right.status, right.body[:200])
        # Without the XSRF header the upload is refused even on the right replica (the check is on).
        no_xsrf = await st_client.put_file(
            cluster.direct(mine), urls.upload_url, "again.png", data, "image/png", cookies={}
        )
        assert no_xsrf.status == 403
    finally:
        await session.close()


def test_a_session_stays_on_its_replica_and_its_upload_and_pictures_only_work_there(cluster):
    _run(_affinity(cluster))


async def _spread(cluster: Cluster) -> list[str]:
    sessions = [st_client.Session(cluster.nginx.base_url, attendee=i) for i in range(16)]
    try:
        runs = await asyncio.gather(*(session.open() for session in sessions))
        for run in runs:
            _ok(run)
        # The session is where its cookie says: its media files are on that replica.
        for session in sessions[:4]:
            _ok(await session.switch_page("color"))
            picture = session.media_urls[-1]
            home = cluster.direct(session.cookies[AFFINITY_COOKIE])
            assert (await st_client.http_request(home, "GET", picture)).status == 200
        return [session.cookies.get(AFFINITY_COOKIE, "") for session in sessions]
    finally:
        await asyncio.gather(*(session.close() for session in sessions))


def test_newcomers_are_spread_over_both_replicas_and_attendees_browse_through_the_proxy(cluster):
    # 16 newcomers, each given a replica at random: all on one would happen once in 2^15 runs.
    assert set(_run(_spread(cluster))) == set(REPLICAS)

    plan = st_client.Plan(attendees=6, think_s=1.0, duration_s=15.0, arrival_s=2.0, changes_per_page=1, seed=3)
    runs = _run(st_client.run_plan(cluster.nginx.base_url, plan))
    assert [f"attendee {r.attendee} {r.kind} {r.page!r}: {r.error}" for r in runs if r.error] == []
    assert len({run.page for run in runs}) >= 4
    assert all(sum(1 for run in runs if run.attendee == a) >= 3 for a in range(plan.attendees))


async def _sessions_on_each_replica(cluster: Cluster) -> dict[str, st_client.Session]:
    """One open session on each replica (newcomers are opened until both have one)."""
    found: dict[str, st_client.Session] = {}
    for attempt in range(40):
        session = st_client.Session(cluster.nginx.base_url, attendee=attempt)
        _ok(await session.open("kernels"))
        name = session.cookies[AFFINITY_COOKIE]
        if name in found:
            await session.close()
        else:
            found[name] = session
        if len(found) == len(REPLICAS):
            return found
    raise AssertionError(f"40 newcomers all landed on {list(found)}")


async def _failover(cluster: Cluster, stopped: str) -> None:
    living = next(name for name in REPLICAS if name != stopped)
    sessions = await _sessions_on_each_replica(cluster)
    survivor, orphan = sessions[living], sessions[stopped]
    await orphan.close()
    harness.stop_server(cluster.servers[stopped])

    # The living replica's session keeps working: a rerun, a widget change with its pictures, a page switch.
    _ok(await survivor.rerun())
    widget = survivor.pick_widget(random.Random(0))
    assert widget is not None
    _ok(await survivor.change_widget(widget, random.Random(1)))
    _ok(await survivor.switch_page("color"))
    assert survivor.cookies[AFFINITY_COOKIE] == living

    # Every newcomer lands on the living replica and works, whatever the random pick was.
    newcomers = [st_client.Session(cluster.nginx.base_url, attendee=100 + i) for i in range(8)]
    for run in await asyncio.gather(*(session.open("kernels") for session in newcomers)):
        _ok(run)
    assert {session.cookies[AFFINITY_COOKIE] for session in newcomers} == {living}
    await asyncio.gather(*(session.close() for session in newcomers))

    # The stopped replica's browser reconnects with its old cookie: a new session on the living replica,
    # the cookie rewritten to name it, and an upload works there.
    moved = st_client.Session(cluster.nginx.base_url, attendee=200)
    moved.cookies = dict(orphan.cookies)
    assert moved.cookies[AFFINITY_COOKIE] == stopped
    _ok(await moved.open("kernels"))
    assert moved.cookies[AFFINITY_COOKIE] == living
    _ok(await moved.choose("shared.source", "Upload"))
    run = _ok(await moved.upload(UPLOADER, "ramp.png", png_bytes(30, 20), "image/png"))
    assert any("Current image: your upload · 30 × 20 px" in text for text in run.texts), run.texts

    # The stopped replica comes back: the moved session stays where its session is.
    cluster.start_replica(stopped)
    _ok(await moved.switch_page("color"))
    assert moved.media_urls and moved.cookies[AFFINITY_COOKIE] == living
    _ok(await survivor.rerun())
    await moved.close()
    await survivor.close()


def test_when_a_replica_stops_its_sessions_and_newcomers_go_to_the_living_one(cluster):
    _run(_failover(cluster, stopped="replica-1"))


def test_chromium_through_the_proxy_paints_a_page_and_uploads_a_picture(cluster, browser: Browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    try:
        app = App(context.new_page(), cluster.nginx.base_url)
        app.open("kernels")
        assert app.title() == "Kernels"
        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
        assert cookies.get(AFFINITY_COOKIE) in REPLICAS, cookies
        sidebar = app.sidebar()
        sidebar.get_by_text("Upload", exact=True).click()
        app.wait_idle()
        file_input = sidebar.locator('[data-testid="stFileUploader"] input[type="file"]')
        file_input.set_input_files(files=[{"name": "ramp.png", "mimeType": "image/png", "buffer": png_bytes(40, 60)}])
        app.wait_idle()
        expect(sidebar).to_contain_text("Current image: your upload · 40 × 60 px")
        expect(sidebar.locator('[data-testid="stAlertContentError"]')).to_have_count(0)
        app.screenshot("replicas-proxy-upload")
        app.page.set_viewport_size({"width": 1280, "height": 800})
        app.page.wait_for_timeout(300)  # the layout settles at the new width
        app.page.screenshot(path=f"{harness.SCREENSHOTS}/replicas-proxy-upload-1280x800.png")
    finally:
        context.close()


def test_the_proxy_gzips_the_frontend_and_passes_it_unchanged(cluster):
    # Streamlit sends its JavaScript uncompressed and leaves compression to the proxy (deploy/nginx.conf).
    import gzip
    import re
    import urllib.request

    direct = cluster.direct(REPLICAS[0])
    html = urllib.request.urlopen(f"{direct}/", timeout=30).read().decode()
    script = re.search(r'src="\.?/?(static/js/[^"]+\.js)"', html)
    assert script, "the page names no script bundle"
    original = urllib.request.urlopen(f"{direct}/{script.group(1)}", timeout=30).read()
    request = urllib.request.Request(f"{cluster.nginx.base_url}/{script.group(1)}", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        compressed = response.read()
    assert gzip.decompress(compressed) == original
    assert len(compressed) < 0.5 * len(original), (len(compressed), len(original))

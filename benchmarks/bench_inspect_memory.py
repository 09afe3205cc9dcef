"""Memory an attendee costs on the Inspect pages: the server's resident memory (RSS) added by sessions that
visit every page of the "Inspect a CNN" section, and the worker processes' memory.

A server is started on loopback and one visitor tours every page (imports, the default models, the shared
caches: what the first attendee pays for everybody). Then :data:`SESSIONS` new sessions each open Home and
visit every Inspect page, moving :data:`CHANGES_PER_PAGE` widgets on each, and stay connected (their session
state is held). The server's RSS is sampled before, during (peak) and after; "per session" is the rise after the
warm tour divided by the sessions. Worker processes (the inspect and training pools) are reported apart: they
are a fixed cost per server, not per session.

Run ``python benchmarks/bench_inspect_memory.py`` for a table and a JSON line; ``benchmarks/run.py`` imports
:func:`run`.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks.bench_load import Monitor, process_rss_mb  # noqa: E402
from tests.e2e import harness, st_client  # noqa: E402
from ui.site_map import SITE_MAP  # noqa: E402

SECTION = "Inspect a CNN"
SESSIONS = 5
CHANGES_PER_PAGE = 3
SERVER_START_TIMEOUT_S = 120
# Heavy results arrive in a fragment a second or so after the page's first run: give them time to land.
SETTLE_S = 3.0
# A session visiting every Inspect page should cost a shared server well under this (a 2-core, 24 GB server
# then holds a 30-attendee workshop with room to spare).
TARGET_MB_PER_SESSION = 50.0


def inspect_pages() -> list[str]:
    return [entry.url_path for entry in SITE_MAP if entry.section == SECTION]


def children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (the worker processes), from ``/proc/<pid>/task/*/children``."""
    found: list[int] = []
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as file:
                    kids = [int(text) for text in file.read().split()]
            except FileNotFoundError:
                continue
            found += kids
            stack += kids
    return found


def workers_rss_mb(pid: int) -> float:
    total = 0.0
    for child in children(pid):
        try:
            total += process_rss_mb(child)
        except FileNotFoundError:
            pass
    return total


async def visit(base_url: str, pages: list[str], seed: int) -> tuple[st_client.Session, list[st_client.Run]]:
    """A new session: Home, then every page of ``pages`` with a few widget changes each; left connected."""
    rng = random.Random(seed)
    session = st_client.Session(base_url, attendee=seed)
    runs = [await session.open()]
    for page in pages:
        runs.append(await session.switch_page(page))
        await asyncio.sleep(SETTLE_S)
        for _ in range(CHANGES_PER_PAGE):
            widget = session.pick_widget(rng)
            if widget is not None:
                runs.append(await session.change_widget(widget, rng))
    return session, runs


async def _sessions(base_url: str, pages: list[str], count: int) -> tuple[list[st_client.Session], list]:
    sessions, runs = [], []
    for number in range(count):
        session, visited = await visit(base_url, pages, seed=number + 1)
        sessions.append(session)
        runs += visited
    return sessions, runs


def measure(sessions: int = SESSIONS) -> dict:
    pages = inspect_pages()
    port = harness.free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = harness.start_server(port)
    try:
        harness.wait_healthy(process, base_url, SERVER_START_TIMEOUT_S)
        start_rss = process_rss_mb(process.pid)
        warm = asyncio.run(st_client.tour(base_url))
        _, first_runs = asyncio.run(visit(base_url, pages, seed=0))  # the first visitor pays the shared costs
        time.sleep(SETTLE_S)
        warm_rss = process_rss_mb(process.pid)
        monitor = Monitor(process.pid, 0.5)
        monitor.start()

        async def held() -> list:
            connected, runs = await _sessions(base_url, pages, sessions)
            await asyncio.sleep(SETTLE_S)
            monitor.stop()
            for session in connected:
                await session.close()
            return runs

        runs = asyncio.run(held())
        after_rss = monitor.samples[-1][2]
        peak_rss = max(sample[2] for sample in monitor.samples)
        workers_mb = workers_rss_mb(process.pid)
        worker_count = len(children(process.pid))
    finally:
        harness.stop_server(process)
    errors = [run.error for run in warm + first_runs + runs if run.error]
    return {
        "pages": pages,
        "sessions": sessions,
        "server_start_mb": round(start_rss, 1),
        "after_first_visitor_mb": round(warm_rss, 1),
        "after_sessions_mb": round(after_rss, 1),
        "peak_mb": round(peak_rss, 1),
        "per_session_mb": round((after_rss - warm_rss) / sessions, 1),
        "peak_per_session_mb": round((peak_rss - warm_rss) / sessions, 1),
        "workers": worker_count,
        "workers_mb": round(workers_mb, 1),
        "errors": errors[:5],
    }


def rows(summary: dict) -> list[dict]:
    def row(name, target, ok, **extra) -> dict:
        return {"name": name, "ours_ms": None, "baseline_ms": None, "ratio": None, "target": target, "ok": ok, **extra}

    per_session = summary["peak_per_session_mb"]
    return [
        row(
            f"RSS added per session visiting every Inspect page ({summary['sessions']} sessions), MB",
            f"<= {TARGET_MB_PER_SESSION:g} MB",
            per_session <= TARGET_MB_PER_SESSION,
            per_session_mb=summary["per_session_mb"],
            peak_per_session_mb=per_session,
        ),
        row(
            "server RSS: start, after the first visitor, peak, MB",
            "reported",
            True,
            server_start_mb=summary["server_start_mb"],
            after_first_visitor_mb=summary["after_first_visitor_mb"],
            peak_mb=summary["peak_mb"],
        ),
        row(
            "worker processes' RSS, MB",
            "reported",
            True,
            workers=summary["workers"],
            workers_mb=summary["workers_mb"],
        ),
        row("errors", "0", not summary["errors"], errors=summary["errors"]),
    ]


def run() -> list[dict]:
    return rows(measure())


def main() -> int:
    summary = measure()
    for line in rows(summary):
        extras = {k: v for k, v in line.items() if k not in ("name", "ours_ms", "baseline_ms", "ratio", "target", "ok")}
        print(f"{line['name']:<80} {'ok' if line['ok'] else 'NO':<3} {extras}")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

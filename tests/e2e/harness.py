"""A real ``streamlit run`` of the app and a headless Chromium, for the browser tests (``conftest.py``) and
the start-up benchmark (``benchmarks/bench_startup.py``). No pytest here: the benchmark runs without it.

The browser is Debian's Chromium (``apt-get install chromium``): Playwright's own download does not work
on our machines.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# One folder for every browser test's screenshots (git-ignored).
SCREENSHOTS = os.path.join(ROOT, "tests", "e2e", "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    port: int,
    *,
    watch_files: bool = False,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    script: str = "streamlit_app.py",
) -> subprocess.Popen:
    """``streamlit run streamlit_app.py`` on ``port`` in its own process group (so it can be stopped whole).

    ``watch_files=False`` (tests): the server serves the files as they were at its start, so edits made
    while tests run don't reload modules under it (a reload mid-training once mixed old and new classes).
    ``True`` (the start-up benchmark): Streamlit's default, as the README's command runs it.
    ``extra_args`` go last on the command line, e.g. ``("--runner.postScriptGC", "true")`` (the load benchmark
    compares the app's configuration with Streamlit's default).
    ``env`` adds to (or overrides) the server's environment, e.g. ``{"XDG_CACHE_HOME": folder}``: a cache folder
    of the test's own, empty (the offline notice) or holding weights (the pretrained pages).
    ``script``: another app to run the same way, relative to the project root (``benchmarks/floor_app.py``).
    """
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    if not watch_files:
        command += ["--server.fileWatcherType", "none"]
    command += list(extra_args)
    # Output goes to a file, not a pipe: nobody reads a pipe while the server runs, and a full one would
    # block it. The file is read back if the server dies.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=None if env is None else {**os.environ, **env},
    )
    process.log = log
    return process


def wait_healthy(process: subprocess.Popen, base_url: str, timeout_s: float, *, poll_s: float = 0.2) -> None:
    """Poll ``/_stcore/health`` every ``poll_s`` seconds until it answers; raise RuntimeError with the
    server's output if it dies, or if it has not answered within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            process.log.seek(0)
            output = process.log.read().decode(errors="replace")
            raise RuntimeError(f"streamlit exited with code {process.returncode}:\n{output[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(poll_s)
    raise RuntimeError(f"streamlit did not answer {base_url}/_stcore/health within {timeout_s} s")


def stop_group(process: subprocess.Popen, *, first: signal.Signals = signal.SIGTERM, timeout_s: float = 10) -> None:
    """Send ``first`` to the process's whole group, then SIGKILL if it lingers past ``timeout_s``."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, first)
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout_s)
        except ProcessLookupError:
            pass


def stop_server(process: subprocess.Popen) -> None:
    """Terminate the server's whole process group, then kill it if it lingers."""
    stop_group(process)
    process.log.close()


def screenshot(page, name: str) -> str:
    """Save a full-page screenshot of a Playwright ``page`` to ``tests/e2e/screenshots/<name>.png``; return its
    path."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, f"{name}.png")
    page.screenshot(path=path, full_page=True)
    return path


def launch_chromium(browser_type, *, extra_args: tuple[str, ...] = ()):
    """Headless Debian Chromium through a Playwright ``BrowserType`` (``playwright.chromium``), with
    :data:`CHROMIUM_ARGS` and ``extra_args`` (e.g. a fake camera); FileNotFoundError (with what to install)
    if it is missing."""
    if not os.path.exists(CHROMIUM):
        raise FileNotFoundError(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)"
        )
    return browser_type.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args])

"""nginx in front of Streamlit replicas on loopback, for the replica tests (``test_replicas.py``) and the
load benchmark through the proxy (``benchmarks/bench_load.py --replicas N``). No pytest here.

The configuration is ``deploy/nginx.conf``, the one the compose file mounts: :func:`render` only swaps what
a loopback run must have of its own (the replicas' addresses, the listening port, the pid, log and temporary
paths), and fails if the file no longer has the lines it swaps, so the test always runs the deployed text.
nginx runs in the foreground (``daemon off``) in a temporary folder of its own, as any user.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from tests.e2e import harness

CONF = os.path.join(harness.ROOT, "deploy", "nginx.conf")
INSTALL_SCRIPT = "scripts/install_test_packages.sh"
# Where Debian's package puts it; PATH is searched first.
NGINX_FALLBACK = "/usr/sbin/nginx"
START_TIMEOUT_S = 10.0


def nginx_binary() -> str:
    """Path of the nginx executable; FileNotFoundError naming the install script if there is none."""
    found = shutil.which("nginx") or (NGINX_FALLBACK if os.access(NGINX_FALLBACK, os.X_OK) else None)
    if found is None:
        raise FileNotFoundError(
            f"nginx not found (on PATH or at {NGINX_FALLBACK}): run `bash {INSTALL_SCRIPT}` (it installs "
            "Debian's nginx package with the other system packages the tests need)"
        )
    return found


def _swap(text: str, pattern: str, replacement: str, *, count: int | None = None) -> str:
    """``re.sub`` over lines that must be there: ValueError if ``pattern`` matches no line (or not ``count``)."""
    new, n = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    if n == 0 or (count is not None and n != count):
        raise ValueError(f"deploy/nginx.conf: expected {count or 'some'} line(s) matching {pattern!r}, found {n}")
    return new


def render(text: str, *, listen_port: int, replica_ports: Sequence[int], folder: str) -> str:
    """``deploy/nginx.conf`` for loopback: ``listen`` on ``127.0.0.1:listen_port``, ``replica-<i>:8501`` at
    ``127.0.0.1:replica_ports[i-1]``, pid/logs/temporary files under ``folder``."""
    names = sorted(set(re.findall(r"\b(replica-\d+):8501\b", text)))
    if names != [f"replica-{i + 1}" for i in range(len(replica_ports))]:
        raise ValueError(f"deploy/nginx.conf names replicas {names}, the test runs {len(replica_ports)}")
    for i, port in enumerate(replica_ports, start=1):
        # Each replica's address is in two maps (where a request goes, and where it fails over to).
        text = _swap(text, rf"\breplica-{i}:8501\b", f"127.0.0.1:{port}", count=2)
    text = _swap(text, r"^(\s*)listen\s+8080;", rf"\g<1>listen 127.0.0.1:{listen_port};", count=1)
    text = _swap(text, r"^pid\s+[^;]+;", f"pid {folder}/nginx.pid;", count=1)
    text = _swap(text, r"^error_log\s+[^;]+;", f"error_log {folder}/error.log warn;", count=1)
    text = _swap(text, r"^(\s*)access_log\s+[^;]+;", r"\g<1>access_log off;", count=1)
    # Two workers are enough on loopback; the compiled-in temporary paths are under /var/lib/nginx.
    text = _swap(text, r"^worker_processes\s+[^;]+;", "worker_processes 2;", count=1)
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return _swap(text, r"^http \{$", "http {\n" + temp, count=1)


@dataclass
class Proxy:
    """A running nginx: its process, base URL and folder."""

    process: subprocess.Popen
    base_url: str
    folder: str

    def error_log(self) -> str:
        try:
            with open(os.path.join(self.folder, "error.log"), errors="replace") as file:
                return file.read()
        except OSError:
            return ""


def start(replica_ports: Sequence[int], *, port: int | None = None) -> Proxy:
    """Render ``deploy/nginx.conf`` for these replicas, check it (``nginx -t``), start nginx in the foreground
    and wait until it accepts connections. RuntimeError with nginx's own words if it does not."""
    binary = nginx_binary()
    port = port or harness.free_port()
    folder = tempfile.mkdtemp(prefix="vx-nginx-")
    os.chmod(folder, 0o755)  # run as root, nginx's workers are another user: they must reach the temp folders
    with open(CONF) as file:
        conf = render(file.read(), listen_port=port, replica_ports=replica_ports, folder=folder)
    conf_path = os.path.join(folder, "nginx.conf")
    with open(conf_path, "w") as file:
        file.write(conf)
    command = [binary, "-p", folder, "-c", conf_path, "-e", f"{folder}/error.log"]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"nginx -t rejected the rendered deploy/nginx.conf:\n{check.stderr}")
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [*command, "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    proxy = Proxy(process, f"http://127.0.0.1:{port}", folder)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            output = log.read().decode(errors="replace")
            stop(proxy)
            raise RuntimeError(f"nginx exited with code {process.returncode}:\n{output}\n{proxy.error_log()}")
        try:
            urllib.request.urlopen(f"{proxy.base_url}/_stcore/health", timeout=2).close()
            return proxy
        except urllib.error.HTTPError:  # nginx answered (a replica may not be up yet)
            return proxy
        except OSError:
            time.sleep(0.1)
    stop(proxy)
    raise RuntimeError(f"nginx did not listen on port {port} within {START_TIMEOUT_S} s")


def stop(proxy: Proxy) -> None:
    """Stop nginx (SIGQUIT: graceful, then SIGKILL if it lingers) and remove its folder."""
    process = proxy.process
    harness.stop_group(process, first=signal.SIGQUIT, timeout_s=5)
    process.log.close()
    shutil.rmtree(proxy.folder, ignore_errors=True)

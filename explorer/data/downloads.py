"""Files fetched once from the internet into the app's cache folder, with a timeout on every step.

Used by the torchvision data sets (``explorer.data.torchvision_sets``) and the pretrained backbone's weights
(``explorer.deep.backbone``). A server without internet must say so within seconds, never hang: the server of
a URL is first checked with a short connection attempt (:func:`is_reachable`), and a download gives up after
:data:`DOWNLOAD_TIMEOUT` seconds of silence. A download is written to a temporary file and checked against its
published checksum before it takes its final name, so a broken or damaged download never looks complete.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

# The app's cache folder (``$XDG_CACHE_HOME/vision-explorer``, else ``~/.cache/vision-explorer``).
DEFAULT_ROOT = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "vision-explorer"
# Seconds to wait for the server to answer a connection: long enough for a slow hotel Wi-Fi, short enough that
# an offline laptop reports it before the user wonders whether the page froze.
REACHABILITY_TIMEOUT = 3.0
# Seconds of silence tolerated during a download before giving up (per read, not for the whole file).
DOWNLOAD_TIMEOUT = 30.0
CHUNK_BYTES = 1 << 20  # read downloads 1 MB at a time, so progress moves smoothly


def _proxy_or_host(url: str) -> tuple[str, int]:
    """Where a connection for ``url`` goes first: the proxy configured for its scheme, or the host itself."""
    parsed = urllib.parse.urlsplit(url)
    proxy = urllib.request.getproxies().get(parsed.scheme)
    if proxy and not urllib.request.proxy_bypass(parsed.hostname or ""):
        parsed = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80)


def is_reachable(url: str, *, timeout: float = REACHABILITY_TIMEOUT) -> bool:
    """True if a TCP connection to the server of ``url`` (or its proxy) opens within ``timeout`` seconds.

    Name resolution can block far longer than any socket timeout when no DNS server answers, so the attempt
    runs in a daemon thread and is abandoned after ``timeout`` (the thread ends by itself later).
    """
    host, port = _proxy_or_host(url)
    outcome: list[bool] = []

    def attempt() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                outcome.append(True)
        except OSError:
            outcome.append(False)

    worker = threading.Thread(target=attempt, name="reachability-check", daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])


def download_file(
    url: str, target: Path, *, algorithm: str, expected: str, on_bytes: Callable[[int], None] | None = None
) -> None:
    """Stream ``url`` into ``target`` and keep it only if its ``algorithm`` digest (``"md5"``, ``"sha256"``)
    starts with the hex string ``expected`` (a whole digest, or the prefix torchvision puts in its weight
    files' names). ``on_bytes`` is called with the size of every chunk received.

    Raises ``OSError`` (unreachable, timeout, HTTP error) or ``ValueError`` (checksum mismatch); in both cases
    nothing is left behind at ``target``.
    """
    if not expected:
        raise ValueError("expected must be a non-empty hex digest or prefix")
    partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
    digest = hashlib.new(algorithm, usedforsecurity=False)
    request = urllib.request.Request(url, headers={"User-Agent": "vision-explorer"})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as response, open(partial, "wb") as out:
            while chunk := response.read(CHUNK_BYTES):
                out.write(chunk)
                digest.update(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
        if not digest.hexdigest().startswith(expected.lower()):
            raise ValueError(f"{target.name} arrived damaged (its checksum does not match)")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)

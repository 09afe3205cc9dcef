"""One harness for the "two sessions inspect one model at once" tests of explorer/interpret."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
JOIN_TIMEOUT_S = 120.0


def in_two_threads(work: Callable[[int], T]) -> list[T]:
    """``[work(0), work(1)]``, run in two threads released at the same moment; the first exception either
    raised is raised here (a thread's own exception would otherwise only be printed)."""
    start = threading.Barrier(2)
    results: list = [None, None]
    errors: list[BaseException] = []

    def run(slot: int) -> None:
        try:
            start.wait()
            results[slot] = work(slot)
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results

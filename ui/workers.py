"""Heavy jobs in worker processes: a small pool of spawned Python processes, each running one job at a time.

Why processes and not threads: a training in a thread of the server competes with every page run for the
interpreter lock. Measured on the 2-core workshop server (issue 9): two shapes trainings that took about 15 s
each unwatched took 193–235 s while two people watched their live panels, and other attendees' pages took
4–26 s. In a worker process the training has an interpreter of its own; the server only forwards its reports.

A job is a module-level function ``function(payload, channel) -> result`` (pickled by reference, so the
worker imports it): ``payload`` and ``result`` are plain data (dataclasses of numbers, arrays, state dicts),
never live torch modules. ``channel.report(message)`` sends a message to the server as the job goes, and
``channel.should_stop()`` turns True once the server has asked the job to end.

Each worker talks to the server over one duplex pipe::

    server -> worker   ("job", function, payload)   ("stop",)
    worker -> server   ("report", message)   ("done", result)   ("error", type name, text)

:meth:`WorkerPool.run` is called from the job's own thread (``ui.training_jobs``), which sleeps in
``poll`` between messages, so a job costs the server almost nothing while it runs. A worker that dies (a
crash, the kernel's out-of-memory killer, ``kill``) shows up as the end of its pipe: ``run`` raises
:class:`WorkerCrashed` and the pool starts a fresh process for the next job. A job that does not end within
:data:`STOP_GRACE_S` after a stop request is killed the same way.

Nothing here imports streamlit or torch; the worker process imports what its jobs need.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

_log = logging.getLogger(__name__)

# How often the job's thread wakes to ask whether the job should stop (and to check the worker is alive).
POLL_S = 0.1
# A job asked to stop ends after its current batch (milliseconds); one that is still busy after this long is
# killed, and the pool starts a fresh worker.
STOP_GRACE_S = 15.0


class WorkerCrashed(RuntimeError):
    """The worker process ended in the middle of a job (crash, out of memory, killed)."""


class RemoteError(Exception):
    """A job raised an exception in the worker: its type's name and its message (the traceback is logged there).

    ``ValueError`` and ``MemoryError`` come back as themselves, so callers can tell a bad setting from a bug.
    """

    def __init__(self, type_name: str, text: str) -> None:
        super().__init__(f"{type_name}: {text}")
        self.type_name, self.text = type_name, text


class Channel:
    """The job's side of the pipe, handed to the job function in the worker."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._stop = False

    def report(self, message: Any) -> None:
        """Send ``message`` (plain data) to the server now."""
        self._connection.send(("report", message))

    def should_stop(self) -> bool:
        """True once the server has asked this job to stop (cheap: a non-blocking look at the pipe)."""
        while not self._stop and self._connection.poll():
            if self._connection.recv()[0] == "stop":
                self._stop = True
        return self._stop


def _serve(connection: Connection, initializer: str) -> None:
    """The worker process: run ``initializer`` (``"module:function"``, or "") once, then jobs until the pipe
    closes (the server has gone)."""
    logging.basicConfig(level=logging.INFO)
    if initializer:
        module, _, name = initializer.partition(":")
        getattr(importlib.import_module(module), name)()
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message[0] != "job":
            continue  # a stop request that arrived after its job had ended
        _, function, payload = message
        try:
            result = function(payload, Channel(connection))
        except (BrokenPipeError, ConnectionResetError, EOFError):  # a report found the server gone: so is the job
            return
        except BaseException as error:  # noqa: BLE001 - the server gets a message; the worker lives on
            _log.exception("job %s failed in worker %s", getattr(function, "__name__", function), os.getpid())
            if not _send(connection, ("error", type(error).__name__, str(error)[:1000])):
                return
            if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: this process is ending
                return
        else:
            if not _send(connection, ("done", result)):
                return


def _send(connection: Connection, message: tuple) -> bool:
    """Send ``message`` to the server; False (quietly) when the server has gone, so the worker just ends."""
    try:
        connection.send(message)
    except (BrokenPipeError, ConnectionError, EOFError, OSError):
        return False
    return True


_START_LOCK = threading.Lock()


@contextlib.contextmanager
def _without_main_module() -> Iterator[None]:
    """Start a process without making it import this process's ``__main__``.

    A spawned process first runs the parent's main module (as ``__mp_main__``) unless that module has neither a
    spec nor a file. In the server ``__main__`` is whatever Streamlit last ran as a script (the router, a page,
    or AppTest's temporary file): re-running it in a worker would draw the app in bare mode, or fail outright
    when the file is gone. For the moment of the start, ``__main__`` is an empty module; jobs are module-level
    functions of real modules, which the worker imports by name.
    """
    with _START_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is not None:
                sys.modules["__main__"] = main


class _Worker:
    """One process and the server's end of its pipe."""

    def __init__(self, context: Any, initializer: str, number: int) -> None:
        self.connection, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_serve, args=(child, initializer), name=f"vision-explorer-worker-{number}", daemon=True
        )
        with _without_main_module():
            self.process.start()
        child.close()  # the worker holds the only other end: its death closes the pipe
        self.job_ended = True  # False while a job runs; a worker is reused only once its job has ended

    def end(self) -> None:
        """Kill the process (if still running) and close the pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class WorkerPool:
    """At most ``size`` worker processes, started on first need (or by :meth:`warm_up`) and reused.

    ``initializer`` (``"module:function"``) runs once in each new worker, e.g. to import torch and set its
    thread count before the first job. ``start_method`` is ``"spawn"`` (a fresh interpreter: nothing of the
    server's threads, locks or caches is inherited) or ``"forkserver"``.
    """

    def __init__(self, size: int, *, initializer: str = "", start_method: str = "spawn") -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a whole number >= 1, got {size!r}")
        if start_method not in ("spawn", "forkserver"):
            raise ValueError(f"start_method must be 'spawn' or 'forkserver', got {start_method!r}")
        self.size, self.initializer = size, initializer
        self._context = multiprocessing.get_context(start_method)
        self._condition = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy: list[_Worker] = []
        self._started = 0
        self.crashes = 0  # workers that died during a job (a number for the logs and tests)

    def warm_up(self) -> None:
        """Start workers until ``size`` exist, so the first job doesn't wait for an interpreter and its imports."""
        with self._condition:
            while len(self._idle) + len(self._busy) < self.size:
                self._idle.append(self._new_worker())

    def counts(self) -> tuple[int, int]:
        """``(busy, idle)`` workers right now."""
        with self._condition:
            return len(self._busy), len(self._idle)

    def busy_pids(self) -> list[int]:
        """Process ids of the workers running a job now (for the logs, and for tests that kill one)."""
        with self._condition:
            return [worker.process.pid for worker in self._busy if worker.process.pid is not None]

    def run(
        self,
        function: Callable[[Any, Channel], Any],
        payload: Any,
        *,
        on_report: Callable[[Any], None] = lambda message: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Any:
        """Run ``function(payload, channel)`` in a worker and return its result, calling ``on_report`` (on this
        thread) for each message it reports. Blocks while all ``size`` workers are busy.

        Raises ``ValueError``/``MemoryError`` when the job raised one, :class:`RemoteError` for any other
        exception in the job, :class:`WorkerCrashed` when the worker died or ignored a stop request.
        """
        worker = self._acquire()
        worker.job_ended = False
        try:
            return self._exchange(worker, function, payload, on_report, should_stop)
        finally:
            # A worker whose job ended (done or raised) takes the next one; any other way out of the exchange
            # (it died, ignored a stop, or on_report raised here while the job went on) costs the process.
            self._release(worker, healthy=worker.job_ended)

    def shutdown(self) -> None:
        """End the idle workers (busy ones end when their job does and are not reused)."""
        with self._condition:
            idle, self._idle = self._idle, []
            self.size = 0
        for worker in idle:
            worker.end()

    # ------------------------------------------------------------------------------------------ internals
    def _new_worker(self) -> _Worker:
        self._started += 1
        return _Worker(self._context, self.initializer, self._started)

    def _acquire(self) -> _Worker:
        with self._condition:
            while True:
                while self._idle and not self._idle[-1].process.is_alive():  # died while idle: replace it
                    self._idle.pop().end()
                if self._idle:
                    worker = self._idle.pop()
                    break
                if len(self._busy) < self.size:
                    worker = self._new_worker()
                    break
                self._condition.wait()
            self._busy.append(worker)
            return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        if not healthy:
            worker.end()
        with self._condition:
            self._busy.remove(worker)
            if healthy and len(self._idle) + len(self._busy) < self.size:
                self._idle.append(worker)
            elif healthy:
                worker.end()
            self._condition.notify()

    def _exchange(
        self,
        worker: _Worker,
        function: Callable[[Any, Channel], Any],
        payload: Any,
        on_report: Callable[[Any], None],
        should_stop: Callable[[], bool],
    ) -> Any:
        connection = worker.connection
        stop_sent_at: float | None = None
        try:
            connection.send(("job", function, payload))
            while True:
                if stop_sent_at is None and should_stop():
                    connection.send(("stop",))
                    stop_sent_at = time.monotonic()
                if connection.poll(POLL_S):
                    kind, *rest = connection.recv()
                    if kind == "report":
                        on_report(rest[0])
                        continue
                    worker.job_ended = True
                    if kind == "done":
                        return rest[0]
                    if kind == "error":
                        type_name, text = rest
                        if type_name == "ValueError":
                            raise ValueError(text)
                        if type_name == "MemoryError":
                            raise MemoryError(text)
                        raise RemoteError(type_name, text)
                elif not worker.process.is_alive():
                    raise EOFError
                elif stop_sent_at is not None and time.monotonic() - stop_sent_at > STOP_GRACE_S:
                    _log.warning(
                        "worker %s ignored a stop request for %.0f s; killing it", worker.process.pid, STOP_GRACE_S
                    )
                    raise WorkerCrashed(f"the job did not stop within {STOP_GRACE_S:.0f} s and was ended")
        except (EOFError, ConnectionError, OSError) as error:
            with self._condition:
                self.crashes += 1
            code = worker.process.exitcode
            _log.error("worker %s ended during a job (exit code %s): %r", worker.process.pid, code, error)
            raise WorkerCrashed(f"the worker process ended unexpectedly (exit code {code})") from None

"""Background trainings on a shared server: at most K at once, each in a worker process, the rest in line.

A workshop shares one small server. Training on the script thread would freeze a user's page, and every
user training at once would slow everybody down, so:

- each training has a daemon thread of its own (a :class:`Job`) that waits for its turn and then hands the
  work to a worker process (:data:`WORKERS`, :mod:`ui.workers`), relaying its reports; the page only reads
  the job's state (a fragment redraws it every second), so the page stays interactive;
- a :class:`Scheduler` lets at most ``max_running`` jobs train at once; the others wait in a FIFO line and
  know their place in it. Waiting is on a ``threading.Condition`` (woken when a slot frees, and every
  :data:`ALIVE_CHECK_S` seconds to look at the session): nothing spins;
- a job ends when Stop is pressed (a ``threading.Event`` the training checks after every batch) or when its
  browser session has ended (``is_alive`` returns False), whether it is waiting or training;
- whatever goes wrong inside the thread is caught and kept as a plain-language message: the page shows it
  with ``st.error`` and never a traceback (the traceback goes to the server log);
- every finished job writes one JSON line to the :data:`JOB_LOG` logger (:meth:`Job.record`): its kind, a short
  hash of its session, when it was queued, started and ended, and how it ended, so an instructor can see
  afterwards what the server did during a workshop.

The queue and the job states are plain Python, unit-tested without Streamlit. Streamlit only appears in
:func:`session_alive`, which imports it lazily. The training itself (torch) is in ``ui.training_worker``,
run by ``ui.cached.train``.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ui import limits, workers

QUEUED, RUNNING, DONE, STOPPED, DIVERGED, FAILED = "queued", "running", "done", "stopped", "diverged", "failed"
FINISHED = frozenset({DONE, STOPPED, DIVERGED, FAILED})

MAX_TRAININGS_ENV = "VISION_EXPLORER_MAX_TRAININGS"
# Torch uses one thread per training (ui.torch_runtime): two trainings keep two cores busy and leave the rest
# of a small server to everybody's page reruns. Set the environment variable on a bigger machine.
DEFAULT_MAX_TRAININGS = 2
MAX_TRAININGS_LIMIT = 64  # a typo such as 1000 should not let a thousand trainings loose
# How often a waiting job wakes up to see whether its session is still there, and how often a running one
# asks (asking is cheap, but once a second is plenty to free a slot soon after a tab is closed).
ALIVE_CHECK_S = 1.0
# A browser that loses its connection for a moment (Wi-Fi, a laptop lid) reconnects to the same session:
# its training keeps going for this long after the disconnect before it counts as abandoned.
RECONNECT_GRACE_S = 20.0

_log = logging.getLogger(__name__)
_ids = itertools.count(1)

# One JSON line per finished job, on the server's standard error (the terminal running ``streamlit run``, or
# ``docker logs``): Streamlit configures only its own loggers, and Python drops INFO lines of a logger without
# a handler. Not propagated, so a deployment that configures the root logger doesn't get each line twice; it
# can re-route this logger by its name.
JOB_LOG = logging.getLogger("vision_explorer.jobs")
if not JOB_LOG.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    JOB_LOG.addHandler(_handler)
    JOB_LOG.setLevel(logging.INFO)
    JOB_LOG.propagate = False
SESSION_HASH_CHARS = 12  # 48 bits of a SHA-256: tells a workshop's sessions apart, can't be turned back into an id

# A job is generic in what its work reports as it goes (P) and what it returns (V): for the Train page,
# ``Job[LiveState, TrainingRun]`` (ui.cached.train), so the page's reads are typed down to the Trainer.
P = TypeVar("P")
V = TypeVar("V")


def max_trainings_from_env(environ: Mapping[str, str] | None = None) -> int:
    """K from ``VISION_EXPLORER_MAX_TRAININGS`` (a whole number, clamped to 1..64), else
    :data:`DEFAULT_MAX_TRAININGS`."""
    return limits.whole_number_from_env(
        MAX_TRAININGS_ENV, default=DEFAULT_MAX_TRAININGS, low=1, high=MAX_TRAININGS_LIMIT, environ=environ
    )


def ordinal(number: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``21st``: a place in line for people."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def session_hash(session_id: str | None) -> str | None:
    """A short, one-way hash of a session id for the log (the id itself would let a reader of the log join
    that session's websocket); None without a session."""
    if session_id is None:
        return None
    return hashlib.sha256(session_id.encode()).hexdigest()[:SESSION_HASH_CHARS]


def _iso(epoch_s: float | None) -> str | None:
    if epoch_s is None:
        return None
    return datetime.datetime.fromtimestamp(epoch_s, datetime.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Outcome(Generic[V]):
    """What a work function may return to set the final status itself (``DONE``, ``STOPPED`` or ``DIVERGED``)."""

    status: str
    value: V | None = None
    message: str = ""

    def __post_init__(self) -> None:
        if self.status not in (DONE, STOPPED, DIVERGED):
            raise ValueError(f"status must be one of {DONE!r}, {STOPPED!r}, {DIVERGED!r}, got {self.status!r}")


@dataclass(frozen=True)
class JobView(Generic[P, V]):
    """A consistent copy of a job's state for the page (the thread keeps changing the job itself).

    status : one of QUEUED, RUNNING, DONE, STOPPED, DIVERGED, FAILED.
    position : place in line (1 = next to start) while queued, else 0.
    progress : the last value the work reported (None before the first report).
    value : what the work returned (or an :class:`Outcome`'s value), once finished.
    message : why it stopped, diverged or failed, in plain language ("" otherwise).
    seconds : how long it has been running (since it left the line), or ran in all once finished; 0 while queued.
    """

    status: str
    position: int
    progress: P | None
    value: V | None
    message: str
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Control(Generic[P, V]):
    """Handed to the work function: ``should_stop()`` after every batch, ``report(progress)`` as it goes."""

    def __init__(self, job: Job[P, V]) -> None:
        self._job = job
        self._next_alive_check = 0.0

    def should_stop(self) -> bool:
        """True once Stop was pressed or the session has ended (checked at most every ALIVE_CHECK_S)."""
        job = self._job
        if job._stop.is_set():
            return True
        now = time.monotonic()
        if now >= self._next_alive_check:
            self._next_alive_check = now + ALIVE_CHECK_S
            if not job._alive():
                job._ended_with_session = True
                job._stop.set()
                return True
        return False

    def report(self, progress: P) -> None:
        with self._job.lock:
            self._job._progress = progress


class Job(Generic[P, V]):
    """One background training. The thread writes its state under ``lock``; pages read :meth:`view`."""

    def __init__(
        self,
        scheduler: Scheduler,
        label: str,
        is_alive: Callable[[], bool],
        *,
        kind: str = "training",
        session_id: str | None = None,
    ) -> None:
        self.id = next(_ids)
        self.label = label
        self.kind = kind
        self.session_hash = session_hash(session_id)
        self.queued_at = time.time()  # wall clock, for the log; durations use time.monotonic()
        self._queued = time.monotonic()
        self.lock = threading.Lock()
        self._scheduler = scheduler
        self._is_alive = is_alive
        self._stop = threading.Event()
        self._ended_with_session = False
        self._status = QUEUED
        self._progress: P | None = None
        self._value: V | None = None
        self._message = ""
        self._started: float | None = None  # time.monotonic() when it left the line
        self._ended: float | None = None
        self._started_at: float | None = None  # the same moments on the wall clock (time.time()), for the log
        self._ended_at: float | None = None
        self._thread: threading.Thread | None = None

    def _alive(self) -> bool:
        try:
            return bool(self._is_alive())
        except Exception:  # a broken check must not keep a training alive forever, nor crash it
            _log.exception("session check of training %d failed; ending it", self.id)
            return False

    @property
    def status(self) -> str:
        with self.lock:
            return self._status

    def view(self) -> JobView[P, V]:
        position = self._scheduler.position(self)
        with self.lock:
            if self._started is None:
                seconds = 0.0
            else:
                seconds = (self._ended if self._ended is not None else time.monotonic()) - self._started
            return JobView(
                self._status,
                position if self._status == QUEUED else 0,
                self._progress,
                self._value,
                self._message,
                seconds,
            )

    def stop(self) -> None:
        """Ask the job to end: a queued job leaves the line at once, a running one after its current batch."""
        self._stop.set()
        self._scheduler.wake()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _finish(self, status: str, value: V | None = None, message: str = "") -> None:
        with self.lock:
            self._status, self._value, self._message = status, value, message
            self._ended_at = time.time()
            if self._started is not None:
                self._ended = time.monotonic()

    def record(self) -> dict[str, Any]:
        """What the log says about this job (see :data:`JOB_LOG`); times in UTC, durations in seconds.

        The label is left out: a training's label names its data set, which may be a user's own words.
        """
        with self.lock:
            ended = self._ended if self._ended is not None else time.monotonic()
            left_line = self._started if self._started is not None else ended
            return {
                "event": "job",
                "id": self.id,
                "kind": self.kind,
                "session": self.session_hash,
                "queued": _iso(self.queued_at),
                "started": _iso(self._started_at),
                "ended": _iso(self._ended_at),
                "wait_s": round(left_line - self._queued, 3),
                "run_s": round(ended - self._started, 3) if self._started is not None else 0.0,
                "outcome": self._status,
            }


class Scheduler:
    """At most ``max_running`` jobs run at once; the others wait in first-come, first-served order."""

    def __init__(self, max_running: int) -> None:
        if isinstance(max_running, bool) or not isinstance(max_running, int) or max_running < 1:
            raise ValueError(f"max_running must be a whole number >= 1, got {max_running!r}")
        self.max_running = max_running
        self._condition = threading.Condition()
        self._waiting: list[Job[Any, Any]] = []
        self._running: list[Job[Any, Any]] = []

    def submit(
        self,
        work: Callable[[Control[P, V]], V | Outcome[V]],
        *,
        label: str = "training",
        is_alive: Callable[[], bool] = lambda: True,
        kind: str = "training",
        session_id: str | None = None,
    ) -> Job[P, V]:
        """Queue ``work(control)`` and start its thread; it trains as soon as a slot is free.

        ``kind`` names the job in the log line (``"training"``, ``"inspection:<function>"``); ``session_id`` is
        the session it runs for (the calling script's session when None), logged only as :func:`session_hash`.
        """
        if session_id is None:
            session_id = current_session_id()
        job: Job[P, V] = Job(self, label, is_alive, kind=kind, session_id=session_id)
        with self._condition:
            self._waiting.append(job)
        job._thread = threading.Thread(target=self._run, args=(job, work), name=f"training-{job.id}", daemon=True)
        job._thread.start()
        return job

    def position(self, job: Job[Any, Any]) -> int:
        """1-based place in line of a waiting job; 0 if it is not waiting."""
        with self._condition:
            return self._waiting.index(job) + 1 if job in self._waiting else 0

    def counts(self) -> tuple[int, int]:
        """``(running, waiting)`` right now."""
        with self._condition:
            return len(self._running), len(self._waiting)

    def wake(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def _admit(self, job: Job[Any, Any]) -> bool:
        """Block until ``job`` may run (True) or has been cancelled or abandoned while waiting (False)."""
        while True:
            # Asked outside the condition: ``is_alive`` is the caller's code and may take locks of its own (the
            # Inspect jobs' check takes the lock under which they submit, and submitting takes the condition).
            abandoned = job._stop.is_set() or not job._alive()
            with self._condition:
                if abandoned:
                    self._waiting.remove(job)
                    self._condition.notify_all()  # the jobs behind it move up
                    return False
                free = self.max_running - len(self._running)
                if free > 0 and self._waiting.index(job) < free:
                    self._waiting.remove(job)
                    self._running.append(job)
                    with job.lock:
                        job._status, job._started, job._started_at = RUNNING, time.monotonic(), time.time()
                    self._condition.notify_all()
                    return True
                self._condition.wait(timeout=ALIVE_CHECK_S)

    def _run(self, job: Job[P, V], work: Callable[[Control[P, V]], V | Outcome[V]]) -> None:
        try:
            self._admit_and_work(job, work)
        finally:
            try:
                JOB_LOG.info(json.dumps(job.record()))
            except Exception:  # noqa: BLE001 - a log line must never break a job
                _log.exception("could not log job %d", job.id)

    def _admit_and_work(self, job: Job[P, V], work: Callable[[Control[P, V]], V | Outcome[V]]) -> None:
        if not self._admit(job):
            reason = "the browser session ended" if not job._alive() else "it was cancelled while waiting"
            job._finish(STOPPED, message=f"The training never started: {reason}.")
            return
        try:
            value = work(Control(job))
            if isinstance(value, Outcome):
                job._finish(value.status, value.value, value.message)
            elif job._stop.is_set():
                why = "the browser session ended" if job._ended_with_session else "Stop was pressed"
                job._finish(STOPPED, value, f"Stopped because {why}.")
            else:
                job._finish(DONE, value)
        except Exception as error:  # noqa: BLE001 - the page must get a message, never a traceback
            _log.exception("training %d failed", job.id)
            job._finish(FAILED, message=friendly_error(error))
        finally:
            with self._condition:
                self._running.remove(job)
                self._condition.notify_all()


class JobFailed(Exception):
    """Raised by a work function to fail its job with this exact message (already in plain words)."""


def friendly_error(error: BaseException) -> str:
    """A message for the page: a ``ValueError``'s own text (a problem with the settings), else what broke."""
    if isinstance(error, JobFailed):
        return str(error)
    if isinstance(error, workers.WorkerCrashed):
        return (
            f"The training stopped: {error}. The server has started a fresh worker; press Start to train again "
            "(if it happens again, try a smaller network, batch or data set)."
        )
    if isinstance(error, workers.RemoteError):
        return (
            f"The training stopped because of an unexpected error ({error.type_name}: {error.text}). "
            "Try again; if it happens again, try other settings."
        )
    if isinstance(error, ValueError):
        return f"The training could not run: {error}"
    if isinstance(error, MemoryError):
        return "The training ran out of memory. Try a smaller batch size, a smaller network or fewer images."
    return (
        f"The training stopped because of an unexpected error ({type(error).__name__}: {error}). "
        "Try again; if it happens again, try other settings."
    )


SCHEDULER = Scheduler(max_trainings_from_env())
# One worker process per training slot: a running job always finds a free worker (ui.workers says why processes).
WORKERS = workers.WorkerPool(SCHEDULER.max_running, initializer="ui.training_worker:prepare")


def session_alive(session_id: str | None) -> Callable[[], bool]:
    """A check that is True while the Streamlit session ``session_id`` is connected, or disconnected for
    less than :data:`RECONNECT_GRACE_S` seconds. Without a server (AppTest, plain Python) it is always True:
    there is no session that could end, and the job's thread is a daemon.
    """
    from streamlit import runtime

    if session_id is None or not runtime.exists():
        return lambda: True
    instance = runtime.get_instance()
    gone_since: list[float] = []

    def alive() -> bool:
        if instance.is_active_session(session_id):
            gone_since.clear()
            return True
        if not gone_since:
            gone_since.append(time.monotonic())
        return time.monotonic() - gone_since[0] < RECONNECT_GRACE_S

    return alive


def current_session_id() -> str | None:
    """The id of the session running this script (None outside a Streamlit run)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx(suppress_warning=True)
    return None if context is None else context.session_id

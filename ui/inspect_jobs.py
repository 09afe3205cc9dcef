"""The Inspect pages' heavy work (occlusion of big inputs, projections, sanity checks, class visualisation)
in worker processes, queued server-wide, its results shared by every session.

- A page asks :func:`result` for a :class:`ui.inspect_worker.Call`. A finished result comes from a server-wide
  cache (:data:`MAX_RESULTS` entries, least recently used dropped, arrays read-only: every session may be
  handed the same one). Otherwise the call runs as a job on :data:`SCHEDULER` (at most
  ``VISION_EXPLORER_MAX_INSPECTIONS`` at once, the rest in line, separate from the trainings' line so an
  inspection never waits behind a long training) in a worker of :data:`WORKERS`.
- Two sessions asking for the same call share one job: the first starts it, the others wait for it too (the
  default models' t-SNE is computed once per server, not once per attendee). The job ends early when every
  session that asked for it has gone.
- :func:`wait` draws the job's state (place in line, progress) in a fragment that looks again every second and
  reruns the page once the result is there; a failed job says why in plain words, and "Try again" forgets it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np
import streamlit as st

from ui import inspect_worker, limits, training_jobs, urlstate, workers
from ui.training_jobs import DONE, FAILED, QUEUED, STOPPED, JobView

MAX_INSPECTIONS_ENV = "VISION_EXPLORER_MAX_INSPECTIONS"
# Inspections are short (a fraction of a second to a few seconds) and one core each: two at once keep a 2-core
# server's cores busy without starving the page reruns (the workers run at nice 10, as the trainings).
DEFAULT_MAX_INSPECTIONS = 2
# Results are small (maps of an image's size, 2-D layouts of a few thousand points): a workshop's worth.
MAX_RESULTS = 256
WAIT_POLL_S = 1.0

_log = logging.getLogger(__name__)


def max_inspections_from_env(environ: Mapping[str, str] | None = None) -> int:
    """K from ``VISION_EXPLORER_MAX_INSPECTIONS`` (a whole number, clamped to 1..64), else
    :data:`DEFAULT_MAX_INSPECTIONS`."""
    return limits.whole_number_from_env(
        MAX_INSPECTIONS_ENV,
        default=DEFAULT_MAX_INSPECTIONS,
        low=1,
        high=training_jobs.MAX_TRAININGS_LIMIT,
        environ=environ,
    )


SCHEDULER = training_jobs.Scheduler(max_inspections_from_env())
WORKERS = workers.WorkerPool(SCHEDULER.max_running, initializer="ui.training_worker:prepare")

InspectJob = training_jobs.Job[float, Any]

_lock = threading.Lock()
_results: OrderedDict[Hashable, Any] = OrderedDict()
_jobs: dict[Hashable, InspectJob] = {}
_askers: dict[Hashable, list[Callable[[], bool]]] = {}


def _read_only(value: Any) -> Any:
    """``value`` with every array in it (also inside tuples, lists and dicts) made read-only."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, (tuple, list)):
        for item in value:
            _read_only(item)
    elif isinstance(value, dict):
        for item in value.values():
            _read_only(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _read_only(getattr(value, name))
    return value


def friendly_error(error: BaseException) -> str:
    """A message for the page: a ``ValueError``'s own text (a setting that doesn't fit), else what broke."""
    if isinstance(error, ValueError):
        return f"This could not be computed: {error}"
    if isinstance(error, MemoryError):
        return "This ran out of memory. Try smaller settings (a bigger stride, fewer images)."
    if isinstance(error, workers.WorkerCrashed):
        return f"The computation stopped: {error}. The server has started a fresh worker; press Try again."
    if isinstance(error, workers.RemoteError):
        return f"The computation stopped because of an unexpected error ({error.type_name}: {error.text})."
    return f"The computation stopped because of an unexpected error ({type(error).__name__}: {error})."


def _work(call: inspect_worker.Call) -> Callable[[training_jobs.Control[float, Any]], Any]:
    def work(control: training_jobs.Control[float, Any]) -> Any:
        try:
            value = WORKERS.run(inspect_worker.run, call, on_report=control.report, should_stop=control.should_stop)
        except Exception as error:  # noqa: BLE001 - kept as a message for the page
            _log.warning("inspection %s failed: %s", call.function, error)
            raise training_jobs.JobFailed(friendly_error(error)) from error
        return _read_only(value)

    return work


def _someone_waits(key: Hashable) -> Callable[[], bool]:
    def alive() -> bool:
        with _lock:
            checks = list(_askers.get(key, ()))
        return any(check() for check in checks)

    return alive


def result(call: inspect_worker.Call, *, label: str) -> tuple[Any | None, JobView[float, Any] | None]:
    """``(value, None)`` when the call's result is ready, else ``(None, view)`` of its job (started now if no
    job for it is queued, running, or failed and not yet forgotten)."""
    key = call.key
    with _lock:
        if key in _results:
            _results.move_to_end(key)
            return _results[key], None
        job = _jobs.get(key)
        if job is not None and job.status == STOPPED:  # every asker had gone: start afresh for this one
            job = None
        if job is None:
            _askers[key] = []
    session = training_jobs.current_session_id()
    check = training_jobs.session_alive(session)
    with _lock:
        _askers.setdefault(key, []).append(check)
        del _askers[key][:-16]  # a key asked for by many sessions: the latest few are enough to keep it alive
        if job is None:
            job = SCHEDULER.submit(
                _work(call), label=label, is_alive=_someone_waits(key), kind=f"inspection:{call.function}"
            )
            _jobs[key] = job
    WORKERS.warm_up()  # a no-op once the workers exist
    view = job.view()
    if view.status == DONE:
        with _lock:
            _results[key] = view.value
            _results.move_to_end(key)
            while len(_results) > MAX_RESULTS:
                _results.popitem(last=False)
            _jobs.pop(key, None)
            _askers.pop(key, None)
        return view.value, None
    return None, view


def forget(key: Hashable) -> None:
    """Drop a failed (or finished) job and its cached result, so the next :func:`result` starts afresh."""
    with _lock:
        _results.pop(key, None)
        job = _jobs.pop(key, None)
        _askers.pop(key, None)
    if job is not None and not job.view().finished:
        job.stop()


def clear() -> None:
    """Forget every result and job (tests)."""
    with _lock:
        keys = list(_jobs)
        _results.clear()
    for key in keys:
        forget(key)


def join(key: Hashable, timeout: float = 60.0) -> bool:
    """Wait until the job for ``key`` has finished (tests and scripts); True if there is none left running."""
    with _lock:
        job = _jobs.get(key)
    return True if job is None else job.join(timeout)


def _show(view: JobView[float, Any], label: str, key: Hashable) -> None:
    if view.status == QUEUED:
        running, waiting = SCHEDULER.counts()
        st.info(
            f"{label}: waiting for the server, {training_jobs.ordinal(view.position)} in line "
            f"({running} computation(s) running). It starts by itself."
        )
    elif view.status == FAILED:
        st.error(view.message)
        if st.button("Try again", key=f"_inspect.retry.{abs(hash(key))}"):
            forget(key)
            st.rerun()
    elif view.status == STOPPED:
        st.info(f"{label} was stopped. It starts again with the next change on the page.")
    else:
        fraction = float(view.progress) if isinstance(view.progress, (int, float)) else 0.0
        st.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: computing… {view.seconds:.1f} s")


@urlstate.fragment(run_every=WAIT_POLL_S)
def _waiting(key: Hashable, label: str) -> None:
    with _lock:
        job = _jobs.get(key)
        ready = key in _results
    if ready or (job is not None and job.status == DONE):
        st.rerun(scope="app")
    if job is None:
        return
    _show(job.view(), label, key)


def wait(call: inspect_worker.Call, view: JobView[float, Any], *, label: str) -> None:
    """Draw the job's state; once a second look again, and rerun the page when its result is ready.

    A failed job is drawn once, with "Try again", and not looked at again (nothing will change)."""
    if view.status in (FAILED, STOPPED):
        _show(view, label, call.key)
        return
    _waiting(call.key, label)

"""The background-training queue and job states (ui.training_jobs), with fake work functions and no Streamlit."""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import threading
import time

import pytest
from streamlit import runtime

from ui import training_jobs as tj

WAIT_S = 2.0  # generous upper bound for a thread to react; the tests finish far sooner


@pytest.fixture(autouse=True)
def fast_checks(monkeypatch):
    # Waiting jobs look at their session every ALIVE_CHECK_S; shortened so the session tests take milliseconds.
    monkeypatch.setattr(tj, "ALIVE_CHECK_S", 0.01)


def until(condition, timeout=WAIT_S) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.002)
    return condition()


def blocking_work(release: threading.Event, started: list):
    """Work that runs until ``release`` is set, checking should_stop like a training after every batch."""

    def work(control: tj.Control):
        started.append(threading.current_thread().name)
        while not release.wait(0.005):
            if control.should_stop():
                return "stopped early"
        return "finished"

    return work


def test_third_job_waits_first_in_line_and_starts_when_a_slot_frees():
    scheduler = tj.Scheduler(2)
    releases = [threading.Event() for _ in range(3)]
    started: list = []
    jobs = [scheduler.submit(blocking_work(release, started)) for release in releases]
    assert until(lambda: [j.status for j in jobs[:2]] == [tj.RUNNING, tj.RUNNING])
    view = jobs[2].view()
    assert (view.status, view.position) == (tj.QUEUED, 1)
    assert len(started) == 2 and scheduler.counts() == (2, 1)
    releases[0].set()
    assert until(lambda: jobs[2].status == tj.RUNNING)
    assert jobs[0].view().status == tj.DONE and jobs[0].view().value == "finished"
    assert jobs[2].view().position == 0
    for release in releases:
        release.set()
    assert all(job.join(WAIT_S) for job in jobs)
    assert scheduler.counts() == (0, 0)


def test_line_is_first_come_first_served_and_positions_move_up():
    scheduler = tj.Scheduler(1)
    releases = [threading.Event() for _ in range(3)]
    jobs = [scheduler.submit(blocking_work(release, [])) for release in releases]
    assert until(lambda: jobs[0].status == tj.RUNNING)
    assert [j.view().position for j in jobs] == [0, 1, 2]
    releases[0].set()
    assert until(lambda: jobs[1].status == tj.RUNNING)
    assert [j.view().position for j in jobs] == [0, 0, 1] and jobs[2].status == tj.QUEUED
    for release in releases:
        release.set()
    assert all(job.join(WAIT_S) for job in jobs)


def test_cancel_while_queued_leaves_the_line_without_running():
    scheduler = tj.Scheduler(1)
    release, started = threading.Event(), []
    first = scheduler.submit(blocking_work(release, started))
    second = scheduler.submit(blocking_work(threading.Event(), started))
    third = scheduler.submit(blocking_work(threading.Event(), started))
    assert until(lambda: first.status == tj.RUNNING and third.view().position == 2)
    second.stop()
    assert second.join(WAIT_S)
    view = second.view()
    assert (view.status, view.position) == (tj.STOPPED, 0)
    assert "cancelled while waiting" in view.message
    assert third.view().position == 1  # moved up
    assert len(started) == 1  # the cancelled job's work never ran
    third.stop()
    release.set()
    assert first.join(WAIT_S) and third.join(WAIT_S)


def test_stop_while_running_ends_within_one_batch():
    batches_after_stop = []
    stop_pressed = threading.Event()
    reached = threading.Event()

    def work(control: tj.Control):
        for batch in range(10_000):
            time.sleep(0.002)  # one "batch"
            if stop_pressed.is_set():
                batches_after_stop.append(batch)
            if batch == 5:
                reached.set()
            if control.should_stop():
                return f"stopped after batch {batch}"
        return "ran to the end"

    job = tj.Scheduler(1).submit(work)
    assert reached.wait(WAIT_S)
    stop_pressed.set()
    job.stop()
    assert job.join(WAIT_S)
    view = job.view()
    assert view.status == tj.STOPPED and view.value.startswith("stopped after batch")
    assert view.message == "Stopped because Stop was pressed."
    assert len(batches_after_stop) <= 1


def test_running_job_ends_when_its_session_ends():
    alive = threading.Event()
    alive.set()
    release = threading.Event()
    job = tj.Scheduler(1).submit(blocking_work(release, []), is_alive=alive.is_set)
    assert until(lambda: job.status == tj.RUNNING)
    alive.clear()  # the tab was closed
    assert job.join(WAIT_S)
    view = job.view()
    assert view.status == tj.STOPPED and view.value == "stopped early"
    assert "session ended" in view.message


def test_waiting_job_whose_session_ends_leaves_the_line():
    scheduler = tj.Scheduler(1)
    release = threading.Event()
    first = scheduler.submit(blocking_work(release, []))
    alive = threading.Event()
    alive.set()
    started: list = []
    second = scheduler.submit(blocking_work(threading.Event(), started), is_alive=alive.is_set)
    assert until(lambda: second.view().position == 1)
    alive.clear()
    assert second.join(WAIT_S)
    assert second.view().status == tj.STOPPED and "session ended" in second.view().message
    assert scheduler.counts() == (1, 0) and not started
    release.set()
    assert first.join(WAIT_S)


def test_an_error_in_the_work_becomes_a_message_and_frees_the_slot():
    scheduler = tj.Scheduler(1)

    def broken(control):
        raise ZeroDivisionError("division by zero")

    job = scheduler.submit(broken)
    assert job.join(WAIT_S)
    view = job.view()
    assert view.status == tj.FAILED
    assert view.message.startswith("The training stopped because of an unexpected error (ZeroDivisionError")
    assert "Traceback" not in view.message
    follower = scheduler.submit(lambda control: 42)
    assert follower.join(WAIT_S) and follower.view().status == tj.DONE and follower.view().value == 42
    assert scheduler.counts() == (0, 0)


def test_value_error_is_shown_as_a_settings_problem():
    def refuse(control):
        raise ValueError("batch_size must be from 1 to 512, got 0")

    job = tj.Scheduler(1).submit(refuse)
    assert job.join(WAIT_S)
    assert job.view().message == "The training could not run: batch_size must be from 1 to 512, got 0"


def test_outcome_sets_the_final_status_and_progress_is_kept():
    def diverge(control):
        control.report({"epoch": 1})
        return tj.Outcome(tj.DIVERGED, "partial", "The loss became infinite: try a lower learning rate.")

    job = tj.Scheduler(1).submit(diverge)
    assert job.join(WAIT_S)
    view = job.view()
    assert (view.status, view.value, view.progress) == (tj.DIVERGED, "partial", {"epoch": 1})
    assert view.finished and "lower learning rate" in view.message


def test_outcome_refuses_other_statuses():
    with pytest.raises(ValueError, match="status must be one of 'done', 'stopped', 'diverged', got 'queued'"):
        tj.Outcome(tj.QUEUED)


def test_scheduler_refuses_a_bad_limit():
    with pytest.raises(ValueError, match="max_running must be a whole number >= 1, got 0"):
        tj.Scheduler(0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("", 2), ("1", 1), ("4", 4), ("0", 1), ("-3", 1), ("9999", tj.MAX_TRAININGS_LIMIT), ("two", 2)],
)
def test_max_trainings_from_env(raw, expected):
    assert tj.max_trainings_from_env({tj.MAX_TRAININGS_ENV: raw}) == expected
    assert tj.max_trainings_from_env({}) == tj.DEFAULT_MAX_TRAININGS


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (21, "21st"), (102, "102nd")],
)
def test_ordinal(number, text):
    assert tj.ordinal(number) == text


def test_session_alive_without_a_server_is_always_true():
    assert tj.session_alive("some-session")() is True
    assert tj.session_alive(None)() is True


class FakeRuntime:
    def __init__(self):
        self.active = True

    def is_active_session(self, session_id):
        assert session_id == "abc"
        return self.active


def test_session_alive_allows_a_short_reconnect_then_ends(monkeypatch):
    fake = FakeRuntime()
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: fake)
    monkeypatch.setattr(tj, "RECONNECT_GRACE_S", 0.05)
    alive = tj.session_alive("abc")
    assert alive()
    fake.active = False  # disconnected: still alive during the grace period
    assert alive()
    fake.active = True  # reconnected: the grace period starts over next time
    assert alive()
    fake.active = False
    assert alive()
    time.sleep(0.06)
    assert not alive()


@pytest.fixture
def job_lines(caplog):
    """The JSON of every line the job log wrote during the test (the logger does not propagate to the root
    logger, where caplog listens, so caplog's handler is put on it)."""
    caplog.set_level(logging.INFO, logger=tj.JOB_LOG.name)
    tj.JOB_LOG.addHandler(caplog.handler)
    try:
        yield lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == tj.JOB_LOG.name]
    finally:
        tj.JOB_LOG.removeHandler(caplog.handler)


def test_each_finished_job_logs_one_json_line_with_a_hash_of_its_session_never_the_id(job_lines, caplog):
    session = "5d7c2a52-0b1e-4a3f-9c1d-secret-session"
    scheduler = tj.Scheduler(1)
    release = threading.Event()
    first = scheduler.submit(blocking_work(release, []), session_id=session)
    second = scheduler.submit(lambda control: 42, kind="inspection:occlusion.occlusion", session_id="other-session")
    assert until(lambda: first.status == tj.RUNNING)
    time.sleep(0.1)  # the second job waits at least this long behind the first, which runs as long
    release.set()
    assert first.join(WAIT_S) and second.join(WAIT_S)

    lines = job_lines()
    assert sorted(line["kind"] for line in lines) == ["inspection:occlusion.occlusion", "training"]
    training, inspection = sorted(lines, key=lambda line: line["kind"] != "training")
    assert training["session"] == hashlib.sha256(session.encode()).hexdigest()[:12]
    assert inspection["session"] == hashlib.sha256(b"other-session").hexdigest()[:12]
    assert session not in caplog.text and "other-session" not in caplog.text
    assert training["outcome"] == inspection["outcome"] == "done"
    for line in lines:
        queued, started, ended = (datetime.datetime.fromisoformat(line[k]) for k in ("queued", "started", "ended"))
        assert queued.utcoffset() == datetime.timedelta(0)  # UTC, said in the text
        assert queued <= started <= ended
        assert line["wait_s"] == pytest.approx((started - queued).total_seconds(), abs=0.05)
        assert line["run_s"] == pytest.approx((ended - started).total_seconds(), abs=0.05)
    assert training["run_s"] >= 0.1 and inspection["wait_s"] >= 0.1
    assert datetime.datetime.fromisoformat(inspection["started"]) >= datetime.datetime.fromisoformat(
        training["ended"]
    ) - datetime.timedelta(milliseconds=5)


def test_the_log_line_says_how_each_job_ended(job_lines):
    scheduler = tj.Scheduler(1)
    release = threading.Event()

    def failing(control):
        raise RuntimeError("boom")

    diverging = lambda control: tj.Outcome(tj.DIVERGED, None, "The loss became infinite.")  # noqa: E731
    stopped = scheduler.submit(blocking_work(release, []), kind="stopped")
    never_started = scheduler.submit(blocking_work(release, []), kind="cancelled")
    assert until(lambda: stopped.status == tj.RUNNING)
    never_started.stop()
    stopped.stop()
    assert stopped.join(WAIT_S) and never_started.join(WAIT_S)
    failed = scheduler.submit(failing, kind="failed")
    diverged = scheduler.submit(diverging, kind="diverged")
    assert failed.join(WAIT_S) and diverged.join(WAIT_S)

    by_kind = {line["kind"]: line for line in job_lines()}
    assert {kind: line["outcome"] for kind, line in by_kind.items()} == {
        "stopped": "stopped",
        "cancelled": "stopped",
        "failed": "failed",
        "diverged": "diverged",
    }
    cancelled = by_kind["cancelled"]
    assert cancelled["started"] is None and cancelled["run_s"] == 0.0 and cancelled["ended"] is not None
    assert by_kind["stopped"]["started"] is not None
    assert all(line["session"] is None for line in by_kind.values())  # no Streamlit session in a unit test


def test_a_session_check_that_takes_a_lock_never_deadlocks_with_a_submit_under_that_lock():
    # As ui.inspect_jobs does: it submits while holding its own lock, and its jobs' session check takes that
    # lock. The scheduler once called the check while holding its condition, which submit also takes: a
    # waiting job's check and a submit under the lock then waited for each other for ever (seen under load).
    scheduler = tj.Scheduler(max_running=1)
    release = threading.Event()
    started: list = []
    page_lock = threading.Lock()
    checks_entered = threading.Event()

    def alive_under_the_page_lock() -> bool:
        checks_entered.set()
        with page_lock:
            return True

    first = scheduler.submit(blocking_work(release, started))
    waiting = scheduler.submit(blocking_work(release, started), is_alive=alive_under_the_page_lock)
    assert until(lambda: first.status == tj.RUNNING) and checks_entered.wait(WAIT_S)
    submitted = threading.Event()

    def submit_under_the_page_lock() -> None:
        for _ in range(3):
            with page_lock:
                time.sleep(5 * tj.ALIVE_CHECK_S)  # the waiting job's next check falls while the lock is held
                scheduler.submit(lambda control: "quick", is_alive=lambda: False)
        submitted.set()

    thread = threading.Thread(target=submit_under_the_page_lock, daemon=True)
    thread.start()
    assert submitted.wait(5 * WAIT_S), "a submit under the lock deadlocked with the waiting job's session check"
    release.set()
    assert first.join(WAIT_S) and waiting.join(WAIT_S) and waiting.status == tj.DONE

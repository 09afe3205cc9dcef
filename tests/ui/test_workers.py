"""The worker-process pool (ui.workers) with small job functions: results, reports, errors, stop requests, and
workers that die or ignore a stop. The jobs are module-level functions: the spawned worker imports this module."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import types

import pytest

from ui import workers


def echo(payload, channel):
    """Reports each item of ``payload`` and returns their sum."""
    for item in payload:
        channel.report(("item", item, os.getpid()))
    return sum(payload)


def refuse(payload, channel):
    raise ValueError(f"batch_size must be at most 1024, got {payload}")


def bug(payload, channel):
    return {}["missing key"]


def die(payload, channel):
    channel.report("about to die")
    os.kill(os.getpid(), signal.SIGKILL)


def until_stopped(payload, channel):
    """Counts 'batches' until the server asks it to stop; returns how many ran."""
    batches = 0
    channel.report("started")
    while not channel.should_stop():
        batches += 1
        time.sleep(0.001)
    return batches


def deaf(payload, channel):
    """Never asks whether it should stop (a stuck job)."""
    channel.report("started")
    time.sleep(600)


def pid(payload, channel):
    return os.getpid()


@pytest.fixture(scope="module")
def pool():
    pool = workers.WorkerPool(2)
    pool.warm_up()
    yield pool
    pool.shutdown()


def test_a_job_runs_in_another_process_and_reports_in_order(pool):
    reports = []
    result = pool.run(echo, [3, 4, 5], on_report=reports.append)
    assert result == 12
    assert [r[1] for r in reports] == [3, 4, 5]
    assert {r[2] for r in reports} != {os.getpid()} and len({r[2] for r in reports}) == 1


def test_the_same_workers_are_reused(pool):
    first = {pool.run(pid, None) for _ in range(4)}
    assert os.getpid() not in first and 1 <= len(first) <= 2
    assert pool.counts() == (0, 2)


def test_a_value_error_comes_back_as_itself_and_the_worker_survives(pool):
    before = pool.crashes
    with pytest.raises(ValueError, match="batch_size must be at most 1024, got 5000"):
        pool.run(refuse, 5000)
    assert pool.run(echo, [1]) == 1 and pool.crashes == before


def test_another_exception_comes_back_with_its_type_and_message(pool):
    with pytest.raises(workers.RemoteError) as caught:
        pool.run(bug, None)
    assert caught.value.type_name == "KeyError" and "missing key" in caught.value.text


def test_a_worker_that_dies_gives_a_clear_error_and_is_replaced(pool):
    before, reports = pool.crashes, []
    with pytest.raises(workers.WorkerCrashed, match="ended unexpectedly"):
        pool.run(die, None, on_report=reports.append)
    assert reports == ["about to die"] and pool.crashes == before + 1
    # the pool starts a fresh process in its place: two more jobs at once still find two workers
    results = []
    threads = [threading.Thread(target=lambda: results.append(pool.run(echo, [2, 2]))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [4, 4]


def test_a_stop_request_ends_the_job_which_returns_normally(pool):
    asked = threading.Event()
    reports = []

    def on_report(message):
        reports.append(message)
        asked.set()  # stop as soon as the job has started

    batches = pool.run(until_stopped, None, on_report=on_report, should_stop=asked.is_set)
    assert reports == ["started"] and batches >= 0
    assert pool.run(echo, [7]) == 7  # the stop message was consumed: the next job runs undisturbed


def test_a_job_that_ignores_a_stop_is_killed_after_the_grace_period(pool, monkeypatch):
    monkeypatch.setattr(workers, "STOP_GRACE_S", 0.5)
    start = time.monotonic()
    with pytest.raises(workers.WorkerCrashed, match="did not stop"):
        pool.run(deaf, None, should_stop=lambda: True)
    assert time.monotonic() - start < 10
    assert pool.run(echo, [1, 1]) == 2


def test_jobs_beyond_the_pool_size_wait_for_a_free_worker():
    pool = workers.WorkerPool(1)
    try:
        release = threading.Event()
        order = []

        def first():
            order.append(("first", pool.run(until_stopped, None, should_stop=release.is_set)))

        thread = threading.Thread(target=first)
        thread.start()
        time.sleep(0.2)
        second = threading.Thread(target=lambda: order.append(("second", pool.run(echo, [1]))))
        second.start()
        second.join(1.0)
        assert second.is_alive() and pool.counts() == (1, 0)  # waiting: the only worker is busy
        release.set()
        thread.join(60)
        second.join(60)
        assert [name for name, _ in order] == ["first", "second"]
    finally:
        pool.shutdown()


def test_the_pool_refuses_bad_settings():
    with pytest.raises(ValueError, match="size"):
        workers.WorkerPool(0)
    with pytest.raises(ValueError, match="start_method"):
        workers.WorkerPool(1, start_method="fork")


def test_a_worker_never_runs_the_servers_main_script(tmp_path, monkeypatch):
    # In the server, __main__ is the script Streamlit ran last (the router, a page, AppTest's temporary file).
    marker = tmp_path / "ran"
    script = tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('the main script ran in the worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    pool = workers.WorkerPool(1)
    try:
        assert pool.run(echo, [1, 2]) == 3
    finally:
        pool.shutdown()
    assert not marker.exists()
    assert sys.modules["__main__"] is main  # and this process's __main__ is given back

"""ui.capacity: at most N sessions have a place; places of gone sessions are given back when the server is full;
the limit comes from the environment."""

from __future__ import annotations

import pytest

from ui import capacity


def test_places_are_kept_and_the_next_visitor_waits():
    admission = capacity.Admission(2)
    connected = {"a", "b", "c"}
    assert admission.admit("a", connected.__contains__) and admission.admit("b", connected.__contains__)
    assert not admission.admit("c", connected.__contains__)  # full: "c" sees the full page
    assert admission.admit("a", connected.__contains__)  # a place is kept on every later run
    connected.discard("a")  # a's browser has gone
    assert admission.admit("c", connected.__contains__) and admission.count() == 2
    assert not admission.admit("d", {"b", "c", "d"}.__contains__)


def test_gone_sessions_are_only_looked_at_when_full():
    calls = []

    def is_connected(session_id):
        calls.append(session_id)
        return True

    admission = capacity.Admission(3)
    admission.admit("a", is_connected)
    admission.admit("b", is_connected)
    assert calls == []


@pytest.mark.parametrize(("raw", "expected"), [("", 100), ("7", 7), ("0", 1), ("99999", 10_000), ("many", 100)])
def test_the_limit_comes_from_the_environment(raw, expected):
    assert capacity.max_sessions_from_env({capacity.MAX_SESSIONS_ENV: raw}) == expected


def test_a_bad_limit_is_refused():
    with pytest.raises(ValueError, match="limit"):
        capacity.Admission(0)

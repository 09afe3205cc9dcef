"""Home's challenge board: every graded challenge of the app, marked once this session passes it.

The reference for "passed" is each page's own grade (the Kernels page's success message, the Train page's grade
of a network whose size and accuracy are known)."""

from __future__ import annotations

import dataclasses

from explorer.nets.architecture import Activation, ArchitectureSpec, BatchNorm, Conv, Dense, Flatten, Pool
from tests.app.helpers import ok, trained_in_session
from tests.app.test_kernels import ANSWERS
from ui import challenge_board


def _board_lines(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("- ")]


def test_home_lists_every_challenge_unmarked_at_first(open_page):
    at = ok(open_page("app_pages/home.py"))
    lines = "\n".join(_board_lines(at))
    for entry in challenge_board.ENTRIES:
        assert f"⬜ {entry.title}" in lines
    assert any(m.value == f"**0 of {len(challenge_board.ENTRIES)} passed in this session.**" for m in at.markdown)


def test_a_passed_kernel_challenge_is_marked_on_home(open_page):
    at = ok(open_page("app_pages/kernels.py", query={"kernel": ANSWERS["horizontal"]}))
    at.button(key="_kernels.grade.horizontal").click().run()
    assert at.success  # the page's own verdict
    at.switch_page("app_pages/home.py").run()
    ok(at)
    lines = "\n".join(_board_lines(at))
    assert "✅ Only horizontal edges" in lines and "⬜ Blur" in lines
    assert any(m.value.startswith("**1 of ") for m in at.markdown)


def test_the_train_page_grades_the_small_shapes_challenge(open_page):
    digits = trained_in_session()  # trained on the digits: graded, not passed
    at = open_page("app_pages/train.py")
    at.session_state["train.model"] = digits
    at.run()
    assert any("train one on the shapes" in c.value for c in at.caption) and not at.error
    # as if a 4,408-parameter network (the module's passing example) had reached 99 % on a shapes test set: the
    # grade reads the data set's name, the spec's parameter count and the last epoch's accuracy
    relu = Activation("relu")
    small = ArchitectureSpec(
        "small",
        (1, 28, 28),
        (Conv(12, 3), BatchNorm(), relu, Pool("max", 2), Conv(16, 3), BatchNorm(), relu, Pool("max", 2))
        + (Conv(16, 3), BatchNorm(), relu, Pool("avg", 3), Flatten(), Dense(8)),
        8,
    )
    test = dataclasses.replace(digits.test, name="Shapes 28×28 gray")
    history = (*digits.history[:-1], dataclasses.replace(digits.history[-1], test_accuracy=0.99))
    at.session_state["train.model"] = dataclasses.replace(digits, spec=small, test=test, history=history)
    at.run()
    ok(at)
    assert any("with only" in s.value for s in at.success)
    assert "train.small_shapes" in at.session_state[challenge_board.PASSED_KEY]

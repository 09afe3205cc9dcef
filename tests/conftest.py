"""Shared test set-up: tests run from the project root so ``explorer`` and ``ui`` import; torch on one thread
as the app runs it; fixtures every folder uses (the astronaut sample)."""

import os
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """One torch thread, as the app runs (``ui/torch_runtime.py``): on a busy machine two threads contend and
    tiny models slow down 10x. Only once something has imported torch: tests that don't need it never load it
    (and the tests that check which modules a page imports run in interpreters of their own)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.get_num_threads() != 1:
        torch.set_num_threads(1)


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False  # shared by the whole session: a test that writes into it fails loudly
    return array


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """The built-in astronaut sample (the pages' default image): ``(512, 512, 3) uint8`` RGB, read-only."""
    from explorer.images import samples

    return _read_only(samples.load_builtin("sample:astronaut"))


@pytest.fixture(scope="session")
def astronaut_gray(astronaut: np.ndarray) -> np.ndarray:
    """The astronaut as the gray pages see it: ``(512, 512) float32`` in ``[0, 1]``, read-only."""
    from explorer.core import dtype

    return _read_only(dtype.to_gray(astronaut))

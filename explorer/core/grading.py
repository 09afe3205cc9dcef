"""What a graded challenge is and what grading it says, shared by the kernel puzzles
(:mod:`explorer.images.challenges`) and the morphology clean-ups (:mod:`explorer.classical.morphology`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Challenge:
    key: str
    title: str
    prompt: str


@dataclass(frozen=True, eq=False)  # eq=False: ``result`` may be an array, which has no single truth value
class Grade:
    """``passed`` is True when every criterion holds; ``feedback`` has one sentence per finding; ``result``
    is what the graded answer produced, when there is something to show (the morphology challenges' mask)."""

    passed: bool
    feedback: tuple[str, ...]
    result: np.ndarray | None = None

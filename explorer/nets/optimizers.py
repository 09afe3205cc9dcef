"""The one way this code base makes an optimizer: :func:`make_optimizer` (Adam or SGD).

It is used by :class:`explorer.nets.training.Trainer` and by the dense-versus-conv demo
(:func:`explorer.nets.translation.train`), takes plain keyword settings (``lr``, ``momentum``,
``weight_decay``) and returns a :class:`FusedOptimizer`: ``zero_grad()`` and ``step()``, with the update of
``torch.optim.Adam`` / ``torch.optim.SGD`` (tested against them, step by step), and a state (Adam's m and v,
SGD's momentum buffers: one tensor per parameter, of its shape and dtype) that lives as long as the object.

Why not ``torch.optim.Adam/SGD(fused=True)`` itself: it calls the same fused kernels (``torch._fused_adam_``,
``torch._fused_sgd_``, which are private torch APIs), and the training benchmark shows a real difference.
Measured on this project's 2-core machine, one torch thread, quiet, the same day, ``torch.optim`` against
these direct calls (``benchmarks/bench_training.py``, trainer speed as a share of the forward + backward
ceiling, the target being >= 0.85):

- per Adam step: 75-100 us through ``torch.optim`` (hooks, profiler records, per-parameter state) against
  about 20 us (MLP, 4 tensors) or 27 us (digits CNN, 14 tensors) by the kernel alone;
- share at batch 32: digits CNN 0.81 through ``torch.optim`` against 0.86-0.87 direct, TinyVGG 0.85 against
  0.90-0.93, MLP 0.46 against 0.61; at the best batch (128; 512 for the MLP) 0.82 against 0.89, 0.90 against
  0.94, 0.58 against 0.64: only the direct calls meet the target on the CNNs;
- once per process, the first ``torch.optim`` optimizer imports ``torch._dynamo`` (its ``add_param_group`` is
  wrapped by ``torch._disable_dynamo``): the first training of a fresh process took 1.3 s against 0.2 s, longer
  than a whole training of the default digits recipe (0.65-0.7 s to 98 % held out).

So the kernels are called directly, as ``torch.optim`` calls them with ``fused=True``; torch is pinned
(requirements.txt) and ``tests/unit/test_optimizers.py`` compares every setting with ``torch.optim``, so a torch
upgrade that changes them fails there first. Torch is imported inside the functions: importing this is free.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

OPTIMIZERS = ("adam", "sgd")
# Adam's defaults (torch's and Keras'): beta1 0.9, beta2 0.999, eps 1e-8. Named here so the settings a model
# was trained with can be read in one place.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


@dataclass(frozen=True, eq=False)  # eq=False: arrays have no single truth value
class OptimizerState:
    """A :class:`FusedOptimizer`'s state as plain data, to continue in another process.

    name : ``"adam"`` or ``"sgd"``. steps : updates made so far.
    first : Adam's m or SGD's momentum buffer, one ``float32`` array per parameter (of its shape).
    second : Adam's v, one per parameter; empty for SGD.
    """

    name: str
    steps: int
    first: tuple[np.ndarray, ...]
    second: tuple[np.ndarray, ...]


class FusedOptimizer:
    """``torch.optim.Adam`` (``name="adam"``, which ignores ``momentum``) or ``torch.optim.SGD`` (``"sgd"``: no
    dampening, no Nesterov) with ``fused=True``, without ``torch.optim``'s wrapper (see the module docstring).

    ``weight_decay`` is an L2 penalty added to the gradient, as ``torch.optim`` does (not AdamW's decoupled
    decay). Parameters that don't require a gradient are left out.
    """

    def __init__(
        self, parameters: Iterable[torch.nn.Parameter], name: str, *, lr: float, momentum: float, weight_decay: float
    ) -> None:
        import torch

        self.parameters: list[torch.Tensor] = [p for p in parameters if p.requires_grad]
        self.name, self.lr, self.momentum, self.weight_decay = name, lr, momentum, weight_decay
        self.steps = 0
        self.first = [torch.zeros_like(p) for p in self.parameters]  # Adam's m, or SGD's momentum buffer
        self.second = [torch.zeros_like(p) for p in self.parameters] if name == "adam" else []  # Adam's v
        # Adam's step count: the kernel wants a float32 0-d tensor per parameter; they all count the same
        # steps, so one tensor is listed for each (one increment a step instead of one per parameter).
        self._step_count = torch.zeros(())

    def state(self) -> OptimizerState:
        """A copy of the state: the buffers as ``float32`` arrays."""
        return OptimizerState(
            self.name,
            self.steps,
            tuple(t.detach().numpy().copy() for t in self.first),
            tuple(t.detach().numpy().copy() for t in self.second),
        )

    def load_state(self, state: OptimizerState) -> None:
        """Continue from ``state`` (of an optimizer with the same name over parameters of the same shapes);
        ``ValueError`` naming what differs."""
        import torch

        if not isinstance(state, OptimizerState):
            raise TypeError(f"state must be an OptimizerState, got {type(state).__name__}")
        if state.name != self.name:
            raise ValueError(f"state is a {state.name!r} optimizer's, this one is {self.name!r}")
        for label, buffers, mine in (("first", state.first, self.first), ("second", state.second, self.second)):
            if len(buffers) != len(mine) or any(b.shape != tuple(m.shape) for b, m in zip(buffers, mine)):
                raise ValueError(f"state.{label} does not fit these parameters (number or shapes of the tensors)")
        self.steps = int(state.steps)
        with torch.no_grad():
            for buffers, mine in ((state.first, self.first), (state.second, self.second)):
                for buffer, tensor in zip(buffers, mine):
                    tensor.copy_(torch.from_numpy(np.asarray(buffer, np.float32)))
            self._step_count.fill_(float(self.steps) if self.name == "adam" else 0.0)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = None

    def step(self) -> None:
        """One update from the gradients in ``.grad`` (every parameter of our networks has one after backward)."""
        import torch

        self.steps += 1
        grads = [p.grad for p in self.parameters if p.grad is not None]
        if len(grads) != len(self.parameters):
            raise ValueError("every parameter needs a gradient before step(): run backward() first")
        with torch.no_grad():
            if self.name == "sgd":
                # torch starts the momentum buffer at the first gradient; without momentum it has none
                torch._fused_sgd_(
                    self.parameters,
                    grads,
                    self.first if self.momentum > 0 else [],
                    weight_decay=self.weight_decay,
                    momentum=self.momentum,
                    lr=self.lr,
                    dampening=0.0,
                    nesterov=False,
                    maximize=False,
                    is_first_step=self.steps == 1,
                )
                return
            self._step_count += 1  # the kernel reads the step; torch.optim also counts before calling it
            torch._fused_adam_(
                self.parameters,
                grads,
                self.first,
                self.second,
                [],
                [self._step_count] * len(self.parameters),
                lr=self.lr,
                beta1=ADAM_BETAS[0],
                beta2=ADAM_BETAS[1],
                weight_decay=self.weight_decay,
                eps=ADAM_EPS,
                amsgrad=False,
                maximize=False,
            )


def make_optimizer(
    parameters: Iterable[torch.nn.Parameter],
    name: str = "adam",
    *,
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> FusedOptimizer:
    """A :class:`FusedOptimizer` over ``parameters``; ``ValueError`` for an unknown ``name`` or a setting out of
    range (a learning rate that is not positive, a momentum outside ``[0, 1)``, a negative weight decay)."""
    if name not in OPTIMIZERS:
        raise ValueError(f"name must be one of {OPTIMIZERS}, got {name!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be from 0 to below 1, got {momentum}")
    if not weight_decay >= 0:
        raise ValueError(f"weight_decay must be 0 or more, got {weight_decay}")
    return FusedOptimizer(parameters, name, lr=lr, momentum=momentum, weight_decay=weight_decay)

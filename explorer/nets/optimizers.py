"""Adam and SGD for :class:`explorer.nets.training.Trainer`: ``torch.optim``'s update, through its fused kernels.

:class:`Optimizer` gives the same update as ``torch.optim.Adam`` / ``torch.optim.SGD`` (tested against them)
by calling the kernels those call with ``fused=True``, without ``torch.optim`` itself: the first
``torch.optim`` optimizer of a process imports ``torch._dynamo``, 2 to 5 s on our server, longer than a
whole training on the digits.

The settings (``optimizer``, ``learning_rate``, ``momentum``, ``weight_decay``) come from a
:class:`~explorer.nets.training.TrainConfig`. The state, ``first`` (Adam's m, or SGD's momentum buffer) and
``second`` (Adam's v), holds one tensor per parameter, of its shape and dtype (float32 in our models).
Torch is imported inside the methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # training imports this module: the config is only named here, never needed at import
    from explorer.nets.training import TrainConfig


class Optimizer:
    """``torch.optim.Adam`` / ``SGD`` (no dampening, no Nesterov) through the fused kernels that
    ``torch.optim`` calls with ``fused=True`` (one call updates every parameter: about 3x faster than
    the multi-tensor default on our models, about 0.1 ms a batch). State is kept across runs."""

    def __init__(self, parameters, config: TrainConfig) -> None:
        import torch

        self.parameters = [p for p in parameters if p.requires_grad]
        self.config = config
        self.steps = 0
        self.first = [torch.zeros_like(p) for p in self.parameters]  # Adam's m, or SGD's momentum buffer
        self.second = [torch.zeros_like(p) for p in self.parameters] if config.optimizer == "adam" else []
        # Adam's step count: the kernel wants a float32 0-d tensor per parameter; they all count the same
        # steps, so one tensor is listed for each (one increment a step instead of one per parameter).
        self._step_count = torch.zeros(())

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = None

    def step(self) -> None:
        """One update from the gradients in ``.grad``."""
        import torch

        c = self.config
        self.steps += 1
        with torch.no_grad():
            # Every parameter of a Sequential takes part in the loss, so each has a gradient after backward.
            grads = [p.grad for p in self.parameters]
            if c.optimizer == "sgd":
                # torch starts the momentum buffer at the first gradient; without momentum it has none
                buffers = self.first if c.momentum > 0 else []
                torch._fused_sgd_(
                    self.parameters,
                    grads,
                    buffers,
                    weight_decay=c.weight_decay,
                    momentum=c.momentum,
                    lr=c.learning_rate,
                    dampening=0.0,
                    nesterov=False,
                    maximize=False,
                    is_first_step=self.steps == 1,
                )
                return
            self._step_count += 1  # the kernel reads the step; torch.optim also counts before calling it
            # Adam's defaults (as torch and Keras): beta1 0.9, beta2 0.999, eps 1e-8
            torch._fused_adam_(
                self.parameters,
                grads,
                self.first,
                self.second,
                [],
                [self._step_count] * len(self.parameters),
                lr=c.learning_rate,
                beta1=0.9,
                beta2=0.999,
                weight_decay=c.weight_decay,
                eps=1e-8,
                amsgrad=False,
                maximize=False,
            )

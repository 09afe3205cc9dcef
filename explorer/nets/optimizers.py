"""The one way this code base makes an optimizer: ``torch.optim.Adam`` / ``torch.optim.SGD`` with ``fused=True``.

:func:`make_optimizer` is used by :class:`explorer.nets.training.Trainer` and by the dense-versus-conv demo
(:func:`explorer.nets.translation.train`). It takes plain keyword settings (``lr``, ``momentum``,
``weight_decay``) and returns a ``torch.optim.Optimizer`` whose state (Adam's m and v, SGD's momentum
buffers: one tensor per parameter, of its shape and dtype) lives as long as the object.

``fused=True`` (supported on the CPU since torch 2.4): one kernel call updates every parameter. It is the
fastest public way; what it costs against calling that kernel directly (``torch._fused_adam_``, private, what
this module did before), measured on our shared 2-core machine, one torch thread:

- per Adam step, MLP preset (4 tensors): about 20 us by the kernel alone, 75-100 us through ``torch.optim``
  (its Python around the kernel: hooks, profiler records, per-parameter state, ``zero_grad``); ``foreach=True``
  takes 170 us and the single-tensor loop 180 us. Digits CNN (14 tensors): 27 us, 95-100 us, 270-340 us, 360-410 us;
- per epoch (``benchmarks/bench_training.py``, 3 runs each, CPU time): MLP at batch 32 17-20 ms before,
  24-29 ms now (from 56-64 % to 39-61 % of the forward + backward ceiling); digits CNN at batch 32 167-223 ms
  before, 190-215 ms now (82-90 % to 75-78 %); at their best batch (128) the CNNs stay at 84-94 % (86-91 % now);
- once per process: the first ``torch.optim`` optimizer imports ``torch._dynamo`` (``add_param_group`` is
  wrapped by ``torch._disable_dynamo``): the first training of a fresh process took 1.4-3.4 s instead of
  0.2-0.8 s (before), and the peak memory of a training session grew from 79-81 MB to 222 MB (the modules
  of ``torch._dynamo``). Later optimizers are created in microseconds.

Torch is imported inside the function, like the other ``explorer.nets`` modules: importing this is free.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

OPTIMIZERS = ("adam", "sgd")
# Adam's defaults (torch's and Keras'): beta1 0.9, beta2 0.999, eps 1e-8. Named here so the settings a model
# was trained with can be read in one place.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


def make_optimizer(
    parameters: Iterable[torch.nn.Parameter],
    name: str = "adam",
    *,
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> torch.optim.Optimizer:
    """``torch.optim.Adam`` (``name="adam"``, which ignores ``momentum``) or ``torch.optim.SGD`` (``"sgd"``: no
    dampening, no Nesterov), ``fused=True``, over ``parameters``.

    ``weight_decay`` is an L2 penalty added to the gradient, as ``torch.optim`` does (not AdamW's decoupled
    decay). Raises ``ValueError`` for an unknown ``name`` (torch checks the numbers).
    """
    import torch

    if name not in OPTIMIZERS:
        raise ValueError(f"name must be one of {OPTIMIZERS}, got {name!r}")
    if name == "adam":
        return torch.optim.Adam(
            parameters, lr=lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=weight_decay, fused=True
        )
    return torch.optim.SGD(parameters, lr=lr, momentum=momentum, weight_decay=weight_decay, fused=True)

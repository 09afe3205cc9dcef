"""The one way this code base makes an optimizer: ``torch.optim.Adam`` / ``torch.optim.SGD`` with ``fused=True``.

:func:`make_optimizer` is used by :class:`explorer.nets.training.Trainer` and by the dense-versus-conv demo
(:func:`explorer.nets.translation.train`). It takes plain keyword settings (``lr``, ``momentum``,
``weight_decay``) and returns a ``torch.optim.Optimizer`` whose state (Adam's m and v, SGD's momentum
buffers: one tensor per parameter, of its shape and dtype) lives as long as the object.

``fused=True`` (supported on the CPU since torch 2.4): one kernel call updates every parameter, about 3x faster
per step than torch's multi-tensor default on our models (about 0.1 ms a batch). Same update as the default
implementations up to float rounding (``tests/unit/test_optimizers.py`` checks it).

Cost to know about: creating the first ``torch.optim`` optimizer of a process imports ``torch._dynamo``
(``Optimizer.add_param_group`` is wrapped by ``torch._disable_dynamo``), about 1.2 s once per process on our
2-core machine; every later optimizer is created in microseconds.

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

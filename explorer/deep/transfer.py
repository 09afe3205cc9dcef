"""Transfer learning: a network pretrained on ImageNet keeps its trunk, frozen, and a new last layer learns your
classes from the trunk's features.

The transfer network is an ordinary :class:`~explorer.nets.architecture.ArchitectureSpec` (:func:`spec`):

1. ``Backbone(size)``: SqueezeNet 1.1's conv1 to fire9, frozen, on the pictures resized to ``size`` (see
   :mod:`explorer.deep.trunk`): 512 feature maps;
2. ``relu``: fire9 ends with ReLUs already, so this changes nothing; it is there so the Inspect pages, which
   show the maps of activation layers, show the 512 maps the new layer reads;
3. ``avgpool`` over the whole map and ``flatten``: 512 numbers per picture, the "deep features";
4. ``dense``: the only layer that learns, ``512 × classes + classes`` numbers.

So it trains with the app's :class:`~explorer.nets.training.Trainer` (which runs the frozen layers once and
then trains the last one on what came out: seconds for a few hundred pictures), saves as a checkpoint, and
opens on the Inspect pages like any network of the Train page. Its starting weights come from
:func:`initial_weights`: the pretrained trunk's, and a new last layer drawn with the seed.

:func:`compare` trains it and a small CNN from scratch on the same split with the same settings, the lesson's
experiment: with a few dozen pictures per class, features learned from a million photos beat a network that
has to learn its features from those few pictures alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from explorer.core import checks
from explorer.data.datasets import Dataset
from explorer.deep import trunk
from explorer.nets import architecture
from explorer.nets.training import EpochRecord, TrainConfig, Trainer

if TYPE_CHECKING:
    from torch import nn

# Pictures are resized to 128 pixels for the trunk: its fire9 maps are then 7×7, so each of the 512 features
# averages 49 places (at 64 pixels only 9); it costs 10-30 ms a picture on one CPU thread, so 200 pictures
# pass in a few seconds. (The pool over the whole map must be at most architecture.MAX_POOL = 8: up to 144.)
DEFAULT_SIZE = 128
NAME = "Pretrained SqueezeNet + new last layer"


def spec(
    input_shape: tuple[int, int, int], num_classes: int, *, size: int = DEFAULT_SIZE
) -> architecture.ArchitectureSpec:
    """The transfer network for pictures of ``input_shape`` ``(C, H, W)`` (C 1 or 3) and ``num_classes``
    classes: backbone, relu, average pool over the whole map, flatten, dense (see the module docstring)."""
    side = trunk.output_side(size)
    layers = (
        architecture.Backbone(size),
        architecture.Activation("relu"),
        architecture.Pool("avg", side),
        architecture.Flatten(),
        architecture.Dense(num_classes),
    )
    return architecture.ArchitectureSpec(NAME, input_shape, layers, num_classes)


def initial_weights(
    network: architecture.ArchitectureSpec, pretrained: nn.Module, *, seed: int = 0
) -> dict[str, np.ndarray]:
    """The weights a transfer training starts from, as arrays (``Trainer(state_dict=...)``, a ``TrainingRequest``):
    ``architecture.build(network, seed=seed)``'s, with the backbone's taken from ``pretrained``.

    network : a spec whose first layer is a ``Backbone`` (e.g. :func:`spec`).
    pretrained : SqueezeNet 1.1 as ``explorer.deep.backbone.build`` makes it (pretrained or not).
    """
    if not isinstance(network, architecture.ArchitectureSpec):
        raise TypeError(f"network must be an ArchitectureSpec, got {type(network).__name__}")
    if not isinstance(network.layers[0], architecture.Backbone):
        raise ValueError(
            f"network must start with a pretrained backbone, its first layer is {network.layers[0].describe()}"
        )
    model = architecture.build(network, seed=checks.integer("seed", seed, 0, wrong_type=ValueError))
    state = {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}
    for name, tensor in trunk.pretrained_state(network.input_shape[0], pretrained).items():
        state[f"0.{name}"] = tensor.numpy().copy()
    return state


def flat(model: nn.Sequential) -> nn.Sequential:
    """A transfer network as the Inspect section's functions want it: one ``nn.Sequential`` of its layers, the
    trunk's modules (resize, conv1, relu, pool, fire2 ... fire9) first, then the rest; the same module objects
    (no weights copied), so the same outputs. A network without a backbone comes back as it is.

    Its ``state_dict`` names differ (``"1.weight"`` for ``"0.1.weight"``): :func:`nested_state` maps them back.
    """
    from torch import nn

    if not isinstance(model, nn.Sequential) or not len(model) or not _is_trunk(model[0]):
        return model
    trunk_modules = model[0]
    assert isinstance(trunk_modules, nn.Sequential)  # _is_trunk checked it
    return nn.Sequential(*trunk_modules, *model[1:])


def _is_trunk(module) -> bool:
    from torch import nn

    return isinstance(module, nn.Sequential) and len(module) == trunk.LENGTH and isinstance(module[0], nn.Upsample)


def nested_state(state: dict) -> dict:
    """The ``state_dict`` of a :func:`flat` network under the names of the network it came from (module ``i``
    of the trunk is ``"0.i"``, module ``j`` after it ``str(j - trunk.LENGTH + 1)``)."""
    nested = {}
    for name, value in state.items():
        index, _, rest = name.partition(".")
        position = int(index)
        where = f"0.{position}" if position < trunk.LENGTH else str(position - trunk.LENGTH + 1)
        nested[f"{where}.{rest}"] = value
    return nested


def to_state_dict(weights: dict[str, np.ndarray]) -> dict:
    """Arrays to the tensors ``load_state_dict`` takes (copies: the arrays may be read-only)."""
    import torch

    return {name: torch.from_numpy(np.array(array)) for name, array in weights.items()}


@dataclass(frozen=True)
class Comparison:
    """Two trainings on the same split with the same settings: the transfer network and a network from scratch.

    pretrained, scratch : each epoch's :class:`~explorer.nets.training.EpochRecord`.
    pretrained_seconds, scratch_seconds : wall time of each training (the transfer one's includes its single
        pass of every picture through the backbone).
    pretrained_params, scratch_params : the numbers each training learned.
    """

    pretrained: tuple[EpochRecord, ...]
    scratch: tuple[EpochRecord, ...]
    pretrained_seconds: float
    scratch_seconds: float
    pretrained_params: int
    scratch_params: int

    def table(self) -> list[dict[str, object]]:
        """One row per network: name, numbers learned, final test accuracy, seconds."""
        return [
            {
                "network": name,
                "learned numbers": params,
                "test accuracy": history[-1].test_accuracy if history else float("nan"),
                "seconds": seconds,
            }
            for name, history, params, seconds in (
                ("pretrained backbone + new layer", self.pretrained, self.pretrained_params, self.pretrained_seconds),
                ("from scratch", self.scratch, self.scratch_params, self.scratch_seconds),
            )
        ]


def compare(
    train: Dataset,
    test: Dataset,
    *,
    pretrained: nn.Module,
    scratch: architecture.ArchitectureSpec,
    config: TrainConfig,
    size: int = DEFAULT_SIZE,
    clock: Callable[[], float] = time.perf_counter,
) -> Comparison:
    """Train the transfer network (:func:`spec`, starting from ``pretrained``'s trunk) and ``scratch`` (a
    small CNN for these pictures, e.g. from ``explorer.nets.layer_table``) on ``train``, measured on ``test``,
    both with ``config``. ``ValueError`` when a network doesn't fit the pictures."""
    network = spec(train.image_shape, train.n_classes, size=size)
    weights = to_state_dict(initial_weights(network, pretrained, seed=config.seed))
    results = []
    for chosen, state in ((network, weights), (scratch, None)):
        start = clock()
        trainer = Trainer(chosen, train, test, config, state_dict=state)
        history = trainer.run().history
        results.append((history, clock() - start, architecture.count_trainable(chosen)))
    (ours, our_seconds, our_params), (theirs, their_seconds, their_params) = results
    return Comparison(ours, theirs, our_seconds, their_seconds, our_params, their_params)

"""explorer.nets.optimizers: Adam and SGD against hand-computed updates, and against torch.optim's reference
(single-tensor, unfused) implementation over several steps."""

import numpy as np
import pytest
import torch

from explorer.data import datasets
from explorer.nets.architecture import ArchitectureSpec, Dense, Dropout, Flatten, build
from explorer.nets.optimizers import make_optimizer

TRAIN, _ = datasets.digits(size=8).split(0.2, seed=0)
MLP = ArchitectureSpec("mlp", (1, 8, 8), (Flatten(), Dense(32), Dropout(0.2), Dense(10)), 10)


def _one_parameter(grads, start, name, **settings):
    p = torch.nn.Parameter(torch.tensor(start))
    optimizer = make_optimizer([p], name, **settings)
    values = []
    for grad in grads:
        p.grad = torch.tensor(grad)
        optimizer.step()
        values.append(p.detach().tolist())
    return values


def test_adam_by_hand():
    # Step 1: m = 0.1 g, v = 0.001 g²; bias-corrected m̂ = g, v̂ = g², so p moves by lr·g/(|g| + eps) = lr·sign(g).
    (first, second) = _one_parameter([[2.0, -0.5], [2.0, -0.5]], [1.0, 1.0], "adam", lr=0.1)
    np.testing.assert_allclose(first, [0.9, 1.1], rtol=1e-6)
    # Step 2 with the same gradient: m̂ = g and v̂ = g² again, so another lr·sign(g).
    np.testing.assert_allclose(second, [0.8, 1.2], rtol=1e-6)


def test_adam_ignores_momentum():
    with_momentum = _one_parameter([[2.0, -0.5]] * 3, [1.0, 1.0], "adam", lr=0.1, momentum=0.5)
    assert with_momentum == _one_parameter([[2.0, -0.5]] * 3, [1.0, 1.0], "adam", lr=0.1)


def test_sgd_with_momentum_and_weight_decay_by_hand():
    # buffer 2 -> p 0.8; buffer 0.9·2 + 2 = 3.8 -> p 0.42; buffer 0.9·3.8 + 2 = 5.42 -> p -0.122
    np.testing.assert_allclose(
        _one_parameter([2.0, 2.0, 2.0], 1.0, "sgd", lr=0.1, momentum=0.9), [0.8, 0.42, -0.122], rtol=1e-6
    )
    # gradient 2 + 0.1·p: p = 1 - 0.1·2.1 = 0.79
    np.testing.assert_allclose(_one_parameter([2.0], 1.0, "sgd", lr=0.1, weight_decay=0.1), [0.79], rtol=1e-6)


@pytest.mark.parametrize(
    "name, settings",
    [
        ("adam", dict(lr=0.01)),
        ("adam", dict(lr=0.003, weight_decay=0.01)),
        ("sgd", dict(lr=0.05, momentum=0.9)),
        ("sgd", dict(lr=0.05, momentum=0.0, weight_decay=0.01)),
    ],
)
def test_optimizer_matches_torch_optim_reference_over_steps(name, settings):
    ours, reference = (build(MLP, seed=3) for _ in range(2))
    optimizer = make_optimizer(ours.parameters(), name, **settings)
    # The reference: torch.optim's single-tensor loop (foreach=False, fused off), written op by op in Python.
    if name == "adam":
        torch_optimizer = torch.optim.Adam(reference.parameters(), foreach=False, **settings)
    else:
        torch_optimizer = torch.optim.SGD(reference.parameters(), foreach=False, **settings)
    x, y = torch.from_numpy(TRAIN.images[:64].copy()), torch.from_numpy(TRAIN.labels[:64].copy())
    for model in (ours, reference):
        model.eval()  # no dropout: both see the same gradients
    for _ in range(6):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(ours(x), y).backward()
        optimizer.step()
        torch_optimizer.zero_grad()
        torch.nn.functional.cross_entropy(reference(x), y).backward()
        torch_optimizer.step()
    for mine, theirs in zip(ours.parameters(), reference.parameters()):
        torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-6)
    # and the weights did move: the comparison is not between two untouched models
    assert not torch.equal(next(ours.parameters()), next(build(MLP, seed=3).parameters()))


def test_unknown_optimizer_message():
    with pytest.raises(ValueError, match=r"name must be one of \('adam', 'sgd'\), got 'rmsprop'"):
        make_optimizer([torch.nn.Parameter(torch.zeros(1))], "rmsprop", lr=0.1)


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(lr=0.0), "lr must be positive, got 0.0"),
        (dict(lr=0.1, momentum=1.0), r"momentum must be from 0 to below 1, got 1.0"),
        (dict(lr=0.1, weight_decay=-0.1), "weight_decay must be 0 or more, got -0.1"),
    ],
)
def test_settings_out_of_range_are_refused_with_their_name(settings, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer([torch.nn.Parameter(torch.zeros(1))], "sgd", **settings)


def test_a_step_without_gradients_says_what_to_do():
    optimizer = make_optimizer([torch.nn.Parameter(torch.zeros(1))], "adam", lr=0.1)
    with pytest.raises(ValueError, match=r"run backward\(\) first"):
        optimizer.step()

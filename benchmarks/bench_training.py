"""Training speed and memory of ``explorer.nets.training.Trainer``.

1. **Throughput** against a notebook-style loop on the same model and data, in the same process: a
   ``DataLoader`` over a ``TensorDataset`` (batch 32, shuffled, default settings), ``torch.optim.Adam``,
   ``nn.CrossEntropyLoss``. Ours runs with ``TrainConfig()``'s defaults (also batch 32) and includes what a
   run does besides the updates (progress bookkeeping, evaluating the test set after each epoch). Each side
   trains one epoch per round, in alternating order, after a warm-up; times are CPU seconds of this process
   (one torch thread, so that is the work done, and other programs on a busy machine slow neither side).
   ``ours_ms`` / ``baseline_ms``: median per epoch; ``ratio``: our images per second / the baseline's.
   Each is followed by a **ceiling** row: the same model's forward pass, loss and backward pass alone, on
   batches sliced beforehand (no data handling, no optimizer, no evaluation), against the same baseline.
   No trainer can beat that ratio on that model: on our CPU the convolutions dominate both loops, which
   caps the ratio at about 1.5-1.7x at batch 32 for the convolutional networks, whatever the loop does.
2. **Default digits recipe to 98 %**: wall time from making the data set (``recipe.data()``) to the end of
   the first epoch with held-out accuracy >= 98 %, for 3 seeds; the worst is reported, with how many got
   there. torch is already imported, as in the running app.
3. **Peak memory** of one training session (the digits recipe, then the shapes recipe for 2 epochs): the
   peak resident set size (``VmHWM``, reset first through ``/proc/self/clear_refs``) above the resident
   size before it. Reported, no target.

Run ``python benchmarks/bench_training.py`` for a table; ``benchmarks/run.py`` imports :func:`run`.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from explorer.data import datasets
from explorer.nets import architecture
from explorer.nets.recipes import DEFAULT_DIGITS_RECIPE, DEFAULT_SHAPES_RECIPE  # noqa: E402
from explorer.nets.training import TrainConfig, Trainer  # noqa: E402
from ui import torch_runtime  # noqa: E402

ROUNDS = 5  # epochs timed per side and model: enough for a median that ignores one disturbed round
SPEED_TARGET = 3.0  # ours at least 3x the notebook loop's images per second
RECIPE_TARGET_S = 10.0  # the default digits recipe reaches 98 % within 10 s
RECIPE_SEEDS = (0, 1, 2)
ACCURACY_GOAL = 0.98


def _notebook_epoch(spec, train):
    """What a notebook does: DataLoader + torch.optim.Adam, batch 32. Returns a function training one epoch."""
    from torch.utils.data import DataLoader, TensorDataset

    model = architecture.build(spec, seed=0)
    loader = DataLoader(
        TensorDataset(torch.tensor(train.images), torch.tensor(train.labels)), batch_size=32, shuffle=True
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch() -> None:
        model.train()
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

    return epoch


def _floor_epoch(spec, train, batch_size: int):
    """The least any trainer could do: forward, loss and backward only, on batches sliced beforehand, in
    our layout (channels_last). No data handling, no optimizer, no evaluation. Returns a function
    training one such epoch."""
    import torch.nn.functional as F

    model = architecture.build(spec, seed=0).to(memory_format=torch.channels_last).train()
    x, y = torch.tensor(train.images).contiguous(memory_format=torch.channels_last), torch.tensor(train.labels)
    batches = [(x[i : i + batch_size], y[i : i + batch_size]) for i in range(0, len(y), batch_size)]

    def epoch() -> None:
        for xb, yb in batches:
            F.cross_entropy(model(xb), yb).backward()

    return epoch


def _cpu_seconds(function) -> float:
    start = time.process_time()
    function()
    return time.process_time() - start


def _throughput_rows(label: str, spec, train, test, *, config: TrainConfig | None = None) -> list[dict]:
    """Two rows: our trainer against the notebook loop (the target), and the ceiling any trainer has on
    this model (forward + backward alone against the notebook loop, for information)."""
    trainer = Trainer(spec, train, test, config or TrainConfig(epochs=1))
    ours = lambda: trainer.run(epochs=1)  # noqa: E731
    baseline = _notebook_epoch(spec, train)
    floor = _floor_epoch(spec, train, trainer.config.batch_size)
    ours(), baseline(), floor()  # warm-up: first calls pick kernels and allocate
    ours_s, baseline_s, floor_s = [], [], []
    for index in range(ROUNDS):
        order = [(ours, ours_s), (baseline, baseline_s), (floor, floor_s)]
        for function, times in order if index % 2 == 0 else order[::-1]:
            times.append(_cpu_seconds(function))
    ours_ms, baseline_ms, floor_ms = (statistics.median(times) * 1e3 for times in (ours_s, baseline_s, floor_s))
    ratio = baseline_ms / ours_ms  # same images per epoch: speed ratio = inverse time ratio
    return [
        {
            "name": f"images/s vs DataLoader loop: {label}",
            "ours_ms": ours_ms,
            "baseline_ms": baseline_ms,
            "ratio": ratio,
            "target": f">= {SPEED_TARGET:g}x",
            "ok": ratio >= SPEED_TARGET,
            "share_of_ceiling": floor_ms / ours_ms,
            "ours_images_per_s": len(train) / ours_ms * 1e3,
            "baseline_images_per_s": len(train) / baseline_ms * 1e3,
        },
        {
            "name": f"  ceiling: forward + backward alone, {label}",
            "ours_ms": floor_ms,
            "baseline_ms": baseline_ms,
            "ratio": baseline_ms / floor_ms,
            "target": "info",
            "ok": True,
        },
    ]


def _time_to_goal(seed: int) -> float | None:
    """Wall seconds from making the data to the first epoch at >= 98 % held-out accuracy (None: never)."""
    recipe = DEFAULT_DIGITS_RECIPE
    start = time.perf_counter()
    train, test = recipe.data()
    config = dataclasses.replace(recipe.config, seed=seed)
    reached = []

    def on_progress(progress) -> None:
        if not reached and progress.history and progress.history[-1].test_accuracy >= ACCURACY_GOAL:
            reached.append(time.perf_counter() - start)

    def should_stop() -> bool:
        return bool(reached)

    Trainer(recipe.spec, train, test, config).run(on_progress=on_progress, should_stop=should_stop)
    return reached[0] if reached else None


def _recipe_row() -> dict:
    times = [_time_to_goal(seed) for seed in RECIPE_SEEDS]
    got = [t for t in times if t is not None]
    worst = max(got) if got else None
    return {
        "name": f"default digits recipe to {ACCURACY_GOAL:.0%} held-out (worst of {len(RECIPE_SEEDS)} seeds, wall)",
        "ours_ms": None if worst is None else worst * 1e3,
        "baseline_ms": None,
        "ratio": None,
        "target": RECIPE_TARGET_S * 1e3,
        "ok": len(got) == len(RECIPE_SEEDS) and worst <= RECIPE_TARGET_S,
        "reached": f"{len(got)}/{len(RECIPE_SEEDS)}",
        "seconds_per_seed": times,
    }


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _memory_row() -> dict:
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")  # reset the peak (VmHWM) to the current resident size
        before = _status_kb("VmRSS")
        measure = lambda: _status_kb("VmHWM")  # noqa: E731
    except OSError:  # no /proc (not Linux): ru_maxrss is the peak of the whole process so far
        import resource

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        measure = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # noqa: E731
    for recipe, epochs in ((DEFAULT_DIGITS_RECIPE, None), (DEFAULT_SHAPES_RECIPE, 2)):
        train, test = recipe.data()
        Trainer(recipe.spec, train, test, recipe.config).run(epochs=epochs)
    increase_mb = (measure() - before) / 1024
    return {
        "name": "peak RSS increase of a training session (digits recipe + 2 epochs of shapes)",
        "ours_ms": None,
        "baseline_ms": None,
        "ratio": None,
        "target": None,
        "ok": True,
        "peak_rss_increase_mb": round(increase_mb, 1),
    }


def run() -> list[dict]:
    """Throughput rows (default digits CNN, MLP, TinyVGG; then batch 128), the recipe row, the memory row."""
    torch_runtime.configure()
    memory = _memory_row()  # first, before the other measurements raise the process's footprint
    train, test = DEFAULT_DIGITS_RECIPE.data()
    mlp = architecture.preset("mlp", input_shape=train.image_shape, num_classes=10)
    digits28 = datasets.digits(size=28)
    train28, test28 = digits28.split(0.2, seed=0)
    tinyvgg = architecture.preset("tinyvgg", input_shape=train28.image_shape, num_classes=10)
    return [
        *_throughput_rows("default digits CNN, digits 8×8", DEFAULT_DIGITS_RECIPE.spec, train, test),
        *_throughput_rows("MLP preset, digits 8×8", mlp, train, test),
        *_throughput_rows("TinyVGG, digits 28×28", tinyvgg, train28, test28),
        # The lever the issue names (larger batches); the notebook loop stays at batch 32. Not the default:
        # at 128 the shapes networks learn less per second of training (fewer updates per epoch).
        *_throughput_rows(
            "default digits CNN, digits 8×8, ours at batch 128",
            DEFAULT_DIGITS_RECIPE.spec,
            train,
            test,
            config=TrainConfig(epochs=1, batch_size=128),
        ),
        *_throughput_rows(
            "MLP preset, digits 8×8, ours at batch 128", mlp, train, test, config=TrainConfig(epochs=1, batch_size=128)
        ),
        _recipe_row(),
        memory,
    ]


if __name__ == "__main__":
    for row in run():
        print(row)

"""DeepDream and style transfer on the pretrained backbone: how long they take, how often the page hears from
them, and how much CPU a job holds.

1. In this process, one torch thread (as the workers): one DeepDream octave (10 steps at the page's default
   step size) at 256 px (the page's default size) and at 128 px, and 100 style-transfer steps at 128 px;
   SqueezeNet 1.1 with random weights (the same architecture and arithmetic as the ImageNet weights, which this
   machine can't download). Median of :data:`ROUNDS` runs, range in ``runs_ms``.
2. In a worker process of a real ``ui.workers.WorkerPool`` (initializer ``ui.training_worker:prepare``: nice 10,
   one torch thread), the page's two job functions (``ui.dream_worker.dream`` and ``.style``, the page's default
   dream: 4 octaves of 10 steps at 256 px; a style transfer of 100 steps at 128 px), the weights saved as a file
   in a temporary cache folder as the app reads them: the longest gap between two progress reports (from the job's
   start to its first report too), target at most one second; and the worker's CPU time over the job's wall time
   (``/proc/<pid>/stat``), target at most 1.05: the job holds one core.

    python benchmarks/run.py --only dreams
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

ROUNDS = 3
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _picture(size: int) -> np.ndarray:
    from explorer.core import dtype, resize
    from explorer.images import samples

    return dtype.to_uint8(resize.to_shape(dtype.to_float(samples.load_sample("astronaut")), rows=size, cols=size))


def _timed(function, rounds: int = ROUNDS) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each of ``rounds`` calls (CPU time is the steadier figure on a shared
    machine: one thread, so it is what the work costs a core)."""
    walls, cpus = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append((time.perf_counter() - start) * 1e3)
        cpus.append((time.process_time() - cpu) * 1e3)
    return walls, cpus


def _row(name: str, timed: tuple[list[float], list[float]], target: float) -> dict:
    walls, cpus = timed
    median = statistics.median(walls)
    return {
        "name": name,
        "ours_ms": round(median, 1),
        "baseline_ms": None,
        "ratio": None,
        "target": target,
        "ok": median <= target,
        "runs_ms": [round(t, 1) for t in walls],
        "cpu_ms": round(statistics.median(cpus), 1),
        "cpu_runs_ms": [round(t, 1) for t in cpus],
    }


def in_process() -> list[dict]:
    import torch

    from explorer.deep import backbone, dream, style

    torch.set_num_threads(1)
    model = backbone.build(pretrained=False)
    layer = backbone.LAYERS["fire5"]
    one_octave = dream.Settings(octaves=1, steps=10)
    rows = []
    for size, target in ((256, 1500.0), (128, 500.0)):
        picture = _picture(size)
        times = _timed(
            lambda picture=picture: dream.dream(
                model, picture, layer=layer, settings=one_octave, mean=backbone.MEAN, std=backbone.STD
            )
        )
        rows.append(_row(f"one DeepDream octave (10 steps, fire5) at {size} px", times, target))
    content, style_picture = _picture(128), _picture(96)[:, ::-1].copy()
    times = _timed(
        lambda: style.transfer(model, content, style_picture, settings=style.Settings(size=128, steps=100)), rounds=2
    )
    rows.append(_row("100 style-transfer steps at 128 px", times, 10_000.0))
    return rows


def _job(pool, function, request) -> dict:
    """Run one job in ``pool``: the gaps between its reports and its worker's CPU over wall time."""
    marks: list[float] = []
    pid: list[int] = []
    cpu_start: list[float] = []

    def on_report(_frame) -> None:
        marks.append(time.monotonic())

    # The worker is idle and warm (torch imported, the network built by a first job): its CPU clock from here
    # on is this job's.
    (worker_pid,) = [w.process.pid for w in pool._idle]
    pid.append(worker_pid)
    cpu_start.append(_cpu_s(worker_pid))
    start = time.monotonic()
    result = pool.run(function, request, on_report=on_report)
    end = time.monotonic()
    cpu = _cpu_s(pid[0]) - cpu_start[0]
    points = [start, *marks]
    gaps = [b - a for a, b in zip(points, points[1:])]
    return {
        "wall_s": end - start,
        "cpu_s": cpu,
        "max_gap_ms": max(gaps) * 1e3 if gaps else float("inf"),
        "reports": len(marks),
        "steps": result.steps,
    }


def in_worker() -> list[dict]:
    import torch
    from torchvision import models

    from explorer.deep import backbone, dream, style
    from ui import dream_worker, workers

    rows = []
    with tempfile.TemporaryDirectory() as root:
        path = backbone.weights_path(root)
        path.parent.mkdir(parents=True)
        torch.manual_seed(0)
        torch.save(models.squeezenet1_1(weights=None).state_dict(), path)
        pool = workers.WorkerPool(1, initializer="ui.training_worker:prepare")
        try:
            pool.warm_up()
            dream_request = dream_worker.DreamRequest(
                _picture(256), backbone.LAYERS["fire5"], dream.DEFAULT, root=str(Path(root))
            )
            style_request = dream_worker.StyleRequest(
                _picture(128), _picture(96)[:, ::-1].copy(), style.Settings(size=128, steps=100), str(Path(root))
            )
            pool.run(
                dream_worker.dream,
                dream_worker.DreamRequest(_picture(64), 1, dream.Settings(octaves=1, steps=1), root=root),
            )
            for name, function, request in (
                ("DeepDream job (4 octaves × 10 steps, 256 px)", dream_worker.dream, dream_request),
                ("style job (100 steps, 128 px)", dream_worker.style, style_request),
            ):
                job = _job(pool, function, request)
                rows.append(
                    {
                        "name": f"{name}: longest wait for progress",
                        "ours_ms": round(job["max_gap_ms"], 1),
                        "baseline_ms": None,
                        "ratio": None,
                        "target": 1000.0,
                        "ok": job["max_gap_ms"] <= 1000.0,
                        "reports": job["reports"],
                        "steps": job["steps"],
                        "wall_s": round(job["wall_s"], 2),
                    }
                )
                share = job["cpu_s"] / job["wall_s"]
                rows.append(
                    {
                        "name": f"{name}: worker CPU / wall",
                        "ours_ms": round(job["cpu_s"] * 1e3, 1),
                        "baseline_ms": round(job["wall_s"] * 1e3, 1),
                        "ratio": round(share, 3),
                        "target": 1.05,
                        "ok": share <= 1.05,
                    }
                )
        finally:
            pool.shutdown()
    return rows


def run() -> list[dict]:
    return in_process() + in_worker()


if __name__ == "__main__":
    import json

    rows = run()
    for row in rows:
        print(row)
    print(json.dumps({"benchmarks": rows}))

"""A room of attendees on one server: simulated browser sessions speaking Streamlit's own websocket protocol.

The benchmark starts its own ``streamlit run`` of the app on a free loopback port (``tests/e2e/harness.py``),
has one visitor open every page once (the warm-up: imports, decoding, first cache fills; reported apart),
then lets ``--attendees`` simulated attendees in (``tests/e2e/st_client.py`` says exactly what each one sends
and what a browser would do differently). Each arrives within ``--arrival`` seconds, opens Home, and until
``--duration`` seconds have passed thinks ``--think`` seconds (± 50 %) between interactions: it moves the
current page's key widget twice, then opens the next page of its tour. An interaction's time runs from the
``rerun_script`` message to ``script_finished`` plus the media files the run refers to.

Reported: p50 / p95 / max per kind of interaction (first load, page switch, widget change) and per page,
errors, throughput (runs/s), the server's CPU (``/proc/<pid>/stat``, in % of one core over the load) and
its RSS (sampled every ``--sample`` seconds: at the start of the load, the highest, at the end).

``--replicas N`` (N ≥ 2): N servers behind nginx running ``deploy/nginx.conf`` on loopback
(``tests/e2e/proxy.py``), each warmed up directly, the attendees through the proxy (its affinity cookie kept,
like a browser's). Server CPU and RSS are then summed over the replicas; nginx's own CPU is reported apart,
and how many attendees each replica got.

Targets (one server process, 2 cores): thinking 10 s, p95 of interactions ≤ 300 ms; thinking 3 s, p95
≤ 600 ms; every first load ≤ 3 s even when 30 arrive within 2 s; no errors. A shorter think time has no target.
Through the proxy, one replica per core (2 on this machine): 60 attendees thinking 10 s, the same p95 ≤ 300 ms.

    python benchmarks/bench_load.py                                  # 30 attendees thinking 10 s for 60 s
    python benchmarks/bench_load.py --think 3 --duration 90
    python benchmarks/bench_load.py --arrival 2 --duration 20        # a room arriving at once
    python benchmarks/bench_load.py --gc on                          # Streamlit's default: gc after each run
    python benchmarks/bench_load.py --replicas 2 --attendees 60      # through nginx, one replica per core
    python benchmarks/run.py --only load                             # the default scenario, as rows

Run it on a machine nobody else is loading: the attendees share the CPU with the server (their own CPU time
is reported as ``client_cpu_pct``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import threading
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.e2e import harness, proxy, st_client  # noqa: E402  (the project root is on the path only from here)

KINDS = ("first load", "page switch", "widget change")
# Interactions a person doesn't wait for: p95 targets by think time (a busier room gets a looser one).
P95_TARGET_MS = {10.0: 300.0, 3.0: 600.0}
# A visitor gives up on a blank page after a few seconds.
FIRST_LOAD_TARGET_MS = 3000.0
SERVER_START_TIMEOUT_S = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in [0, 100]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from ``/proc/<pid>/stat``."""
    with open(f"/proc/{pid}/stat") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)


def process_rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB, from ``/proc/<pid>/statm``."""
    with open(f"/proc/{pid}/statm") as file:
        return int(file.read().split()[1]) * PAGE_SIZE / 1e6


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (nginx's master and workers), from ``/proc/<pid>/task/*/children``."""
    children: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as file:
            children += [int(child) for child in file.read().split()]
    return [pid, *children]


class Monitor:
    """Samples the summed CPU and RSS of processes (the replicas) every ``every_s`` seconds in a thread,
    between start() and stop()."""

    def __init__(self, pids: int | list[int], every_s: float) -> None:
        self.pids, self.every_s = ([pids] if isinstance(pids, int) else list(pids)), every_s
        self.samples: list[tuple[float, float, float]] = []  # (seconds since start, CPU s, RSS MB)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        cpu = sum(process_cpu_s(pid) for pid in self.pids)
        rss = sum(process_rss_mb(pid) for pid in self.pids)
        self.samples.append((time.monotonic() - self._t0, cpu, rss))

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self._sample()

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def cpu_pct(self) -> float:
        """Server CPU over the whole window, in % of one core."""
        (t0, cpu0, _), (t1, cpu1, _) = self.samples[0], self.samples[-1]
        return 100 * (cpu1 - cpu0) / max(t1 - t0, 1e-9)


def stats(runs: list[st_client.Run]) -> dict:
    """``{n, p50_ms, p95_ms, max_ms, mean_kb}``: the runs' total times (script run + media) and the mean size
    of the ForwardMsgs each run received (media files not counted)."""
    times = [run.total_s * 1e3 for run in runs]
    if not times:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None, "mean_kb": None}
    return {
        "n": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "mean_kb": round(sum(run.received_bytes for run in runs) / len(runs) / 1e3, 1),  # websocket payload
    }


def measure(
    plan: st_client.Plan, *, gc: str = "config", warm_up: bool = True, sample_s: float = 2.0, replicas: int = 1
) -> dict:
    """Start the server (or ``replicas`` servers behind nginx), warm it up, run ``plan`` against it while
    sampling it, stop it; the summary as a dict.

    ``gc``: "config" leaves ``runner.postScriptGC`` to ``.streamlit/config.toml``; "on" / "off" override it.
    """
    if gc not in ("config", "on", "off"):
        raise ValueError(f"gc must be 'config', 'on' or 'off', got {gc!r}")
    if replicas < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    extra = () if gc == "config" else ("--runner.postScriptGC", "true" if gc == "on" else "false")
    ports = [harness.free_port() for _ in range(replicas)]
    processes = [harness.start_server(port, extra_args=extra) for port in ports]
    nginx = None
    nginx_cpu: list[float] = []
    try:
        for process, port in zip(processes, ports, strict=True):
            harness.wait_healthy(process, f"http://127.0.0.1:{port}", SERVER_START_TIMEOUT_S)
        warm = []
        if warm_up:  # each replica directly: every process pays its own imports and first cache fills
            for port in ports:
                warm += asyncio.run(st_client.tour(f"http://127.0.0.1:{port}"))
        if replicas > 1:
            nginx = proxy.start(ports)
            base_url = nginx.base_url
        else:
            base_url = f"http://127.0.0.1:{ports[0]}"
        monitor = Monitor([process.pid for process in processes], sample_s)
        nginx_pids = process_tree(nginx.process.pid) if nginx is not None else []
        nginx_cpu.append(sum(process_cpu_s(pid) for pid in nginx_pids))
        client_cpu0 = time.process_time()
        monitor.start()
        runs = asyncio.run(st_client.run_plan(base_url, plan))
        monitor.stop()
        nginx_cpu.append(sum(process_cpu_s(pid) for pid in nginx_pids))
        client_cpu = time.process_time() - client_cpu0
    finally:
        if nginx is not None:
            proxy.stop(nginx)
        for process in processes:
            harness.stop_server(process)
    summary = summarize(plan, gc, warm, runs, monitor, client_cpu)
    summary["replicas"] = replicas
    if replicas > 1:
        window_s = max(summary["window_s"], 1e-9)
        summary["proxy_cpu_pct"] = round(100 * (nginx_cpu[1] - nginx_cpu[0]) / window_s, 1)
        # The replica of each finished run (a failed run has none): an attendee's runs all on one, one on each.
        served = [run for run in runs if run.replica]
        first_loads = [run for run in served if run.kind == "first load"]
        summary["attendees_per_replica"] = {
            name: sum(1 for run in first_loads if run.replica == name) for name in sorted({r.replica for r in served})
        }
        summary["moved_between_replicas"] = sum(
            1 for a in range(plan.attendees) if len({run.replica for run in served if run.attendee == a}) > 1
        )
    return summary


def summarize(plan, gc, warm, runs, monitor: Monitor, client_cpu_s: float) -> dict:
    window_s = monitor.samples[-1][0] - monitor.samples[0][0]
    ok = [run for run in runs if not run.error]
    by_kind = {kind: stats([run for run in ok if run.kind == kind]) for kind in KINDS}
    pages: dict[str, list] = defaultdict(list)
    for run in ok:
        pages[run.page or "home"].append(run)
    rss = [sample[2] for sample in monitor.samples]
    return {
        "plan": {
            "attendees": plan.attendees,
            "think_s": plan.think_s,
            "duration_s": plan.duration_s,
            "arrival_s": plan.arrival_s,
            "changes_per_page": plan.changes_per_page,
            "seed": plan.seed,
        },
        "post_script_gc": gc,
        "warm_up_ms": {(run.page or "home"): round(run.total_s * 1e3, 1) for run in warm},
        "warm_up_errors": [run.error for run in warm if run.error],
        "runs": len(runs),
        "errors": len(runs) - len(ok),
        "error_samples": sorted({f"{run.kind} of {run.page or 'home'}: {run.error}" for run in runs if run.error})[:5],
        "interactions": stats([run for run in ok if run.kind != "first load"]),
        "by_kind": by_kind,
        "by_page": {page: stats(page_runs) for page, page_runs in sorted(pages.items())},
        "throughput_runs_per_s": round(len(runs) / max(window_s, 1e-9), 2),
        "window_s": round(window_s, 1),
        "server_cpu_pct": round(monitor.cpu_pct(), 1),
        "client_cpu_pct": round(100 * client_cpu_s / max(window_s, 1e-9), 1),
        "rss_mb": {"start": round(rss[0], 1), "max": round(max(rss), 1), "end": round(rss[-1], 1)},
        "rss_mb_samples": [[round(t, 1), round(mb, 1)] for t, _, mb in monitor.samples],
        "received_mb": round(sum(run.received_bytes for run in runs) / 1e6, 2),
        "media_files": sum(run.media for run in runs),
        "per_attendee": {
            kind: min(sum(1 for run in runs if run.attendee == a and run.kind == kind) for a in range(plan.attendees))
            for kind in KINDS
        },
    }


def p95_target(think_s: float) -> float | None:
    """The p95 target for interactions at this think time, or None below the shortest one."""
    fitting = [target for think, target in P95_TARGET_MS.items() if think_s >= think]
    return min(fitting) if fitting else None


def table(summary: dict) -> str:
    """The summary as text: one line per kind and per page, then the totals."""
    lines = [f"{'':<22}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'msg kB':>10}"]

    def line(label: str, row: dict) -> str:
        keys = ("p50_ms", "p95_ms", "max_ms", "mean_kb")
        cells = [f"{row[k]:>10.0f}" if row[k] is not None else f"{'-':>10}" for k in keys]
        return f"{label:<22}{row['n']:>6}" + "".join(cells)

    lines += [line(kind, row) for kind, row in summary["by_kind"].items()]
    lines.append(line("all but first loads", summary["interactions"]))
    lines += [line(f"  {page}", row) for page, row in summary["by_page"].items()]
    plan = summary["plan"]
    if summary.get("replicas", 1) > 1:
        lines.append(
            f"{summary['replicas']} replicas behind nginx (server CPU and RSS summed over them; nginx CPU "
            f"{summary['proxy_cpu_pct']} % of a core); attendees per replica {summary['attendees_per_replica']}, "
            f"{summary['moved_between_replicas']} moved between replicas"
        )
    lines.append(
        f"{plan['attendees']} attendees, think {plan['think_s']} s, {plan['duration_s']} s, arrival within "
        f"{plan['arrival_s']} s, postScriptGC {summary['post_script_gc']}: {summary['runs']} runs, "
        f"{summary['errors']} errors, {summary['throughput_runs_per_s']} runs/s, server CPU "
        f"{summary['server_cpu_pct']} % of a core (client {summary['client_cpu_pct']} %), RSS MB "
        f"{summary['rss_mb']['start']} -> max {summary['rss_mb']['max']} -> {summary['rss_mb']['end']}"
    )
    for error in summary["error_samples"]:
        lines.append(f"error: {error}")
    return "\n".join(lines)


def rows(summary: dict) -> list[dict]:
    """``benchmarks/run.py`` rows: the targets, then the other figures as "reported"."""
    plan = summary["plan"]
    label = f"{plan['attendees']} attendees, think {plan['think_s']:g} s"
    replicas = summary.get("replicas", 1)
    if replicas > 1:
        label += f", through the proxy to {replicas} replicas"
    target = p95_target(plan["think_s"])
    inter, first = summary["interactions"], summary["by_kind"]["first load"]

    def row(name, ms, target_ms, ok, **extra) -> dict:
        return {"name": name, "ours_ms": ms, "baseline_ms": None, "ratio": None, "target": target_ms, "ok": ok, **extra}

    out = [
        row(
            f"interactions p95 ({label})",
            inter["p95_ms"],
            target if target is not None else "reported",
            target is None or (inter["p95_ms"] is not None and inter["p95_ms"] <= target),
            p50_ms=inter["p50_ms"],
            max_ms=inter["max_ms"],
            n=inter["n"],
        ),
        row(
            f"first load max ({label}, arriving within {plan['arrival_s']:g} s)",
            first["max_ms"],
            FIRST_LOAD_TARGET_MS,
            first["max_ms"] is not None and first["max_ms"] <= FIRST_LOAD_TARGET_MS,
            p50_ms=first["p50_ms"],
        ),
        row(f"errors ({label})", None, "0", summary["errors"] == 0, errors=summary["errors"]),
    ]
    for kind in ("page switch", "widget change"):
        k = summary["by_kind"][kind]
        out.append(row(f"{kind} p95 ({label})", k["p95_ms"], "reported", True, p50_ms=k["p50_ms"], n=k["n"]))
    for page, p in summary["by_page"].items():
        out.append(row(f"page {page} p95 ({label})", p["p95_ms"], "reported", True, p50_ms=p["p50_ms"], n=p["n"]))
    out.append(
        row(
            f"server CPU, RSS ({label})",
            None,
            "reported",
            True,
            server_cpu_pct=summary["server_cpu_pct"],
            throughput_runs_per_s=summary["throughput_runs_per_s"],
            rss_mb=summary["rss_mb"],
            post_script_gc=summary["post_script_gc"],
            **(
                {
                    "proxy_cpu_pct": summary["proxy_cpu_pct"],
                    "attendees_per_replica": summary["attendees_per_replica"],
                }
                if replicas > 1
                else {}
            ),
        )
    )
    return out


# Through the proxy: one replica per core of the 2-core machine, twice the one-process scenario's room.
PROXY_REPLICAS = 2
PROXY_PLAN = st_client.Plan(attendees=60)


def run() -> list[dict]:
    """The default scenario (30 attendees thinking 10 s, 60 s, arriving within 10 s, the app's own config),
    then the same through the proxy: 60 attendees on 2 replicas behind nginx."""
    return rows(measure(st_client.Plan())) + rows(measure(PROXY_PLAN, replicas=PROXY_REPLICAS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = st_client.Plan()
    parser.add_argument("--attendees", type=int, default=defaults.attendees, help="simulated attendees (1-200)")
    parser.add_argument("--think", type=float, default=defaults.think_s, help="seconds between interactions")
    parser.add_argument("--duration", type=float, default=defaults.duration_s, help="seconds of load (max 1800)")
    parser.add_argument("--arrival", type=float, default=defaults.arrival_s, help="attendees arrive within this")
    parser.add_argument("--changes-per-page", type=int, default=defaults.changes_per_page)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--gc", choices=("config", "on", "off"), default="config", help="runner.postScriptGC")
    parser.add_argument("--sample", type=float, default=2.0, help="seconds between CPU/RSS samples")
    parser.add_argument("--no-warm-up", action="store_true", help="skip the one-visitor tour of every page")
    parser.add_argument("--replicas", type=int, default=1, help="servers behind nginx (deploy/nginx.conf); 1: no proxy")
    args = parser.parse_args(argv)
    # Bounded: the load goes to a loopback server this script starts, and stops.
    if not 1 <= args.attendees <= 200:
        parser.error(f"--attendees must be from 1 to 200, got {args.attendees}")
    if not 0 < args.duration <= 1800:
        parser.error(f"--duration must be more than 0 and at most 1800 s, got {args.duration}")
    if not 1 <= args.replicas <= os.cpu_count():
        parser.error(f"--replicas must be from 1 to the number of cores ({os.cpu_count()}), got {args.replicas}")
    if args.think < 0 or args.arrival < 0 or args.sample <= 0:
        parser.error("--think and --arrival must be >= 0, --sample > 0")
    plan = st_client.Plan(
        attendees=args.attendees,
        think_s=args.think,
        duration_s=args.duration,
        arrival_s=args.arrival,
        changes_per_page=args.changes_per_page,
        seed=args.seed,
    )
    summary = measure(plan, gc=args.gc, warm_up=not args.no_warm_up, sample_s=args.sample, replicas=args.replicas)
    print(table(summary))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())

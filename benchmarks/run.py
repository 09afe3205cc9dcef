"""Run every ``benchmarks/bench_*.py`` and report: one aligned table, then ONE JSON line on stdout.

    python benchmarks/run.py                 # all of them
    python benchmarks/run.py --only pages    # just bench_pages.py ("bench_pages" works too)
    python benchmarks/run.py --only page_weight   # bytes and paint time of every page's first visit in Chromium

Each module has ``run() -> list[dict]`` with rows ``{name, ours_ms, baseline_ms, ratio, target, ok}``
(extra keys are kept in the JSON). A missed target is reported, not fatal: the exit status is 0 unless
a benchmark crashed (then the others still run, the crash is in the JSON under ``errors``, and it is 1).
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def available() -> list[str]:
    """Names of the benchmark modules present, e.g. ``["bench_convolution", "bench_pages", ...]``."""
    return sorted(os.path.splitext(os.path.basename(path))[0] for path in glob.glob(os.path.join(HERE, "bench_*.py")))


def _cell(value, digits: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _target(row: dict) -> str:
    """A ratio target reads "<= 1.2x", an absolute one "<= 100 ms"; anything else as written."""
    target = row.get("target")
    if isinstance(target, bool) or not isinstance(target, (int, float)):
        return _cell(target, 1)
    unit = "x" if row.get("ratio") is not None else " ms"
    return f"<= {target:g}{unit}"


def table(rows: list[dict]) -> str:
    """The rows as an aligned text table."""
    headers = ("benchmark", "name", "ours ms", "baseline ms", "ratio", "target", "ok")
    lines = [
        (
            row["benchmark"],
            row["name"],
            _cell(row.get("ours_ms"), 2),
            _cell(row.get("baseline_ms"), 2),
            _cell(row.get("ratio"), 2),
            _target(row),
            _cell(bool(row.get("ok")), 0),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [headers, *lines]) for i in range(len(headers))]
    right = {2, 3, 4, 5}  # numbers are right-aligned

    def fmt(cells) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([fmt(headers), "  ".join("-" * w for w in widths), *map(fmt, lines)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", metavar="NAME", help="run one benchmark: pages, page_weight, startup, convolution, ..."
    )
    args = parser.parse_args(argv)

    names = available()
    if args.only:
        wanted = args.only if args.only.startswith("bench_") else f"bench_{args.only}"
        if wanted not in names:
            parser.error(
                f"--only must be one of {', '.join(n.removeprefix('bench_') for n in names)}; got {args.only!r}"
            )
        names = [wanted]

    sys.path.insert(0, HERE)
    sys.path.insert(0, os.path.dirname(HERE))
    rows, errors = [], []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(name)
            for row in module.run():
                rows.append({"benchmark": name.removeprefix("bench_"), **row})
        except Exception:  # a crash in one benchmark is reported; the others still run
            errors.append({"benchmark": name, "error": traceback.format_exc(limit=5)})
            print(f"{name} crashed:\n{errors[-1]['error']}", file=sys.stderr, flush=True)

    if rows:
        print(table(rows))
    missed = [row["name"] for row in rows if not row.get("ok")]
    print(f"\n{len(rows)} results, {len(missed)} target(s) missed, {len(errors)} benchmark(s) crashed")
    print(json.dumps({"benchmarks": rows, "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""The "Inspect a CNN" functions (``explorer.interpret``, issue 10): one table for the three parts.

Each part has its own module with ``rows() -> list[dict]`` (rows ``{name, ours_ms, baseline_ms, ratio,
target, ok}``): ``interpret_activations.py`` (feature maps), ``interpret_attribution.py`` (attribution,
occlusion, class visualisation) and ``interpret_embeddings.py`` (t-SNE, PCA, nearest neighbours). :func:`run`
concatenates the rows of those present; a part that is missing is skipped, and a part that fails to import or
crashes gives one row saying so (``ok`` False) while the others still run.

    python benchmarks/bench_interpret.py     # a table, then one JSON line {"benchmarks": [...]}
    python benchmarks/run.py --only interpret
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
PARTS = ("interpret_activations", "interpret_attribution", "interpret_embeddings", "interpret_class_visual")


def _crash_row(part: str, stage: str) -> dict:
    return {
        "name": f"{part}: {stage} crashed",
        "ours_ms": None,
        "baseline_ms": None,
        "ratio": None,
        "target": "runs",
        "ok": False,
        "part": part,
        "error": traceback.format_exc(limit=5),
    }


def run() -> list[dict]:
    """Every present part's rows, each with its ``part`` added."""
    for path in (HERE, os.path.dirname(HERE)):
        if path not in sys.path:
            sys.path.insert(0, path)
    rows: list[dict] = []
    for part in PARTS:
        if importlib.util.find_spec(part) is None:
            continue
        print(f"running {part} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(part)
        except Exception:  # a broken part is reported; the others still run
            rows.append(_crash_row(part, "import"))
            continue
        try:
            rows += [{**row, "part": part} for row in module.rows()]
        except Exception:
            rows.append(_crash_row(part, "rows()"))
    return rows


def print_part(part: str, rows: list[dict]) -> None:
    """A part run on its own (``python benchmarks/interpret_<part>.py``): its table, then its JSON line."""
    from run import table

    rows = [{"benchmark": part, **row} for row in rows]
    print(table(rows))
    print(json.dumps({"benchmarks": rows}))


def main() -> int:
    from run import table

    rows = [{"benchmark": "interpret", **row} for row in run()]
    if rows:
        print(table(rows))
    missed = [row["name"] for row in rows if not row.get("ok")]
    print(f"\n{len(rows)} results, {len(missed)} target(s) missed")
    print(json.dumps({"benchmarks": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

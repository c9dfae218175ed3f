"""Run every benchmark, each in its own process, and compare the figures with the targets.

    python -m tests.benchmarks [--quick] [--only NAME ...]

Runs ``startup``, ``streaming``, ``history``, ``long_history`` and ``memory`` one after
the other (``python -m tests.benchmarks.<name>``), echoing their output. ``--quick``
gives fewer runs (and streams the incremental reply only, without the slow baseline).
Prints a summary table (each figure beside its issue-6 target, "ok" or "MISSED by ..."),
then, last, one line of JSON with every benchmark's own result and the summary. Reports
misses; never fails on them (exit status 1 only when a benchmark itself failed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: name -> (arguments of a full run, arguments of a --quick run)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "startup": (["--runs", "10"], ["--runs", "3"]),
    "streaming": (["--compare"], []),
    "history": (["--runs", "3"], ["--runs", "1"]),
    "long_history": (["--runs", "3", "--switches", "8"], ["--runs", "1", "--switches", "3"]),
    "memory": ([], ["--idle", "1"]),
}
TIMEOUT_S = 1800


def streamed(result: dict[str, Any]) -> dict[str, Any]:
    """The app's (incremental) figures, whether or not the baseline ran beside them."""
    return dict(result.get("incremental", result))


def end_start_by_quarters(result: dict[str, Any]) -> float | None:
    """Time in append per 1,000 tokens, the last quarter of the reply over the first:
    steadier than the last bucket over the first (each moves by +-30 % between runs)."""
    buckets = streamed(result)["append_ms_per_1k_tokens"]
    quarter = max(1, len(buckets) // 4)
    first = sum(buckets[:quarter])
    return round(sum(buckets[-quarter:]) / first, 2) if first else None


@dataclass(frozen=True)
class Target:
    """One figure of a benchmark's result and the most it may be."""

    label: str
    benchmark: str
    figure: Callable[[dict[str, Any]], float | None]
    most: float
    unit: str

    def check(self, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """This target's row of the summary."""
        row: dict[str, Any] = {
            "figure": self.label,
            "unit": self.unit,
            "target": f"< {self.most:g}{self.unit}",
        }
        result = results.get(self.benchmark)
        value = self.figure(result) if result is not None else None
        if value is None:
            return {**row, "value": None, "ok": None, "verdict": "not measured"}
        ok = value <= self.most
        unit = "" if self.unit == "x" else self.unit
        over = f"{value - self.most:.3g}{unit} ({value / self.most:.2f}x the target)"
        return {**row, "value": value, "ok": ok, "verdict": "ok" if ok else f"MISSED by {over}"}


TARGETS = [
    Target("first paint (outline), app / bare", "startup", lambda r: r["ratio"], 1.3, "x"),
    Target("RSS once ready (process)", "startup", lambda r: r["app_rss_mb"], 150, " MB"),
    Target(
        "RSS idle after start (settled)", "memory", lambda r: r["rss_idle_trimmed_mb"], 150, " MB"
    ),
    Target(
        "longest GUI stall while streaming",
        "streaming",
        lambda r: streamed(r)["max_stall_ms"],
        50,
        " ms",
    ),
    Target(
        "append per 1k tokens, end / start",
        "streaming",
        lambda r: streamed(r)["end_start_ratio"],
        1.2,
        "x",
    ),
    Target("  the same, last / first quarter", "streaming", end_start_by_quarters, 1.2, "x"),
    Target("open 2,000 short messages", "history", lambda r: r["open_ms"], 300, " ms"),
    Target("open 2,000 messages (~1M chars)", "long_history", lambda r: r["open_ms"], 300, " ms"),
    Target("RSS with it shown", "long_history", lambda r: r["rss_open_trimmed_mb"], 250, " MB"),
    Target(
        "switch between two, click to paint", "long_history", lambda r: r["switch_ms"], 100, " ms"
    ),
    Target("RSS growth over 200 replies", "memory", lambda r: r["growth_mb"], 20, " MB"),
]


def run_one(name: str, args: list[str]) -> dict[str, Any]:
    """Run ``python -m tests.benchmarks.<name> args``, echo its output, return its JSON."""
    command = [sys.executable, "-m", f"tests.benchmarks.{name}", *args]
    print(f"=== {name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    lines: list[str] = []
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if not line.startswith("{"):
                print(f"  {line}", end="", flush=True)
        try:
            status = process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        errors.seek(0)
        error_text = errors.read()
    elapsed = time.perf_counter() - started
    print(f"  ({elapsed:.0f} s)", flush=True)
    try:
        if status != 0:
            raise ValueError(f"exit status {status}")
        result: dict[str, Any] = json.loads(lines[-1])
    except (ValueError, IndexError) as error:
        print(f"  FAILED: {error}\n{error_text[-3000:]}", flush=True)
        return {"benchmark": name, "failed": str(error)}
    result["wall_s"] = round(elapsed, 1)
    return result


def summary(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Every target's row (benchmarks that failed give "not measured")."""
    ok = {name: result for name, result in results.items() if "failed" not in result}
    return [target.check(ok) for target in TARGETS]


def print_table(rows: list[dict[str, Any]]) -> None:
    width = max(len(row["figure"]) for row in rows)
    print(f"\n{'figure':<{width}}  {'value':>9}  {'target':<10}  verdict")
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:.3g}{row['unit']}"
        print(f"{row['figure']:<{width}}  {value:>9}  {row['target']:<10}  {row['verdict']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no streaming baseline")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHMARKS), help="run only these")
    args = parser.parse_args()
    names = args.only or list(BENCHMARKS)
    results = {name: run_one(name, BENCHMARKS[name][1 if args.quick else 0]) for name in names}
    rows = summary(results)
    print_table(rows)
    missed = [row["figure"] for row in rows if row["ok"] is False]
    print(
        f"{len(rows) - len(missed)} of {len(rows)} targets met"
        + (f"; missed: {missed}" if missed else "")
    )
    print(
        json.dumps({"benchmark": "suite", "quick": args.quick, "results": results, "summary": rows})
    )
    return 1 if any("failed" in result for result in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Cold starts: the import of each function's `app.py` (what Lambda runs at init) against `import boto3`.

Each measurement runs in a fresh interpreter with the layout a deployed function has: the
function's directory (its `app.py` and `chalicelib/`) and the shared package on `sys.path`, as
`infra/package.py` vendors it, and the environment of its `.chalice/config.json` (stage dev). Only
the import is timed (interpreter start-up excluded), as wall-clock seconds and as the process's CPU
seconds. A bare `import boto3` is measured in the same run, interleaved with the functions; the
figures that count are the medians' ratios to it. The goals are judged on CPU seconds, which a
machine shared with other work disturbs far less than wall-clock time (an import is CPU-bound).

    .venv/bin/python -m bench.coldstart [--repeat 7] [--json] [function ...]

Goals (issue 15): every HTTP function <= 2.5x a bare `import boto3`, the rollup function <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass

from touchpoint_cli.paths import HTTP_FUNCTIONS, REPO_ROOT

ROOT = REPO_ROOT
ROLLUP = "rollup"
HTTP_GOAL_RATIO = 2.5
ROLLUP_GOAL_SECONDS = 1.0
STAGE = "dev"
#: Modules a function's init should load only if its every request needs them (reported per import).
HEAVY: tuple[str, ...] = (
    "duckdb",
    "pyarrow",
    "jinja2",
    "aws_xray_sdk",
    "touchpoint.alerts",
    "touchpoint.alerts.service",
    "touchpoint.engine",
    "touchpoint.privacy.erasure",
    "touchpoint.text.analysis",
)


def function_environment(name: str, stage: str = STAGE) -> dict[str, str]:
    """The environment a deployed function starts with: its `.chalice/config.json` for the stage."""
    config = json.loads((ROOT / "functions" / name / ".chalice" / "config.json").read_text())
    return {
        "AWS_DEFAULT_REGION": "eu-central-1",
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }


_PROBE = """
import sys, time
sys.path[:0] = {paths!r}
start, cpu = time.perf_counter(), time.process_time()
import {module}
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print(seconds, cpu, ",".join(heavy))
"""


@dataclass(frozen=True)
class Sample:
    """One fresh interpreter's import time and the heavy modules it loaded."""

    seconds: float
    cpu_seconds: float
    heavy: tuple[str, ...]


def probe(module: str, paths: list[str], environment: dict[str, str] | None = None) -> Sample:
    """Import `module` in a fresh interpreter with `paths` first on sys.path; the import's seconds."""
    # bytecode is written and reused (a first, untimed round compiles it), as for a packaged function
    drop = ("TOUCHPOINT_", "POWERTOOLS_", "PYDANTIC_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(environment or {})
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(paths=paths, module=module, heavy=HEAVY)],
        capture_output=True,
        text=True,
        env=env,
        cwd=paths[0] if paths else ROOT,
        check=True,
    ).stdout.split()
    return Sample(float(out[0]), float(out[1]), tuple(out[2].split(",")) if len(out) > 2 else ())


def function_paths(name: str) -> list[str]:
    """sys.path of a deployed function: its directory, then the vendored shared package."""
    return [str(ROOT / "functions" / name), str(ROOT / "shared")]


def measure(repeat: int, functions: tuple[str, ...] = (*HTTP_FUNCTIONS, ROLLUP)) -> dict[str, list[Sample]]:
    """`repeat` rounds, each importing boto3 and every function once, interleaved."""
    samples: dict[str, list[Sample]] = {"boto3": []}
    for name in functions:  # untimed: compiles and caches every module's bytecode
        probe("app", function_paths(name), function_environment(name))
    for _ in range(repeat):
        samples["boto3"].append(probe("boto3", []))
        for name in functions:
            samples.setdefault(name, []).append(
                probe("app", function_paths(name), function_environment(name))
            )
    return samples


def report(samples: dict[str, list[Sample]]) -> dict[str, dict[str, object]]:
    """Medians (wall and CPU), their ratios to bare boto3, and whether each function meets its goal.

    Goals are judged on CPU seconds: an HTTP function's ratio, the rollup function's seconds.
    """
    base = statistics.median(s.seconds for s in samples["boto3"])
    base_cpu = statistics.median(s.cpu_seconds for s in samples["boto3"])
    rows: dict[str, dict[str, object]] = {}
    for name, runs in samples.items():
        median = statistics.median(s.seconds for s in runs)
        median_cpu = statistics.median(s.cpu_seconds for s in runs)
        ratio_cpu = median_cpu / base_cpu
        goal = (
            None
            if name == "boto3"
            else (median_cpu <= ROLLUP_GOAL_SECONDS if name == ROLLUP else ratio_cpu <= HTTP_GOAL_RATIO)
        )
        rows[name] = {
            "median_s": round(median, 4),
            "ratio": round(median / base, 2),
            "median_cpu_s": round(median_cpu, 4),
            "ratio_cpu": round(ratio_cpu, 2),
            "meets_goal": goal,
            "heavy": runs[0].heavy,
        }
    return rows


def main() -> None:
    """Measure and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="rounds (fresh interpreters per import)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "functions", nargs="*", default=[*HTTP_FUNCTIONS, ROLLUP], help="functions to measure"
    )
    args = parser.parse_args()
    rows = report(measure(args.repeat, tuple(args.functions)))
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'import':<10} {'wall ms':>8} {'x boto3':>8} {'CPU ms':>8} {'x boto3':>8}  goal  heavy modules loaded"
    )
    for name, row in rows.items():
        goal = {None: "", True: "ok", False: "MISS"}[row["meets_goal"]]  # type: ignore[index]
        heavy = ", ".join(row["heavy"]) or "-"  # type: ignore[arg-type]
        wall, cpu = float(row["median_s"]) * 1000, float(row["median_cpu_s"]) * 1000  # type: ignore[arg-type]
        print(
            f"{name:<10} {wall:>8.0f} {row['ratio']:>8} {cpu:>8.0f} {row['ratio_cpu']:>8}  {goal:<4}  {heavy}"
        )


if __name__ == "__main__":
    main()

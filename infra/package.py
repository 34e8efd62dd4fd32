"""Build deployable artefacts: vendor `shared/touchpoint` into each Chalice app, then `chalice package`.

Usage: python infra/package.py --out build --stage dev [--function ingest ...]

Produces `build/<function>/` (a SAM template `sam.json` and `deployment.zip` per app, from
`chalice package`) and `build/resources.yaml` (the shared resources template). Chalice only ships
`app.py`, `chalicelib/`, the requirements and `vendor/`, so the shared package goes into `vendor/`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ("ingest", "surveys", "feedback", "insights", "rollup")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


def vendor_shared(function_dir: Path) -> Path:
    """Install the shared `touchpoint` package into the app's `vendor/` (replacing an old copy)."""
    vendor = function_dir / "vendor"
    target = vendor / "touchpoint"
    if target.exists():
        shutil.rmtree(target)
    vendor.mkdir(exist_ok=True)
    shutil.copytree(REPO_ROOT / "shared" / "touchpoint", target, ignore=_IGNORE)
    return target


def package_function(name: str, out: Path, stage: str) -> Path:
    """Vendor and `chalice package` one function; returns its output folder."""
    function_dir = REPO_ROOT / "functions" / name
    vendor_shared(function_dir)
    destination = out / name
    if destination.exists():
        shutil.rmtree(destination)
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "TOUCHPOINT_STAGE": stage}  # chalice imports app.py, which validates settings
    env.pop("AWS_ENDPOINT_URL", None)
    env.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            stage,
            "--pkg-format",
            "cloudformation",
            str(destination.resolve()),
        ],
        cwd=function_dir,
        env=env,
        check=True,
    )
    return destination


def main(argv: list[str] | None = None) -> int:
    """Package the functions and copy the resources template next to them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build")
    parser.add_argument("--stage", default="dev", choices=["dev", "staging", "prod"])
    parser.add_argument(
        "--function", action="append", choices=FUNCTIONS, help="package only these (repeatable)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in args.function or FUNCTIONS:
        print(f"packaging {name} ...", flush=True)
        package_function(name, out, args.stage)
    shutil.copyfile(REPO_ROOT / "infra" / "template.yaml", out / "resources.yaml")
    print(f"artefacts in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

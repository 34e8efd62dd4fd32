"""Build deployable artefacts: vendor `shared/touchpoint` into each Chalice app, then `chalice package`.

Usage: python infra/package.py --out build --stage dev [--function ingest ...]

Produces `build/<function>/` (a SAM template `sam.json` and `deployment.zip` per app, from
`chalice package`) and `build/resources.yaml` (the shared resources template). Chalice only ships
`app.py`, `chalicelib/`, the requirements and `vendor/`, so the shared package goes into `vendor/`
of a staged copy of each app (the source tree is left as it is). `--out` may be relative: it is
resolved once, against the current directory, before anything runs in another directory.

`TOUCHPOINT_KEY_PEPPER`, when set in the environment of the packaging run, is written into each
staged app's stage environment, so it reaches the functions' environment in `sam.json` without
ever being committed. The functions' configuration is validated first, as it will be deployed; an
invalid one stops packaging with the one message naming the variable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from touchpoint.settings import ConfigurationError, settings_from_env

REPO_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ("ingest", "surveys", "feedback", "insights", "rollup")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache")


# Functions whose dependencies are installed into vendor/ by this script for a newer Lambda
# Python than the local interpreter, instead of by Chalice from requirements.txt. They need
# DuckDB >= 1.3 (the rollup's engine and compaction; the surveys function's erasure and access
# scans of compacted Parquet files), whose wheels need glibc 2.27+: the python3.11 Lambda runtime
# (Amazon Linux 2, glibc 2.26) cannot load them, python3.12 (Amazon Linux 2023) can. Their merge
# templates set the functions' Runtime to match.
VENDORED_RUNTIME = {"rollup": "3.12", "surveys": "3.12"}

PEPPER = "TOUCHPOINT_KEY_PEPPER"


def deployed_environment(function_dir: Path, stage: str, pepper: str | None) -> dict[str, str]:
    """The environment the function gets when deployed: its config's app-wide and stage variables,
    plus the packaging run's pepper when one is given."""
    config = json.loads((function_dir / ".chalice" / "config.json").read_text())
    env: dict[str, str] = {
        **config.get("environment_variables", {}),
        **config["stages"][stage].get("environment_variables", {}),
    }
    if pepper:
        env[PEPPER] = pepper
    return env


def check_configuration(functions: list[str], stage: str, pepper: str | None) -> None:
    """Validate each function's deployed settings (raises ConfigurationError, before any work)."""
    for name in functions:
        settings_from_env(deployed_environment(REPO_ROOT / "functions" / name, stage, pepper))


def add_pepper(function_dir: Path, stage: str, pepper: str) -> None:
    """Write the pepper into the staged app's stage environment (never into the source tree)."""
    path = function_dir / ".chalice" / "config.json"
    config = json.loads(path.read_text())
    config["stages"][stage].setdefault("environment_variables", {})[PEPPER] = pepper
    path.write_text(json.dumps(config, indent=2) + "\n")


def set_prefix_default(function_dir: Path, stage: str, pepper: str | None) -> None:
    """Default a merge template's `ResourcePrefix` parameter (what it imports the resources stack's
    exports by, e.g. the rollup's Spark application) to the packaged stage's resource prefix."""
    merge = function_dir / ".chalice" / "merge-template.json"
    if not merge.is_file():
        return
    template = json.loads(merge.read_text(encoding="utf-8"))
    parameter = template.get("Parameters", {}).get("ResourcePrefix")
    if parameter is None:
        return
    settings = settings_from_env(deployed_environment(function_dir, stage, pepper))
    parameter["Default"] = settings.resource_prefix
    merge.write_text(json.dumps(template, indent=2) + "\n", encoding="utf-8")


def chalice_environment(stage: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The packaging process's environment for `chalice package`, which imports app.py: the
    caller's own TOUCHPOINT_* variables are dropped, so the import sees what will be deployed."""
    env = {k: v for k, v in environ.items() if not k.startswith("TOUCHPOINT_")}
    env["TOUCHPOINT_STAGE"] = stage
    env.pop("AWS_ENDPOINT_URL", None)
    env.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    return env


def vendor_shared(function_dir: Path) -> Path:
    """Install the shared `touchpoint` package into the app's `vendor/` (replacing an old copy)."""
    vendor = function_dir / "vendor"
    if vendor.exists():
        shutil.rmtree(vendor)
    vendor.mkdir()
    target = vendor / "touchpoint"
    shutil.copytree(REPO_ROOT / "shared" / "touchpoint", target, ignore=_IGNORE)
    return target


def vendor_requirements(function_dir: Path, python_version: str) -> None:
    """pip-install `vendor-requirements.txt` into vendor/ as Lambda (manylinux x86_64) wheels."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--target",
            str(function_dir / "vendor"),
            "--implementation",
            "cp",
            "--python-version",
            python_version,
            "--platform",
            "manylinux_2_28_x86_64",
            "--platform",
            "manylinux2014_x86_64",
            "--only-binary=:all:",
            "--upgrade",
            "-r",
            str(function_dir / "vendor-requirements.txt"),
        ],
        check=True,
    )


def package_function(name: str, out: Path, stage: str, pepper: str | None = None) -> Path:
    """Vendor and `chalice package` one function; returns its output folder."""
    # Chalice runs in the staged app's directory: every path handed to it must be absolute.
    out = out.resolve()
    # Work on a staged copy so that packaging never changes the source tree (and two packaging
    # runs, e.g. parallel test workers, cannot clobber each other's vendor/).
    function_dir = out / ".staging" / name
    if function_dir.exists():
        shutil.rmtree(function_dir)
    shutil.copytree(
        REPO_ROOT / "functions" / name,
        function_dir,
        ignore=shutil.ignore_patterns("vendor", "deployments", "deployed", "__pycache__", "*.pyc"),
    )
    if pepper:
        add_pepper(function_dir, stage, pepper)
    set_prefix_default(function_dir, stage, pepper)
    vendor_shared(function_dir)
    if name in VENDORED_RUNTIME:
        vendor_requirements(function_dir, VENDORED_RUNTIME[name])
    destination = out / name
    if destination.exists():
        shutil.rmtree(destination)
    chalice = Path(sys.executable).with_name("chalice")
    env = chalice_environment(stage, os.environ)  # chalice imports app.py, which validates settings
    # A function may add to the generated template (e.g. environment variables that reference
    # another of its resources) with `.chalice/merge-template.json`.
    merge = function_dir / ".chalice" / "merge-template.json"
    merge_args = ["--merge-template", str(merge)] if merge.is_file() else []
    subprocess.run(
        [
            str(chalice),
            "package",
            "--stage",
            stage,
            "--pkg-format",
            "cloudformation",
            *merge_args,
            str(destination),
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
    out: Path = args.out.resolve()
    functions: list[str] = args.function or list(FUNCTIONS)
    pepper = os.environ.get(PEPPER) or None
    try:
        check_configuration(functions, args.stage, pepper)
    except ConfigurationError as error:
        print(
            f"cannot package stage {args.stage}: {error}\n(set {PEPPER} in the environment of "
            "`make package`, or in each function's .chalice/config.json stage environment)",
            file=sys.stderr,
        )
        return 2
    out.mkdir(parents=True, exist_ok=True)
    for name in functions:
        print(f"packaging {name} ...", flush=True)
        package_function(name, out, args.stage, pepper)
    shutil.copyfile(REPO_ROOT / "infra" / "template.yaml", out / "resources.yaml")
    shutil.rmtree(out / ".staging", ignore_errors=True)
    print(f"artefacts in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

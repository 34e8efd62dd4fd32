"""`make lock`: compile every dependency lock with uv (needs the package index).

- `requirements/dev.lock`: the development environment (pyproject's `dev` extra, which pulls in
  `cli` and `spark`), universal from Python 3.11 on; `make venv` installs exactly it.
- `requirements/deploy.lock`: the `deploy` extra (the AWS CLI of `make deploy`), constrained by the
  dev lock so the two agree on shared packages (botocore).
- each function's lock, for the Lambda runtime `infra/runtimes.json` declares for it:
  `functions/<f>/requirements.txt` from `requirements.in` (what `chalice package` installs), or
  `functions/<f>/vendor-requirements.txt` from `vendor-requirements.in` (what infra/package.py
  vendors as manylinux wheels for a newer runtime than the local interpreter).

Every lock pins every package with `==`; tests/unit/foundation/test_locks.py checks (offline) that
each still covers the requirements it was compiled from.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RUNTIMES_FILE = REPO_ROOT / "infra" / "runtimes.json"
DEV_LOCK = Path("requirements") / "dev.lock"
DEPLOY_LOCK = Path("requirements") / "deploy.lock"
# Lambda's x86_64 images: Amazon Linux 2 (python3.11, glibc 2.26) takes manylinux2014 wheels,
# Amazon Linux 2023 (python3.12+, glibc 2.34) manylinux_2_28 ones.
PLATFORMS = {"python3.11": "x86_64-manylinux_2_17", "python3.12": "x86_64-manylinux_2_28"}


def lambda_runtimes() -> dict[str, str]:
    """Each function's Lambda runtime (`python3.X`), from the one place they are declared."""
    runtimes: dict[str, str] = json.loads(RUNTIMES_FILE.read_text(encoding="utf-8"))
    return runtimes


def function_lock(name: str) -> tuple[Path, Path]:
    """The function's requirements (ranges) and its lock, relative to the repository root."""
    base = Path("functions") / name
    if (REPO_ROOT / base / "vendor-requirements.in").is_file():
        return base / "vendor-requirements.in", base / "vendor-requirements.txt"
    return base / "requirements.in", base / "requirements.txt"


def compile_commands(uv: str) -> list[list[str]]:
    """The uv commands that compile every lock (run from the repository root)."""
    common = ["pip", "compile", "--quiet", "--custom-compile-command", "make lock"]
    commands = [
        [
            uv,
            *common,
            "pyproject.toml",
            "--extra",
            "dev",
            "--universal",
            "--python-version",
            "3.11",
            "--no-emit-package",
            "touchpoint",
            "-o",
            str(DEV_LOCK),
        ]
    ]
    commands.append(
        [
            uv,
            *common,
            "pyproject.toml",
            "--extra",
            "deploy",
            "--universal",
            "--python-version",
            "3.11",
            "--no-emit-package",
            "touchpoint",
            "--constraint",
            str(DEV_LOCK),
            "-o",
            str(DEPLOY_LOCK),
        ]
    )
    for name, runtime in sorted(lambda_runtimes().items()):
        source, lock = function_lock(name)
        version = runtime.removeprefix("python")
        commands.append(
            [
                uv,
                *common,
                str(source),
                "--python-version",
                version,
                "--python-platform",
                PLATFORMS[runtime],
                "-o",
                str(lock),
            ]
        )
    return commands


def main(argv: list[str] | None = None) -> int:
    """Compile the locks; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--print", action="store_true", help="print the commands instead of running them")
    args = parser.parse_args(argv)
    uv = str(Path(sys.executable).with_name("uv"))
    for command in compile_commands(uv):
        if args.print:
            print(" ".join(command))
            continue
        print(f"compiling {command[-1]} ...", flush=True)
        subprocess.run(command, cwd=REPO_ROOT, check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

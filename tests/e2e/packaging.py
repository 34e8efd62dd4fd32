"""Run the README's commands as a user types them: in a fresh clone, from its root, through `make`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def readme_commands(readme: Path = README) -> list[str]:
    """Every command line in the README's fenced code blocks (continuations joined, comments cut)."""
    commands: list[str] = []
    for block in _FENCE.findall(readme.read_text()):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            command = line.split("  #", 1)[0].split(" # ", 1)[0].strip()
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


def readme_make_commands(readme: Path = README) -> list[str]:
    """The README's `make ...` command lines, exactly as written (comments cut)."""
    return [c for c in readme_commands(readme) if c == "make" or c.startswith("make ")]


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def clone_working_tree(destination: Path) -> Path:
    """A fresh `git clone` of the repository carrying the working tree's uncommitted changes.

    Only what git knows reaches the clone (tracked files and untracked ones that are not ignored):
    no `build/`, no `vendor/`, no caches, as on a newcomer's machine. The clone's `.venv` is a
    symlink to the repository's, and its `pyproject.toml` and `requirements/dev.lock` are dated
    before the venv's install stamp, so `make` finds the environment ready instead of installing it
    again.
    """
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(destination)], check=True
    )
    changed = _git("ls-files", "-z", "--modified", "--others", "--exclude-standard", cwd=REPO_ROOT)
    for relative in filter(None, changed.split("\0")):
        source, target = REPO_ROOT / relative, destination / relative
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        else:  # deleted in the working tree
            target.unlink(missing_ok=True)
    (destination / ".venv").symlink_to(REPO_ROOT / ".venv", target_is_directory=True)
    stamp = (REPO_ROOT / ".venv" / ".installed").stat().st_mtime
    for installed_from in ("pyproject.toml", "requirements/dev.lock"):
        os.utime(destination / installed_from, (stamp - 60, stamp - 60))
    # Never let `make` reinstall: that would point the shared venv's editable install at the clone.
    ready = subprocess.run(["make", "-q", ".venv/.installed"], cwd=destination, check=False)
    if ready.returncode != 0:
        raise RuntimeError(f"make would reinstall the virtualenv in {destination}")
    return destination


def user_environment(**extra: str) -> dict[str, str]:
    """A shell's environment: the test session's TOUCHPOINT_* settings and make's state dropped."""
    drop = ("TOUCHPOINT_", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra)
    return env


def run_command(command: str, clone: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """Run one README command line through the shell, from the clone's root."""
    return subprocess.run(
        command,
        shell=True,
        cwd=clone,
        env=user_environment(**extra_env),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def tree_status(clone: Path) -> str:
    """`git status` of the clone, ignored files included (to see what a command left behind)."""
    return _git("status", "--porcelain", "--ignored", "--untracked-files=normal", cwd=clone)


@dataclass(frozen=True)
class CommandRun:
    """One README command run in a clone: the result and the clone's status before and after."""

    command: str
    clone: Path
    result: subprocess.CompletedProcess[str]
    status_before: str
    status_after: str

    @property
    def build(self) -> Path:
        """The clone's `build/` folder."""
        return self.clone / "build"


def run_in_fresh_clone(factory: pytest.TempPathFactory, name: str, command: str, **env: str) -> CommandRun:
    """Clone the working tree into a new temporary folder and run one command from its root."""
    clone = clone_working_tree(factory.mktemp(name) / "touchpoint")
    before = tree_status(clone)
    result = run_command(command, clone, **env)
    return CommandRun(command, clone, result, before, tree_status(clone))

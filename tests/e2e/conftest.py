"""Fixtures shared by the packaging tests: the README's `make package` commands run in fresh clones."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.packaging import CommandRun, run_in_fresh_clone


@pytest.fixture(scope="session")
def make_package_dev(tmp_path_factory: pytest.TempPathFactory) -> CommandRun:
    """`make package` exactly as the README writes it, in a fresh clone."""
    run = run_in_fresh_clone(tmp_path_factory, "package-dev", "make package")
    assert run.result.returncode == 0, run.result.stdout + run.result.stderr
    return run


@pytest.fixture(scope="session")
def dev_build(make_package_dev: CommandRun) -> Path:
    """The `build/` folder that the README's `make package` produced."""
    return make_package_dev.build

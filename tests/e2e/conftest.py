"""Fixtures shared by the end-to-end tests: headless Chromium; the README's `make package` in fresh clones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import headless_chromium
from tests.e2e.packaging import CommandRun, run_in_fresh_clone


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download), one per module."""
    with headless_chromium() as chromium:
        yield chromium


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

"""Reproducible builds, checked offline: every lock pins every package with `==`, covers the
requirements it is compiled from (pyproject's extras, each function's `.in`) within their ranges,
the Lambda runtimes are declared in one place, and this environment is the dev lock."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import REPO_ROOT
from touchpoint_cli.paths import ALL_FUNCTIONS

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)(?:\s*;\s*(?P<marker>.+))?$")
PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
RUNTIMES: dict[str, str] = json.loads((REPO_ROOT / "infra" / "runtimes.json").read_text())


def read_lock(path: Path) -> dict[str, tuple[Version, str | None]]:
    """name -> (pinned version, marker); fails on any requirement line that is not an `==` pin."""
    pins: dict[str, tuple[Version, str | None]] = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PIN.match(line.strip())
        assert match, f"{path.name}: not an exact pin: {line!r}"
        pins[canonicalize_name(match["name"])] = (Version(match["version"]), match["marker"])
    return pins


def read_in(path: Path) -> list[Requirement]:
    lines = [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()]
    return [Requirement(line) for line in lines if line]


def _extra(name: str) -> list[Requirement]:
    return [Requirement(r) for r in PYPROJECT["project"]["optional-dependencies"][name]]


def _function_lock(app: str) -> tuple[Path, Path]:
    base = REPO_ROOT / "functions" / app
    if (base / "vendor-requirements.in").is_file():
        return base / "vendor-requirements.in", base / "vendor-requirements.txt"
    return base / "requirements.in", base / "requirements.txt"


def _covered(
    requirements: list[Requirement], pins: dict[str, tuple[Version, str | None]], where: str
) -> None:
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name == "touchpoint":
            continue
        assert name in pins, f"{where} lacks {requirement.name}: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{where} pins {name}=={version} outside {requirement.specifier}: run `make lock`"
        )


def test_the_dev_lock_covers_the_project_and_every_development_extra() -> None:
    pins = read_lock(REPO_ROOT / "requirements" / "dev.lock")
    wanted = [Requirement(r) for r in PYPROJECT["project"]["dependencies"]]
    wanted += _extra("dev") + _extra("cli") + _extra("spark")
    _covered(wanted, pins, "requirements/dev.lock")
    assert "touchpoint" not in pins  # the project itself is installed editable, from the tree


def test_the_deploy_lock_covers_the_deploy_extra_and_agrees_with_the_dev_lock() -> None:
    deploy = read_lock(REPO_ROOT / "requirements" / "deploy.lock")
    _covered(_extra("deploy"), deploy, "requirements/deploy.lock")
    dev = read_lock(REPO_ROOT / "requirements" / "dev.lock")
    assert {n: v for n, (v, _) in deploy.items() if n in dev} == {n: dev[n][0] for n in deploy if n in dev}


@pytest.mark.parametrize("app", ALL_FUNCTIONS)
def test_each_function_lock_pins_its_requirements(app: str) -> None:
    source, lock = _function_lock(app)
    pins = read_lock(lock)
    _covered(read_in(source), pins, str(lock.relative_to(REPO_ROOT)))
    assert "# via" in lock.read_text() and "make lock" in lock.read_text()  # compiled, not hand-written
    assert not any(marker for _, marker in pins.values())  # compiled for one runtime and platform


def test_a_hand_written_lock_line_is_refused(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.write_text("pydantic>=2.7\n")
    with pytest.raises(AssertionError, match="not an exact pin"):
        read_lock(lock)
    lock.write_text("pydantic==2.1.0\n")
    with pytest.raises(AssertionError, match="outside"):
        _covered([Requirement("pydantic>=2.7")], read_lock(lock), "x.lock")


def test_the_runtimes_are_declared_once_for_every_function() -> None:
    assert sorted(RUNTIMES) == sorted(ALL_FUNCTIONS)
    assert set(RUNTIMES.values()) <= {"python3.11", "python3.12", "python3.13"}
    for app in ALL_FUNCTIONS:
        merge = REPO_ROOT / "functions" / app / ".chalice" / "merge-template.json"
        assert '"Runtime"' not in merge.read_text(), app  # infra/package.py writes it from runtimes.json
    for app in ("rollup", "surveys"):  # DuckDB >= 1.3 needs the glibc of python3.12's image
        assert RUNTIMES[app] == "python3.12"
        assert "duckdb" in read_lock(_function_lock(app)[1])


def test_duckdb_is_bounded_to_the_versions_tested() -> None:
    (duckdb,) = [r for r in _extra("cli") if r.name == "duckdb"]
    assert any(s.operator == "<" for s in duckdb.specifier) and any(
        s.operator == ">=" for s in duckdb.specifier
    )
    assert duckdb.specifier.contains(metadata.version("duckdb"))
    for app in ("rollup", "surveys"):
        (inner,) = [r for r in read_in(_function_lock(app)[0]) if r.name == "duckdb"]
        assert inner.specifier == duckdb.specifier, app


def test_this_environment_is_the_dev_lock() -> None:
    differ = {}
    for name, (version, marker) in read_lock(REPO_ROOT / "requirements" / "dev.lock").items():
        if marker and not Marker(marker).evaluate():
            continue
        installed = metadata.version(name)
        if Version(installed) != version:
            differ[name] = (installed, str(version))
    assert differ == {}, f"installed vs locked (run `make venv`): {differ}"

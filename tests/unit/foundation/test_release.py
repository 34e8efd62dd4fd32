"""One version everywhere (pyproject, the package, `touchpoint --version`, the changelog, the API
contract) and a LICENSE that is the license pyproject names."""

from __future__ import annotations

import json
import re
import tomllib

from click.testing import CliRunner

from tests.conftest import REPO_ROOT
from touchpoint import __version__
from touchpoint_cli.main import cli

PROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]


def test_the_version_is_the_same_everywhere() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", PROJECT["version"])
    assert __version__ == PROJECT["version"]
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.strip().endswith(f"version {__version__}")
    contract = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    assert contract["info"]["version"] == __version__


def test_the_changelog_keeps_a_changelog_and_its_latest_release_is_this_version() -> None:
    text = (REPO_ROOT / "CHANGELOG.md").read_text()
    assert "Keep a Changelog" in text and "## [Unreleased]" in text
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, flags=re.M)
    assert releases and releases[0][0] == __version__ and releases[0][1]
    latest = text.split(f"## [{__version__}]", 1)[1].split("\n## [", 1)[0]
    assert "### Added" in latest


def test_the_license_file_is_the_license_pyproject_names() -> None:
    assert PROJECT["license"] == {"text": "Apache-2.0"}
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert text.rstrip().endswith("END OF TERMS AND CONDITIONS")

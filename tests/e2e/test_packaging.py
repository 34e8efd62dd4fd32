"""`make package`: one deployable artefact per function, each zip holding `touchpoint` and its app."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from touchpoint_cli.paths import ALL_FUNCTIONS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("packaging")]


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "touchpoint_infra_package", REPO_ROOT / "infra" / "package.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("build")
    assert module.main(["--out", str(out), "--stage", "dev"]) == 0
    return out


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_zip_holds_the_shared_package_and_its_app(build_dir: Path, name: str) -> None:
    archive = build_dir / name / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    assert "app.py" in names
    assert "chalicelib/__init__.py" in names
    assert "touchpoint/__init__.py" in names
    assert "touchpoint/settings.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not any(n.startswith("touchpoint_cli/") for n in names)
    template = json.loads((build_dir / name / "sam.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        assert function["Properties"]["Environment"]["Variables"]["TOUCHPOINT_STAGE"] == "dev"
    # Lambda's limit for an unzipped package is 250 MB.
    with zipfile.ZipFile(archive) as zipped:
        assert sum(i.file_size for i in zipped.infolist()) < 250 * 1024 * 1024


def test_resources_template_is_beside_the_functions(build_dir: Path) -> None:
    assert (build_dir / "resources.yaml").read_text() == (REPO_ROOT / "infra" / "template.yaml").read_text()


def test_rollup_ships_duckdb_for_a_runtime_that_can_load_it(build_dir: Path) -> None:
    # DuckDB >= 1.3 needs glibc 2.27+: the rollup runs on python3.12 (Amazon Linux 2023) with
    # dependencies vendored as cp312 manylinux wheels.
    with zipfile.ZipFile(build_dir / "rollup" / "deployment.zip") as zipped:
        names = set(zipped.namelist())
    assert "duckdb/__init__.py" in names
    assert any(n.startswith("pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu") for n in names)
    template = json.loads((build_dir / "rollup" / "sam.json").read_text())
    runtimes = {
        r["Properties"]["Runtime"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert runtimes == {"python3.12"}

"""`make package`: one deployable artefact per function, each zip holding `touchpoint` and its app.

The artefacts are those of the README's `make package`, run in a fresh clone (`dev_build`, see
tests/e2e/conftest.py); tests/e2e/test_readme_commands.py checks the commands themselves.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import REPO_ROOT
from touchpoint_cli.paths import ALL_FUNCTIONS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("packaging")]


@pytest.mark.parametrize("name", ALL_FUNCTIONS)
def test_each_zip_holds_the_shared_package_and_its_app(dev_build: Path, name: str) -> None:
    archive = dev_build / name / "deployment.zip"
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
    assert "app.py" in names
    assert "chalicelib/__init__.py" in names
    assert "touchpoint/__init__.py" in names
    assert "touchpoint/settings.py" in names
    assert "aws_lambda_powertools/__init__.py" in names
    assert not any(n.startswith(("touchpoint_cli/", "touchpoint_testkit/")) for n in names)
    # test and benchmark support stays out of every Lambda
    assert not {"touchpoint/engine/synthetic.py", "touchpoint/engine/reference.py"} & names
    template = json.loads((dev_build / name / "sam.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Function"]
    assert functions
    for function in functions:
        assert function["Properties"]["Environment"]["Variables"]["TOUCHPOINT_STAGE"] == "dev"
    # Lambda's limit for an unzipped package is 250 MB.
    with zipfile.ZipFile(archive) as zipped:
        assert sum(i.file_size for i in zipped.infolist()) < 250 * 1024 * 1024


@pytest.mark.parametrize(
    ("name", "templates"),
    [
        ("insights", ("base.html", "dashboard.html", "comments.html", "login.html", "dashboard.css")),
    ],
)
def test_html_functions_ship_jinja2_and_their_templates(
    dev_build: Path, name: str, templates: tuple[str, ...]
) -> None:
    with zipfile.ZipFile(dev_build / name / "deployment.zip") as zipped:
        names = set(zipped.namelist())
    assert "jinja2/__init__.py" in names and "markupsafe/__init__.py" in names
    assert "touchpoint/web/locale.py" in names and "touchpoint/web/templates.py" in names
    assert {f"chalicelib/templates/{t}" for t in templates} <= names


@pytest.mark.parametrize("name", ["feedback", "surveys"])
def test_the_respondent_form_ships_with_jinja2_where_it_is_shown(dev_build: Path, name: str) -> None:
    # the QR form (feedback) and the console's survey preview (surveys) render the one shared form
    with zipfile.ZipFile(dev_build / name / "deployment.zip") as zipped:
        names = set(zipped.namelist())
    assert "jinja2/__init__.py" in names and "markupsafe/__init__.py" in names
    shared = ("page.html", "form.html", "thanks.html", "message.html", "form.css")
    assert {f"touchpoint/respondent_form/templates/{t}" for t in shared} <= names


def test_resources_template_is_beside_the_functions(dev_build: Path) -> None:
    assert (dev_build / "resources.yaml").read_text() == (REPO_ROOT / "infra" / "template.yaml").read_text()


@pytest.mark.parametrize("name", ["rollup", "surveys"])
def test_duckdb_functions_ship_it_for_a_runtime_that_can_load_it(dev_build: Path, name: str) -> None:
    # DuckDB >= 1.3 needs glibc 2.27+: the rollup (engine, compaction) and surveys (erasure and
    # access scans of compacted files) run on python3.12 (Amazon Linux 2023) with dependencies
    # vendored as cp312 manylinux wheels.
    with zipfile.ZipFile(dev_build / name / "deployment.zip") as zipped:
        names = set(zipped.namelist())
    assert "duckdb/__init__.py" in names
    assert any(n.startswith("pydantic_core/_pydantic_core.cpython-312-x86_64-linux-gnu") for n in names)
    template = json.loads((dev_build / name / "sam.json").read_text())
    runtimes = {
        r["Properties"]["Runtime"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function"
    }
    assert runtimes == {"python3.12"}


def _package_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "touchpoint_infra_package", REPO_ROOT / "infra" / "package.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_invalid_deployed_configuration_stops_before_anything_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = _package_module()
    source = tmp_path / "repo"
    (source / "functions" / "ingest").mkdir(parents=True)
    shutil.copytree(
        REPO_ROOT / "functions" / "ingest" / ".chalice", source / "functions" / "ingest" / ".chalice"
    )
    config_path = source / "functions" / "ingest" / ".chalice" / "config.json"
    config = json.loads(config_path.read_text())
    config["stages"]["prod"]["environment_variables"]["TOUCHPOINT_MAX_EVENT_BYTES"] = "lots"
    config_path.write_text(json.dumps(config))
    monkeypatch.setattr(module, "REPO_ROOT", source)
    monkeypatch.chdir(tmp_path)
    assert module.main(["--out", "build", "--stage", "prod", "--function", "ingest"]) == 2
    assert capsys.readouterr().err.startswith(
        "cannot package stage prod: configuration error: environment variable TOUCHPOINT_MAX_EVENT_BYTES "
    )
    assert not (tmp_path / "build").exists()


def test_prod_needs_no_pepper_to_be_packaged() -> None:
    module = _package_module()
    module.check_configuration(["ingest", "rollup"], "prod")  # the pepper is the deployed secret's

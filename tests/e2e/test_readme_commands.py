"""The README's setup, packaging and deployment commands, run exactly as written from a fresh clone.

The commands are read from the README's code blocks, so a changed command fails here until this
test follows it. Each run happens in a fresh `git clone` of the working tree (no `build/`, no
`vendor/`), from the clone's root, with make's relative paths, as a newcomer types them.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.e2e.packaging import CommandRun, readme_make_commands, run_in_fresh_clone
from touchpoint_cli.paths import ALL_FUNCTIONS

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("packaging")]

MAKE_PACKAGE = "make package"
MAKE_PACKAGE_PROD = "make package STAGE=prod"
RUN_HERE = {MAKE_PACKAGE, MAKE_PACKAGE_PROD}
# Commands the README documents that this file does not run, and where they are covered.
COVERED_ELSEWHERE = {
    "make dev": "tests/e2e/test_local_stack.py runs the local stack it starts",
    "make test": "the whole suite; running it from inside the suite would recurse",
    "make deploy STAGE=prod": "needs an AWS account; tests/e2e/test_stack.py checks the stack it deploys",
    "make destroy STAGE=prod": "needs an AWS account; deletes the stack make deploy made",
}


def _functions(template: dict[str, object]) -> list[dict[str, dict[str, object]]]:
    resources = template["Resources"]
    assert isinstance(resources, dict)
    return [r for r in resources.values() if r["Type"] == "AWS::Serverless::Function"]


def _environment(function: dict[str, dict[str, object]]) -> dict[str, object]:
    environment = function["Properties"]["Environment"]
    assert isinstance(environment, dict)
    variables = environment["Variables"]
    assert isinstance(variables, dict)
    return variables


def test_every_make_command_of_the_readme_is_run_here_or_covered_elsewhere() -> None:
    commands = set(readme_make_commands())
    assert commands == RUN_HERE | set(COVERED_ELSEWHERE), (
        "the README's make commands changed: run the new ones in this test (or say where they are"
        f" covered): {sorted(commands ^ (RUN_HERE | set(COVERED_ELSEWHERE)))}"
    )


def test_make_package_builds_every_function_from_a_fresh_clone(make_package_dev: CommandRun) -> None:
    assert MAKE_PACKAGE in readme_make_commands()
    build = make_package_dev.build
    for name in ALL_FUNCTIONS:
        template = json.loads((build / name / "sam.json").read_text())
        functions = _functions(template)
        assert functions, name
        assert all(_environment(f)["TOUCHPOINT_STAGE"] == "dev" for f in functions)
        with zipfile.ZipFile(build / name / "deployment.zip") as zipped:
            names = set(zipped.namelist())
        assert "app.py" in names, name
        assert any(n.startswith("chalicelib/") for n in names), name
        assert "touchpoint/__init__.py" in names, name  # the vendored shared package
    for name in ("rollup", "surveys"):  # DuckDB's functions
        template = json.loads((build / name / "sam.json").read_text())
        assert {f["Properties"]["Runtime"] for f in _functions(template)} == {"python3.12"}, name
    assert (build / "resources.yaml").is_file()
    assert not (build / ".staging").exists()
    assert sorted(p.name for p in build.iterdir()) == sorted([*ALL_FUNCTIONS, "resources.yaml"])


def test_make_package_leaves_the_source_tree_as_it_was(make_package_dev: CommandRun) -> None:
    # Only build/ is new (ignored by git); no vendor/ in the functions, no changed config.
    after = [line for line in make_package_dev.status_after.splitlines() if line != "!! build/"]
    assert after == make_package_dev.status_before.splitlines()
    assert not list(make_package_dev.clone.glob("functions/*/vendor"))


def _members(path: Path) -> list[tuple[str, bytes]]:
    """A file's bytes, and each member of it when it is a zip archive."""
    data = path.read_bytes()
    items = [(str(path), data)]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zipped:
            items += [(f"{path}!{i.filename}", zipped.read(i)) for i in zipped.infolist() if not i.is_dir()]
    return items


def test_make_package_prod_ships_the_secrets_reference_and_never_a_pepper(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A pepper in the packaging run's environment (as an old README had it) must go nowhere; it
    # is made here, so no file of the repository holds it either (not even this test).
    pepper = f"test-pepper-{secrets.token_hex(16)}"
    run = run_in_fresh_clone(
        tmp_path_factory, "package-prod", MAKE_PACKAGE_PROD, TOUCHPOINT_KEY_PEPPER=pepper
    )
    assert run.result.returncode == 0, run.result.stdout + run.result.stderr
    secret = {"Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-key-pepper-secret-arn"}}
    for name in ALL_FUNCTIONS:
        template = json.loads((run.build / name / "sam.json").read_text())
        for function in _functions(template):
            variables = _environment(function)
            assert variables["TOUCHPOINT_STAGE"] == "prod", name
            assert "TOUCHPOINT_KEY_PEPPER" not in variables, name
            assert variables["TOUCHPOINT_KEY_PEPPER_SECRET"] == secret, name
        assert (run.build / name / "deployment.zip").is_file()
    needle = pepper.encode()
    built = [item for path in sorted(run.build.rglob("*")) if path.is_file() for item in _members(path)]
    assert len(built) > 1000  # every zip member was looked at
    assert [where for where, data in built if needle in data] == []
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=run.clone, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    files = [run.clone / f for f in tracked if f and (run.clone / f).is_file()]
    assert [str(f) for f in files if needle in f.read_bytes()] == []
    # Nothing in the source tree's configuration sets a pepper.
    for config in [*run.clone.glob("functions/*/.chalice/*.json"), run.clone / "infra" / "template.yaml"]:
        assert 'TOUCHPOINT_KEY_PEPPER"' not in config.read_text(), config
    after = [line for line in run.status_after.splitlines() if line != "!! build/"]
    assert after == run.status_before.splitlines()

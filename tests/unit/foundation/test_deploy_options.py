"""`make deploy` options reach the stack's parameters: the mail sender and the custom domain."""

from __future__ import annotations

import argparse
import runpy
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import REPO_ROOT

# infra/deploy.py is a script (infra/ is no package): its functions, run without calling main()
deploy = SimpleNamespace(**runpy.run_path(str(REPO_ROOT / "infra" / "deploy.py")))


def _args(*argv: str) -> argparse.Namespace:
    parsed: argparse.Namespace = deploy.parser().parse_args(["deploy", "--stage", "prod", *argv])
    return parsed


def test_the_sender_becomes_the_mail_from_parameter_of_the_deploy_command() -> None:
    overrides = deploy.parameter_overrides(_args("--mail-from", "touchpoint@brand.example"))
    assert overrides == {"MailFrom": "touchpoint@brand.example"}
    package, up = deploy.deploy_commands(
        stack="touchpoint-prod",
        parent=Path("template.json"),
        packaged=Path("packaged.json"),
        bucket="artifacts",
        stage="prod",
        overrides=overrides,
    )
    assert "--parameter-overrides" not in package
    assert up[up.index("--parameter-overrides") + 1 :] == ["MailFrom=touchpoint@brand.example"]


def test_without_a_sender_the_previous_deployments_is_kept_and_an_empty_one_clears_it() -> None:
    assert "MailFrom" not in deploy.parameter_overrides(_args())
    assert deploy.parameter_overrides(_args("--mail-from", "")) == {"MailFrom": ""}
    both = deploy.parameter_overrides(
        _args(
            "--mail-from",
            "a@b.example",
            "--public-domain",
            "feedback.example.com",
            "--certificate-arn",
            "arn:aws:acm:us-east-1:123456789012:certificate/x",
        )
    )
    assert set(both) == {"MailFrom", "PublicDomain", "CertificateArn"}


@pytest.mark.parametrize("sender", ["touchpoint", "a@b", "Brand <a@b.example>", "a@b.example c@d.example"])
def test_a_sender_that_is_not_one_address_stops_before_anything_is_deployed(
    sender: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = tmp_path / "build"
    assert deploy.main(["deploy", "--stage", "prod", "--build", str(build), "--mail-from", sender]) == 2
    assert capsys.readouterr().err.startswith("--mail-from must be one e-mail address")
    assert not build.exists()


def test_make_deploy_passes_mail_from_through() -> None:
    dry = subprocess.run(
        ["make", "-n", "deploy", "STAGE=prod", "MAIL_FROM=touchpoint@brand.example"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '--mail-from "touchpoint@brand.example"' in dry.stdout
    plain = subprocess.run(
        ["make", "-n", "deploy", "STAGE=prod"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert "--mail-from" not in plain.stdout

"""The Spark job's entry: its arguments and the key pepper it reads from Secrets Manager."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from touchpoint.rollup.spark_job import load_pepper, parse_args, pepper_secret_id


def test_the_arguments_name_a_tenant_and_a_day() -> None:
    assert parse_args(["--tenant", "acme", "--date", "2026-03-10"]) == ("acme", date(2026, 3, 10))


@pytest.mark.parametrize(
    "argv",
    [
        ["--tenant", "acme"],
        ["--tenant", "acme", "--date", "March 10"],
        ["--tenant", " ", "--date", "2026-03-10"],
    ],
)
def test_bad_arguments_stop_the_job(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(argv)
    assert stopped.value.code == 2


class Secrets:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.asked.append(SecretId)
        return {"SecretString": "s" * 32}


def test_on_prod_the_pepper_comes_from_secrets_manager_never_from_the_job_parameters() -> None:
    env = {"TOUCHPOINT_STAGE": "prod"}
    secrets = Secrets()
    load_pepper(env, secrets)
    assert secrets.asked == ["touchpoint/prod/key-pepper"] and env["TOUCHPOINT_KEY_PEPPER"] == "s" * 32
    assert (
        pepper_secret_id({"TOUCHPOINT_STAGE": "staging", "TOUCHPOINT_KEY_PEPPER_SECRET_ID": "x/y"}) == "x/y"
    )
    assert pepper_secret_id({"TOUCHPOINT_STAGE": "dev"}) is None  # dev needs none
    assert pepper_secret_id({"TOUCHPOINT_STAGE": "prod", "TOUCHPOINT_KEY_PEPPER": "set"}) is None

"""The Spark job's entry: its arguments (its key pepper is the settings' secret: test_pepper_secret)."""

from __future__ import annotations

from datetime import date

import pytest

from touchpoint.rollup.spark_job import parse_args


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

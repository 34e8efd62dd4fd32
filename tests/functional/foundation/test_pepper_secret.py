"""The key pepper of a deployed stage comes from its Secrets Manager secret, read through Powertools
Parameters with caching; the local and test stages keep an environment pepper."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
from moto import mock_aws

from touchpoint.settings import PEPPER_MAX_AGE, ConfigurationError, settings_from_env

PEPPER = "generated-by-the-deploy-" + "x" * 16


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    DEFAULT_PROVIDERS.clear()  # a provider made before the mock holds a real client
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="eu-central-1")
    DEFAULT_PROVIDERS.clear()


def test_a_deployed_stage_reads_its_secret_named_after_the_prefix(secrets: object) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    client.create_secret(Name="touchpoint-prod/key-pepper", SecretString=PEPPER)
    settings = settings_from_env({"TOUCHPOINT_STAGE": "prod"})
    assert settings.pepper_secret == "touchpoint-prod/key-pepper"
    assert settings.key_pepper == PEPPER
    assert PEPPER not in repr(settings)


def test_the_read_is_cached_for_max_age(secrets: object) -> None:
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    arn = client.create_secret(Name="brand/pepper", SecretString=PEPPER)["ARN"]
    settings = settings_from_env({"TOUCHPOINT_STAGE": "staging", "TOUCHPOINT_KEY_PEPPER_SECRET": arn})
    assert settings.key_pepper == PEPPER
    client.put_secret_value(SecretId=arn, SecretString="a-new-value-" + "y" * 16)
    assert settings.key_pepper == PEPPER  # cached: no second read within PEPPER_MAX_AGE
    assert PEPPER_MAX_AGE >= 300


def test_an_environment_pepper_wins_and_local_stages_need_no_secret(secrets: object) -> None:
    assert settings_from_env({"TOUCHPOINT_STAGE": "prod", "TOUCHPOINT_KEY_PEPPER": "e" * 16}).key_pepper == (
        "e" * 16
    )
    assert settings_from_env({"TOUCHPOINT_STAGE": "test"}).key_pepper == ""
    assert settings_from_env({"TOUCHPOINT_STAGE": "local", "TOUCHPOINT_KEY_PEPPER": "l"}).key_pepper == "l"


def test_a_missing_or_short_secret_names_the_variable(secrets: object) -> None:
    settings = settings_from_env({"TOUCHPOINT_STAGE": "prod"})
    with pytest.raises(ConfigurationError, match="TOUCHPOINT_KEY_PEPPER_SECRET names a secret that cannot"):
        _ = settings.key_pepper
    client = boto3.client("secretsmanager", region_name="eu-central-1")
    client.create_secret(Name="touchpoint-dev/key-pepper", SecretString="short")
    with pytest.raises(ConfigurationError, match="at least 16 characters"):
        _ = settings_from_env({"TOUCHPOINT_STAGE": "dev"}).key_pepper

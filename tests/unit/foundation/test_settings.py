"""Settings are validated once, with one clear message naming the variable."""

from __future__ import annotations

import pytest

from touchpoint.settings import ConfigurationError, get_settings, reset_settings_cache, settings_from_env


def test_defaults_derive_every_resource_name_from_the_stage() -> None:
    settings = settings_from_env({"TOUCHPOINT_STAGE": "dev"})
    assert settings.config_table == "touchpoint-dev-config"
    assert settings.lake_bucket == "touchpoint-dev-lake"
    assert settings.max_event_bytes == 32 * 1024
    assert settings.max_batch_bytes == 500 * 1024


def test_custom_prefix_renames_every_resource() -> None:
    settings = settings_from_env(
        {
            "TOUCHPOINT_STAGE": "prod",
            "TOUCHPOINT_RESOURCE_PREFIX": "brand-tp",
            "TOUCHPOINT_KEY_PEPPER": "x" * 16,
        }
    )
    assert settings.metrics_table == "brand-tp-metrics"
    assert settings.idempotency_table == "brand-tp-idempotency"


@pytest.mark.parametrize(
    ("env", "variable", "fragment"),
    [
        ({}, "TOUCHPOINT_STAGE", "is required"),
        ({"TOUCHPOINT_STAGE": "  "}, "TOUCHPOINT_STAGE", "is required"),
        (
            {"TOUCHPOINT_STAGE": "qa"},
            "TOUCHPOINT_STAGE",
            "must be one of local, test, dev, staging, prod, got 'qa'",
        ),
        (
            {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_RESOURCE_PREFIX": "Bad_Prefix"},
            "TOUCHPOINT_RESOURCE_PREFIX",
            "lowercase",
        ),
        (
            {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_MAX_EVENT_BYTES": "lots"},
            "TOUCHPOINT_MAX_EVENT_BYTES",
            "whole number",
        ),
        (
            {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_MAX_BATCH_BYTES": "10"},
            "TOUCHPOINT_MAX_BATCH_BYTES",
            "between",
        ),
        (
            {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_RATE_LIMIT": "maybe"},
            "TOUCHPOINT_RATE_LIMIT",
            "true or false",
        ),
        (
            {"TOUCHPOINT_STAGE": "prod", "TOUCHPOINT_KEY_PEPPER": "short"},
            "TOUCHPOINT_KEY_PEPPER",
            "at least 16",
        ),
    ],
)
def test_bad_configuration_names_the_variable(env: dict[str, str], variable: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        settings_from_env(env)
    assert caught.value.variable == variable
    message = str(caught.value)
    assert message.startswith(f"configuration error: environment variable {variable} ")
    assert fragment in message


def test_the_process_environment_is_read_through_pydantic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUCHPOINT_STAGE", "staging")
    monkeypatch.setenv("TOUCHPOINT_KEY_PEPPER", "p" * 16)
    monkeypatch.setenv("TOUCHPOINT_MAX_EVENT_BYTES", "2048")
    monkeypatch.setenv("TOUCHPOINT_RATE_LIMIT", "off")
    reset_settings_cache()
    try:
        settings = get_settings()
        assert (settings.stage, settings.resource_prefix) == ("staging", "touchpoint-staging")
        assert (settings.max_event_bytes, settings.rate_limit_enabled) == (2048, False)
        monkeypatch.setenv("TOUCHPOINT_MAX_EVENT_BYTES", "12")
        reset_settings_cache()
        with pytest.raises(ConfigurationError, match="TOUCHPOINT_MAX_EVENT_BYTES must be between 1024"):
            get_settings()
    finally:
        monkeypatch.undo()
        reset_settings_cache()


def test_a_given_environment_is_read_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOUCHPOINT_MAX_EVENT_BYTES", "2048")
    settings = settings_from_env({"TOUCHPOINT_STAGE": "dev", "_env_file": "/etc/passwd"})
    assert settings.max_event_bytes == 32 * 1024  # not the process's value
    assert settings_from_env(
        {"TOUCHPOINT_STAGE": "dev", "TOUCHPOINT_RESOURCE_PREFIX": ""}
    ).resource_prefix == ("touchpoint-dev")

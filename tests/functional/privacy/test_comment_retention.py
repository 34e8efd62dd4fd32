"""Comment retention: texts go before their responses, in DynamoDB and in the lake copies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from tests.conftest import TenantKeys, function_client, make_tenant
from tests.functional.privacy.support import api, lake_state
from tests.functional.surveys.support import Clock, stored_docs
from touchpoint.models.tenants import MAX_RETENTION_DAYS_RESPONSES, TenantConfig
from touchpoint.observability import logger
from touchpoint.privacy.comment_retention import EXPIRED_COMMENT_TEXT
from touchpoint.privacy.retention_sweep import RetentionSweeper
from touchpoint.runtime import Runtime
from touchpoint.storage.lake import decode_jsonl_gz
from touchpoint_cli.main import cli

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
SURVEY = {
    "name": "Comments",
    "defaultLanguage": "en",
    "questions": [
        {"id": "nps", "kind": "nps", "required": True, "text": {"en": "Recommend us?"}},
        {"id": "why", "kind": "text", "maxLength": 500, "text": {"en": "Why?"}},
    ],
}
TEXT = "The checkout was terribly slow and the staff were rude"


@pytest.fixture(autouse=True)
def _keep_log_level() -> Iterator[None]:
    level = logger.log_level
    yield
    logger.setLevel(level)


def _ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def _docs(aws: Runtime) -> dict[str, dict[str, Any]]:
    return {str(d["response_id"]): d for d in stored_docs(aws)}


def _copy(aws: Runtime, response_id: str) -> dict[str, Any]:
    [key] = [k for k in lake_state(aws) if k.startswith("responses/") and response_id in k]
    [line] = decode_jsonl_gz(aws.lake.get_bytes(key))
    return line


def _respond(
    aws: Runtime, tenant: TenantKeys, days_ago: list[int], monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    from touchpoint.surveys import service

    clock = Clock(datetime.combine(_ago(days_ago[0]), time(9), tzinfo=UTC))
    monkeypatch.setattr(service, "utc_now", clock)
    ids = []
    with function_client("surveys") as client:
        survey_id = api(client, "POST", "/v1/surveys", tenant.admin_key, SURVEY)[1]["surveyId"]
        api(client, "POST", f"/v1/surveys/{survey_id}/activate", tenant.admin_key)
        for n, days in enumerate(days_ago):
            clock.now = datetime.combine(_ago(days), time(9), tzinfo=UTC)
            status, body, _ = api(
                client,
                "POST",
                f"/v1/surveys/{survey_id}/responses",
                tenant.write_key,
                {"answers": {"nps": 3, "why": TEXT}, "userId": f"u{n}", "channel": "email"},
            )
            assert status == 201, body
            ids.append(str(body["responseId"]))
    return ids


def test_comment_texts_past_their_retention_go_scores_and_sentiment_stay(
    aws: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = make_tenant(aws, "talk", TenantConfig(retention_days_responses=60, retention_days_comments=30))
    old, boundary = _respond(aws, tenant, [31, 30], monkeypatch)
    before = _docs(aws)
    assert before[old]["comments"][0]["text"] == TEXT and before[old]["comments"][0]["key_phrases"]
    lake_before = lake_state(aws)
    talk = aws.tenants.get_tenant("talk")
    assert talk is not None

    dry = RetentionSweeper(aws).sweep_tenant(talk, NOW, dry_run=True)
    assert dry.comments_expired == 1 and dry.comment_copies_rewritten == 0
    assert _docs(aws) == before and lake_state(aws) == lake_before

    report = RetentionSweeper(aws).sweep_tenant(talk, NOW)
    assert report.comments_expired == 1 and report.comment_copies_rewritten == 1
    assert report.responses_deleted == 0 and report.summary()["comments_before"] == _ago(30).isoformat()
    after = _docs(aws)
    expired, kept = after[old], after[boundary]
    [comment] = expired["comments"]
    was = before[old]["comments"][0]
    assert comment["text"] == EXPIRED_COMMENT_TEXT and comment["key_phrases"] == []
    assert (comment["sentiment"], comment["score"], comment["language"]) == (
        was["sentiment"],
        was["score"],
        was["language"],
    )
    assert expired["answers"] == {"nps": 3, "why": EXPIRED_COMMENT_TEXT}
    assert expired["scores"] == before[old]["scores"]
    assert kept == before[boundary]  # the cutoff day keeps its text
    copy = _copy(aws, old)
    assert copy["comments"] == [
        {"questionId": "why", "text": EXPIRED_COMMENT_TEXT, "sentiment": was["sentiment"], "keyPhrases": []}
    ]
    assert copy["scores"] == [{"questionId": "nps", "kind": "nps", "value": 3}]
    assert _copy(aws, boundary)["comments"][0]["text"] == TEXT
    assert "terribly" not in json.dumps(expired) and "terribly" not in json.dumps(copy)
    assert aws.privacy_state.swept_to("talk", "comments") == _ago(30)

    again = RetentionSweeper(aws).sweep_tenant(talk, NOW)
    assert again.comments_expired == 0 and again.comment_copies_rewritten == 0
    tomorrow = RetentionSweeper(aws).sweep_tenant(talk, NOW + timedelta(days=1))
    assert (
        tomorrow.comments_expired == 1 and _copy(aws, boundary)["comments"][0]["text"] == EXPIRED_COMMENT_TEXT
    )


def test_without_a_comment_retention_texts_stay_as_long_as_responses(
    aws: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = make_tenant(aws, "plain", TenantConfig(retention_days_responses=60))
    [recent] = _respond(aws, tenant, [59], monkeypatch)
    plain = aws.tenants.get_tenant("plain")
    assert plain is not None and plain.config.comment_retention_days == 60
    report = RetentionSweeper(aws).sweep_tenant(plain, NOW)
    assert report.comments_expired == 0 and _docs(aws)[recent]["comments"][0]["text"] == TEXT


def test_another_tenants_comments_are_not_touched(aws: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    other = make_tenant(aws, "other", TenantConfig(retention_days_responses=60))
    [theirs] = _respond(aws, other, [40], monkeypatch)
    make_tenant(aws, "talk", TenantConfig(retention_days_responses=60, retention_days_comments=30))
    talk = aws.tenants.get_tenant("talk")
    assert talk is not None
    assert RetentionSweeper(aws).sweep_tenant(talk, NOW).comments_expired == 0
    assert _copy(aws, theirs)["comments"][0]["text"] == TEXT


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"retention_days_responses": 60, "retention_days_comments": 61}, "must not exceed"),
        ({"retention_days_comments": 0}, "greater than or equal to 1"),
        ({"retention_days_responses": MAX_RETENTION_DAYS_RESPONSES + 1}, "less than or equal to 730"),
        ({"retention_days_events": 396}, "less than or equal to 395"),
    ],
)
def test_bad_retention_settings_are_refused(config: dict[str, int], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TenantConfig.model_validate(config)


def test_the_cli_sets_retention_and_refuses_bad_values_without_writing(aws: Runtime) -> None:
    make_tenant(aws, "talk", TenantConfig(retention_days_responses=60))
    runner = CliRunner()
    bad = [
        ["--comments", "90"],
        ["--comments", "soon"],
        ["--events", "400"],
        ["--responses", "20"],  # below nothing: fine alone, but see the next line
    ]
    for args in bad[:3]:
        result = runner.invoke(cli, ["tenants", "set-retention", "talk", *args, "--aws"])
        assert result.exit_code != 0, args
        assert "retention_days" in result.output or "--comments" in result.output, result.output
    stored = aws.tenants.get_tenant("talk")
    assert stored is not None and stored.config == TenantConfig(retention_days_responses=60)
    missing = runner.invoke(cli, ["tenants", "set-retention", "nobody", "--events", "5", "--aws"])
    assert missing.exit_code != 0 and "no tenant 'nobody'" in missing.output
    ok = runner.invoke(cli, ["tenants", "set-retention", "talk", *bad[3], "--comments", "14", "--aws"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {
        "tenant_id": "talk",
        "retention_days_events": 395,
        "retention_days_responses": 20,
        "retention_days_comments": 14,
    }
    stored = aws.tenants.get_tenant("talk")
    assert stored is not None and stored.config.retention_days_comments == 14
    back = runner.invoke(cli, ["tenants", "set-retention", "talk", "--comments", "responses", "--aws"])
    assert back.exit_code == 0 and json.loads(back.stdout)["retention_days_comments"] == 20

"""Forged and revoked codes, bots, floods and double submits are refused, counted, and never stored."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import TenantKeys
from tests.functional.feedback.conftest import (
    Store,
    backdate,
    lake_response_keys,
    open_form,
    policy_env,
    post_form,
    rejected_since,
    rejections,
    stored_responses,
)
from touchpoint.qr.tokens import TouchpointRef, sign_token
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import from_item

pytestmark = pytest.mark.usefixtures("no_fill_time")


def _nothing_stored(aws: Runtime) -> None:
    assert stored_responses(aws) == []
    assert lake_response_keys(aws) == []


def _nonces(aws: Runtime) -> list[str]:
    items = aws.clients.dynamodb.scan(TableName=aws.settings.state_table)["Items"]
    return [from_item(i)["sk"] for i in items if from_item(i)["pk"].startswith("FORMNONCE#")]


FORGERIES: dict[str, Callable[[str], str]] = {
    "guessed signature": lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    "another touchpoint": lambda token: token.replace("till-1", "till-2"),
    "another version": lambda token: token.replace(".1.", ".2.", 1),
    "no signature": lambda token: token.rsplit(".", 1)[0],
    "unknown tenant": lambda token: "nobody" + token[token.index(".") :],
    "garbage": lambda token: "%3Cscript%3E",
}


def test_a_forged_token_gets_the_friendly_404_page_and_nothing_is_stored(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path)
    for name, forge in FORGERIES.items():
        forged = "/f/" + forge(store.touchpoint["token"])
        status, html, _ = open_form(store.client, forged)
        assert status == 404 and "Dieser Code ist nicht (mehr) gültig" in html and "<form" not in html, name
        before = rejections()
        status, html = post_form(store.client, forged, {**fields, "q_csat": "5"})
        assert status == 404 and "Dieser Code ist nicht (mehr) gültig" in html, name
        assert rejected_since(before) == {"bad_token": 1}, name
    _nothing_stored(aws)
    assert _nonces(aws) == []


def test_a_token_signed_with_another_tenants_secret_is_refused(
    aws: Runtime, store: Store, other_tenant: TenantKeys
) -> None:
    other_secret = aws.tenants.get_form_secret(other_tenant.tenant_id)
    forged = sign_token(other_secret, TouchpointRef(store.keys.tenant_id, "berlin", "till-1", 1))
    status, _, _ = open_form(store.client, "/f/" + forged)
    assert status == 404


def test_a_revoked_token_is_refused_until_the_touchpoint_is_rotated(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path)
    revoked = store.admin("POST", "/v1/locations/berlin/touchpoints/till-1/revoke")
    assert revoked.status_code == 200 and json.loads(revoked.body)["revoked"] is True
    status, html, _ = open_form(store.client, store.path, **{"Accept-Language": "en"})
    assert status == 404 and "This code is not valid (any more)" in html
    before = rejections()
    status, _ = post_form(store.client, store.path, {**fields, "q_csat": "5"})
    assert status == 404 and rejected_since(before) == {"revoked_token": 1}
    _nothing_stored(aws)
    rotated = json.loads(store.admin("POST", "/v1/locations/berlin/touchpoints/till-1/rotate").body)
    assert rotated["revoked"] is False and rotated["token_version"] == 2
    assert open_form(store.client, store.path)[0] == 404  # the old code stays dead
    assert open_form(store.client, "/f/" + rotated["token"])[0] == 200
    # a form shown for the old version cannot be sent to the new code either
    status, _ = post_form(store.client, "/f/" + rotated["token"], {**fields, "q_csat": "5"})
    assert status == 400
    _nothing_stored(aws)


def test_the_honeypot_refuses_bots(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path)
    before = rejections()
    status, html = post_form(
        store.client, store.path, {**fields, "q_csat": "5", "website": "http://spam.example"}
    )
    assert status == 400 and "Ihre Antwort konnte nicht angenommen werden" in html
    assert rejected_since(before) == {"honeypot": 1}
    _nothing_stored(aws)
    assert _nonces(aws) == []


def test_a_double_submit_is_refused_and_stored_once(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path)
    answer = {**fields, "q_csat": "4", "q_comment": "Gut"}
    assert post_form(store.client, store.path, answer)[0] == 200
    before = rejections()
    status, html = post_form(store.client, store.path, answer)
    assert status == 409 and "Diese Antwort haben wir bereits erhalten" in html
    assert rejected_since(before) == {"double_submit": 1}
    assert len(stored_responses(aws)) == 1 and len(lake_response_keys(aws)) == 1
    assert len(_nonces(aws)) == 1


def test_the_per_client_rate_limit(aws: Runtime, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_CLIENT_LIMIT="2"):
        for _ in range(2):
            _, _, fields = open_form(store.client, store.path)
            assert post_form(store.client, store.path, {**fields, "q_csat": "5"}, ip="198.51.100.1")[0] == 200
        _, _, fields = open_form(store.client, store.path)
        before = rejections()
        response = store.client.http.post(
            store.path,
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "198.51.100.1"},
            body=f"q_csat=5&form_token={fields['form_token']}".encode(),
        )
        assert response.status_code == 429 and "Gerade ist viel los" in response.body.decode()
        assert 0 < int(response.headers["Retry-After"]) <= 600
        assert rejected_since(before) == {"rate_limited_client": 1}
        assert len(stored_responses(aws)) == 2
        # another client is not affected
        assert post_form(store.client, store.path, {**fields, "q_csat": "5"}, ip="198.51.100.2")[0] == 200
    items = aws.clients.dynamodb.scan(TableName=aws.settings.state_table)["Items"]
    keys = [from_item(i)["pk"] for i in items]
    assert not any("198.51.100" in k for k in keys)  # rate-limit keys hold no IP addresses
    assert all("expires_at" in from_item(i) for i in items)


def test_the_per_touchpoint_rate_limit(aws: Runtime, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_TOKEN_LIMIT="2"):
        for n in range(2):
            _, _, fields = open_form(store.client, store.path)
            assert post_form(store.client, store.path, {**fields, "q_csat": "3"}, ip=f"192.0.2.{n}")[0] == 200
        _, _, fields = open_form(store.client, store.path)
        before = rejections()
        status, _ = post_form(store.client, store.path, {**fields, "q_csat": "3"}, ip="192.0.2.99")
        assert status == 429 and rejected_since(before) == {"rate_limited_token": 1}
        assert len(stored_responses(aws)) == 2


FieldChange = Callable[[dict[str, str], str], dict[str, str]]
BAD_FORM_TOKENS: dict[str, tuple[FieldChange, int, str]] = {
    "empty": (lambda fields, secret: {**fields, "form_token": ""}, 400, "bad_form_token"),
    "missing": (
        lambda fields, secret: {k: v for k, v in fields.items() if k != "form_token"},
        400,
        "bad_form_token",
    ),
    "tampered": (
        lambda fields, secret: {**fields, "form_token": fields["form_token"][:-3] + "abc"},
        400,
        "bad_form_token",
    ),
    "foreign secret": (
        lambda fields, secret: {**fields, "form_token": backdate(fields["form_token"], "x" * 64, 0)},
        400,
        "bad_form_token",
    ),
    "from the future": (
        lambda fields, secret: {**fields, "form_token": backdate(fields["form_token"], secret, -120)},
        400,
        "bad_form_token",
    ),
    "expired": (
        lambda fields, secret: {**fields, "form_token": backdate(fields["form_token"], secret, 7300)},
        400,
        "expired_form",
    ),
}


def test_a_bad_form_token_is_refused(aws: Runtime, store: Store) -> None:
    secret = aws.tenants.get_form_secret(store.keys.tenant_id)
    for name, (change, status, reason) in BAD_FORM_TOKENS.items():
        _, _, fields = open_form(store.client, store.path)
        before = rejections()
        got, html = post_form(store.client, store.path, {**change(fields, secret), "q_csat": "5"})
        assert got == status and 'href="?lang=de"' in html, name  # a link to load the form again
        assert rejected_since(before) == {reason: 1}, name
    _nothing_stored(aws)
    assert _nonces(aws) == []


def test_a_form_token_of_another_touchpoint_is_refused(aws: Runtime, store: Store) -> None:
    other = store.admin(
        "POST",
        "/v1/locations/berlin/touchpoints",
        {"touchpoint_id": "door", "kind": "entrance", "label": "Eingang"},
    )
    other_path = "/f/" + json.loads(other.body)["token"]
    _, _, fields = open_form(store.client, other_path)
    status, _ = post_form(store.client, store.path, {**fields, "q_csat": "5"})
    assert status == 400
    _nothing_stored(aws)


def test_refusals_are_emitted_as_a_powertools_metric(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    _, _, fields = open_form(store.client, store.path)
    capsys.readouterr()
    post_form(store.client, store.path, {**fields, "q_csat": "5", "website": "bot"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    emf = next(line for line in lines if "FeedbackRejected" in line)
    assert emf["FeedbackRejected"] == [1.0] or emf["FeedbackRejected"] == 1.0
    assert emf["reason"] == "honeypot"
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Touchpoint"
    assert ["reason"] in emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"] or any(
        "reason" in d for d in emf["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    )


def test_deployed_the_gateways_source_ip_counts_and_a_forged_forwarded_for_does_not_help(
    aws: Runtime, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalice.local import LambdaEventConverter

    from touchpoint_cli.apps import function_module

    abuse = function_module("feedback", "chalicelib.abuse")
    # What API Gateway puts in requestContext.identity.sourceIp when deployed.
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", "198.51.100.50")
    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_CLIENT_LIMIT="2"):
        for n in range(2):
            _, _, fields = open_form(store.client, store.path)
            assert (
                post_form(store.client, store.path, {**fields, "q_csat": "4"}, ip=f"203.0.113.{n}")[0] == 200
            )
        _, _, fields = open_form(store.client, store.path)
        before = rejections()
        status, _ = post_form(store.client, store.path, {**fields, "q_csat": "4"}, ip="203.0.113.99")
        assert status == 429 and rejected_since(before) == {"rate_limited_client": 1}
    assert len(stored_responses(aws)) == 2
    items = [from_item(i) for i in aws.clients.dynamodb.scan(TableName=aws.settings.state_table)["Items"]]
    expected = abuse.client_pseudonym("198.51.100.50", store.keys.tenant_id, aws.settings.key_pepper)
    client_keys = [str(i["pk"]) for i in items if str(i["pk"]).startswith("FORMRATE#client#")]
    assert client_keys and all(expected in k for k in client_keys), client_keys
    assert not any("198.51.100" in json.dumps(i, default=str) for i in items)

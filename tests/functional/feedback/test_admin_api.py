"""Admin API of stores and touchpoints: create, read, bind a survey, rotate, revoke, QR images, posters."""

from __future__ import annotations

import json
import zlib

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer
from tests.functional.feedback.conftest import Store, admin_headers, policy_env
from tests.unit.feedback.qr_decode import decode_qr_png
from touchpoint.runtime import Runtime
from touchpoint.storage.dynamo import from_item

TP = "/v1/locations/berlin/touchpoints/till-1"


def _config_items(aws: Runtime, prefix: str) -> list[dict[str, object]]:
    items = [from_item(i) for i in aws.clients.dynamodb.scan(TableName=aws.settings.config_table)["Items"]]
    return [i for i in items if str(i["sk"]).startswith(prefix)]


def test_locations_are_created_listed_and_read(aws: Runtime, tenant: TenantKeys, feedback: Client) -> None:
    headers = admin_headers(tenant)
    body = {"location_id": "hh-1", "name": "Hamburg", "address": "Jungfernstieg 1", "default_language": "en"}
    created = feedback.http.post("/v1/locations", headers=headers, body=json.dumps(body))
    assert created.status_code == 200
    assert json.loads(created.body)["default_language"] == "en"
    listed = json.loads(feedback.http.get("/v1/locations", headers=headers).body)
    assert [loc["location_id"] for loc in listed["locations"]] == ["hh-1"]
    one = json.loads(feedback.http.get("/v1/locations/hh-1", headers=headers).body)
    assert one["name"] == "Hamburg" and "tenant_id" not in one


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"", 400, None),
        (b"not json", 400, "body"),
        (b"[1]", 400, None),
        (json.dumps({"location_id": "bad id!", "name": "X"}).encode(), 400, "location_id"),
        (json.dumps({"location_id": "x", "name": ""}).encode(), 400, "name"),
        (
            json.dumps({"location_id": "x", "name": "X", "default_language": "fr"}).encode(),
            400,
            "default_language",
        ),
        (json.dumps({"location_id": "x", "name": "X", "extra": 1}).encode(), 400, "extra"),
        (b"{" + b" " * 20000 + b"}", 413, None),
    ],
)
def test_bad_location_bodies_are_refused_and_nothing_is_stored(
    aws: Runtime, tenant: TenantKeys, feedback: Client, body: bytes, status: int, field: str | None
) -> None:
    response = feedback.http.post("/v1/locations", headers=admin_headers(tenant), body=body)
    assert response.status_code == status
    error = json.loads(response.body)
    assert error.get("field") == field and error["message"]
    assert _config_items(aws, "LOCATION#") == []


def test_duplicate_ids_conflict_and_keep_the_first(store: Store, aws: Runtime) -> None:
    again = store.admin("POST", "/v1/locations", {"location_id": "berlin", "name": "Other"})
    assert again.status_code == 409 and json.loads(again.body)["field"] == "location_id"
    assert json.loads(store.admin("GET", "/v1/locations/berlin").body)["name"] == "Acme Berlin Mitte"
    again = store.admin(
        "POST", "/v1/locations/berlin/touchpoints", {"touchpoint_id": "till-1", "kind": "till", "label": "X"}
    )
    assert again.status_code == 409
    assert json.loads(store.admin("GET", TP).body)["label"] == "Kasse 1"


def test_touchpoint_bad_input_and_unknown_store_store_nothing(store: Store, aws: Runtime) -> None:
    bad_kind = store.admin(
        "POST", "/v1/locations/berlin/touchpoints", {"touchpoint_id": "x", "kind": "roof", "label": "X"}
    )
    assert bad_kind.status_code == 400 and json.loads(bad_kind.body)["field"] == "kind"
    no_store = store.admin(
        "POST", "/v1/locations/nowhere/touchpoints", {"touchpoint_id": "x", "kind": "till", "label": "X"}
    )
    assert no_store.status_code == 404
    unknown_survey = store.admin(
        "POST",
        "/v1/locations/berlin/touchpoints",
        {"touchpoint_id": "x", "kind": "till", "label": "X", "survey_id": "nope"},
    )
    assert unknown_survey.status_code == 400 and json.loads(unknown_survey.body)["field"] == "survey_id"
    assert [i["touchpoint_id"] for i in _config_items(aws, "TOUCHPOINT#")] == ["till-1"]
    assert store.admin("GET", "/v1/locations/berlin/touchpoints/nope").status_code == 404
    assert store.admin("GET", "/v1/locations/nowhere/touchpoints").status_code == 404


def test_a_touchpoint_comes_with_its_signed_qr_url_and_the_default_survey(store: Store, aws: Runtime) -> None:
    tp = store.touchpoint
    assert tp["kind"] == "till" and tp["token_version"] == 1 and tp["survey_id"] is None
    assert tp["token"].startswith("acme.berlin.till-1.1.")
    assert tp["qr_url"] == "http://localhost/f/" + tp["token"]
    listed = json.loads(store.admin("GET", "/v1/locations/berlin/touchpoints").body)["touchpoints"]
    assert [t["qr_url"] for t in listed] == [tp["qr_url"]]
    default = aws.surveys.get("acme", "in-store-default")
    assert default is not None and default.status.value == "active"


def test_the_qr_url_follows_the_host_or_the_configured_base(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = json.loads(store.admin("GET", TP, Host="127.0.0.1:8123").body)
    assert local["qr_url"].startswith("http://127.0.0.1:8123/f/")
    aws_host = json.loads(store.admin("GET", TP, Host="abc123.execute-api.eu-central-1.amazonaws.com").body)
    assert aws_host["qr_url"].startswith("https://abc123.execute-api.eu-central-1.amazonaws.com/")
    with policy_env(monkeypatch, TOUCHPOINT_PUBLIC_BASE_URL="https://feedback.acme.example/"):
        configured = json.loads(store.admin("GET", TP, Host="127.0.0.1:8123").body)
    assert configured["qr_url"] == "https://feedback.acme.example/f/" + store.touchpoint["token"]


def test_binding_a_survey_and_back_to_the_default(store: Store, aws: Runtime) -> None:
    unknown = store.admin("PUT", TP, {"survey_id": "nope"})
    assert unknown.status_code == 400 and json.loads(unknown.body)["field"] == "survey_id"
    assert json.loads(store.admin("GET", TP).body)["survey_id"] is None
    assert store.admin("PUT", TP, {}).status_code == 400  # survey_id must be given (null for the default)
    assert store.admin("PUT", TP, {"survey_id": "in-store-default"}).status_code == 200
    assert json.loads(store.admin("GET", TP).body)["survey_id"] == "in-store-default"
    back = store.admin("PUT", TP, {"survey_id": None})
    assert back.status_code == 200 and json.loads(back.body)["survey_id"] is None
    assert store.admin("PUT", "/v1/locations/berlin/touchpoints/nope", {"survey_id": None}).status_code == 404


def test_rotate_and_revoke(store: Store) -> None:
    rotated = json.loads(store.admin("POST", TP + "/rotate").body)
    assert (
        rotated["token_version"] == 2
        and rotated["token"] != store.touchpoint["token"]
        and rotated["rotated_at"]
    )
    revoked = json.loads(store.admin("POST", TP + "/revoke").body)
    assert revoked["revoked"] is True and revoked["token"] is None and revoked["qr_url"] is None
    refused = store.admin("GET", TP + "/qr.svg")
    assert refused.status_code == 409 and json.loads(refused.body)["code"] == "revoked"
    again = json.loads(store.admin("POST", TP + "/rotate").body)
    assert again["revoked"] is False and again["token_version"] == 3
    assert store.admin("POST", "/v1/locations/berlin/touchpoints/nope/rotate").status_code == 404
    assert store.admin("POST", "/v1/locations/berlin/touchpoints/nope/revoke").status_code == 404


def test_qr_images_decode_to_the_qr_url(store: Store) -> None:
    png = store.admin("GET", TP + "/qr.png", Accept="image/png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    assert decode_qr_png(png.body) == [store.touchpoint["qr_url"]]
    svg = store.admin("GET", TP + "/qr.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.body.startswith(b"<?xml") and store.touchpoint["qr_url"].encode() in svg.body  # in its <title>
    # API Gateway only returns binary bodies to a matching Accept header; Chalice says so plainly
    assert store.admin("GET", TP + "/qr.png", Accept="text/html").status_code == 400


def test_posters_in_both_sizes_formats_and_languages(store: Store) -> None:
    svg = store.admin("GET", TP + "/poster?size=A5&lang=en")
    assert svg.status_code == 200 and svg.headers["Content-Type"] == "image/svg+xml"
    assert (
        b'width="148mm"' in svg.body
        and b"How was your visit?" in svg.body
        and b"Acme Berlin Mitte" in svg.body
    )
    default = store.admin("GET", TP + "/poster")
    assert b'width="210mm"' in default.body and b"Wie war Ihr Besuch?" in default.body
    pdf = store.admin("GET", TP + "/poster?format=pdf&size=A4&lang=de", Accept="application/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-1.4")
    stream = zlib.decompress(pdf.body.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0])
    assert b"(Acme Berlin Mitte) Tj" in stream and b"(Kasse 1) Tj" in stream
    assert 'filename="berlin-till-1-A4-de.pdf"' in pdf.headers["Content-Disposition"]
    for query, field in (("size=A3", "size"), ("format=png", "format"), ("lang=fr", "lang")):
        bad = store.admin("GET", TP + "/poster?" + query)
        assert bad.status_code == 400 and json.loads(bad.body)["field"] == field


def test_admin_routes_need_the_admin_key_of_the_same_tenant(store: Store, other_tenant: TenantKeys) -> None:
    client = store.client
    assert client.http.get("/v1/locations").status_code == 401
    assert client.http.get("/v1/locations", headers=bearer(store.keys.write_key)).status_code == 403
    assert client.http.get("/v1/locations", headers=bearer(store.keys.read_key)).status_code == 403
    other = bearer(other_tenant.admin_key)
    assert client.http.get("/v1/locations/berlin", headers=other).status_code == 404
    assert client.http.get(TP, headers=other).status_code == 404
    assert client.http.post(TP + "/revoke", headers=other).status_code == 404
    assert json.loads(client.http.get("/v1/locations", headers=other).body) == {"locations": []}

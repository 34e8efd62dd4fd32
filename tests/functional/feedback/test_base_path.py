"""The QR form and its URLs under a path prefix (API Gateway's stage URL, a proxy's mount point).

The form's own links and its action are relative (`?lang=en`, `#field`), so they work under any
prefix; the QR URLs the admin API hands out carry the prefix the request came under.
"""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

from chalice.local import LambdaContext

from tests.conftest import EVENTS_DIR
from tests.functional.feedback.conftest import Store, open_form, post_form
from touchpoint.runtime import Runtime
from touchpoint_cli.apps import function_module, load_app

urls = function_module("feedback", "chalicelib.urls")
TP = "/v1/locations/berlin/touchpoints/till-1"
_LINK_RE = re.compile(r'(?:href|action)="([^"]*)"')


def test_qr_urls_carry_a_forwarded_prefix(store: Store) -> None:
    token = store.touchpoint["token"]
    root = json.loads(store.admin("GET", TP, Host="tp.example").body)
    assert root["qr_url"] == f"http://tp.example/f/{token}"
    prefixed = json.loads(store.admin("GET", TP, Host="tp.example", **{"X-Forwarded-Prefix": "/api"}).body)
    assert prefixed["qr_url"] == f"http://tp.example/api/f/{token}"
    svg = store.admin(
        "GET", TP + "/qr.svg", Host="tp.example", **{"X-Forwarded-Prefix": "/api"}
    ).body.decode()
    assert f"http://tp.example/api/f/{token}" in svg  # the image's title names the URL it encodes
    evil = json.loads(store.admin("GET", TP, Host="tp.example", **{"X-Forwarded-Prefix": "//evil"}).body)
    assert evil["qr_url"] == f"http://tp.example/f/{token}"


def test_the_form_under_a_prefix_links_only_relatively_and_takes_an_answer(
    store: Store, aws: Runtime, no_fill_time: None
) -> None:
    status, html, fields = open_form(store.client, store.path, **{"X-Forwarded-Prefix": "/api"})
    assert status == 200
    found = [unescape(link) for link in _LINK_RE.findall(html)]
    assert found and all(link.startswith(("?", "#")) for link in found), found
    status, thanks = post_form(store.client, store.path, {**fields, "q_csat": "4", "website": ""})
    assert status == 200 and "Vielen Dank!" in thanks, thanks
    assert all(link.startswith(("?", "#")) for link in _LINK_RE.findall(thanks))


def _stage_event(path: str, route: str, headers: dict[str, str]) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS_DIR / "feedback" / "health.json").read_text(encoding="utf-8"))
    event.update(resource=route, path=path, headers=headers)
    event["requestContext"].update(resourcePath=route, path="/api" + path)
    event["pathParameters"] = {"location_id": "berlin", "touchpoint_id": "till-1"}
    return event


def test_on_the_stage_url_qr_urls_carry_the_stage(store: Store) -> None:
    host = "abc123.execute-api.eu-central-1.amazonaws.com"
    headers = {"Host": host, "Authorization": f"Bearer {store.keys.admin_key}"}
    event = _stage_event(TP, "/v1/locations/{location_id}/touchpoints/{touchpoint_id}", headers)
    answer = load_app("feedback")(event, LambdaContext("feedback", 512))
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["qr_url"] == f"https://{host}/api/f/{store.touchpoint['token']}"


def test_public_base_url_order() -> None:
    stage = {"path": "/api/v1/locations", "resourcePath": "/v1/locations"}
    host = {"Host": "tp.example"}
    assert urls.public_base_url(None, host, stage) == "http://tp.example/api"
    assert urls.public_base_url(None, host, stage, "") == "http://tp.example"  # TOUCHPOINT_BASE_PATH=/
    assert urls.public_base_url(None, host, {}, "/tp") == "http://tp.example/tp"
    # TOUCHPOINT_PUBLIC_BASE_URL is the address printed codes keep: it wins over everything
    configured = urls.public_base_url(
        "https://feedback.example/", {**host, "X-Forwarded-Prefix": "/x"}, stage
    )
    assert configured == "https://feedback.example"

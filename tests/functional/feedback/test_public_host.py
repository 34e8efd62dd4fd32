"""QR URLs behind the deployment's one public host: CloudFront sends API Gateway its own Host and
the viewer's in `X-Forwarded-Host` (infra/stack.py's viewer-request function)."""

from __future__ import annotations

import json

import pytest

from tests.functional.feedback.conftest import Store
from touchpoint_cli.apps import function_module

urls = function_module("feedback", "chalicelib.urls")
TP = "/v1/locations/berlin/touchpoints/till-1"
API_HOST = "abc123.execute-api.eu-central-1.amazonaws.com"


def test_qr_urls_use_the_forwarded_public_host(store: Store) -> None:
    headers = {"Host": API_HOST, "X-Forwarded-Host": "d111.cloudfront.net", "X-Forwarded-Proto": "https"}
    answer = json.loads(store.admin("GET", TP, **headers).body)
    assert answer["qr_url"] == f"https://d111.cloudfront.net/f/{store.touchpoint['token']}"


def test_public_base_url_prefers_a_forwarded_host_and_the_configured_url_over_both() -> None:
    headers = {"Host": API_HOST, "X-Forwarded-Host": "tp.example:8443", "X-Forwarded-Proto": "https"}
    assert urls.public_base_url(None, headers, {}, "") == "https://tp.example:8443"
    assert urls.public_base_url("https://qr.example", headers, {}, "") == "https://qr.example"


@pytest.mark.parametrize(
    "forged",
    ["evil.example/path", "https://evil.example", "a.example, b.example", "evil.example:99999x", "", " "],
)
def test_a_forwarded_host_that_is_not_one_plain_host_is_ignored(forged: str) -> None:
    headers = {"Host": "tp.example", "X-Forwarded-Host": forged}
    assert urls.public_base_url(None, headers, {}, "") == "http://tp.example"

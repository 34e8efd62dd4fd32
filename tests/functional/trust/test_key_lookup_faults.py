"""A storage fault while the shared route wrapper looks up the key: 503, Retry-After, JSON; a retry works.

The key lookup is the first DynamoDB `GetItem` of every keyed request (authentication runs before
the view), so failing the first `GetItem` fails exactly that lookup. Each function is called once
per error kind (throttling, 500, read timeout, no connection).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import TenantKeys, bearer, function_client
from tests.functional.trust.faults import ERRORS, failing
from touchpoint.runtime import Runtime
from touchpoint.web.errors import is_transient_storage_error

# (function, method, path, key kind, body, status of a clean call)
CALLS: list[tuple[str, str, str, str, dict[str, Any] | None, int]] = [
    ("ingest", "POST", "/v1/track", "write", {"type": "track", "event": "Signed Up", "userId": "u1"}, 200),
    ("surveys", "GET", "/v1/surveys", "admin", None, 200),
    ("insights", "GET", "/v1/alerts/rules", "admin", None, 200),
    ("insights", "GET", "/v1/summary", "read", None, 200),
    ("feedback", "GET", "/v1/locations", "admin", None, 200),
]


def _call(
    client: Any, method: str, path: str, key: str, body: dict[str, Any] | None
) -> tuple[int, dict[str, str], bytes]:
    headers = {**bearer(key), "Content-Type": "application/json"}
    payload = None if body is None else json.dumps(body)
    response = client.http.request(method, path, headers=headers, body=payload or b"")
    return response.status_code, dict(response.headers), response.body


@pytest.mark.parametrize(("function", "method", "path", "kind", "body", "clean"), CALLS)
@pytest.mark.parametrize("error", ERRORS, ids=lambda e: e.__name__)
def test_a_fault_in_the_key_lookup_answers_503_with_retry_after_and_the_retry_succeeds(
    aws: Runtime,
    tenant: TenantKeys,
    function: str,
    method: str,
    path: str,
    kind: str,
    body: dict[str, Any] | None,
    clean: int,
    error: Any,
) -> None:
    key = getattr(tenant, f"{kind}_key")
    with function_client(function) as client:
        with failing(aws, "dynamodb", "GetItem", error) as failed:
            status, headers, raw = _call(client, method, path, key, body)
        assert failed[0] == 1
        assert status == 503, raw
        assert headers["Retry-After"] == "1"
        assert headers["Content-Type"] == "application/json"
        answer = json.loads(raw)
        assert answer == {
            "code": "storage_unavailable",
            "message": "could not check the API key, please retry",
        }
        assert b"Traceback" not in raw and b"injected" not in raw
        status, _, raw = _call(client, method, path, key, body)
        assert status == clean, raw


def test_a_transient_fault_inside_a_view_also_answers_503(aws: Runtime, tenant: TenantKeys) -> None:
    with function_client("surveys") as client:
        with failing(aws, "dynamodb", "Query", ERRORS[0]) as failed:
            status, headers, raw = _call(client, "GET", "/v1/surveys", tenant.admin_key, None)
        assert failed[0] == 1 and status == 503 and headers["Retry-After"] == "1", raw
        assert json.loads(raw)["code"] == "storage_unavailable"
        assert _call(client, "GET", "/v1/surveys", tenant.admin_key, None)[0] == 200


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        *[(make("Op"), True) for make in ERRORS],
        (ClientError({"Error": {"Code": "ValidationException"}}, "Op"), False),
        (ClientError({"Error": {"Code": "X"}, "ResponseMetadata": {"HTTPStatusCode": 502}}, "Op"), True),  # type: ignore[typeddict-item]
        (ValueError("not storage"), False),
    ],
)
def test_which_errors_count_as_transient(error: BaseException, transient: bool) -> None:
    assert is_transient_storage_error(error) is transient

"""People's rights over their data: erasure, access (export) and an erasure's status (admin key).

Path ids are percent-encoded (`/v1/people/jane%40example.com`).

- `DELETE /v1/people/{person_id}`: erases the person (`touchpoint.privacy.erasure`). 200 when it
  completed within the request's time budget, 202 (`status: pending`, `Location` of the status)
  when the lake scan continues in the daily sweep. An id nobody knows gets the same answer with
  zero counts (and is suppressed): the answer never tells whether the person exists.
- `GET /v1/people/{person_id}/export[?after=<cursor>&limit=<lines>]`: what is stored about them,
  page by page (`touchpoint.privacy.export`).
- `GET /v1/erasures/{erasure_id}`: where an erasure stands (from the audit log).

A malformed id or cursor is refused with 400 before anything is read or written; a storage
failure answers 503 (both operations are safe to retry). The privacy services are imported by
these requests only (they are not needed at the surveys function's cold start).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Response

from touchpoint.models.inputs import query_int
from touchpoint.observability import logger
from touchpoint.privacy.subjects import InvalidPersonIdError, check_person_id
from touchpoint.runtime import Runtime
from touchpoint.storage.batches import StorageIncompleteError
from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError, bad_request, not_found
from touchpoint.web.routing import json_response

#: Time an HTTP request spends on the lake scan (API Gateway answers 504 after 29 s).
HTTP_BUDGET_SECONDS = 20.0
MAX_EXPORT_LINES = 10_000
_ERASURE_ID = re.compile(r"^er[0-9a-z]{22}$")
_STORAGE_ERRORS = (ClientError, BotoCoreError, StorageIncompleteError)


def _actor(principal: Principal) -> str:
    return f"key:{principal.key_id}"


def _person_id(raw: str) -> str:
    """The id of the path: percent-decoded here, as API Gateway (REST) passes path parameters
    encoded (`jane%40example.com` is `jane@example.com`; a literal `%` is sent as `%25`)."""
    try:
        return check_person_id(unquote(raw, errors="strict"))
    except UnicodeDecodeError:
        raise bad_request(
            "the person id is not percent-encoded UTF-8", field="person_id", code="invalid_person_id"
        ) from None
    except InvalidPersonIdError as error:
        raise bad_request(str(error), field="person_id", code="invalid_person_id") from None


@contextmanager
def _storage() -> Iterator[None]:
    try:
        yield
    except _STORAGE_ERRORS:
        logger.exception("privacy request: storage failed")
        raise ApiError(503, "storage_unavailable", "storage failed, please retry (it is safe to)") from None


def erase(runtime: Runtime, principal: Principal, person_id: str, base_path: str = "") -> Response:
    """Erase a person of the caller's tenant (200 completed, 202 pending).

    `base_path`: the prefix the request came in under (`touchpoint.web.base_path`), put in front
    of the status URL in `Location`."""
    from touchpoint.privacy.erasure import PENDING, ErasureService

    person = _person_id(person_id)
    with _storage():
        outcome = ErasureService(runtime).erase(
            principal.tenant_id, person, actor=_actor(principal), budget_seconds=HTTP_BUDGET_SECONDS
        )
    location = f"{base_path}/v1/erasures/{outcome.erasure_id}"
    status = 202 if outcome.status == PENDING else 200
    return json_response(status, {**outcome.view(), "location": location}, headers={"Location": location})


def _limit(params: Mapping[str, str]) -> int:
    from touchpoint.privacy.export import DEFAULT_PAGE_LINES

    return query_int(params.get("limit"), "limit", low=1, high=MAX_EXPORT_LINES, default=DEFAULT_PAGE_LINES)


def export(
    runtime: Runtime, principal: Principal, person_id: str, params: Mapping[str, str]
) -> dict[str, Any]:
    """One page of what is stored about a person of the caller's tenant."""
    from touchpoint.privacy.export import InvalidCursorError, export_person

    person = _person_id(person_id)
    limit = _limit(params)
    after = params.get("after") or None
    try:
        with _storage():
            return export_person(
                runtime,
                principal.tenant_id,
                person,
                actor=_actor(principal),
                after=after,
                budget_seconds=HTTP_BUDGET_SECONDS,
                max_lines=limit,
            )
    except InvalidCursorError as error:
        raise bad_request(str(error), field="after", code="invalid_cursor") from None


def erasure_status(runtime: Runtime, principal: Principal, erasure_id: str) -> dict[str, Any]:
    """An erasure of the caller's tenant (404 for another tenant's or an unknown id)."""
    if not _ERASURE_ID.match(erasure_id):
        raise bad_request("not an erasure id", field="erasure_id", code="invalid_erasure_id")
    from touchpoint.privacy.erasure import ErasureService

    with _storage():
        outcome = ErasureService(runtime).status(principal.tenant_id, erasure_id)
    if outcome is None:
        raise not_found(f"erasure '{erasure_id}'")
    return outcome.view()

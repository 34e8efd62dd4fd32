"""One tracking API request from start to answer.

Rate limit (from a per-container lease of the tenant's window), read the body, sort its events,
check the suppression list (only ids not yet cleared at its generation, which is read at most
every 60 s) and unknown links in one batched read, write everything, publish metrics, answer
like Segment: `200 {"success": true}` (with `rejected` / `warnings` lists when some events were
quarantined or broke the plan), 400
for a body that cannot be read, 413 over the size limits, 429 over the tenant's rate, and 503
only when storage or the landing stream failed (the SDK retries: nothing is lost, and readers count
an event landed twice once, by its messageId).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import Request, Response

from chalicelib.body import BodyError, decode_body
from chalicelib.envelope import BATCH, open_envelope
from chalicelib.links_cache import remember, unknown_links
from chalicelib.normalize import RequestInfo
from chalicelib.pipeline import Prepared, drop_suppressed, events_by_day, prepare, quarantine_lines
from chalicelib.rate import admit
from chalicelib.redact import Protection, redact_body
from chalicelib.store import Stored, store_outcome
from chalicelib.suppression_cache import current_generation, remember_cleared, unchecked
from chalicelib.telemetry import RequestMetrics
from chalicelib.tenants import tenant_config
from touchpoint.observability import logger, tracer
from touchpoint.privacy import contact_salt
from touchpoint.runtime import Runtime, get_runtime
from touchpoint.storage.batches import StorageIncompleteError
from touchpoint.storage.landing import LandingError
from touchpoint.tracking_plan import default_tracking_plan
from touchpoint.web.auth import Principal
from touchpoint.web.errors import ApiError, unauthorized
from touchpoint.web.middleware import request_id
from touchpoint.web.routing import json_response

STORAGE_ERRORS = (ClientError, BotoCoreError, StorageIncompleteError, LandingError)
_REPORT_LIMIT = 100


def storage_failed(what: str) -> ApiError:
    """503: a write or read of storage failed; the client should retry the same request."""
    return ApiError(503, "storage_unavailable", f"could not {what}, please retry")


def _raw_body(request: Request) -> bytes:
    body = request.raw_body
    return body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")


def _check_rate(runtime: Runtime, tenant_id: str, limit: int, metrics: RequestMetrics) -> None:
    if not runtime.settings.rate_limit_enabled:
        return
    try:
        allowed = admit(runtime.rate_limits, tenant_id, limit)
    except STORAGE_ERRORS:
        logger.warning("rate limit check failed; request let through", exc_info=True)
        return
    if not allowed:
        metrics.add("RequestsRateLimited")
        raise ApiError(
            429,
            "rate_limited",
            f"over the tenant's limit of {limit} requests per second, retry after 1 second",
            headers={"Retry-After": "1", "X-RateLimit-Reset": "1"},  # the second read by analytics.js
        )


def _reject_body(
    runtime: Runtime,
    tenant_id: str,
    raw: bytes,
    error: BodyError,
    received_at: datetime,
    kind: str,
    protection: Protection,
) -> ApiError:
    """Quarantine a refused body (redacted when it parses, base64, capped); 503 if that write fails."""
    if error.code != "empty_body":
        cap = runtime.settings.max_batch_bytes
        kept, redacted = redact_body(raw, protection)
        details = {"code": error.code, "endpoint": kind, "truncated": len(kept) > cap, "redacted": redacted}
        try:
            runtime.quarantine.put_payload(
                tenant_id, received_at, kept[:cap], error.message, field=error.field, details=details
            )
        except STORAGE_ERRORS:
            logger.exception("could not quarantine an unreadable request")
            return storage_failed("store the rejected request")
    return ApiError(error.status, error.code, error.message, field=error.field)


def _answer(kind: str, prepared: Prepared) -> Response:
    if kind != BATCH and prepared.rejected:
        first = prepared.rejected[0]
        raise ApiError(400, first.code, first.reason, field=first.field)
    body: dict[str, Any] = {"success": True}
    if prepared.rejected:
        body["rejected"] = [
            {
                "index": r.index,
                "messageId": r.message_id,
                "code": r.code,
                "reason": r.reason,
                "field": r.field,
            }
            for r in prepared.rejected[:_REPORT_LIMIT]
        ]
    warnings = [
        {"index": e.index, "messageId": e.message_id, "field": w.field, "message": w.message}
        for e in prepared.accepted
        for w in e.warnings
    ]
    if warnings:
        body["warnings"] = warnings[:_REPORT_LIMIT]
    return json_response(200, body)


def ingest(principal: Principal, kind: str, request: Request) -> Response:
    """Handle one request to `/v1/<kind>` for the authenticated tenant."""
    received_at = datetime.now(UTC)
    tenant_id = principal.tenant_id
    logger.thread_safe_append_keys(request_id=request_id(request), tenant_id=tenant_id, endpoint=kind)
    tracer.put_annotation(key="tenant_id", value=tenant_id)
    metrics = RequestMetrics(tenant_id, kind)
    try:
        return _ingest(principal, kind, request, received_at, metrics)
    except ApiError as error:
        if error.status >= 500:
            metrics.add("RequestsFailed")
        raise
    finally:
        metrics.flush()
        logger.thread_safe_remove_keys(["request_id", "tenant_id", "endpoint"])


def _ingest(
    principal: Principal, kind: str, request: Request, received_at: datetime, metrics: RequestMetrics
) -> Response:
    runtime = get_runtime()
    settings = runtime.settings
    tenant_id = principal.tenant_id
    try:
        config = tenant_config(runtime.tenants, tenant_id)
    except STORAGE_ERRORS:
        logger.exception("could not read the tenant")
        raise storage_failed("read the tenant's configuration") from None
    if config is None:
        raise unauthorized("the key's tenant no longer exists")
    _check_rate(runtime, tenant_id, config.rate_limit_per_second, metrics)

    raw = _raw_body(request)
    limit = settings.max_batch_bytes if kind == BATCH else settings.max_event_bytes
    try:
        body = decode_body(
            raw,
            limit=limit,
            content_encoding=request.headers.get("content-encoding"),
            what="batch request" if kind == BATCH else "event",
        )
        envelope = open_envelope(kind, body.payload)
    except BodyError as error:
        metrics.add("RequestsRejected")
        logger.info("request rejected", extra={"code": error.code, "status": error.status, "bytes": len(raw)})
        salt = contact_salt(tenant_id, settings.key_pepper)
        protection = Protection(config.store_contact_traits, salt)
        raise _reject_body(runtime, tenant_id, raw, error, received_at, kind, protection) from None
    metrics.add("BytesReceived", body.size)
    metrics.add("EventsReceived", len(envelope.events))

    info = RequestInfo(
        tenant_id=tenant_id,
        config=config,
        zone=ZoneInfo(config.timezone),
        plan=default_tracking_plan(),
        received_at=received_at,
        max_event_bytes=settings.max_event_bytes,
        contact_salt=contact_salt(tenant_id, settings.key_pepper),
        sent_at=envelope.sent_at,
        context=envelope.context,
    )
    with tracer.subsegment("## prepare events"):
        prepared = prepare(envelope.events, info)
    stored = _store(runtime, tenant_id, info, prepared)

    metrics.add("EventsAccepted", stored.new_events)
    metrics.add("EventsDuplicate", prepared.repeated)
    metrics.add("EventsQuarantined", len(prepared.rejected))
    metrics.add("EventsConsentDenied", prepared.consent_denied)
    metrics.add("EventsSuppressed", prepared.suppressed)
    metrics.add("SchemaWarnings", sum(len(e.warnings) for e in prepared.accepted))
    metrics.add("BytesStored", stored.bytes_stored)
    logger.info(
        "request ingested",
        extra={
            "received": len(envelope.events),
            "stored": stored.new_events,
            "duplicate": prepared.repeated,
            "quarantined": len(prepared.rejected),
            "consent_denied": prepared.consent_denied,
            "suppressed": prepared.suppressed,
            "schema_warnings": sum(len(e.warnings) for e in prepared.accepted),
            "bytes_landed": stored.bytes_stored,
            "quarantine_object": stored.quarantine_key,
            "links_written": len(stored.links_written),
            "dirtied_days": [d.isoformat() for d in stored.dirtied_days],
            "gzip": body.compressed,
        },
    )
    warnings = [(e, w) for e in prepared.accepted for w in e.warnings][:_REPORT_LIMIT]
    for accepted, warning in warnings:
        logger.info(
            "tracking plan violation",
            extra={
                "index": accepted.index,
                "message_id": accepted.message_id,
                "field": warning.field,
                "problem": warning.message,
            },
        )
    for rejected in prepared.rejected[:_REPORT_LIMIT]:
        logger.info(
            "event quarantined",
            extra={
                "index": rejected.index,
                "code": rejected.code,
                "reason": rejected.reason,
                "field": rejected.field,
            },
        )
    return _answer(kind, prepared)


def _store(runtime: Runtime, tenant_id: str, info: RequestInfo, prepared: Prepared) -> Stored:
    identity = runtime.identity
    try:
        # The generation first (at most 60 s old): ids found absent after it was read stay valid
        # while it is unchanged.
        generation = current_generation(identity, tenant_id)
        to_clear = unchecked(identity, tenant_id, generation, prepared.person_ids)
        to_check = unknown_links(identity, tenant_id, prepared.links)
        lookup = identity.lookup(tenant_id, to_clear, {link.anonymous_id for link in to_check})
        remember_cleared(identity, tenant_id, generation, to_clear - lookup.suppressed)
        remember(identity, tenant_id, lookup.links.values())
        drop_suppressed(prepared, lookup.suppressed)
        stored = store_outcome(
            runtime,
            tenant_id,
            received_at=info.received_at,
            local_today=info.received_at.astimezone(info.zone).date(),
            quarantine=quarantine_lines(prepared.rejected, info),
            days=events_by_day(prepared.accepted),
            links=unknown_links(identity, tenant_id, prepared.links),
            known_links=dict(lookup.links),
        )
    except STORAGE_ERRORS:
        logger.exception("storage failed; the client will retry")
        raise storage_failed("store the events") from None
    remember(identity, tenant_id, stored.links_written)
    return stored

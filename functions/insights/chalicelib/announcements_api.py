"""`POST /v1/announcements`: "you said, we did" to every consenting respondent of a theme or store.

`?dry_run=true` counts the recipients and sends nothing (no announcement id needed). A real run
needs an `announcementId` chosen by the caller: sending the same announcement again resumes it and
writes to nobody twice (and continues with the `remaining` recipients a request did not reach);
the same id with different content is refused (409).
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.announcement_inputs import AnnouncementInput
from chalicelib.cases_api import validated
from chalicelib.queries import params_of, single
from touchpoint.loop.announcements import MAX_RECIPIENTS, Audience, TooManyRecipientsError, announce
from touchpoint.loop.replies import MailNotConfiguredError
from touchpoint.storage.cases import AnnouncementIdTakenError
from touchpoint.web.errors import ApiError, bad_request, not_found
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal


def _dry_run(query: Any) -> bool:
    raw = (single(params_of(query), "dry_run") or "false").lower()
    if raw not in ("true", "false"):
        raise bad_request("dry_run must be true or false", field="dry_run")
    return raw == "true"


def announce_request(
    runtime: Runtime, principal: Principal, query: Any, raw: bytes | str | None
) -> dict[str, Any]:
    """Count (dry run) or send an announcement; the counts."""
    dry_run = _dry_run(query)
    spec: AnnouncementInput = validated(AnnouncementInput, raw)
    if not dry_run and spec.announcement_id is None:
        raise bad_request(
            "announcementId is required to send (it makes a retry safe)", field="announcementId"
        )
    if spec.location_id is not None and (
        not can_see(principal, spec.location_id)
        or runtime.locations.get_location(principal.tenant_id, spec.location_id) is None
    ):
        raise not_found("location")
    tenant = runtime.tenants.get_tenant(principal.tenant_id)
    zone = ZoneInfo(tenant.config.timezone if tenant else "UTC")
    audience = Audience(
        start=datetime.combine(spec.first, time(), zone).astimezone(UTC),
        end=datetime.combine(spec.last + timedelta(days=1), time(), zone).astimezone(UTC),
        location_id=spec.location_id,
        theme=spec.theme,
    )
    try:
        outcome = announce(
            runtime,
            principal.tenant_id,
            spec.announcement_id,
            audience,
            spec.subject.model_dump(),
            spec.body.model_dump(),
            actor=principal.actor,
            visible=lambda location_id: can_see(principal, location_id),
            dry_run=dry_run,
        )
    except TooManyRecipientsError:
        raise ApiError(
            422, "too_many_recipients", f"more than {MAX_RECIPIENTS} recipients: choose a shorter range"
        ) from None
    except AnnouncementIdTakenError:
        raise ApiError(
            409,
            "announcement_id_taken",
            "this announcementId was used for another announcement",
            field="announcementId",
        ) from None
    except MailNotConfiguredError:
        raise ApiError(
            503, "mail_not_configured", "no sender address is configured (TOUCHPOINT_MAIL_FROM)"
        ) from None
    return {
        "announcementId": spec.announcement_id,
        "dryRun": dry_run,
        "recipients": outcome.recipients,
        "sent": outcome.sent,
        "failed": outcome.failed,
        "alreadySent": outcome.already_sent,
        "remaining": outcome.remaining,
    }

"""`POST /v1/announcements`: "you said, we did" to every consenting respondent of a theme or store.

`?dry_run=true` counts the recipients and sends nothing (no announcement id needed). A real run
needs an `announcementId` chosen by the caller: sending the same announcement again resumes it and
writes to nobody twice (and continues with the `remaining` recipients a request did not reach);
the same id with different content is refused (409).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from chalicelib.cases_api import validated
from chalicelib.queries import params_of, single
from touchpoint.loop.announcements import MAX_RECIPIENTS, Audience, TooManyRecipientsError, announce
from touchpoint.loop.replies import MAX_BODY, MAX_SUBJECT, MailNotConfiguredError
from touchpoint.models.locations import LOCATION_ID_PATTERN
from touchpoint.storage.cases import AnnouncementIdTakenError
from touchpoint.web.errors import ApiError, bad_request, not_found
from touchpoint.web.scope import can_see

if TYPE_CHECKING:
    from touchpoint.runtime import Runtime
    from touchpoint.web.auth import Principal

MAX_DAYS = 366
Subject = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=MAX_SUBJECT, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class SubjectTexts(_Body):
    """The subject in German and English (each customer gets their language)."""

    de: Subject
    en: Subject


class BodyTexts(_Body):
    """The message in German and English."""

    de: Body
    en: Body


class AnnouncementInput(_Body):
    """An announcement: the audience (a theme or a store, answers `from`..`to`) and its texts."""

    announcement_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    theme: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = (
        None
    )
    location_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    first: date = Field(alias="from")
    last: date = Field(alias="to")
    subject: SubjectTexts
    body: BodyTexts

    @model_validator(mode="after")
    def _consistent(self) -> AnnouncementInput:
        if (self.theme is None) == (self.location_id is None):
            raise ValueError("give theme or locationId (one of them)")
        if self.first > self.last:
            raise ValueError("from must not be after to")
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise ValueError(f"at most {MAX_DAYS} days")
        return self


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

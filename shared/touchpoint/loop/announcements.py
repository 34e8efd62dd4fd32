"""Announcements ("you said, we did"): one e-mail to every consenting respondent of a theme or a store.

The audience is every answer submitted in a time range whose respondent consented to be
contacted and left an e-mail address, at one store or with a comment about one theme (a key
phrase equal to the theme or containing it as whole words, as the comment drill-down groups
them). Each address is written to once per announcement, in its language (de/en), even when the
announcement is sent again (a retry resumes where it stopped). One request sends at most
MAX_SENDS_PER_RUN e-mails and reports the rest as `remaining`. A dry run only counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from touchpoint.loop.replies import mail_language, render_mail, send_mail, sender

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.runtime import Runtime

#: The most recipients one announcement may have (a narrower range or audience beyond that).
MAX_RECIPIENTS = 2000
#: The most e-mails one request sends (SES sends about 14 a second by default; an API request has
#: 29 seconds): a larger audience is finished by sending the same announcement again.
MAX_SENDS_PER_RUN = 200


class TooManyRecipientsError(Exception):
    """The audience is larger than MAX_RECIPIENTS."""


@dataclass(frozen=True)
class Audience:
    """Whom an announcement is for: answers in `[start, end)` at a store or about a theme."""

    start: datetime
    end: datetime
    location_id: str | None = None
    theme: str | None = None


@dataclass(frozen=True)
class Recipient:
    """One address to write to (`key`: a hash of the address, what is stored)."""

    key: str
    email: str
    language: str


@dataclass(frozen=True)
class Outcome:
    """What an announcement run did (`already_sent`: skipped, written to by an earlier run;
    `remaining`: not reached by this run, for the next one)."""

    recipients: int
    sent: int = 0
    failed: int = 0
    already_sent: int = 0
    remaining: int = 0


def about_theme(response: StoredResponse, theme: str) -> bool:
    """Whether a comment of the answer has the theme as a key phrase, or inside one as whole words."""
    wanted = f" {' '.join(theme.lower().split())} "
    return any(wanted in f" {' '.join(p.lower().split())} " for c in response.comments for p in c.key_phrases)


def recipient_key(tenant_id: str, email: str) -> str:
    """The stored stand-in for an address (SHA-256 of tenant and address)."""
    return hashlib.sha256(f"{tenant_id}\n{email.strip().lower()}".encode()).hexdigest()


def recipients(
    runtime: Runtime, tenant_id: str, audience: Audience, visible: Callable[[str | None], bool]
) -> list[Recipient]:
    """The distinct addresses of the audience the caller may see (`visible(location_id)`), oldest
    answer first; raises TooManyRecipientsError beyond MAX_RECIPIENTS."""
    found: dict[str, Recipient] = {}
    for ref in runtime.contacts.consenting(tenant_id, audience.start, audience.end):
        if not visible(ref.location_id):
            continue
        if audience.location_id is not None and ref.location_id != audience.location_id:
            continue
        if audience.theme is not None:
            response = runtime.responses.get(tenant_id, ref.survey_id, ref.response_id)
            if response is None or not about_theme(response, audience.theme):
                continue
        contact = runtime.contacts.reveal(tenant_id, ref.response_id)
        if contact is None or not contact.email:
            continue
        key = recipient_key(tenant_id, contact.email)
        if key not in found:
            found[key] = Recipient(key, contact.email, mail_language(contact.language))
            if len(found) > MAX_RECIPIENTS:
                raise TooManyRecipientsError(str(MAX_RECIPIENTS))
    return list(found.values())


def fingerprint(audience: Audience, subject: dict[str, str], body: dict[str, str]) -> str:
    """What identifies an announcement's content (a reused id must mean the same announcement)."""
    data = {
        "start": audience.start.isoformat(),
        "end": audience.end.isoformat(),
        "location": audience.location_id,
        "theme": audience.theme,
        "subject": subject,
        "body": body,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _send_all(
    runtime: Runtime,
    tenant_id: str,
    announcement_id: str,
    found: list[Recipient],
    subject: dict[str, str],
    body: dict[str, str],
) -> Iterator[str]:
    tenant = runtime.tenants.get_tenant(tenant_id)
    name = tenant.name if tenant else tenant_id
    store = runtime.announcements
    sends = 0
    for recipient in found:
        if sends == MAX_SENDS_PER_RUN:
            yield "remaining"
            continue
        if not store.claim(tenant_id, announcement_id, recipient.key):
            yield "already_sent"
            continue
        sends += 1
        lang = recipient.language
        mail = render_mail(lang, tenant_name=name, subject=subject[lang], body=body[lang], announcement=True)
        message_id, error = send_mail(runtime, recipient.email, mail)
        status = "sent" if message_id else "failed"
        store.settle(tenant_id, announcement_id, recipient.key, status, message_id or error)
        yield status


def announce(
    runtime: Runtime,
    tenant_id: str,
    announcement_id: str | None,
    audience: Audience,
    subject: dict[str, str],
    body: dict[str, str],
    *,
    actor: str,
    visible: Callable[[str | None], bool],
    dry_run: bool,
) -> Outcome:
    """Send (or, `dry_run`, count) an announcement; raises TooManyRecipientsError,
    AnnouncementIdTakenError (the id names another announcement) and MailNotConfiguredError."""
    found = recipients(runtime, tenant_id, audience, visible)
    if dry_run:
        return Outcome(recipients=len(found))
    assert announcement_id is not None
    if found:
        sender(runtime)
    runtime.announcements.begin(
        tenant_id, announcement_id, fingerprint(audience, subject, body), actor, datetime.now(UTC)
    )
    counts = {"sent": 0, "failed": 0, "already_sent": 0, "remaining": 0}
    for status in _send_all(runtime, tenant_id, announcement_id, found, subject, body):
        counts[status] += 1
    runtime.announcements.finish(tenant_id, announcement_id, {"recipients": len(found), **counts})
    return Outcome(recipients=len(found), **counts)

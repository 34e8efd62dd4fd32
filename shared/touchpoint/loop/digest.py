"""The daily notification digest: yesterday's matching answers, by e-mail, at 08:00 local time.

The rollup's hourly `digest` function calls `run_digests`. For each tenant whose local time is
08:00 or later and whose previous local day has not been digested yet, the rules with digest
addresses are matched against that day's complete answers; each address gets one e-mail (German
or English, the language of its first rule) listing every rule's answers. A state item per
tenant-day (`NotificationRepository.claim_digest`) makes the run idempotent; when sending fails
the claim is released so the next hour tries again. A day without matching answers sends nothing.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast
from zoneinfo import ZoneInfo

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.loop.notify_messages import truncate
from touchpoint.loop.notify_rules import NotificationRule, matches
from touchpoint.observability import logger, metrics

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.runtime import Runtime

DIGEST_HOUR = 8
#: Answers listed per rule in one e-mail (the count says how many there were).
LISTED_PER_RULE = 50
COMMENT_CHARS = 200
TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "subject": "Touchpoint-Zusammenfassung vom {day}: {counted} zu Ihren Regeln",
        "intro": "Antworten vom {day}, die Ihre Benachrichtigungsregeln erfüllen:",
        "answers": "{count} Antworten",
        "answer": "1 Antwort",
        "more": "… und {count} weitere",
        "no_store": "ohne Filiale",
        "footer": "Sie erhalten diese E-Mail, weil Ihre Adresse in einer Benachrichtigungsregel steht.",
    },
    "en": {
        "subject": "Touchpoint digest of {day}: {counted} matched your rules",
        "intro": "Answers of {day} that match your notification rules:",
        "answers": "{count} answers",
        "answer": "1 answer",
        "more": "… and {count} more",
        "no_store": "no store",
        "footer": "You receive this e-mail because your address is in a notification rule.",
    },
}


class SesClient(Protocol):
    """The SES call the digest makes."""

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        """Send one e-mail (SES SendEmail)."""


@dataclass(frozen=True)
class DigestLine:
    """One answer in a digest."""

    at: str
    store: str
    scores: str
    comment: str


@dataclass
class RuleSection:
    """One rule's answers in a digest."""

    rule: NotificationRule
    lines: list[DigestLine] = field(default_factory=list)
    count: int = 0


@dataclass(frozen=True)
class DigestMail:
    """One digest e-mail."""

    to: str
    subject: str
    text: str
    html: str


def due_day(timezone: str, now: datetime) -> date | None:
    """The local day to digest now (yesterday, from DIGEST_HOUR on), or None before DIGEST_HOUR."""
    local = now.astimezone(ZoneInfo(timezone))
    return local.date() - timedelta(days=1) if local.hour >= DIGEST_HOUR else None


def _day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def _line(response: StoredResponse, timezone: str, stores: dict[str, str], language: str) -> DigestLine:
    at = (response.completed_at or response.submitted_at).astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    store = stores.get(response.location_id or "", response.location_id or TEXTS[language]["no_store"])
    scores = ", ".join(f"{s.kind.upper()} {s.value}" for s in response.scores)
    comment = next((c.text for c in response.comments if c.text.strip()), "")
    return DigestLine(at, store, scores, truncate(" ".join(comment.split()), COMMENT_CHARS))


def collect(
    runtime: Runtime, tenant_id: str, timezone: str, day: date, rules: list[NotificationRule]
) -> dict[str, list[RuleSection]]:
    """Each digest address with its rules' sections of the day's matching answers (empty ones left out)."""
    start, end = _day_bounds(day, timezone)
    stores = {loc.location_id: loc.name for loc in runtime.locations.list_locations(tenant_id)}
    sections = {rule.rule_id: RuleSection(rule) for rule in rules}
    for response in runtime.responses.for_tenant_period(tenant_id, start, end):
        for rule in rules:
            if matches(rule, response):
                section = sections[rule.rule_id]
                section.count += 1
                if len(section.lines) < LISTED_PER_RULE:
                    section.lines.append(_line(response, timezone, stores, rule.language))
    by_address: dict[str, list[RuleSection]] = defaultdict(list)
    for rule in rules:
        if sections[rule.rule_id].count:
            for address in rule.destinations.digest_emails:
                by_address[address].append(sections[rule.rule_id])
    return dict(by_address)


def render(to: str, day: date, sections: list[RuleSection]) -> DigestMail:
    """The digest e-mail for one address (the language of its first rule)."""
    language = sections[0].rule.language
    t = TEXTS.get(language, TEXTS["en"])
    shown_day = day.strftime("%d.%m.%Y") if language == "de" else day.isoformat()
    total = sum(s.count for s in sections)
    text_parts = [t["intro"].format(day=shown_day), ""]
    html_parts = [f"<p>{html.escape(t['intro'].format(day=shown_day))}</p>"]
    for section in sections:
        counted = t["answer"] if section.count == 1 else t["answers"].format(count=section.count)
        heading = f"{section.rule.name}: {counted}"
        text_parts.append(heading)
        html_parts.append(f"<h3>{html.escape(heading)}</h3><ul>")
        for line in section.lines:
            row = f"{line.at} {line.store}" + (f", {line.scores}" if line.scores else "")
            text_parts.append(f"- {row}" + (f': "{line.comment}"' if line.comment else ""))
            quoted = f": &bdquo;{html.escape(line.comment)}&ldquo;" if line.comment else ""
            html_parts.append(f"<li>{html.escape(row)}{quoted}</li>")
        if section.count > len(section.lines):
            more = t["more"].format(count=section.count - len(section.lines))
            text_parts.append(more)
            html_parts.append(f"<li>{html.escape(more)}</li>")
        text_parts.append("")
        html_parts.append("</ul>")
    text_parts.append(t["footer"])
    html_parts.append(f"<p><small>{html.escape(t['footer'])}</small></p>")
    return DigestMail(
        to=to,
        subject=t["subject"].format(
            day=shown_day, counted=t["answer"] if total == 1 else t["answers"].format(count=total)
        ),
        text="\n".join(text_parts) + "\n",
        html="<!doctype html><html><body>" + "".join(html_parts) + "</body></html>",
    )


def _send(runtime: Runtime, mail: DigestMail) -> None:
    cast(SesClient, runtime.clients.ses).send_email(
        Source=runtime.settings.mail_from,
        Destination={"ToAddresses": [mail.to]},
        Message={
            "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
            "Body": {
                "Text": {"Data": mail.text, "Charset": "UTF-8"},
                "Html": {"Data": mail.html, "Charset": "UTF-8"},
            },
        },
    )


def digest_tenant(runtime: Runtime, tenant_id: str, timezone: str, now: datetime) -> int:
    """Send the tenant's digest of the due day once; returns the e-mails sent (0: not due, done, empty)."""
    day = due_day(timezone, now)
    if day is None:
        return 0
    rules = [
        r for r in runtime.notifications.list_rules(tenant_id) if r.enabled and r.destinations.digest_emails
    ]
    if not rules or not runtime.notifications.claim_digest(tenant_id, day):
        return 0
    try:
        mails = [
            render(address, day, sections)
            for address, sections in collect(runtime, tenant_id, timezone, day, rules).items()
        ]
        for mail in mails:
            _send(runtime, mail)
    except Exception:
        runtime.notifications.release_digest(tenant_id, day)
        raise
    return len(mails)


def run_digests(runtime: Runtime, now: datetime | None = None) -> dict[str, Any]:
    """The hourly run over every tenant (a tenant that fails is logged; the others still go out)."""
    moment = now or datetime.now(UTC)
    if not runtime.settings.mail_from.strip():
        logger.warning("no digest sent: TOUCHPOINT_MAIL_FROM is not set")
        return {"sent": 0, "failed": [], "skipped": "no sender address"}
    sent, failed = 0, []
    for tenant in runtime.tenants.list_tenants():
        try:
            sent += digest_tenant(runtime, tenant.tenant_id, tenant.config.timezone, moment)
        except Exception:
            logger.exception("notification digest failed", extra={"tenant_id": tenant.tenant_id})
            failed.append(tenant.tenant_id)
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=sent)
    if failed:
        metrics.add_metric(name="DigestFailures", unit=MetricUnit.Count, value=len(failed))
    return {"sent": sent, "failed": failed}

"""What a notification says: one answer as a Slack message, a signed webhook event or a digest line.

`AnswerNotice` gathers what every destination shows (score, comment, store, survey, a link to the
case, or to the inbox filtered on the answer's survey, store and day while no case exists); the payload functions only
format it. Comments are stored PII-masked already; Slack text is escaped for mrkdwn (`&`, `<`,
`>`) and comments are cut at COMMENT_CHARS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from touchpoint.loop.notify_rules import NotificationRule
    from touchpoint.models.surveys import StoredResponse, Survey
    from touchpoint.runtime import Runtime

COMMENT_CHARS = 500
EVENT_TYPE = "answer.matched"
_SCORE_NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "rating": "Rating"}
TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "title": "Neue Antwort",
        "at": "in",
        "score": "Bewertung",
        "comment": "Kommentar",
        "store": "Filiale",
        "survey": "Umfrage",
        "rule": "Regel",
        "no_comment": "(kein Kommentar)",
        "no_store": "(ohne Filiale)",
        "open_case": "Fall öffnen",
        "open_inbox": "Im Posteingang ansehen",
    },
    "en": {
        "title": "New answer",
        "at": "at",
        "score": "Score",
        "comment": "Comment",
        "store": "Store",
        "survey": "Survey",
        "rule": "Rule",
        "no_comment": "(no comment)",
        "no_store": "(no store)",
        "open_case": "Open the case",
        "open_inbox": "View in the inbox",
    },
}


@dataclass(frozen=True)
class AnswerNotice:
    """One matching answer, as every destination shows it."""

    tenant_id: str
    rule_id: str
    rule_name: str
    survey_id: str
    survey_name: str
    response_id: str
    location_id: str | None
    location_name: str | None
    channel: str
    scores: tuple[tuple[str, int], ...]
    comment: str | None
    sentiment: str | None
    answered_at: datetime
    path: str
    """The dashboard path of the case (or of the inbox filtered on the answer)."""
    has_case: bool
    base_url: str

    @property
    def link(self) -> str | None:
        """The absolute link (None without a public base URL)."""
        return self.base_url.rstrip("/") + self.path if self.base_url else None

    def score_text(self) -> str:
        """`NPS 3, CSAT 2` (empty without scores)."""
        return ", ".join(f"{_SCORE_NAMES.get(kind, kind)} {value}" for kind, value in self.scores)


def _case_path(runtime: Runtime, response: StoredResponse) -> tuple[str, bool]:
    """The case's dashboard path when the answer has one, else the inbox filtered on the answer's
    survey, store and (tenant-local) day."""
    try:
        from touchpoint.loop.cases import case_id_for_response

        case = runtime.cases.get(response.tenant_id, case_id_for_response(response))
    except Exception:  # no case store yet, or it failed: the inbox link still works
        case = None
    if case is not None:
        return f"/dashboard/cases/{quote(case.case_id)}", True
    tenant = runtime.tenants.get_tenant(response.tenant_id)
    zone = ZoneInfo(tenant.config.timezone if tenant else "UTC")
    day = response.submitted_at.astimezone(zone).date().isoformat()
    filters = {"survey": response.survey_id, "from": day, "to": day}
    if response.location_id:
        filters["location"] = response.location_id
    return "/dashboard/inbox?" + urlencode(filters), False


def build_notice(
    runtime: Runtime, rule: NotificationRule, survey: Survey | None, response: StoredResponse
) -> AnswerNotice:
    """Gather what a notification about `response` shows (looks up the store and the case)."""
    location = (
        runtime.locations.get_location(response.tenant_id, response.location_id)
        if response.location_id
        else None
    )
    comment = next((c for c in response.comments if c.text.strip()), None)
    path, has_case = _case_path(runtime, response)
    return AnswerNotice(
        tenant_id=response.tenant_id,
        rule_id=rule.rule_id,
        rule_name=rule.name,
        survey_id=response.survey_id,
        survey_name=survey.name if survey else response.survey_id,
        response_id=response.response_id,
        location_id=response.location_id,
        location_name=location.name if location else response.location_id,
        channel=response.channel,
        scores=tuple((s.kind, s.value) for s in response.scores),
        comment=comment.text if comment else None,
        sentiment=comment.sentiment if comment else None,
        answered_at=response.completed_at or response.submitted_at,
        path=path,
        has_case=has_case,
        base_url=runtime.settings.public_base_url,
    )


def escape_mrkdwn(text: str) -> str:
    """Text safe inside Slack mrkdwn: `&`, `<` and `>` as entities (no links or mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int = COMMENT_CHARS) -> str:
    """`text` cut to `limit` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def headline(notice: AnswerNotice, language: str) -> str:
    """`New answer: NPS 3 at Hamburg (Checkout survey)` (plain text)."""
    t = TEXTS.get(language, TEXTS["en"])
    store = notice.location_name or t["no_store"]
    score = notice.score_text()
    return f"{t['title']}: {score + ' ' if score else ''}{t['at']} {store} ({notice.survey_name})"


def slack_payload(notice: AnswerNotice, language: str) -> dict[str, Any]:
    """A Slack incoming-webhook message: `text` (fallback) plus `blocks` with every detail."""
    t = TEXTS.get(language, TEXTS["en"])
    comment = escape_mrkdwn(truncate(notice.comment)) if notice.comment else t["no_comment"]
    fields = [
        {"type": "mrkdwn", "text": f"*{t['score']}*\n{escape_mrkdwn(notice.score_text() or '-')}"},
        {"type": "mrkdwn", "text": f"*{t['store']}*\n{escape_mrkdwn(notice.location_name or t['no_store'])}"},
        {"type": "mrkdwn", "text": f"*{t['survey']}*\n{escape_mrkdwn(notice.survey_name)}"},
        {"type": "mrkdwn", "text": f"*{t['rule']}*\n{escape_mrkdwn(notice.rule_name)}"},
    ]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{escape_mrkdwn(headline(notice, language))}*"},
        },
        {"type": "section", "fields": fields},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{t['comment']}*\n>{comment}"}},
    ]
    if notice.link:
        label = t["open_case"] if notice.has_case else t["open_inbox"]
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": label}, "url": notice.link}
                ],
            }
        )
    return {"text": escape_mrkdwn(headline(notice, language)), "blocks": blocks}


def webhook_payload(notice: AnswerNotice, now: datetime | None = None) -> dict[str, Any]:
    """The generic webhook event (Standard Webhooks shape: `type`, `timestamp`, `data`)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "type": EVENT_TYPE,
        "timestamp": moment.isoformat().replace("+00:00", "Z"),
        "data": {
            "tenant_id": notice.tenant_id,
            "rule_id": notice.rule_id,
            "rule_name": notice.rule_name,
            "survey_id": notice.survey_id,
            "survey_name": notice.survey_name,
            "response_id": notice.response_id,
            "location_id": notice.location_id,
            "location_name": notice.location_name,
            "channel": notice.channel,
            "answered_at": notice.answered_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "scores": [{"kind": kind, "value": value} for kind, value in notice.scores],
            "comment": notice.comment,
            "sentiment": notice.sentiment,
            "link": notice.link,
            "path": notice.path,
        },
    }

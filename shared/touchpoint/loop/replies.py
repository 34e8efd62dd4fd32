"""E-mails to customers through Amazon SES: replies on a case and "you said, we did" announcements.

A message is written in the customer's language (German or English, from their contact; English
for any other), signed with the tenant's name, as plain text and HTML (every value escaped). A
reply quotes the customer's answer briefly. Nothing is sent, and nothing stored, without a
consenting contact with an e-mail address.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from touchpoint.models.cases import Case, CaseReply
from touchpoint.web.locale import format_date

if TYPE_CHECKING:
    from jinja2 import Environment

    from touchpoint.models.contacts import ContactDetails
    from touchpoint.models.surveys import StoredResponse
    from touchpoint.runtime import Runtime

TEMPLATES = Path(__file__).parent / "templates"
MAIL_LANGUAGES = ("de", "en")
MAX_QUOTE = 300
MAX_SUBJECT = 200
MAX_BODY = 10_000
_DEFAULT_SUBJECT = {"de": "Ihr Feedback an {tenant}", "en": "Your feedback to {tenant}"}
_RATING = {"de": "Ihre Bewertung: {value} von {high}", "en": "Your rating: {value} out of {high}"}
_SCALE_TOP = {"nps": 10, "csat": 5, "ces": 7}


class SesClient(Protocol):
    """The part of the SES client this module uses."""

    def send_email(self, **kwargs: Any) -> dict[str, Any]:
        """Send one e-mail (SES SendEmail)."""


class NoConsentError(Exception):
    """The respondent left no contact with their consent (or none with an e-mail address)."""


class MailNotConfiguredError(Exception):
    """No sender address is configured (TOUCHPOINT_MAIL_FROM)."""


@dataclass(frozen=True)
class Quote:
    """A short quote of the customer's answer: the day (in their language) and the text."""

    day: str
    text: str


@dataclass(frozen=True)
class Mail:
    """One e-mail ready to send."""

    language: str
    subject: str
    text: str
    html: str


def mail_language(language: str | None) -> str:
    """The language a customer is written to: theirs when German or English, else English."""
    return language if language in MAIL_LANGUAGES else "en"


def quote_of(response: StoredResponse, language: str) -> Quote:
    """The first comment of the answer (shortened), else its first score, as a quote."""
    text = next((c.text.strip() for c in response.comments if c.text.strip()), "")
    if not text and response.scores:
        score = response.scores[0]
        text = _RATING[language].format(value=score.value, high=_SCALE_TOP.get(score.kind, "?"))
    if len(text) > MAX_QUOTE:
        text = text[: MAX_QUOTE - 1].rstrip() + "…"
    return Quote(day=format_date(language, response.submitted_at.date()), text=text)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_mail(
    language: str,
    *,
    tenant_name: str,
    subject: str | None,
    body: str,
    quote: Quote | None = None,
    announcement: bool = False,
) -> Mail:
    """The e-mail in `language` (de/en): the body, the quote, the tenant's signature."""
    lang = mail_language(language)
    title = subject or _DEFAULT_SUBJECT[lang].format(tenant=tenant_name)
    values: dict[str, Any] = {
        "subject": title,
        "body": body.strip(),
        "paragraphs": [p.strip() for p in body.strip().split("\n\n") if p.strip()],
        "quote": quote,
        "tenant_name": tenant_name,
        "announcement": announcement,
    }
    env = _environment()
    return Mail(
        language=lang,
        subject=title,
        text=env.get_template(f"message.{lang}.txt").render(**values).strip() + "\n",
        html=env.get_template(f"message.{lang}.html").render(**values),
    )


def sender(runtime: Runtime) -> str:
    """The configured sender address (MailNotConfiguredError when none is)."""
    address = runtime.settings.mail_from.strip()
    if not address:
        raise MailNotConfiguredError("TOUCHPOINT_MAIL_FROM is not set")
    return address


def send_mail(runtime: Runtime, to: str, mail: Mail) -> tuple[str | None, str | None]:
    """Send through SES: `(message id, None)`, or `(None, error code)` when SES refused it."""
    from botocore.exceptions import ClientError

    try:
        sent = cast(SesClient, runtime.clients.ses).send_email(
            Source=sender(runtime),
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": mail.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": mail.text, "Charset": "UTF-8"},
                    "Html": {"Data": mail.html, "Charset": "UTF-8"},
                },
            },
        )
    except ClientError as error:
        return None, str(error.response.get("Error", {}).get("Code", "ClientError"))
    return str(sent["MessageId"]), None


def _email_contact(runtime: Runtime, tenant_id: str, response_id: str | None) -> ContactDetails:
    contact = runtime.contacts.reveal(tenant_id, response_id) if response_id else None
    if contact is None or not contact.email:
        raise NoConsentError(response_id or "")
    return contact


def send_reply(
    runtime: Runtime, case: Case, *, subject: str | None, body: str, actor: str, now: datetime | None = None
) -> CaseReply:
    """E-mail the customer of a case and store the reply on it (sent or failed).

    Raises NoConsentError (nothing sent or stored) when the answer has no consenting e-mail
    contact, MailNotConfiguredError without a sender, CaseChangedError when the case changed.
    """
    from touchpoint.loop.cases import record_reply

    contact = _email_contact(runtime, case.tenant_id, case.response_id)
    sender(runtime)
    language = mail_language(contact.language)
    response = (
        runtime.responses.get(case.tenant_id, case.survey_id, case.response_id)
        if case.survey_id and case.response_id
        else None
    )
    tenant = runtime.tenants.get_tenant(case.tenant_id)
    mail = render_mail(
        language,
        tenant_name=tenant.name if tenant else case.tenant_id,
        subject=subject,
        body=body,
        quote=quote_of(response, language) if response is not None else None,
    )
    assert contact.email is not None
    message_id, error = send_mail(runtime, contact.email, mail)
    reply = CaseReply(
        reply_id=secrets.token_hex(8),
        at=now or datetime.now(UTC),
        actor=actor,
        subject=mail.subject,
        body=body.strip(),
        language=language,
        status="sent" if message_id else "failed",
        message_id=message_id,
        error=error,
    )
    record_reply(runtime, case, reply)
    return reply

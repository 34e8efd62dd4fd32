"""Server-rendered HTML of the public form: small, no JavaScript, accessible, German or English.

Pages are Jinja2 templates (`templates/`, autoescaping on: every value from a survey, a store
or a respondent is escaped) with `templates/form.css` inlined; the Content Security Policy
allows exactly that stylesheet by its hash and nothing from anywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from touchpoint.models.surveys import SCORE_KINDS, Question, QuestionKind, Survey
from touchpoint.respondent_form.answers import field_name
from touchpoint.respondent_form.contact import CONSENT_FIELD, CONSENT_VALUE, CONTACT_FIELD
from touchpoint.respondent_form.texts import text
from touchpoint.web.locale import LANGS
from touchpoint.web.templates import Templates, minified_css, style_hash

_FOLDER = Path(__file__).resolve().parent / "templates"
CSS = minified_css(_FOLDER / "form.css")
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {style_hash(CSS)}; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HTML_HEADERS: dict[str, str] = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
HONEYPOT_FIELD = "website"
FORM_TOKEN_FIELD = "form_token"  # noqa: S105 (a field name, not a secret)
TEMPLATES = Templates(_FOLDER)


@dataclass(frozen=True)
class PageContext:
    """Who the page is for: its language and the store it belongs to."""

    language: str
    store_name: str = ""


@dataclass(frozen=True)
class LanguageLink:
    """A link to the page in another language, named in that language."""

    code: str
    name: str


@dataclass(frozen=True)
class Option:
    """A radio button or checkbox: its value, visible label and screen-reader suffix."""

    input_id: str
    value: str
    label: str
    extra: str = ""
    checked: bool = False


@dataclass(frozen=True)
class QuestionView:
    """A question as the form shows it: `text`, `scale` (a score) or `choices`."""

    name: str
    kind: str
    label: str
    hint: str
    error: str | None = None
    value: str = ""
    max_length: int = 0
    input_type: str = "radio"
    options: list[Option] = field(default_factory=list)
    low: str = ""
    high: str = ""

    @property
    def error_id(self) -> str:
        """The id of the error message the inputs point to."""
        return f"err_{self.name}"


@dataclass(frozen=True)
class SummaryItem:
    """An error of the summary at the top, linking to its field."""

    anchor: str
    message: str


def _render(name: str, ctx: PageContext, title: str, *, switch: bool = True, **context: Any) -> str:
    links = [LanguageLink(code, text(code, "language_name")) for code in LANGS if code != ctx.language]
    return TEMPLATES.render(
        name,
        lang=ctx.language,
        title=title,
        css=Markup(CSS),  # noqa: S704 (the stylesheet shipped with the function, not input)
        store=ctx.store_name or "Touchpoint",
        switch=links if switch else [],
        text=lambda key, **values: text(ctx.language, key, **values),
        **context,
    )


def _localized(texts: Mapping[str, str] | None, language: str, default_language: str) -> str:
    if not texts:
        return ""
    return texts.get(language) or texts.get(default_language) or next(iter(texts.values()))


def _ends(question: Question, language: str) -> tuple[str, str]:
    kind = (
        question.kind.value
        if question.kind in (QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES)
        else ""
    )
    suffix = f"_{kind}" if kind else ""
    return text(language, "scale_low" + suffix), text(language, "scale_high" + suffix)


def _question(
    question: Question, survey: Survey, language: str, values: Sequence[str], error: str | None
) -> QuestionView:
    name = field_name(question)
    label = _localized(question.text, language, survey.default_language)
    hint = text(language, "required" if question.required else "optional")
    if question.kind is QuestionKind.TEXT:
        return QuestionView(
            name, "text", label, hint, error, values[0] if values else "", max_length=question.max_length
        )
    if question.kind in SCORE_KINDS:
        first, last = question.scale
        low, high = _ends(question, language)
        choices = [
            (str(n), str(n), low if n == first else high if n == last else "") for n in range(first, last + 1)
        ]
        kind = "scale"
    else:
        choices = [
            (o.id, _localized(o.label, language, survey.default_language), "") for o in question.options
        ]
        low = high = ""
        kind = "choices"
    options = [Option(f"{name}_{v}", v, text_, extra, v in values) for v, text_, extra in choices]
    input_type = "checkbox" if question.kind is QuestionKind.MULTI_CHOICE else "radio"
    return QuestionView(
        name, kind, label, hint, error, input_type=input_type, options=options, low=low, high=high
    )


def _first_input_id(question: Question) -> str:
    name = field_name(question)
    if question.kind is QuestionKind.TEXT:
        return name
    if question.kind in SCORE_KINDS:
        return f"{name}_{question.scale[0]}"
    return f"{name}_{question.options[0].id}"


@dataclass(frozen=True)
class ContactView:
    """The optional contact section: the typed value, the consent box (never ticked by the form) and its error."""

    value: str
    consent: bool
    error: str | None
    field: str = CONTACT_FIELD
    consent_field: str = CONSENT_FIELD
    consent_value: str = CONSENT_VALUE

    @property
    def open(self) -> bool:
        """Shown unfolded when the respondent typed something or there is a problem."""
        return bool(self.value or self.error)


def _contact_view(values: Mapping[str, Sequence[str]], error: str | None) -> ContactView:
    typed = next(iter(values.get(CONTACT_FIELD, [])), "")
    ticked = CONSENT_VALUE in values.get(CONSENT_FIELD, [])
    return ContactView(typed, ticked, error)


def form_page(
    ctx: PageContext,
    survey: Survey,
    form_token: str,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
    contact_error: str | None = None,
    preview: bool = False,
) -> str:
    """The form of a survey, with the respondent's values and errors when it is shown again
    (`contact_error`: the problem with the optional contact, shown next to it). A `preview` (the
    console's) is the same form with a note that it sends nothing and its button disabled."""
    language = ctx.language
    values = values or {}
    errors = errors or {}
    title = _localized(survey.title, language, survey.default_language) or text(language, "form_title")
    questions = [
        _question(q, survey, language, values.get(field_name(q), []), errors.get(q.id))
        for q in survey.questions
    ]
    summary = [SummaryItem(_first_input_id(q), errors[q.id]) for q in survey.questions if q.id in errors]
    if contact_error:
        summary.append(SummaryItem(CONTACT_FIELD, contact_error))
    return _render(
        "form.html",
        ctx,
        title,
        questions=questions,
        summary=summary,
        notice=text(language, "preview_notice") if preview else notice,
        preview=preview,
        form_token=form_token,
        honeypot=HONEYPOT_FIELD,
        token_field=FORM_TOKEN_FIELD,
        contact=_contact_view(values, contact_error),
    )


def thanks_page(ctx: PageContext, survey: Survey, coupon_code: str | None) -> str:
    """The thank-you page, with the coupon code when the survey has an incentive."""
    language = ctx.language
    message = _localized(survey.thank_you, language, survey.default_language) or text(language, "thanks_text")
    note = ""
    if coupon_code and survey.incentive is not None:
        note = _localized(survey.incentive.note, language, survey.default_language)
    return _render(
        "thanks.html",
        ctx,
        text(language, "thanks_title"),
        switch=False,
        message=message,
        coupon_code=coupon_code,
        coupon_note=note or text(language, "coupon_hint"),
    )


def message_page(ctx: PageContext, kind: str, *, reload: bool = False) -> str:
    """A short page for a refusal or an error: `kind` is e.g. `not_found`, `expired`, `limited`."""
    language = ctx.language
    return _render(
        "message.html",
        ctx,
        text(language, f"{kind}_title"),
        message=text(language, f"{kind}_text"),
        reload=reload,
    )

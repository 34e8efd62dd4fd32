"""Server-rendered HTML of the public form: small, no JavaScript, accessible, German or English.

Pages are built from `templates/page.html` and `templates/form.css` (inlined; the Content Security
Policy allows exactly that stylesheet by its hash and nothing from anywhere else). Every value
from a survey, a store or a respondent is HTML-escaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from string import Template

from chalicelib.answers import field_name
from chalicelib.language import SUPPORTED
from chalicelib.texts import TEXTS, text
from touchpoint.models.surveys import SCORE_KINDS, Question, QuestionKind, Survey

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_PAGE = Template((_TEMPLATES / "page.html").read_text(encoding="utf-8"))
CSS = "".join(line.strip() for line in (_TEMPLATES / "form.css").read_text(encoding="utf-8").splitlines())
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self' data:; "
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


@dataclass(frozen=True)
class PageContext:
    """Who the page is for: its language and the store it belongs to."""

    language: str
    store_name: str = ""


def _page(ctx: PageContext, title: str, content: str, *, switch: bool = True) -> str:
    links = []
    if switch:
        for other in SUPPORTED:
            if other != ctx.language:
                name = escape(TEXTS[other]["language_name"])
                links.append(f'<a href="?lang={other}" hreflang="{other}" lang="{other}">{name}</a>')
    nav = (
        f'<nav aria-label="{escape(text(ctx.language, "language_nav"))}">{"".join(links)}</nav>'
        if links
        else ""
    )
    return _PAGE.substitute(
        lang=ctx.language,
        title=escape(title),
        css=CSS,
        store=escape(ctx.store_name or "Touchpoint"),
        switch=nav,
        content=content,
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


def _described(error_id: str | None) -> str:
    return f' aria-invalid="true" aria-describedby="{error_id}"' if error_id else ""


def _options(
    question: Question, choices: Sequence[tuple[str, str, str]], values: Sequence[str], error_id: str | None
) -> str:
    """Radio buttons or checkboxes: (value, visible label, screen-reader suffix) per option."""
    name = field_name(question)
    kind = "checkbox" if question.kind is QuestionKind.MULTI_CHOICE else "radio"
    items = []
    for value, label, extra in choices:
        input_id = f"{name}_{value}"
        checked = " checked" if value in values else ""
        sr = f'<span class="sr"> – {escape(extra)}</span>' if extra else ""
        items.append(
            f'<div class="opt"><input type="{kind}" id="{escape(input_id)}" name="{name}" '
            f'value="{escape(value)}"{checked}{_described(error_id)}>'
            f'<label for="{escape(input_id)}">{escape(label)}{sr}</label></div>'
        )
    return "".join(items)


def _question(
    question: Question, survey: Survey, language: str, values: Sequence[str], error: str | None
) -> str:
    name = field_name(question)
    label = escape(_localized(question.text, language, survey.default_language))
    hint = text(language, "required" if question.required else "optional")
    hint_html = f' <span class="hint">({escape(hint)})</span>'
    error_id = f"err_{name}" if error else None
    error_html = f'<p class="error" id="{error_id}">{escape(error)}</p>' if error else ""
    if question.kind is QuestionKind.TEXT:
        value = escape(values[0]) if values else ""
        return (
            f'<div class="field{" invalid" if error else ""}">'
            f'<label class="label" for="{name}">{label}{hint_html}</label>{error_html}'
            f'<textarea id="{name}" name="{name}" rows="4" maxlength="{question.max_length}"'
            f"{_described(error_id)}>{value}</textarea></div>"
        )
    if question.kind in SCORE_KINDS:
        low, high = question.scale
        low_text, high_text = _ends(question, language)
        choices = [
            (str(n), str(n), low_text if n == low else high_text if n == high else "")
            for n in range(low, high + 1)
        ]
        body = f'<div class="scale">{_options(question, choices, values, error_id)}</div>'
        body += f'<div class="ends" aria-hidden="true"><span>{escape(low_text)}</span><span>{escape(high_text)}</span></div>'
    else:
        choices = [
            (o.id, _localized(o.label, language, survey.default_language), "") for o in question.options
        ]
        body = f'<div class="choices">{_options(question, choices, values, error_id)}</div>'
    return f'<fieldset id="f_{name}"><legend>{label}{hint_html}</legend>{error_html}{body}</fieldset>'


def _first_input_id(question: Question) -> str:
    name = field_name(question)
    if question.kind is QuestionKind.TEXT:
        return name
    if question.kind in SCORE_KINDS:
        return f"{name}_{question.scale[0]}"
    return f"{name}_{question.options[0].id}"


def form_page(
    ctx: PageContext,
    survey: Survey,
    form_token: str,
    *,
    values: Mapping[str, Sequence[str]] | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str | None = None,
) -> str:
    """The form of a survey, with the respondent's values and errors when it is shown again."""
    language = ctx.language
    values = values or {}
    errors = errors or {}
    title = _localized(survey.title, language, survey.default_language) or text(language, "form_title")
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{escape(text(language, 'intro'))}</p>"]
    if errors:
        links = "".join(
            f'<li><a href="#{_first_input_id(q)}">{escape(errors[q.id])}</a></li>'
            for q in survey.questions
            if q.id in errors
        )
        parts.append(
            f'<div class="summary" role="alert"><p><strong>{escape(text(language, "error_summary"))}</strong></p>'
            f"<ul>{links}</ul></div>"
        )
    elif notice:
        parts.append(f'<div class="notice" role="status"><p>{escape(notice)}</p></div>')
    parts.append(
        f'<form method="post" action="?lang={language}" accept-charset="utf-8" '
        'enctype="application/x-www-form-urlencoded" novalidate>'
    )
    for question in survey.questions:
        name = field_name(question)
        parts.append(_question(question, survey, language, values.get(name, []), errors.get(question.id)))
    parts.append(
        f'<div class="hp" aria-hidden="true"><label for="{HONEYPOT_FIELD}">{escape(text(language, "honeypot"))}</label>'
        f'<input type="text" id="{HONEYPOT_FIELD}" name="{HONEYPOT_FIELD}" value="" tabindex="-1" autocomplete="off"></div>'
        f'<input type="hidden" name="{FORM_TOKEN_FIELD}" value="{escape(form_token)}">'
        f'<input type="hidden" name="lang" value="{language}">'
        f'<button type="submit">{escape(text(language, "submit"))}</button></form>'
    )
    return _page(ctx, title, "".join(parts))


def thanks_page(ctx: PageContext, survey: Survey, coupon_code: str | None) -> str:
    """The thank-you page, with the coupon code when the survey has an incentive."""
    language = ctx.language
    title = text(language, "thanks_title")
    message = _localized(survey.thank_you, language, survey.default_language) or text(language, "thanks_text")
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{escape(message)}</p>"]
    if coupon_code:
        note = ""
        if survey.incentive is not None:
            note = _localized(survey.incentive.note, language, survey.default_language)
        parts.append(
            f'<div class="coupon"><p>{escape(text(language, "coupon_intro"))}</p>'
            f'<strong id="coupon">{escape(coupon_code)}</strong>'
            f"<p>{escape(note or text(language, 'coupon_hint'))}</p></div>"
        )
    return _page(ctx, title, "".join(parts), switch=False)


def message_page(ctx: PageContext, kind: str, *, reload: bool = False) -> str:
    """A short page for a refusal or an error: `kind` is e.g. `not_found`, `expired`, `limited`."""
    language = ctx.language
    title = text(language, f"{kind}_title")
    parts = [f"<h1>{escape(title)}</h1>", f"<p>{escape(text(language, f'{kind}_text'))}</p>"]
    if reload:
        parts.append(f'<p><a href="?lang={language}">{escape(text(language, "reload"))}</a></p>')
    return _page(ctx, title, "".join(parts))

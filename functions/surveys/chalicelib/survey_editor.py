"""The survey editor's form: a survey definition as flat form fields and back, its buttons, its errors.

The form is the API's JSON definition spelled as fields: `name`, `default_language`,
`languages` (comma separated: which languages the texts are written in), `title.<lang>`,
`thank_you.<lang>`, `incentive_kind` / `incentive_pattern` / `incentive_codes` (one per line) /
`incentive_note.<lang>`, and per question `q<i>.id`, `q<i>.kind`, `q<i>.required`,
`q<i>.text.<lang>`, `q<i>.scale_min` / `scale_max`, `q<i>.min_choices` / `max_choices`,
`q<i>.max_length`, `q<i>.show_if_question` / `show_if_min` / `show_if_max` and option rows
`q<i>.o<j>.id` / `q<i>.o<j>.label.<lang>` (a row without an id is dropped). The buttons are
`action=save`, `add_question`, `refresh`, `remove:<i>`, `up:<i>`, `down:<i>`: everything but save
only re-shows the form. The definition is validated by `SurveyDefinition` (the API's own model);
its error locations become the names of the fields to show them at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from touchpoint.models.surveys import CHOICE_KINDS, QuestionKind, Survey, SurveyDefinition
from touchpoint.web.forms import FormFields

_LANG_RE = re.compile(r"^[a-z]{2}$")
_QUESTION_RE = re.compile(r"^q(\d{1,2})\.")
_OPTION_RE = re.compile(r"^o(\d{1,2})\.")
_CAMEL_RE = re.compile(r"(?<!^)(?=[A-Z])")
SPARE_OPTION_ROWS = 1
INT_FIELDS = ("scale_min", "scale_max", "min_choices", "max_choices", "max_length")
ACTIONS = ("save", "add_question", "refresh")
MOVES = ("remove", "up", "down")


@dataclass
class OptionDraft:
    """One option row of the form."""

    id: str = ""
    label: dict[str, str] = field(default_factory=dict)


@dataclass
class QuestionDraft:
    """One question of the form, every value as typed."""

    id: str = ""
    kind: str = QuestionKind.NPS.value
    required: bool = False
    text: dict[str, str] = field(default_factory=dict)
    options: list[OptionDraft] = field(default_factory=list)
    numbers: dict[str, str] = field(default_factory=dict)
    show_if_question: str = ""
    show_if_min: str = ""
    show_if_max: str = ""

    @property
    def has_options(self) -> bool:
        """True for choice kinds."""
        return self.kind in {k.value for k in CHOICE_KINDS}

    def option_rows(self) -> list[OptionDraft]:
        """The options and the spare empty rows the form shows."""
        return [*self.options, *(OptionDraft() for _ in range(SPARE_OPTION_ROWS))]


@dataclass
class SurveyDraft:
    """The whole form: the survey as typed, and the version it was read at."""

    name: str = ""
    survey_id: str = ""
    default_language: str = "de"
    languages: list[str] = field(default_factory=lambda: ["de", "en"])
    title: dict[str, str] = field(default_factory=dict)
    thank_you: dict[str, str] = field(default_factory=dict)
    incentive_kind: str = ""
    incentive_pattern: str = ""
    incentive_codes: str = ""
    incentive_note: dict[str, str] = field(default_factory=dict)
    questions: list[QuestionDraft] = field(default_factory=list)
    version: str = ""


def new_draft(default_language: str = "de") -> SurveyDraft:
    """The form of a new survey: one NPS question."""
    languages = [default_language, *(lang for lang in ("de", "en") if lang != default_language)]
    return SurveyDraft(
        default_language=default_language, languages=languages, questions=[QuestionDraft(id="q1")]
    )


def draft_of(survey: Survey) -> SurveyDraft:
    """The form of a stored survey."""
    languages = list(
        dict.fromkeys([survey.default_language, *sorted({lang for q in survey.questions for lang in q.text})])
    )
    questions = []
    for q in survey.questions:
        numbers = {name: str(getattr(q, name)) for name in INT_FIELDS if getattr(q, name) is not None}
        questions.append(
            QuestionDraft(
                id=q.id,
                kind=q.kind.value,
                required=q.required,
                text=dict(q.text),
                options=[OptionDraft(o.id, dict(o.label)) for o in q.options],
                numbers=numbers,
                show_if_question=q.show_if.question_id if q.show_if else "",
                show_if_min=str(q.show_if.min) if q.show_if else "",
                show_if_max=str(q.show_if.max) if q.show_if else "",
            )
        )
    incentive = survey.incentive
    return SurveyDraft(
        name=survey.name,
        survey_id=survey.survey_id,
        default_language=survey.default_language,
        languages=languages,
        title=dict(survey.title or {}),
        thank_you=dict(survey.thank_you or {}),
        incentive_kind=incentive.kind if incentive else "",
        incentive_pattern=(incentive.pattern or "") if incentive else "",
        incentive_note=dict(incentive.note or {}) if incentive else {},
        questions=questions,
        version=str(survey.version),
    )


def _texts(values: dict[str, list[str]], prefix: str, languages: list[str]) -> dict[str, str]:
    found = {}
    for lang in languages:
        raw = values.get(f"{prefix}{lang}")
        found[lang] = raw[0].strip() if raw else ""
    return found


def _first(values: dict[str, list[str]], name: str) -> str:
    raw = values.get(name)
    return raw[0].strip() if raw else ""


def _languages(fields: FormFields) -> list[str]:
    default = fields.get("default_language", "de").lower()
    typed = [part.strip().lower() for part in fields.get("languages").replace(";", ",").split(",")]
    return list(dict.fromkeys([default, *(lang for lang in typed if _LANG_RE.match(lang))]))


def _question(values: dict[str, list[str]], languages: list[str]) -> QuestionDraft:
    rows: dict[int, dict[str, list[str]]] = {}
    for name, value in values.items():
        match = _OPTION_RE.match(name)
        if match:
            rows.setdefault(int(match.group(1)), {})[name[match.end() :]] = value
    options = [
        OptionDraft(_first(row, "id"), _texts(row, "label.", languages))
        for _, row in sorted(rows.items())
        if _first(row, "id")
    ]
    return QuestionDraft(
        id=_first(values, "id"),
        kind=_first(values, "kind") or QuestionKind.NPS.value,
        required="required" in values,
        text=_texts(values, "text.", languages),
        options=options,
        numbers={name: _first(values, name) for name in INT_FIELDS if _first(values, name)},
        show_if_question=_first(values, "show_if_question"),
        show_if_min=_first(values, "show_if_min"),
        show_if_max=_first(values, "show_if_max"),
    )


def draft_from_form(fields: FormFields) -> SurveyDraft:
    """The form as posted."""
    languages = _languages(fields)
    indexes = sorted({int(m.group(1)) for name in fields.values if (m := _QUESTION_RE.match(name))})
    questions = [_question(fields.with_prefix(f"q{i}."), languages) for i in indexes]
    values = dict(fields.values)
    return SurveyDraft(
        name=fields.get("name"),
        survey_id=fields.get("survey_id"),
        default_language=languages[0],
        languages=languages,
        title=_texts(values, "title.", languages),
        thank_you=_texts(values, "thank_you.", languages),
        incentive_kind=fields.get("incentive_kind"),
        incentive_pattern=fields.get("incentive_pattern"),
        incentive_codes=fields.get("incentive_codes"),
        incentive_note=_texts(values, "incentive_note.", languages),
        questions=questions,
        version=fields.get("version"),
    )


def parse_action(raw: str) -> tuple[str, int | None]:
    """The pressed button: `(name, question index or None)`; unknown buttons are a `refresh`."""
    name, _, index = raw.partition(":")
    if name in MOVES and index.isdigit():
        return name, int(index)
    return (name, None) if name in ACTIONS else ("refresh", None)


def apply_action(draft: SurveyDraft, action: str, index: int | None) -> None:
    """Add, remove or move a question of the form (in place)."""
    questions = draft.questions
    if action == "add_question":
        taken = {q.id for q in questions}
        number = next(n for n in range(len(questions) + 1, len(questions) + 100) if f"q{n}" not in taken)
        questions.append(QuestionDraft(id=f"q{number}", kind=QuestionKind.TEXT.value))
    elif index is None or not 0 <= index < len(questions):
        return
    elif action == "remove":
        del questions[index]
    elif action == "up" and index > 0:
        questions[index - 1], questions[index] = questions[index], questions[index - 1]
    elif action == "down" and index < len(questions) - 1:
        questions[index + 1], questions[index] = questions[index], questions[index + 1]


def _filled(texts: dict[str, str]) -> dict[str, str]:
    return {lang: value for lang, value in texts.items() if value}


def _question_body(q: QuestionDraft) -> dict[str, Any]:
    body: dict[str, Any] = {"id": q.id, "kind": q.kind, "required": q.required, "text": _filled(q.text)}
    if q.options or q.has_options:
        body["options"] = [{"id": o.id, "label": _filled(o.label)} for o in q.options]
    body.update({_camel(name): value for name, value in q.numbers.items()})
    if q.show_if_question:
        body["showIf"] = {"questionId": q.show_if_question, "min": q.show_if_min, "max": q.show_if_max}
    return body


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def definition_body(draft: SurveyDraft, *, with_id: bool) -> dict[str, Any]:
    """The definition as the API's JSON (what `SurveyDefinition` validates)."""
    body: dict[str, Any] = {
        "name": draft.name,
        "defaultLanguage": draft.default_language,
        "questions": [_question_body(q) for q in draft.questions],
    }
    if with_id and draft.survey_id:
        body["surveyId"] = draft.survey_id
    for key, texts in (("title", draft.title), ("thankYou", draft.thank_you)):
        if _filled(texts):
            body[key] = _filled(texts)
    if draft.incentive_kind in ("pool", "pattern"):
        incentive: dict[str, Any] = {"kind": draft.incentive_kind}
        if draft.incentive_kind == "pattern":
            incentive["pattern"] = draft.incentive_pattern
        else:
            codes = [line.strip() for line in draft.incentive_codes.splitlines() if line.strip()]
            if codes:
                incentive["codes"] = codes
            if draft.incentive_pattern:
                incentive["pattern"] = draft.incentive_pattern
        if _filled(draft.incentive_note):
            incentive["note"] = _filled(draft.incentive_note)
        body["incentive"] = incentive
    return body


def field_of(location: tuple[str | int, ...]) -> str:
    """The form field a validation error's location names (`form` for the whole survey)."""
    parts: list[str] = []
    items = list(location)
    while items:
        head = items.pop(0)
        if head == "questions" and items and isinstance(items[0], int):
            parts.append(f"q{items.pop(0)}")
        elif head == "options" and items and isinstance(items[0], int):
            parts.append(f"o{items.pop(0)}")
        elif head == "showIf":
            parts.append(
                "show_if_" + str(items.pop(0)).replace("questionId", "question")
                if items
                else "show_if_question"
            )
        else:
            parts.append(_CAMEL_RE.sub("_", str(head)).lower())
    return ".".join(parts) or "form"


def clean_message(message: str) -> str:
    """A validation message without pydantic's `Value error, ` lead."""
    return message.removeprefix("Value error, ")


def validation_problems(error: ValidationError) -> dict[str, tuple[str, str]]:
    """Field -> (pydantic error type, message) for every problem, the first per field."""
    problems: dict[str, tuple[str, str]] = {}
    for problem in error.errors(include_url=False):
        name = field_of(tuple(problem.get("loc") or ()))
        problems.setdefault(name, (str(problem.get("type", "")), clean_message(str(problem.get("msg", "")))))
    return problems


def validate(draft: SurveyDraft, *, with_id: bool) -> SurveyDefinition | ValidationError:
    """The definition, or the validation error (never raised: the form shows it)."""
    try:
        return SurveyDefinition.model_validate(definition_body(draft, with_id=with_id))
    except ValidationError as error:
        return error

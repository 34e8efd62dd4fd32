"""Surveys (NPS, CSAT, CES, ratings, choices, open comments) and their responses.

JSON field names are camelCase (`defaultLanguage`, `showIf`, `userId`), as the API speaks them;
Python attributes are snake_case, and either spelling is accepted on input. A definition is what
an admin writes; a `Survey` is a stored definition with its id, status and version.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from touchpoint.models.contacts import ContactSubmission
from touchpoint.models.locations import LOCATION_ID_PATTERN

SURVEY_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
QUESTION_ID_PATTERN = r"^[a-z0-9][a-z0-9_]{0,39}$"
RESPONSE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{7,63}$"
OPTION_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
HIDDEN_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]{0,39}$"
RANDOM_PLACEHOLDER = re.compile(r"\{random(\d{1,2})\}")

MAX_QUESTIONS = 50
MAX_HIDDEN_FIELDS = 20
MAX_POOL_CODES = 10_000

LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Texts = dict[LanguageCode, Annotated[str, StringConstraints(min_length=1, max_length=1000)]]
Channel = Literal["email", "in_app", "web", "in_store", "sms", "social"]
CHANNELS: tuple[str, ...] = ("email", "in_app", "web", "in_store", "sms", "social")


def iso_utc(moment: datetime) -> str:
    """A fixed-width ISO-8601 UTC timestamp with microseconds (`...T10:00:00.000000Z`, sorts as text)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class QuestionKind(StrEnum):
    """What a question asks for."""

    NPS = "nps"  # 0-10, likelihood to recommend
    CSAT = "csat"  # 1-5, satisfaction
    CES = "ces"  # 1-7, effort
    RATING = "rating"  # a whole number on the question's own scale (default 1-5)
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    TEXT = "text"  # an open comment


#: The fixed scales of the standard scores; `rating` has its own scale per question.
FIXED_SCALES: dict[QuestionKind, tuple[int, int]] = {
    QuestionKind.NPS: (0, 10),
    QuestionKind.CSAT: (1, 5),
    QuestionKind.CES: (1, 7),
}
SCORE_KINDS = frozenset({QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.CES, QuestionKind.RATING})
CHOICE_KINDS = frozenset({QuestionKind.SINGLE_CHOICE, QuestionKind.MULTI_CHOICE})


class SurveyStatus(StrEnum):
    """Lifecycle: draft -> active -> closed (a closed survey may be activated again)."""

    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ChoiceOption(_Camel):
    """One option of a choice question."""

    id: str = Field(pattern=OPTION_ID_PATTERN)
    label: Texts = Field(min_length=1)


class ScoreCondition(_Camel):
    """Ask a question only when the answer to an earlier score question lies in `[min, max]`."""

    question_id: str = Field(pattern=QUESTION_ID_PATTERN)
    min: int
    max: int

    @model_validator(mode="after")
    def _ordered(self) -> ScoreCondition:
        if self.min > self.max:
            raise ValueError(f"showIf.min ({self.min}) must not exceed showIf.max ({self.max})")
        return self


class Question(_Camel):
    """One question of a survey."""

    id: str = Field(pattern=QUESTION_ID_PATTERN)
    kind: QuestionKind
    text: Texts = Field(min_length=1)
    required: bool = False
    options: list[ChoiceOption] = Field(default_factory=list, max_length=50)
    scale_min: int | None = Field(default=None, ge=0, le=10)
    scale_max: int | None = Field(default=None, ge=1, le=10)
    min_choices: int | None = Field(default=None, ge=0)
    max_choices: int | None = Field(default=None, ge=1)
    max_length: int = Field(default=2000, ge=1, le=5000)
    show_if: ScoreCondition | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        kind = self.kind
        if kind in CHOICE_KINDS:
            if len(self.options) < 2:
                raise ValueError(f"question '{self.id}': a {kind.value} question needs at least 2 options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError(f"question '{self.id}': option ids must be unique")
        elif self.options:
            raise ValueError(f"question '{self.id}': only choice questions have options")
        if kind is not QuestionKind.RATING and (self.scale_min is not None or self.scale_max is not None):
            raise ValueError(f"question '{self.id}': only rating questions have their own scale")
        if kind is not QuestionKind.MULTI_CHOICE and (
            self.min_choices is not None or self.max_choices is not None
        ):
            raise ValueError(f"question '{self.id}': only multi_choice questions have min/maxChoices")
        low, high = self.scale
        if kind is QuestionKind.RATING and low >= high:
            raise ValueError(f"question '{self.id}': scaleMin must be below scaleMax")
        if kind is QuestionKind.MULTI_CHOICE:
            least, most = self.choice_bounds
            if least > most:
                raise ValueError(f"question '{self.id}': minChoices must not exceed maxChoices")
        return self

    @property
    def scale(self) -> tuple[int, int]:
        """The allowed whole numbers of a score question (`(0, 0)` for other kinds)."""
        if self.kind in FIXED_SCALES:
            return FIXED_SCALES[self.kind]
        if self.kind is QuestionKind.RATING:
            return (
                1 if self.scale_min is None else self.scale_min,
                5 if self.scale_max is None else self.scale_max,
            )
        return (0, 0)

    @property
    def choice_bounds(self) -> tuple[int, int]:
        """How many options a multi_choice answer may select (`min, max`)."""
        least = self.min_choices if self.min_choices is not None else (1 if self.required else 0)
        most = self.max_choices if self.max_choices is not None else len(self.options)
        return least, most

    @property
    def option_ids(self) -> list[str]:
        """The ids of the options, in order."""
        return [o.id for o in self.options]


class Incentive(_Camel):
    """A thank-you coupon for a complete response: codes from a pool, or made from a pattern.

    `codes` is write-only: the codes are stored apart from the definition (each handed out once)
    and never returned by the API. A pattern contains `{randomN}` (N = 4..16 random characters),
    e.g. `THANKS-{random6}`.
    """

    kind: Literal["pool", "pattern"]
    codes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=MAX_POOL_CODES
    )
    pattern: str | None = Field(default=None, min_length=1, max_length=64)
    note: Texts | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Incentive:
        if self.kind == "pattern":
            if not self.pattern:
                raise ValueError("a pattern incentive needs a pattern, e.g. 'THANKS-{random6}'")
            if self.codes:
                raise ValueError("a pattern incentive has no codes")
            sizes = [int(n) for n in RANDOM_PLACEHOLDER.findall(self.pattern)]
            if not sizes:
                raise ValueError("the pattern must contain {randomN}, e.g. 'THANKS-{random6}'")
            if any(not 4 <= n <= 16 for n in sizes):
                raise ValueError("{randomN} takes N from 4 to 16")
        else:
            if self.pattern:
                raise ValueError("a pool incentive has codes, not a pattern")
            codes = self.codes or []
            if len(set(codes)) != len(codes):
                raise ValueError("the pool codes must be unique")
        return self


class SurveyDefinition(_Camel):
    """What an admin writes: questions, texts, and an optional incentive."""

    survey_id: str | None = Field(default=None, pattern=SURVEY_ID_PATTERN)
    name: str = Field(min_length=1, max_length=200)
    default_language: LanguageCode = "de"
    title: Texts | None = None
    thank_you: Texts | None = None
    questions: list[Question] = Field(min_length=1, max_length=MAX_QUESTIONS)
    incentive: Incentive | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SurveyDefinition:
        seen: dict[str, Question] = {}
        for question in self.questions:
            if question.id in seen:
                raise ValueError(f"question id '{question.id}' is used twice")
            condition = question.show_if
            if condition is not None:
                source = seen.get(condition.question_id)
                if source is None or source.kind not in SCORE_KINDS:
                    raise ValueError(
                        f"question '{question.id}': showIf must name an earlier score question, "
                        f"not '{condition.question_id}'"
                    )
                low, high = source.scale
                if condition.min < low or condition.max > high:
                    raise ValueError(
                        f"question '{question.id}': showIf range {condition.min}-{condition.max} "
                        f"lies outside the {low}-{high} scale of '{source.id}'"
                    )
            seen[question.id] = question
        for where, texts in self._all_texts():
            if self.default_language not in texts:
                raise ValueError(f"{where} has no text in the default language '{self.default_language}'")
        return self

    def _all_texts(self) -> list[tuple[str, dict[str, str]]]:
        found: list[tuple[str, dict[str, str]]] = []
        if self.title:
            found.append(("title", self.title))
        if self.thank_you:
            found.append(("thankYou", self.thank_you))
        for q in self.questions:
            found.append((f"question '{q.id}'", q.text))
            found.extend((f"option '{o.id}' of question '{q.id}'", o.label) for o in q.options)
        return found

    @property
    def languages(self) -> list[str]:
        """Languages every question is written in (the default first)."""
        common = set.intersection(*(set(q.text) for q in self.questions))
        return [self.default_language, *sorted(common - {self.default_language})]


class StoredIncentive(_Camel):
    """The incentive as stored with a survey (pool codes are kept apart)."""

    kind: Literal["pool", "pattern"]
    pattern: str | None = None
    note: Texts | None = None


class Survey(_Camel):
    """A stored survey."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    tenant_id: str
    survey_id: str = Field(pattern=SURVEY_ID_PATTERN)
    name: str
    default_language: str
    title: dict[str, str] | None = None
    thank_you: dict[str, str] | None = None
    questions: list[Question]
    incentive: StoredIncentive | None = None
    status: SurveyStatus = SurveyStatus.DRAFT
    version: int = 1
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None = None
    closed_at: datetime | None = None

    def question(self, question_id: str) -> Question | None:
        """The question with that id, or None."""
        return next((q for q in self.questions if q.id == question_id), None)

    @property
    def languages(self) -> list[str]:
        """Languages every question is written in (the default first)."""
        common = set.intersection(*(set(q.text) for q in self.questions))
        return [self.default_language, *sorted(common - {self.default_language})]


class ResponseSubmission(_Camel):
    """What a respondent sends: answers by question id, the channel and who/where they are.

    `complete=False` saves a partial response that is completed later with the same response id.
    `contact` (e-mail and/or phone with `consent: true`) is kept encrypted apart from the response
    (`touchpoint.storage.contacts`), never in it.
    """

    answers: dict[str, Any] = Field(default_factory=dict, max_length=MAX_QUESTIONS)
    channel: Channel | None = None
    user_id: str | None = Field(default=None, min_length=1, max_length=256)
    anonymous_id: str | None = Field(default=None, min_length=1, max_length=256)
    location_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    touchpoint_id: str | None = Field(default=None, pattern=LOCATION_ID_PATTERN)
    language: LanguageCode | None = None
    hidden: dict[
        Annotated[str, StringConstraints(pattern=HIDDEN_KEY_PATTERN)],
        Annotated[str, StringConstraints(max_length=256)],
    ] = Field(default_factory=dict, max_length=MAX_HIDDEN_FIELDS)
    complete: bool = True
    contact: ContactSubmission | None = None

    @field_validator("user_id", "anonymous_id", mode="before")
    @classmethod
    def _ids_are_strings(cls, value: Any) -> Any:
        # Like the tracking API: numeric ids become strings, blank ids mean "not given".
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and not value.strip():
            return None
        return value


class Score(_Camel):
    """A numeric answer, as the metric engine reads it."""

    question_id: str
    kind: Literal["nps", "csat", "ces", "rating"]
    value: int


class Comment(_Camel):
    """An open answer after PII masking, with its sentiment and key phrases."""

    question_id: str
    text: str
    language: str
    sentiment: Literal["positive", "neutral", "negative"]
    score: float
    key_phrases: list[str] = Field(default_factory=list)
    masked: int = 0


class StoredResponse(_Camel):
    """A response as stored (answers already validated, free text masked)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    tenant_id: str
    survey_id: str
    response_id: str
    complete: bool
    channel: str
    user_id: str | None = None
    anonymous_id: str | None = None
    location_id: str | None = None
    touchpoint_id: str | None = None
    language: str
    hidden: dict[str, str] = Field(default_factory=dict)
    answers: dict[str, Any] = Field(default_factory=dict)
    scores: list[Score] = Field(default_factory=list)
    comments: list[Comment] = Field(default_factory=list)
    started_at: datetime
    submitted_at: datetime
    completed_at: datetime | None = None
    coupon_code: str | None = None
    lake_written: bool = False
    lake_key: str | None = None
    survey_version: int = 1

    @field_serializer("started_at", "submitted_at", "completed_at")
    def _fixed_width_time(self, moment: datetime | None) -> str | None:
        return None if moment is None else iso_utc(moment)

    @property
    def respondent(self) -> str | None:
        """The person the response belongs to (userId first), or None when anonymous."""
        return self.user_id or self.anonymous_id


class SubmittedResponse(_Camel):
    """What a submission returns."""

    response_id: str
    survey_id: str
    complete: bool
    coupon_code: str | None = None
    submitted_at: datetime

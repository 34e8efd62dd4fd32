"""Notification rules: which complete answers notify whom, and whether one answer matches a rule.

A rule holds conditions over one answer (all given ones must hold) and where to send it:

* "NPS <= 6 at Hamburg": `conditions={"score": {"kind": "nps", "max": 6}, "location_ids": ["hamburg"]}`.
* "negative comment about 'Kasse'": `conditions={"sentiment": "negative", "words": ["Kasse"]}`.

Words are matched case-insensitively on the comment text and its key phrases, after Unicode
normalisation (NFC + casefold), so "KASSE", "kasse" and "Kaße"/"Kasse" or a decomposed "Ä" match.
Destinations: a Slack-compatible incoming webhook, a generic webhook signed per Standard Webhooks
(its `whsec_` secret is stored with the rule and shown once) and addresses of the daily digest.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from touchpoint.models.inputs import SafeText

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse

MAX_RULES_PER_TENANT = 50
RULE_ID_PATTERN = r"^nr-[a-f0-9]{12}$"
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_EMAIL_RE = re.compile(
    r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
ScoreKind = Literal["nps", "csat", "ces", "rating"]
#: The highest value each score kind can take (NPS 0-10, CSAT 1-5, CES 1-7, rating 1-10).
SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "rating": (0, 10)}


class Destination(StrEnum):
    """Where a matching answer goes."""

    SLACK = "slack"
    WEBHOOK = "webhook"
    DIGEST = "digest"


#: Destinations sent per answer through the queue (the digest is collected once a day).
QUEUED_DESTINATIONS = (Destination.SLACK, Destination.WEBHOOK)


def fold(text: str) -> str:
    """Text for comparison: NFC-normalised and casefolded (umlauts and "ß" compare safely)."""
    return unicodedata.normalize("NFC", text).casefold()


class ScoreRange(BaseModel):
    """A score of one kind within `min`..`max` (both inclusive, either may be left out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ScoreKind
    min: int | None = Field(default=None, ge=0, le=10)
    max: int | None = Field(default=None, ge=0, le=10)

    @model_validator(mode="after")
    def _range(self) -> ScoreRange:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        low, high = SCORE_RANGES[self.kind]
        for bound in (self.min, self.max):
            if bound is not None and not low <= bound <= high:
                raise ValueError(f"{self.kind} scores run from {low} to {high}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be greater than max")
        return self

    def holds(self, kind: str, value: int) -> bool:
        """True when a score of `kind` with `value` is in the range."""
        if kind != self.kind:
            return False
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)

    def describe(self) -> str:
        """`NPS <= 6`, `CSAT 1-2`, ..."""
        name = self.kind.upper() if self.kind != "rating" else "rating"
        if self.min is None:
            return f"{name} <= {self.max}"
        if self.max is None:
            return f"{name} >= {self.min}"
        return f"{name} {self.min}-{self.max}"


class RuleConditions(BaseModel):
    """What an answer must have for a rule to notify (every given condition must hold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: ScoreRange | None = None
    location_ids: list[str] = Field(default_factory=list, max_length=50)
    survey_ids: list[str] = Field(default_factory=list, max_length=50)
    channels: list[str] = Field(default_factory=list, max_length=10)
    sentiment: Literal["negative"] | None = None
    words: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("location_ids", "survey_ids", "channels")
    @classmethod
    def _ids(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _ID_RE.match(value):
                raise ValueError(f"{value!r} is not a valid id")
        return sorted(set(values))

    @field_validator("words")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        cleaned = [" ".join(value.split()) for value in values]
        for word in cleaned:
            if not 2 <= len(word) <= 60:
                raise ValueError("each word must be 2 to 60 characters")
        return cleaned

    @model_validator(mode="after")
    def _something(self) -> RuleConditions:
        if not (
            self.score
            or self.location_ids
            or self.survey_ids
            or self.channels
            or self.sentiment
            or self.words
        ):
            raise ValueError("give at least one condition (score, location_ids, survey_ids, channels, ...)")
        return self

    def describe(self) -> str:
        """A one-line summary: `NPS <= 6 at hamburg, negative comment about 'Kasse'`."""
        parts: list[str] = []
        if self.score:
            parts.append(self.score.describe())
        if self.location_ids:
            parts.append("at " + ", ".join(self.location_ids))
        if self.survey_ids:
            parts.append("in survey " + ", ".join(self.survey_ids))
        if self.channels:
            parts.append("via " + ", ".join(self.channels))
        if self.sentiment:
            parts.append("negative comment")
        if self.words:
            parts.append("about " + ", ".join(f"'{w}'" for w in self.words))
        return " ".join(parts)


class RuleDestinations(BaseModel):
    """Where a matching answer is sent (at least one)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slack_url: str | None = Field(default=None, max_length=2048)
    webhook_url: str | None = Field(default=None, max_length=2048)
    digest_emails: list[str] = Field(default_factory=list, max_length=20)

    @field_validator("digest_emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if len(value) > 254 or not _EMAIL_RE.match(value):
                raise ValueError(f"{value!r} is not an e-mail address")
        return sorted({value.lower() for value in values})

    @model_validator(mode="after")
    def _something(self) -> RuleDestinations:
        if not (self.slack_url or self.webhook_url or self.digest_emails):
            raise ValueError("give at least one destination (slack_url, webhook_url or digest_emails)")
        return self

    def kinds(self) -> list[Destination]:
        """The destinations set."""
        given = {
            Destination.SLACK: self.slack_url,
            Destination.WEBHOOK: self.webhook_url,
            Destination.DIGEST: self.digest_emails,
        }
        return [kind for kind, value in given.items() if value]


class NotificationRuleInput(BaseModel):
    """What an editor sends to create or replace a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: SafeText = Field(min_length=1, max_length=200)
    enabled: bool = True
    language: Literal["de", "en"] = "de"
    conditions: RuleConditions
    destinations: RuleDestinations


class NotificationRule(NotificationRuleInput):
    """A stored rule of a tenant (its webhook secret is never shown after create/rotate)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tenant_id: str
    rule_id: str = Field(pattern=RULE_ID_PATTERN)
    webhook_secret: str | None = Field(default=None, repr=False)
    created_at: datetime
    updated_at: datetime
    created_by: str = ""

    def public(self) -> dict[str, object]:
        """The rule as the API shows it: no secret, with a readable description."""
        document = self.model_dump(mode="json", exclude={"webhook_secret", "tenant_id"})
        document["description"] = self.conditions.describe()
        document["has_webhook_secret"] = self.webhook_secret is not None
        return document


def _mentions(response: StoredResponse, words: list[str]) -> bool:
    haystacks = [fold(c.text) for c in response.comments]
    haystacks += [fold(p) for c in response.comments for p in c.key_phrases]
    return any(fold(word) in haystack for word in words for haystack in haystacks)


def matches(rule: NotificationRule, response: StoredResponse) -> bool:
    """True when the complete answer `response` meets every condition of an enabled rule."""
    c = rule.conditions
    if not rule.enabled or not response.complete:
        return False
    if c.location_ids and response.location_id not in c.location_ids:
        return False
    if c.survey_ids and response.survey_id not in c.survey_ids:
        return False
    if c.channels and response.channel not in c.channels:
        return False
    if c.score and not any(c.score.holds(s.kind, s.value) for s in response.scores):
        return False
    if c.sentiment and not any(comment.sentiment == c.sentiment for comment in response.comments):
        return False
    return not c.words or _mentions(response, c.words)

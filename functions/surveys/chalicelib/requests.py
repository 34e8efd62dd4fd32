"""Reading HTTP input: JSON bodies into models, and the query parameters of listings and exports."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from chalice.app import Request
from pydantic import BaseModel, ValidationError

from touchpoint.models.inputs import query_instant, query_int, strict_json
from touchpoint.models.locations import LOCATION_ID_PATTERN
from touchpoint.models.surveys import CHANNELS, Survey, SurveyDefinition
from touchpoint.storage.responses import Position, ResponseFilter
from touchpoint.web.errors import ApiError, bad_request, from_validation_error

Model = TypeVar("Model", bound=BaseModel)

MAX_DEFINITION_BYTES = 1024 * 1024  # a survey with a pool of 10,000 codes fits
MAX_RESPONSE_BYTES = 64 * 1024
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
_LOCATION_RE = re.compile(LOCATION_ID_PATTERN)


class SurveyUpdate(SurveyDefinition):
    """Body of `PUT /v1/surveys/{survey_id}`: a definition, and `version` to change it only if unchanged."""

    version: int | None = None


def json_body(request: Request, max_bytes: int) -> dict[str, Any]:
    """The request's JSON object (400 when it is not one, 413 when it is too large)."""
    raw = request.raw_body or b""
    if len(raw) > max_bytes:
        raise ApiError(
            413, "payload_too_large", f"the body has {len(raw)} bytes; at most {max_bytes} are allowed"
        )
    if not raw.strip():
        raise bad_request("a JSON object body is required")
    body = strict_json(raw)
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def parse_model(model: type[Model], body: dict[str, Any]) -> Model:
    """Validate a body into a model; 400 naming the first invalid field and listing all of them."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise from_validation_error(error) from None


def query(request: Request) -> dict[str, str]:
    """The query parameters (last value wins)."""
    return dict(request.query_params or {})


def response_filter(params: dict[str, str], survey: Survey, now: datetime) -> ResponseFilter:
    """The listing filter of `channel`, `location`, `from` and `to` (defaults: the survey's whole life)."""
    channel = params.get("channel") or None
    if channel is not None and channel not in CHANNELS:
        raise bad_request(f"channel must be one of {', '.join(CHANNELS)}, got {channel!r}", field="channel")
    location = params.get("location") or None
    if location is not None and not _LOCATION_RE.match(location):
        raise bad_request(f"location is not a valid location id: {location!r}", field="location")
    # Without bounds: the survey's whole life, with an hour of slack for clocks that disagree.
    slack = timedelta(hours=1)
    start = query_instant(params["from"], "from") if params.get("from") else survey.created_at - slack
    end = query_instant(params["to"], "to", end=True) if params.get("to") else now + slack
    start = max(start, survey.created_at - slack)
    if end <= start:
        raise bad_request("'to' must be after 'from'", field="to")
    return ResponseFilter(start=start, end=end, channel=channel, location_id=location)


def page_limit(params: dict[str, str]) -> int:
    """`limit` (1-500, default 100)."""
    return query_int(params.get("limit"), "limit", low=1, high=MAX_LIMIT, default=DEFAULT_LIMIT)


@dataclass(frozen=True)
class PageToken:
    """Where the previous page of a survey's responses stopped."""

    survey_id: str
    position: Position

    def encode(self) -> str:
        """The opaque `next` token."""
        data = {
            "s": self.survey_id,
            "d": self.position.day.isoformat(),
            "k": self.position.gsi_sk,
            "r": self.position.response_id,
        }
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, survey_id: str) -> PageToken:
        """Read a `next` token (400 when it is malformed or from another survey's listing)."""
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            parsed = cls(
                survey_id=str(data["s"]),
                position=Position(date.fromisoformat(data["d"]), str(data["k"]), str(data["r"])),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise bad_request("the next token is malformed", field="next") from None
        if parsed.survey_id != survey_id or not parsed.position.gsi_sk.startswith(f"{survey_id}#"):
            raise bad_request("the next token belongs to another listing", field="next")
        return parsed

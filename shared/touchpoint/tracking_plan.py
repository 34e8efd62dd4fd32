"""The tracking plan: standard track events and the schema of their properties.

The plan lives in `events/tracking-plan.json` (shipped inside this package as
`touchpoint/tracking-plan.json`, a link to that file, so a Lambda can read it). Each event's
entry is a small JSON Schema for its `properties`, in a subset this module compiles into plain
Python checks at load time: `type` (string, number, integer, boolean, object, array, null, or a
list of them), `enum`, `minimum`, `maximum`, `minLength`, `maxLength`, `pattern`, `format:
date-time`, `items`, `properties`, `required` and `additionalProperties` (true or false). An
unknown keyword is an error when the plan is loaded, so a plan never silently promises a check
that is not made.

Events the plan does not list are custom events and are never checked; an event whose name
differs from a planned one only by case or surrounding spaces is reported, because the metrics
match names exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

PLAN_FILE = Path(__file__).with_name("tracking-plan.json")

_ANNOTATIONS = {"description", "title", "$comment", "examples"}
_SCHEMA_KEYWORDS = {
    "type",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "properties",
    "required",
    "additionalProperties",
} | _ANNOTATIONS
_EVENT_KEYS = {"properties", "required", "additionalProperties", "category", "system"} | _ANNOTATIONS
_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}


class TrackingPlanError(ValueError):
    """The plan document is malformed or uses a keyword this module does not check."""


@dataclass(frozen=True)
class PlanViolation:
    """One way an event breaks the plan: the offending field path and what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


Check = Callable[[Any, str, list[PlanViolation]], None]


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    actual = _type_name(value)
    if name == "number":
        return actual in ("integer", "number")
    if name == "integer":
        return actual == "integer" or (actual == "number" and float(value).is_integer())
    return actual == name


def _is_date_time(value: str) -> bool:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None and "T" in value.upper()


def _compile(schema: Any, where: str) -> list[Check]:
    """Compile one schema node into a list of checks (raises TrackingPlanError)."""
    if not isinstance(schema, dict):
        raise TrackingPlanError(f"{where}: a schema must be an object")
    unknown = set(schema) - _SCHEMA_KEYWORDS
    if unknown:
        raise TrackingPlanError(f"{where}: unsupported keyword(s) {sorted(unknown)}")
    checks: list[Check] = []
    checks.extend(_compile_type(schema, where))
    if "enum" in schema:
        checks.append(_compile_enum(schema["enum"], where))
    checks.extend(_compile_number(schema, where))
    checks.extend(_compile_string(schema, where))
    if "items" in schema:
        checks.append(_compile_items(schema["items"], where))
    if {"properties", "required", "additionalProperties"} & set(schema):
        checks.append(_compile_object(schema, where))
    return checks


def _compile_type(schema: dict[str, Any], where: str) -> list[Check]:
    if "type" not in schema:
        return []
    declared = schema["type"]
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not names or not all(n in _TYPES for n in names):
        raise TrackingPlanError(f"{where}: type must be one of {sorted(_TYPES)} or a list of them")
    expected = " or ".join(names)

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if not any(_is_type(value, n) for n in names):
            out.append(PlanViolation(path, f"must be {expected}, got {_type_name(value)}"))

    return [check]


def _compile_enum(allowed: Any, where: str) -> Check:
    if not isinstance(allowed, list) or not allowed:
        raise TrackingPlanError(f"{where}: enum must be a non-empty list")
    shown = ", ".join(json.dumps(a) for a in allowed)

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if not any(value == a and _type_name(value) == _type_name(a) for a in allowed):
            out.append(PlanViolation(path, f"must be one of {shown}"))

    return check


def _bound(schema: dict[str, Any], key: str, where: str, *, whole: bool = False) -> float | None:
    if key not in schema:
        return None
    value = schema[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (whole and not isinstance(value, int))
    ):
        raise TrackingPlanError(f"{where}: {key} must be a number")
    return float(value)


def _compile_number(schema: dict[str, Any], where: str) -> list[Check]:
    low = _bound(schema, "minimum", where)
    high = _bound(schema, "maximum", where)
    if low is None and high is None:
        return []

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if _type_name(value) not in ("integer", "number"):
            return
        if low is not None and value < low:
            out.append(PlanViolation(path, f"must be at least {low:g}, got {value}"))
        if high is not None and value > high:
            out.append(PlanViolation(path, f"must be at most {high:g}, got {value}"))

    return [check]


def _compile_string(schema: dict[str, Any], where: str) -> list[Check]:
    shortest = _bound(schema, "minLength", where, whole=True)
    longest = _bound(schema, "maxLength", where, whole=True)
    pattern: re.Pattern[str] | None = None
    if "pattern" in schema:
        try:
            pattern = re.compile(schema["pattern"])
        except (re.error, TypeError) as error:
            raise TrackingPlanError(f"{where}: pattern is not a regular expression: {error}") from None
    fmt = schema.get("format")
    if fmt is not None and fmt != "date-time":
        raise TrackingPlanError(f"{where}: only format date-time is supported, not {fmt!r}")
    if shortest is None and longest is None and pattern is None and fmt is None:
        return []

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if not isinstance(value, str):
            return
        if shortest is not None and len(value) < shortest:
            out.append(PlanViolation(path, f"must have at least {shortest:g} characters"))
        if longest is not None and len(value) > longest:
            out.append(PlanViolation(path, f"must have at most {longest:g} characters"))
        if pattern is not None and not pattern.search(value):
            out.append(PlanViolation(path, f"must match {pattern.pattern}"))
        if fmt == "date-time" and not _is_date_time(value):
            out.append(PlanViolation(path, "must be an ISO-8601 date-time with a time zone"))

    return [check]


def _compile_items(items: Any, where: str) -> Check:
    item_checks = _compile(items, f"{where}.items")

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if not isinstance(value, list):
            return
        for index, item in enumerate(value):
            for item_check in item_checks:
                item_check(item, f"{path}.{index}", out)

    return check


def _compile_object(schema: dict[str, Any], where: str) -> Check:
    properties = schema.get("properties", {})
    if not isinstance(properties, dict):
        raise TrackingPlanError(f"{where}: properties must be an object")
    compiled = {name: _compile(sub, f"{where}.{name}") for name, sub in properties.items()}
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise TrackingPlanError(f"{where}: required must be a list of names")
    additional = schema.get("additionalProperties", True)
    if not isinstance(additional, bool):
        raise TrackingPlanError(f"{where}: additionalProperties must be true or false")

    def check(value: Any, path: str, out: list[PlanViolation]) -> None:
        if not isinstance(value, dict):
            return
        for name in required:
            if value.get(name) is None:
                out.append(PlanViolation(f"{path}.{name}", "is required"))
        for name, item in value.items():
            checks = compiled.get(name)
            if checks is None:
                if not additional:
                    out.append(PlanViolation(f"{path}.{name}", "is not in the plan"))
                continue
            if item is None:
                continue  # an explicit null counts as absent (reported above when required)
            for sub_check in checks:
                sub_check(item, f"{path}.{name}", out)

    return check


@dataclass(frozen=True)
class EventSpec:
    """One planned event: its name, category, description and compiled property checks."""

    name: str
    category: str
    description: str
    system: bool
    schema: Mapping[str, Any]
    checks: tuple[Check, ...]

    def check_properties(self, properties: Any) -> list[PlanViolation]:
        """Every way `properties` breaks this event's schema ([] when it conforms)."""
        out: list[PlanViolation] = []
        for check in self.checks:
            check(properties, "properties", out)
        return out


class TrackingPlan:
    """The standard events and their property schemas."""

    def __init__(self, events: Mapping[str, EventSpec], version: int = 1) -> None:
        self.events = dict(events)
        self.version = version
        self._by_folded = {name.strip().casefold(): name for name in self.events}

    def check(self, event: str, properties: Any) -> list[PlanViolation]:
        """Every problem of a track event against the plan ([] for a conforming or custom event)."""
        spec = self.events.get(event)
        if spec is not None:
            return spec.check_properties(properties)
        planned = self._by_folded.get(event.casefold())
        if planned is not None:
            return [
                PlanViolation("event", f"{event!r} differs from the planned event {planned!r} only by case")
            ]
        return []


def parse_tracking_plan(document: Any) -> TrackingPlan:
    """Validate and compile a plan document (raises TrackingPlanError)."""
    if not isinstance(document, dict) or not isinstance(document.get("events"), dict):
        raise TrackingPlanError("the plan must be an object with an `events` object")
    version = document.get("version", 1)
    if not isinstance(version, int):
        raise TrackingPlanError("version must be a whole number")
    specs: dict[str, EventSpec] = {}
    for name, entry in document["events"].items():
        where = f"events.{name}"
        if not name.strip():
            raise TrackingPlanError("event names must not be blank")
        if not isinstance(entry, dict):
            raise TrackingPlanError(f"{where}: must be an object")
        unknown = set(entry) - _EVENT_KEYS
        if unknown:
            raise TrackingPlanError(f"{where}: unsupported key(s) {sorted(unknown)}")
        schema = {k: entry[k] for k in ("properties", "required", "additionalProperties") if k in entry}
        specs[name] = EventSpec(
            name=name,
            category=str(entry.get("category", "custom")),
            description=str(entry.get("description", "")),
            system=bool(entry.get("system", False)),
            schema={"type": "object", **schema},
            checks=tuple(_compile({"type": "object", **schema}, where)),
        )
    return TrackingPlan(specs, version)


def load_tracking_plan(path: Path | None = None) -> TrackingPlan:
    """Read and compile a plan file (default: the plan shipped with this package)."""
    source = path or PLAN_FILE
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TrackingPlanError(f"cannot read the tracking plan {source}: {error}") from None
    return parse_tracking_plan(document)


@lru_cache(maxsize=1)
def default_tracking_plan() -> TrackingPlan:
    """The shipped plan, read once per process."""
    return load_tracking_plan()

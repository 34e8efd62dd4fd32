"""Test helpers: stored surveys made from definitions, without storage."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from touchpoint.models.surveys import Survey, SurveyDefinition, SurveyStatus


def survey_of(definition: SurveyDefinition | dict[str, Any], **extra: Any) -> Survey:
    """An active stored survey of tenant `acme` made from a definition."""
    if isinstance(definition, dict):
        definition = SurveyDefinition.model_validate(definition)
    now = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
    data = definition.model_dump(exclude={"incentive"})
    data.update(
        tenant_id="acme",
        survey_id=definition.survey_id or "s1",
        status=SurveyStatus.ACTIVE,
        created_at=now,
        updated_at=now,
        **extra,
    )
    return Survey.model_validate(data)

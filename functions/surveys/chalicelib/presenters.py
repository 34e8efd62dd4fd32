"""JSON views of surveys and responses (camelCase, as the API speaks)."""

from __future__ import annotations

from typing import Any

from touchpoint.models.surveys import StoredResponse, Survey
from touchpoint.storage.coupons import PoolStats

_HIDDEN_RESPONSE_FIELDS = {"tenant_id", "lake_written", "lake_key", "coupon_code", "survey_version"}


def survey_view(survey: Survey, pool: PoolStats | None = None) -> dict[str, Any]:
    """A survey for admins: the definition, status, version and coupon pool stats."""
    view = survey.model_dump(mode="json", by_alias=True, exclude={"tenant_id"}, exclude_none=True)
    view["languages"] = survey.languages
    if pool is not None and survey.incentive is not None and survey.incentive.kind == "pool":
        view["incentive"].update({"poolSize": pool.size, "issued": pool.issued, "remaining": pool.remaining})
    return view


def respondent_survey_view(survey: Survey) -> dict[str, Any]:
    """An active survey as apps and landing pages render it (no admin details)."""
    view = survey.model_dump(
        mode="json",
        by_alias=True,
        include={"survey_id", "name", "default_language", "title", "thank_you", "questions", "status"},
        exclude_none=True,
    )
    view["languages"] = survey.languages
    if survey.incentive is not None and survey.incentive.note:
        view["incentiveNote"] = survey.incentive.note
    return view


def response_view(response: StoredResponse) -> dict[str, Any]:
    """A stored response for admins (free text masked; whether a coupon went out, not the code)."""
    view = response.model_dump(mode="json", by_alias=True, exclude=_HIDDEN_RESPONSE_FIELDS)
    view["couponIssued"] = response.coupon_code is not None
    return view

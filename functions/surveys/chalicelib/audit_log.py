"""Survey changes in the audit log: who created, changed, activated or closed which survey."""

from __future__ import annotations

from touchpoint.models.surveys import Survey
from touchpoint.runtime import Runtime
from touchpoint.web.auth import Principal


def record_survey_change(runtime: Runtime, principal: Principal, action: str, survey: Survey) -> None:
    """Append `survey.<action>` for the survey (never fails the change: the log answers None then)."""
    runtime.audit.record(
        principal, f"survey.{action}", f"survey:{survey.survey_id}", {"version": survey.version}
    )

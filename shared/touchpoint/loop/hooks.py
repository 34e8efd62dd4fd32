"""What happens after an answer is stored: open a case by the tenant's rules, queue notifications.

Called by `SurveyService` once a complete answer is stored and copied to the lake (for QR form and
survey API answers alike). Each step is idempotent per answer (a retried completion opens no second
case and queues no second notification) and none may fail the answer's own request: a step that
fails is logged and counted, the answer stays stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from touchpoint.observability import logger, metrics

if TYPE_CHECKING:
    from touchpoint.models.surveys import StoredResponse, Survey
    from touchpoint.runtime import Runtime


def after_answer(runtime: Runtime, survey: Survey, response: StoredResponse) -> None:
    """Open a case and queue the notifications a complete answer calls for (never raises)."""
    if not response.complete:
        return
    from touchpoint.loop.case_rules import open_case_for_answer
    from touchpoint.loop.notify import queue_notifications

    for step in (open_case_for_answer, queue_notifications):
        try:
            step(runtime, survey, response)
        except Exception:
            logger.exception("after-answer step failed", extra={"step": step.__name__})
            metrics.add_metric(name="AfterAnswerFailures", unit=MetricUnit.Count, value=1)

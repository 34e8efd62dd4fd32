"""The rollup evaluates the tenant's alert rules once a day's results are current."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.conftest import TenantKeys
from tests.functional.rollup.support import load_days
from touchpoint.alerts.rules import AlertRule, Condition
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime

DAY = date(2026, 3, 10)


def _rule(tenant_id: str) -> AlertRule:
    now = datetime.now(UTC)
    # sessions are always above 0 on a generated day, so this rule breaches on DAY.
    return AlertRule(
        tenant_id=tenant_id,
        rule_id="sessions-any",
        name="any sessions",
        metric="sessions",
        condition=Condition.ABOVE,
        threshold=0,
        created_at=now,
        updated_at=now,
    )


def test_rollup_fires_a_breached_rule_once_even_when_the_day_is_rerun(
    aws: Runtime, tenant: TenantKeys, tmp_path: Path
) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY - timedelta(days=1), DAY])
    aws.alerts.create_rule(_rule(tenant.tenant_id))
    service = build_service(aws)
    first = service.run_day(tenant.tenant_id, DAY)
    assert "after" in first.timings
    alert = aws.alerts.get_alert(tenant.tenant_id, DAY, "sessions-any")
    assert alert is not None
    service.run_day(tenant.tenant_id, DAY)
    alerts = aws.alerts.list_alerts(tenant.tenant_id)
    assert [a.rule_id for a in alerts] == ["sessions-any"]


def test_the_demo_can_turn_evaluation_off(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> None:
    load_days(aws, tenant.tenant_id, tmp_path / "gen", [DAY])
    aws.alerts.create_rule(_rule(tenant.tenant_id))
    result = build_service(aws, evaluate_alerts=False).run_day(tenant.tenant_id, DAY)
    assert "after" not in result.timings
    assert aws.alerts.get_alert(tenant.tenant_id, DAY, "sessions-any") is None

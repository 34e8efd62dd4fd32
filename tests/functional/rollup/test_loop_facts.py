"""The rollup hands the cases table's facts to the engine: the loop metrics are stored with the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.conftest import TenantKeys
from tests.functional.rollup.support import write_responses_like_surveys
from tests.unit.engine.factories import CaseFact, response
from touchpoint.loop.cases import new_case_id
from touchpoint.models.cases import Case
from touchpoint.models.tenants import TenantConfig
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.cases import CaseChange

DAY = date(2026, 3, 10)


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def test_the_days_case_facts_become_loop_metrics(aws: Runtime, tenant: TenantKeys) -> None:
    aws.tenants.update_config(tenant.tenant_id, TenantConfig(timezone="Europe/Berlin"))
    write_responses_like_surveys(
        aws,
        tenant.tenant_id,
        [
            response(_at(10, 9), [("nps", 2)], rid="r-detractor", location="s1"),
            response(_at(10, 10), [("nps", 4)], rid="r-unanswered", location="s1"),
        ],
    )
    asked: list[tuple[str, datetime, datetime]] = []
    facts = [
        # opened with the answer, first reply 25 h later (within 48 h), on D + 1
        CaseFact(
            "c-1",
            _at(10, 9),
            "s1",
            first_response_at=_at(11, 10),
            response_id="r-detractor",
            response_submitted_at=_at(10, 9),
            detractor=True,
        ),
        CaseFact("c-2", _at(10, 10), "s1", response_id="r-unanswered", response_submitted_at=_at(10, 10)),
    ]

    def case_facts(tenant_id: str, start: datetime, end: datetime) -> list[CaseFact]:
        asked.append((tenant_id, start, end))
        return facts

    service = build_service(aws, evaluate_alerts=False)
    service._case_facts = case_facts  # the cases table's facts, injected
    service.run_day(tenant.tenant_id, DAY, now=_at(13, 12))

    # D in Berlin starts 23:00 UTC the day before; the facts reach to the end of D + 2
    assert asked == [(tenant.tenant_id, _at(9, 23), _at(12, 23))]

    def total(metric: str) -> float | None:
        points = [p for p in aws.metrics.read(tenant.tenant_id, metric, DAY, DAY) if not p.breakdown]
        assert len(points) == 1, metric
        return points[0].value

    assert total("cases_opened") == 2
    assert total("cases_resolved") == 0
    # two detractor answers, one replied to within 48 h
    assert total("closed_loop_rate") == 0.5
    # the first reply came on D + 1: no median on D
    assert aws.metrics.read(tenant.tenant_id, "median_first_response_hours", DAY, DAY) == []
    by_store = [p for p in aws.metrics.read(tenant.tenant_id, "cases_opened", DAY, DAY) if p.breakdown]
    assert [(p.breakdown, p.value) for p in by_store] == [({"location": "s1"}, 2)]


def test_the_cases_table_feeds_the_rollup(aws: Runtime, tenant: TenantKeys) -> None:
    """The wired service reads the real cases table: a case opened on D counts on D, not on D - 1."""
    opened = _at(10, 15)
    case = Case(
        tenant_id=tenant.tenant_id,
        case_id=new_case_id(opened, "manual"),
        source="manual",
        trigger="manual",
        location_id="s2",
        opened_at=opened,
        opened_by="user:chefin@acme.example",
        due_at=_at(12, 15),
    )
    aws.cases.create(case, CaseChange(activities=[("opened", opened)]))
    write_responses_like_surveys(aws, tenant.tenant_id, [response(_at(9, 9), [("csat", 4)])])
    service = build_service(aws, evaluate_alerts=False)
    service.run_day(tenant.tenant_id, DAY, now=_at(11, 12))
    opened_on_d = [
        (p.breakdown, p.value) for p in aws.metrics.read(tenant.tenant_id, "cases_opened", DAY, DAY)
    ]
    assert opened_on_d == [({}, 1), ({"location": "s2"}, 1)]
    # D - 1 had an answer and no case: 0
    service.run_day(tenant.tenant_id, date(2026, 3, 9), now=_at(11, 12))
    day_before = aws.metrics.read(tenant.tenant_id, "cases_opened", date(2026, 3, 9), date(2026, 3, 9))
    assert [(p.breakdown, p.value) for p in day_before] == [({}, 0)]

"""Thank-you coupons: one per respondent after a complete response, never the same pool code twice."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import TenantKeys, function_client
from tests.functional.surveys.support import NPS_SURVEY, active_survey, call
from touchpoint.models.tenants import TenantConfig
from touchpoint.runtime import Runtime
from touchpoint.storage.coupons import CouponRepository
from touchpoint.storage.dynamo import from_item

POOL = {**NPS_SURVEY, "incentive": {"kind": "pool", "codes": ["CODE-A", "CODE-B", "CODE-C"]}}
PATTERN = {**NPS_SURVEY, "incentive": {"kind": "pattern", "pattern": "THANKS-{random6}"}}


def _post(client: Any, key: str, survey_id: str, **body: Any) -> dict[str, Any]:
    payload = {"answers": {"nps": 10}, "channel": "email", **body}
    status, result, _ = call(client, "POST", f"/v1/surveys/{survey_id}/responses", key, payload)
    assert status == 201, result
    return dict(result)


def test_pool_codes_go_out_in_order_once_each_and_only_for_complete_responses(
    aws: Runtime, tenant: TenantKeys
) -> None:
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant, POOL)
        assert _post(client, tenant.write_key, survey_id, userId="u1")["couponCode"] == "CODE-A"
        assert _post(client, tenant.write_key, survey_id, userId="u2")["couponCode"] == "CODE-B"
        partial = _post(client, tenant.write_key, survey_id, userId="u3", complete=False)
        assert partial["couponCode"] is None
        path = f"/v1/surveys/{survey_id}/responses/{partial['responseId']}"
        status, done, _ = call(client, "PUT", path, tenant.write_key, {"answers": {}})
        assert status == 200 and done["couponCode"] == "CODE-C"
        # The pool is empty: the response is still taken, without a coupon.
        empty = _post(client, tenant.write_key, survey_id, userId="u4")
        assert empty["couponCode"] is None and empty["complete"] is True
        status, view, _ = call(client, "GET", f"/v1/surveys/{survey_id}", tenant.admin_key)
        assert view["incentive"] == {"kind": "pool", "poolSize": 3, "issued": 3, "remaining": 0}
        status, listed, _ = call(client, "GET", f"/v1/surveys/{survey_id}/responses", tenant.admin_key)
        assert [r["couponIssued"] for r in listed["responses"]] == [True, True, True, False]
        assert "CODE-" not in str(listed)

        # More codes can be added while the survey is active; known codes are not added twice.
        more = {**POOL, "incentive": {"kind": "pool", "codes": ["CODE-A", "CODE-D"]}}
        status, view, _ = call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, more)
        assert status == 200 and view["incentive"]["poolSize"] == 4 and view["incentive"]["remaining"] == 1
        assert _post(client, tenant.write_key, survey_id, userId="u5")["couponCode"] == "CODE-D"


def test_a_respondent_gets_one_coupon_even_when_answering_again(aws: Runtime, tenant: TenantKeys) -> None:
    aws.tenants.update_config(tenant.tenant_id, TenantConfig(survey_repeat_window_days=0))
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant, POOL)
        assert _post(client, tenant.write_key, survey_id, userId="u1")["couponCode"] == "CODE-A"
        assert _post(client, tenant.write_key, survey_id, userId="u1")["couponCode"] is None
        # Known by the anonymousId of the first answer: the same respondent.
        assert (
            _post(client, tenant.write_key, survey_id, anonymousId="a1", userId="u9")["couponCode"]
            == "CODE-B"
        )
        assert _post(client, tenant.write_key, survey_id, anonymousId="a1")["couponCode"] is None
        # Anonymous respondents are told apart by their response only.
        assert _post(client, tenant.write_key, survey_id)["couponCode"] == "CODE-C"
    guards = [
        from_item(i)
        for i in aws.clients.dynamodb.scan(TableName=aws.settings.responses_table)["Items"]
        if i["sk"]["S"].startswith("COUPON#")
    ]
    assert sorted(g["sk"] for g in guards if not g["sk"].startswith("COUPON#response:")) == [
        "COUPON#anon:a1",
        "COUPON#user:u1",
        "COUPON#user:u9",
    ]
    assert all("by_person_pk" in g for g in guards if not g["sk"].startswith("COUPON#response:"))


def test_pattern_codes_are_generated_once_per_respondent(aws: Runtime, tenant: TenantKeys) -> None:
    aws.tenants.update_config(tenant.tenant_id, TenantConfig(survey_repeat_window_days=0))
    with function_client("surveys") as client:
        survey_id = active_survey(client, tenant, PATTERN)
        first = _post(client, tenant.write_key, survey_id, userId="u1")["couponCode"]
        assert re.fullmatch(r"THANKS-[A-Z2-9]{6}", first)
        assert _post(client, tenant.write_key, survey_id, userId="u1")["couponCode"] is None
        second = _post(client, tenant.write_key, survey_id, userId="u2")["couponCode"]
        assert second and second != first


def test_two_concurrent_completions_never_get_the_same_code(aws: Runtime, tenant: TenantKeys) -> None:
    """Completion B reads the pool before completion A takes a code: B's conditional update fails, B retries."""
    repo = CouponRepository(aws.clients.dynamodb, aws.settings.config_table, aws.settings.responses_table)
    repo.add_codes("acme", "s1", ["C1", "C2", "C3"])
    stale = repo._meta("acme", "s1")
    assert repo.claim_from_pool("acme", "s1", ["user:a"], "r-a-000001", issued_at="t", expires_at=1) == "C1"

    reads = {"n": 0}
    real_meta = repo._meta

    def first_read_is_stale(tenant_id: str, survey_id: str) -> dict[str, Any] | None:
        reads["n"] += 1
        return stale if reads["n"] == 1 else real_meta(tenant_id, survey_id)

    repo._meta = first_read_is_stale  # type: ignore[method-assign]
    assert repo.claim_from_pool("acme", "s1", ["user:b"], "r-b-000001", issued_at="t", expires_at=1) == "C2"
    assert reads["n"] == 2  # the stale attempt failed its condition and was retried
    assert repo.stats("acme", "s1").issued == 2
    # A retry of the same response gets its own code back, not a new one.
    assert repo.claim_from_pool("acme", "s1", ["user:b"], "r-b-000001", issued_at="t", expires_at=1) == "C2"
    assert repo.stats("acme", "s1").issued == 2


@pytest.fixture
def atomic_dynamodb_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each moto DynamoDB request atomic, as every DynamoDB request is.

    moto runs a transaction's condition checks and writes without a lock (and restores a table
    snapshot when one fails), so concurrent threads could clobber each other inside moto. With a
    lock per request, threads still interleave between requests, which is the race that matters.
    """
    import threading

    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    real_call = DynamoHandler.call_action

    def locked_call(self: DynamoHandler) -> Any:
        with lock:
            return real_call(self)

    monkeypatch.setattr(DynamoHandler, "call_action", locked_call)


def test_parallel_completions_get_distinct_codes(
    aws: Runtime, tenant: TenantKeys, atomic_dynamodb_requests: None
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    threads = 8
    repo = aws.coupons
    repo.add_codes("acme", "s1", [f"P{i}" for i in range(threads - 1)])

    def claim(i: int) -> str | None:
        return repo.claim_from_pool(
            "acme", "s1", [f"user:{i}"], f"r-{i}-0000000", issued_at="t", expires_at=1
        )

    with ThreadPoolExecutor(threads) as pool:
        codes = list(pool.map(claim, range(threads)))
    issued = sorted(c for c in codes if c is not None)
    assert issued == [f"P{i}" for i in range(threads - 1)] and codes.count(None) == 1
    assert repo.stats("acme", "s1").issued == threads - 1

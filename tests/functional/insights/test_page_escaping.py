"""Dashboard pages through the Chalice app: hostile text shows as text, money in the tenant's currency."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, function_client
from tests.functional.insights.seed import (
    LAST,
    PERIOD_DAYS,
    month_of_metrics,
    response,
    save_responses,
    session_headers,
    store_points,
)
from touchpoint.runtime import Runtime

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DAY = LAST - timedelta(days=3)
RANGE = f"from={(LAST - timedelta(days=PERIOD_DAYS - 1)).isoformat()}&to={LAST.isoformat()}"


@pytest.fixture
def client(aws: Runtime, tenant: TenantKeys) -> Iterator[Client]:
    store_points(aws, tenant.tenant_id, month_of_metrics())
    noon = datetime(DAY.year, DAY.month, DAY.day, 10, 0, tzinfo=UTC)
    save_responses(
        aws,
        [
            response(tenant.tenant_id, "resp-hostile-1", noon, csat=1, comment=HOSTILE, sentiment="negative"),
            response(
                tenant.tenant_id,
                "resp-hostile-2",
                noon + timedelta(minutes=1),
                csat=2,
                comment='"><img src=x onerror=alert(1)>',
                sentiment="negative",
                phrases=['"><b>phrase'],
            ),
        ],
    )
    aws.locations.create_location(tenant.tenant_id, "hamburg", HOSTILE)
    config = aws.tenants.get_tenant(tenant.tenant_id).config  # type: ignore[union-attr]
    aws.tenants.update_config(tenant.tenant_id, config.model_copy(update={"currency": "CHF"}))
    with function_client("insights") as c:
        yield c


def test_a_hostile_comment_and_store_name_show_as_text(
    client: Client, aws: Runtime, tenant: TenantKeys
) -> None:
    headers = session_headers(aws, tenant.read_key)
    path = f"/dashboard/comments?metric=csat&date={DAY.isoformat()}&location=hamburg&lang=en"
    result = client.http.get(path, headers=headers)
    assert result.status_code == 200, result.body
    page = result.body.decode()
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert f"<q>{ESCAPED}</q>" in page  # the comment, as text
    assert "<q>&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</q>" in page
    assert 'data-phrase="&#34;&gt;&lt;b&gt;phrase"' in page
    assert f"Store: {ESCAPED}" in page  # the store name in the page's scope line


def test_the_dashboard_escapes_store_names_and_shows_money_in_the_tenant_currency(
    client: Client, aws: Runtime, tenant: TenantKeys
) -> None:
    page = client.http.get(f"/dashboard?{RANGE}&lang=en", headers=session_headers(aws, tenant.read_key))
    assert page.status_code == 200, page.body
    html = page.body.decode()
    assert "<script" not in html and ESCAPED in html
    card = html[html.index('data-metric="revenue"') :][:400]
    assert '<span class="value">CHF ' in card and "€" not in html
    german = client.http.get(f"/dashboard?{RANGE}&lang=de", headers=session_headers(aws, tenant.read_key))
    card = german.body.decode()[german.body.decode().index('data-metric="revenue"') :][:400]
    assert " CHF</span>" in card

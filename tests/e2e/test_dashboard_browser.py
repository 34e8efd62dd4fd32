"""The dashboard in a real headless Chromium, on the data `touchpoint demo` puts into a local stack.

Sign in with the read key (the cookie is Secure, HttpOnly and SameSite=Strict, and Chromium keeps
it on http://127.0.0.1), see the north star and charts drawn with data, click the lowest CSAT
point of a store and read the comments behind it, switch to English, and look at it all on a
phone. Screenshots (desktop and phone) go to `test-output/`. No JavaScript runs on these pages.
Everything runs twice: with the stack at the root and under `/api` (`touchpoint dev --base-path
/api`, as API Gateway's stage URL serves it), where every page and redirect must stay under `/api`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner

from tests.e2e.browser import headless_chromium
from touchpoint_cli import paths
from touchpoint_cli.main import cli
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_DAYS = 14
BASE_PATHS = [pytest.param("", id="root"), pytest.param("/api", id="base-path-api")]


@pytest.fixture(scope="module", params=BASE_PATHS)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LocalInfo, str]]:
    """A local stack (at the root or under a base path) filled by `touchpoint demo --days 14`;
    yields its info and the dashboard URL."""
    state_dir = tmp_path_factory.mktemp("state")
    base_path: str = request.param
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        LocalStack(port=free_port(), state_dir=state_dir, base_path=base_path) as info,
    ):
        assert info.api_url.endswith(f":{urlsplit(info.api_url).port}{base_path}")
        monkeypatch.setattr(paths, "LOCAL_STATE_DIR", state_dir)
        try:
            result = CliRunner().invoke(cli, ["demo", "--days", str(DEMO_DAYS), "--people", "120"])
            assert result.exit_code == 0, result.output + repr(result.exception)
            url = re.search(r"Dashboard: (\S+)", result.output)
            assert url is not None, result.output
            assert url.group(1).startswith(info.api_url + "/dashboard?")
            assert info.read_key in result.output
            yield info, url.group(1)
        finally:
            # moto keeps its state per process; leave none behind for the next stack
            requests.post(info.aws_endpoint_url + "/moto-api/reset", timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    with headless_chromium() as chromium:
        yield chromium


def _prefix(info: LocalInfo) -> str:
    """The stack's base path: `""` at the root, `/api` under it."""
    return urlsplit(info.api_url).path


def _sign_in(
    browser: Any, info: LocalInfo, url: str, viewport: dict[str, int], **options: Any
) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport, java_script_enabled=False, **options)
    page = context.new_page()
    response = page.goto(url)
    # Not signed in yet: 401 (scripts see it), and the browser shows the sign-in form all the same.
    assert response is not None and response.status == 401
    sign_in = f"form[action='{_prefix(info)}/dashboard/login']"
    assert page.locator(sign_in).count() == 1
    page.fill("#key", info.read_key)
    page.click(f"{sign_in} button[type=submit]")
    page.wait_for_selector("#north-star")
    return context, page


def _shot(folder: Path, info: LocalInfo, name: str) -> str:
    """A screenshot's file: `<name>.png` at the root, `<name>-api.png` under `/api`."""
    suffix = _prefix(info).replace("/", "-")
    return str(folder / f"{name}{suffix}.png")


def _assert_links_stay_on_the_stack(page: Any, info: LocalInfo) -> None:
    """Every link and form of the page leads to the stack's own base URL (the prefix included)."""
    targets: list[str] = page.eval_on_selector_all(
        "a[href], form[action]",
        "els => els.map(e => new URL(e.getAttribute('href') ?? e.getAttribute('action'), document.baseURI).href)",
    )
    assert targets
    outside = [t for t in targets if not t.startswith(info.api_url + "/")]
    assert outside == [], outside


def _charts_with_marks(page: Any) -> dict[str, int]:
    """Each chart's drawn data marks (points and bars), counted in the rendered page."""
    marks: dict[str, int] = {}
    for chart in page.locator("svg.chart").all():
        name = chart.get_attribute("data-chart")
        if chart.is_visible():
            marks[name] = chart.locator("circle.pt, rect.bar").count()
    return marks


def test_dashboard_on_demo_data_with_drill_down_to_the_comments(
    demo: tuple[LocalInfo, str], browser: Any, test_output: Path
) -> None:
    info, url = demo
    context, page = _sign_in(browser, info, url + "&lang=de", DESKTOP)
    assert page.url.startswith(url)  # back to the page that asked for the sign-in
    cookie = next(c for c in context.cookies() if c["name"] == "tp_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == (_prefix(info) or "/")
    _assert_links_stay_on_the_stack(page, info)
    # a signed session naming the tenant, never the read key itself
    assert cookie["value"].startswith("v1.") and info.read_key not in cookie["value"]

    star = page.locator("#north-star")
    assert "Nordstern-Metrik" in star.inner_text()
    value = star.locator(".value").inner_text()
    assert re.search(r"\d", value), value
    marks = _charts_with_marks(page)
    assert marks["north-star"] >= DEMO_DAYS - 1
    drawn = [name for name, count in marks.items() if count > 0]
    assert len(drawn) >= 4, marks
    for chart in (
        "nps-split",
        "csat-by-channel",
        "tickets-by-channel",
        "csat-by-store",
        "score-distribution",
    ):
        assert marks[chart] > 0, (chart, marks)
    assert page.locator("#alerts li.alert").count() >= 1  # the demo's Hamburg CSAT drop fired
    assert page.locator("#stores tbody tr").count() == 2
    page.screenshot(path=_shot(test_output, info, "dashboard-desktop"), full_page=True)

    # From the lowest CSAT point of a store (a link in the chart) to the comments behind it.
    points = page.locator("svg[data-chart='csat-by-store'] a.pt-link:has(circle.hot)").all()
    lowest = min(points, key=lambda link: float(link.get_attribute("data-value") or "inf"))
    href = lowest.get_attribute("href")
    assert href is not None and "metric=csat" in href and "location=" in href
    with page.expect_navigation():
        lowest.click()
    assert page.url.startswith(info.api_url + "/dashboard/comments?")
    _assert_links_stay_on_the_stack(page, info)
    themes = page.locator("#themes section.theme")
    assert themes.count() >= 1
    first = themes.first
    assert int(first.get_attribute("data-negative") or 0) >= 1  # negative themes first
    text = page.locator("#themes").inner_text()
    assert "Wartezeit" in text or "Kasse" in text, text[:500]
    assert page.locator("#themes .comment[data-sentiment='negative']").count() >= 1
    page.screenshot(path=_shot(test_output, info, "dashboard-comments-desktop"), full_page=True)

    # English labels.
    page.click("a[hreflang='en']")
    assert "The comments behind the number" in page.locator("h1").inner_text()
    page.goto(url)
    assert "North star metric" in page.locator("#north-star").inner_text()  # the language is remembered
    # Sign out: back to the sign-in form, under the same base path, the session cookie gone.
    with page.expect_navigation():
        page.click(f"form[action='{_prefix(info)}/dashboard/logout'] button[type=submit]")
    assert page.url == info.api_url + "/dashboard"
    assert page.locator(f"form[action='{_prefix(info)}/dashboard/login']").count() == 1
    assert not [c for c in context.cookies() if c["name"] == "tp_session"]
    context.close()


def test_dashboard_is_readable_on_a_phone(
    demo: tuple[LocalInfo, str], browser: Any, test_output: Path
) -> None:
    info, url = demo
    context, page = _sign_in(browser, info, url, PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    for chart in page.locator("svg.chart").all()[:6]:
        box = chart.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
    assert sum(1 for n in _charts_with_marks(page).values() if n > 0) >= 4
    page.screenshot(path=_shot(test_output, info, "dashboard-phone"))
    page.screenshot(path=_shot(test_output, info, "dashboard-phone-full"), full_page=True)
    low = page.locator("#lowest-csat a").first
    with page.expect_navigation():
        low.tap()
    assert page.locator("#themes section.theme").count() >= 1
    page.screenshot(path=_shot(test_output, info, "dashboard-comments-phone"), full_page=True)
    context.close()


def test_the_demo_rollups_and_api_agree_with_the_page(demo: tuple[LocalInfo, str]) -> None:
    info, url = demo
    query = url.split("?", 1)[1]
    summary = requests.get(
        f"{info.api_url}/v1/summary?{query}", headers={"Authorization": f"Bearer {info.read_key}"}, timeout=30
    ).json()
    assert summary["north_star"]["value"] is not None
    assert len([p for p in summary["north_star"]["series"] if p["value"] is not None]) >= DEMO_DAYS - 1
    alerts = requests.get(
        f"{info.api_url}/v1/alerts?{query}", headers={"Authorization": f"Bearer {info.read_key}"}, timeout=30
    ).json()["alerts"]
    assert any(a["rule_id"] == "csat-hamburg-drop" and a["status"] == "delivered" for a in alerts), alerts
    assert asdict(info)["tenant_id"] == "demo"

"""The QR feedback form in a real headless Chromium against the local stack, on a phone-sized screen.

Scan (decode the QR code the admin API hands out), open the form, switch the language, answer by
keyboard and touch, see the thank-you page with the coupon; then send a bad answer and see the
error next to the field with the input kept. JavaScript is off the whole time. Screenshots go to
`test-output/`. Everything runs twice: with the stack at the root and under `/api` (`touchpoint dev
--base-path /api`), where the scanned URL, the form and its answer stay under `/api`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import CliRunner

from tests.e2e.browser import headless_chromium
from tests.unit.feedback.qr_decode import decode_qr, decode_qr_png, svg_poster_image
from touchpoint.models.surveys import SurveyDefinition
from touchpoint.runtime import get_runtime
from touchpoint.storage.dynamo import from_item
from touchpoint.storage.responses import decode_response
from touchpoint.surveys.service import SurveyService
from touchpoint_cli.apps import function_module
from touchpoint_cli.main import cli
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

PHONE = {"width": 390, "height": 844}
MIN_FILL_SECONDS = 1.0
BASE_PATHS = [pytest.param("", id="root"), pytest.param("/api", id="base-path-api")]


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the local stack writes its local.json."""
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module", params=BASE_PATHS)
def stack(request: pytest.FixtureRequest, state_dir: Path) -> Iterator[LocalInfo]:
    """The local stack on a free port (at the root or under a base path), with a one-second minimum
    fill time (one per module and base path)."""
    policy = function_module("feedback", "chalicelib.policy")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS", str(MIN_FILL_SECONDS))
        # the policy is read once per process (cold start); the app may be loaded already
        policy.reset_policy()
        try:
            with LocalStack(port=free_port(), state_dir=state_dir, base_path=request.param) as info:
                yield info
        finally:
            monkeypatch.undo()
            policy.reset_policy()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    with headless_chromium() as chromium:
        yield chromium


def _admin(info: LocalInfo, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
    response = requests.request(
        method,
        info.api_url + path,
        headers={"Authorization": f"Bearer {info.admin_key}", **headers},
        json=body,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response


def _shot(folder: Path, info: LocalInfo, name: str) -> str:
    """A screenshot's file: `<name>.png` at the root, `<name>-api.png` under `/api`."""
    return str(folder / f"{name}{urlsplit(info.api_url).path.replace('/', '-')}.png")


def _touchpoint_with_coupon_survey(info: LocalInfo, touchpoint_id: str) -> dict[str, Any]:
    service = SurveyService(get_runtime())
    definition = SurveyDefinition.model_validate(
        {
            "surveyId": "till-csat",
            "name": "Till CSAT with thank-you coupon",
            "defaultLanguage": "de",
            "title": {"de": "Wie war es an der Kasse?", "en": "How was it at the till?"},
            "questions": [
                {
                    "id": "csat",
                    "kind": "csat",
                    "required": True,
                    "text": {"de": "Wie zufrieden sind Sie?", "en": "How satisfied are you?"},
                },
                {
                    "id": "comment",
                    "kind": "text",
                    "text": {"de": "Was können wir besser machen?", "en": "What could we do better?"},
                },
            ],
            "incentive": {"kind": "pattern", "pattern": "THANKS-{random6}"},
        }
    )
    if service.get_survey(info.tenant_id, "till-csat") is None:
        service.create_survey(info.tenant_id, definition)
        service.activate(info.tenant_id, "till-csat")
    base = f"/v1/locations/{info.location_id}/touchpoints"
    _admin(info, "POST", base, {"touchpoint_id": touchpoint_id, "kind": "till", "label": "Kasse 1"})
    bound = _admin(info, "PUT", f"{base}/{touchpoint_id}", {"survey_id": "till-csat"})
    return dict(bound.json())


def _scan(info: LocalInfo, touchpoint_id: str) -> str:
    """What a phone reads from the printed code: decode the PNG the admin API serves."""
    path = f"/v1/locations/{info.location_id}/touchpoints/{touchpoint_id}/qr.png"
    png = _admin(info, "GET", path, Accept="image/png")
    [url] = decode_qr_png(png.content)
    return url


def test_shopper_scans_answers_and_gets_a_coupon_then_a_bad_answer_keeps_the_input(
    stack: LocalInfo, browser: Any, test_output: Path
) -> None:
    touchpoint = _touchpoint_with_coupon_survey(stack, "till-1")
    url = _scan(stack, "till-1")
    assert url == touchpoint["qr_url"] and url.startswith(stack.api_url + "/f/")
    assert urlsplit(url).path.startswith(urlsplit(stack.api_url).path + "/f/")  # `/api/f/...` under /api

    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"},
    )
    context.set_default_timeout(15_000)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()

    # 1. the scanned URL opens the German form (from Accept-Language)
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "Wie war es an der Kasse?"
    assert len(response.body()) < 30 * 1024
    page.screenshot(path=_shot(test_output, stack, "feedback-form-de"), full_page=True)

    # 2. the language switch
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("legend").first.inner_text().startswith("How satisfied are you?")
    for box in [page.locator(f'label[for="q_csat_{n}"]').bounding_box() for n in range(1, 6)]:
        assert box is not None and box["width"] >= 44 and box["height"] >= 44  # large touch targets
    page.screenshot(path=_shot(test_output, stack, "feedback-form-en"), full_page=True)

    # 3. answer by keyboard: focus the scale, arrow to 4, tab to the comment, type, send with Enter
    page.locator("#q_csat_1").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.locator("#q_csat_4").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q_comment"
    page.locator("#q_comment").fill("Quick checkout, friendly staff.")
    page.screenshot(path=_shot(test_output, stack, "feedback-form-filled"), full_page=True)
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)
    page.locator("button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == "Thank you!"
    assert page.url.startswith(url)  # answered at the scanned URL, the base path kept
    coupon = page.locator("#coupon").inner_text()
    assert re.fullmatch(r"THANKS-[A-Z0-9]{6}", coupon), coupon
    page.screenshot(path=_shot(test_output, stack, "feedback-thanks"), full_page=True)

    # 4. a bad submission: a comment but no rating; the error sits next to the field, the text stays
    page.goto(url + "?lang=en")
    page.locator("#q_comment").fill("The queue was long.")
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)
    with page.expect_navigation():
        page.locator("button[type=submit]").tap()
    assert page.locator("#err_q_csat").inner_text() == "Please choose a value from 1 to 5."
    assert page.locator("#f_q_csat #err_q_csat").count() == 1  # inside the rating's fieldset
    assert page.locator("#q_comment").input_value() == "The queue was long."
    assert page.locator("#q_csat_1").get_attribute("aria-describedby") == "err_q_csat"
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=_shot(test_output, stack, "feedback-error"), full_page=True)

    # nothing but the local stack was ever asked for anything
    assert requested and all(u.startswith(stack.api_url + "/") for u in requested), requested
    context.close()
    runtime = get_runtime()
    items = [
        from_item(i)
        for i in runtime.clients.dynamodb.scan(TableName=runtime.settings.responses_table)["Items"]
    ]
    responses = [decode_response(i) for i in items if str(i["sk"]).startswith("RESPONSE#")]
    assert [(r.channel, r.touchpoint_id, r.coupon_code) for r in responses] == [
        ("in_store", "till-1", coupon)
    ]


def test_the_printed_poster_scans_to_the_form(
    stack: LocalInfo,
    browser: Any,
    test_output: Path,
    state_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    touchpoint = _touchpoint_with_coupon_survey(stack, "entrance")
    base = f"/v1/locations/{stack.location_id}/touchpoints/entrance"
    svg = _admin(stack, "GET", base + "/poster?size=A5&lang=en").text
    poster_file = test_output / "feedback-poster-A5-en.svg"
    poster_file.write_text(svg, encoding="utf-8")
    page = browser.new_page(viewport={"width": 740, "height": 1050})
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    page.set_content(
        f'<body style="margin:0"><img alt="poster" style="width:740px" src="data:image/svg+xml;base64,{encoded}">'
    )
    shot = test_output / "feedback-poster-A5-en.png"
    page.screenshot(path=str(shot))
    page.close()
    assert decode_qr_png(shot.read_bytes()) == [touchpoint["qr_url"]]
    # `touchpoint qr` against the running local stack (through its local.json)
    monkeypatch.setattr("touchpoint_cli.paths.LOCAL_STATE_DIR", state_dir)
    result = CliRunner().invoke(
        cli, ["qr", "--location", stack.location_id, "--out", str(tmp_path), "--format", "svg"]
    )
    assert result.exit_code == 0, result.output
    written = (tmp_path / f"{stack.location_id}-entrance-A4-de.svg").read_text(encoding="utf-8")
    assert decode_qr(svg_poster_image(written)) == [touchpoint["qr_url"]]
    pdf = _admin(stack, "GET", base + "/poster?format=pdf", Accept="application/pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-1.4")


def test_a_shopper_leaves_a_contact_only_with_the_consent_box_ticked(
    stack: LocalInfo, browser: Any, test_output: Path
) -> None:
    _touchpoint_with_coupon_survey(stack, "till-contact")
    url = _scan(stack, "till-contact")
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(url + "?lang=en")
    assert not page.locator("#contact").is_visible()  # folded: the form stays short
    page.locator("label[for=q_csat_2]").tap()
    page.locator("details.contact summary").tap()
    page.locator("#contact").fill("kim.kunde@example.net")
    assert not page.locator("#contact_consent").is_checked()  # never ticked for the shopper
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)
    with page.expect_navigation():
        page.locator("button[type=submit]").tap()
    assert page.locator("#err_contact").inner_text().startswith("Please tick the box")
    assert page.locator("#contact").input_value() == "kim.kunde@example.net"
    assert page.get_by_role("alert").is_visible()
    page.screenshot(path=_shot(test_output, stack, "feedback-contact-error"), full_page=True)
    page.locator("label[for=contact_consent]").tap()
    with page.expect_navigation():
        page.locator("button[type=submit]").tap()
    assert page.locator("h1").inner_text() == "Thank you!"
    context.close()
    runtime = get_runtime()
    items = [
        from_item(i)
        for i in runtime.clients.dynamodb.scan(TableName=runtime.settings.responses_table)["Items"]
    ]
    [response] = [
        decode_response(i)
        for i in items
        if str(i["sk"]).startswith("RESPONSE#") and decode_response(i).touchpoint_id == "till-contact"
    ]
    contact = runtime.contacts.reveal(stack.tenant_id, response.response_id)
    assert contact is not None and contact.email == "kim.kunde@example.net" and contact.language == "en"
    assert "kim.kunde" not in str(items)

"""Closing the loop in a real headless Chromium: a detractor's answer becomes a case a store manager
follows up, and the customer gets the reply by e-mail.

A shopper scans the Berlin till's code on a phone, gives an NPS of 2 with a comment and leaves an
e-mail address with the consent box ticked. The tenant's default case rules open a case for the
detractor. The Berlin store manager (an editor scoped to Berlin, invited as the console does) signs
in with the temporary password, sets their own, opens the inbox, sees the answer with its case,
opens the case, replies (the greeting prefilled in the customer's language), resolves it, and the
reply is in SES addressed to the customer. A Hamburg case stays invisible to them. JavaScript is
off the whole time; screenshots go to `test-output/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.browser import headless_chromium
from tests.unit.feedback.qr_decode import decode_qr_png
from touchpoint.accounts.wiring import account_service
from touchpoint.models.surveys import SurveyDefinition
from touchpoint.models.tenants import KeyKind
from touchpoint.runtime import get_runtime
from touchpoint.surveys.service import SurveyService
from touchpoint.web.auth import Principal
from touchpoint_cli.stack import LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MANAGER = "leitung.berlin@example.com"
MANAGER_PASSWORD = "Berlin-Filiale-2026!"
CUSTOMER = "kim.kunde@example.net"
SURVEY = "till-nps"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfo]:
    """The local stack on a free port (one per module), moto reset afterwards."""
    with LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("state")) as info:
        try:
            yield info
        finally:
            requests.post(info.aws_endpoint_url + "/moto-api/reset", timeout=10)


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
        timeout=30,
    )
    assert response.status_code in (200, 201), response.text
    return response


def _till_with_nps_survey(info: LocalInfo) -> str:
    """An active NPS survey with a comment question, bound to a Berlin till; the till's scanned URL."""
    service = SurveyService(get_runtime())
    definition = SurveyDefinition.model_validate(
        {
            "surveyId": SURVEY,
            "name": "Till NPS",
            "defaultLanguage": "de",
            "questions": [
                {
                    "id": "nps",
                    "kind": "nps",
                    "required": True,
                    "text": {
                        "de": "Wie wahrscheinlich empfehlen Sie uns weiter?",
                        "en": "How likely are you to recommend us?",
                    },
                },
                {"id": "comment", "kind": "text", "text": {"de": "Warum?", "en": "Why?"}},
            ],
        }
    )
    service.create_survey(info.tenant_id, definition)
    service.activate(info.tenant_id, SURVEY)
    base = f"/v1/locations/{info.location_id}/touchpoints"
    _admin(info, "POST", base, {"touchpoint_id": "till-loop", "kind": "till", "label": "Kasse 1"})
    _admin(info, "PUT", f"{base}/till-loop", {"survey_id": SURVEY})
    png = _admin(info, "GET", f"{base}/till-loop/qr.png", Accept="image/png")
    [url] = decode_qr_png(png.content)
    return url


def _hamburg_case(info: LocalInfo) -> str:
    """A detractor answer at a Hamburg store (through the survey API): its case is not Berlin's."""
    _admin(
        info,
        "POST",
        "/v1/locations",
        {"location_id": "hamburg", "name": "Hamburg"},
    )
    answer = requests.post(
        f"{info.api_url}/v1/surveys/{SURVEY}/responses",
        headers={"Authorization": f"Bearer {info.write_key}"},
        json={
            "answers": {"nps": 1, "comment": "Hamburg: niemand an der Kasse"},
            "channel": "in_store",
            "location_id": "hamburg",
        },
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    cases = _admin(info, "GET", "/v1/cases?location_id=hamburg").json()["cases"]
    assert len(cases) == 1
    return str(cases[0]["caseId"])


def _sent_to(address: str) -> list[Any]:
    """The e-mails moto's SES (in this process, behind the local stack) sent to `address`."""
    from moto.ses.models import ses_backends

    messages: list[Any] = []
    for backend in ses_backends["123456789012"].values():  # moto's default account
        messages += [
            m for m in backend.sent_messages if address in (m.destinations or {}).get("ToAddresses", [])
        ]
    return messages


def _shot(folder: Path, name: str) -> str:
    return str(folder / f"{name}.png")


def test_a_store_manager_replies_to_a_detractor_and_resolves_the_case(
    stack: LocalInfo, browser: Any, test_output: Path
) -> None:
    url = _till_with_nps_survey(stack)
    hamburg_case = _hamburg_case(stack)

    # The shopper, on a phone: NPS 2, a comment, the e-mail address with the consent box ticked.
    shopper = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=False)
    shopper.set_default_timeout(30_000)
    form = shopper.new_page()
    form.goto(url + "?lang=de")
    form.locator("label[for=q_nps_2]").tap()
    form.locator("#q_comment").fill("Die Schlange an der Kasse war ewig lang, niemand hat geholfen.")
    form.locator("details.contact summary").tap()
    form.locator("#contact").fill(CUSTOMER)
    form.locator("label[for=contact_consent]").tap()
    form.wait_for_timeout(2500)  # the form's minimum fill time
    with form.expect_navigation():
        form.locator("button[type=submit]").tap()
    assert form.locator("h1").inner_text() == "Vielen Dank!"
    shopper.close()

    # The Berlin store manager, invited as an editor for Berlin only.
    invitation = account_service(get_runtime()).invite(
        Principal.for_key(stack.tenant_id, KeyKind.ADMIN, "e2e"),
        MANAGER,
        "editor",
        [stack.location_id],
        sign_in_url=stack.api_url + "/dashboard/login",
        lang="de",
    )
    manager = browser.new_context(viewport=DESKTOP, java_script_enabled=False, locale="de-DE")
    manager.set_default_timeout(30_000)
    page = manager.new_page()
    page.goto(stack.api_url + "/dashboard/inbox?lang=de")  # not signed in: the sign-in page, then back
    page.fill("#email", MANAGER)
    page.fill("#password", invitation.temporary_password)
    with page.expect_navigation():
        page.locator("form[action$='/dashboard/login/account'] button[type=submit]").click()
    page.fill("#password", MANAGER_PASSWORD)  # the first sign-in asks for an own password
    page.fill("#password2", MANAGER_PASSWORD)
    with page.expect_navigation():
        page.locator("form[action$='/dashboard/login/new-password'] button[type=submit]").click()
    page.goto(stack.api_url + "/dashboard/inbox?lang=de")
    rows = page.locator("#answers tr.answer")
    assert rows.count() == 1  # Berlin's answer only: the Hamburg detractor is not shown
    assert "Schlange an der Kasse" in rows.first.inner_text()
    assert "Hamburg" not in page.content()
    page.screenshot(path=_shot(test_output, "loop-inbox"), full_page=True)

    # The detractor's case (opened by the tenant's default rules), the reply, resolved.
    with page.expect_navigation():
        rows.first.locator("a.case-link").click()
    assert page.locator("#case-status").get_attribute("data-status") == "new"
    assert page.locator("#case-consent").inner_text() == "ja"
    assert page.locator("#body").input_value().startswith("Guten Tag,")  # the customer answered in German
    page.fill(
        "#body", "Guten Tag, danke für Ihre ehrliche Rückmeldung. Ab Montag öffnen wir eine zweite Kasse."
    )
    with page.expect_navigation():
        page.click("#reply-submit")
    assert page.locator("#notice").is_visible()
    assert "zweite Kasse" in page.locator("#case-replies").inner_text()
    page.select_option("#status", "resolved")
    with page.expect_navigation():
        page.click("#status-submit")
    assert page.locator("#case-status").get_attribute("data-status") == "resolved"
    history = page.locator("#case-history").inner_text()
    assert MANAGER in history
    page.screenshot(path=_shot(test_output, "loop-case-resolved"), full_page=True)

    # The customer's e-mail is in SES: to the address they left, in German, with the reply.
    [mail] = _sent_to(CUSTOMER)
    assert "zweite Kasse" in mail.body

    # The Hamburg case does not exist for the Berlin manager.
    hidden = page.goto(f"{stack.api_url}/dashboard/cases/{hamburg_case}?lang=de")
    assert hidden is not None and hidden.status == 404
    manager.close()

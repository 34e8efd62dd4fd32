"""A first day with the console in a real headless Chromium, JavaScript off, against the local stack.

The demo admin signs in with e-mail and password, creates the stores Berlin and Hamburg and a
touchpoint in Berlin, invites a store manager for Berlin (editor), writes a survey in German and
English (an NPS question and a comment), activates it, binds it to the touchpoint and downloads
the QR code and the A4 poster. A customer on a phone scans the code, answers (NPS 3 and a
comment) and sees the thank-you page. The store manager reads the invitation e-mail (moto's SES,
in this process), signs in with the temporary password, chooses an own password, finds the
answer in the inbox and counted in the survey's results, and cannot open Hamburg's store page or
the team page. Screenshots (desktop and phone) go to `test-output/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.unit.feedback.qr_decode import decode_qr_png
from touchpoint_cli.apps import function_module
from touchpoint_cli.stack import LOCAL_REGION, LocalInfo, LocalStack, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("local-stack")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
MIN_FILL_SECONDS = 1.0
MOTO_ACCOUNT = "123456789012"
MANAGER = "filialleitung.berlin@demo.example"
MANAGER_PASSWORD = "Berlin-Filiale-2026"
SURVEY_ID = "store-nps"
COMMENT = "Die Wartezeit an der Kasse war viel zu lang."


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfo]:
    """The local stack on a free port with a one-second minimum fill time of the QR form."""
    policy = function_module("feedback", "chalicelib.policy")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS", str(MIN_FILL_SECONDS))
        policy.reset_policy()  # the policy is read once per process; the app may be loaded already
        try:
            with LocalStack(port=free_port(), state_dir=tmp_path_factory.mktemp("state")) as info:
                try:
                    yield info
                finally:
                    # moto keeps its state per process; leave none behind for the next stack
                    requests.post(info.aws_endpoint_url + "/moto-api/reset", timeout=10)
        finally:
            monkeypatch.undo()
            policy.reset_policy()


def _desktop(browser: Any) -> Any:
    """A German desktop browser without JavaScript."""
    context = browser.new_context(
        viewport=DESKTOP,
        java_script_enabled=False,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"},
    )
    context.set_default_timeout(20_000)
    return context


def _submit(page: Any, selector: str) -> Any:
    """Click a submit button and wait for the answer's page; the main response."""
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def _sent_mails() -> list[Any]:
    """Every e-mail moto's SES (the stack's moto server runs in this process) has sent."""
    from moto.ses.models import ses_backends

    return list(ses_backends[MOTO_ACCOUNT][LOCAL_REGION].sent_messages)


def _admin_signs_in(page: Any, info: LocalInfo) -> None:
    """The console sends a visitor without a session to the sign-in page and back after it."""
    email, password = info.admin_email, info.admin_password  # the demo admin `make dev` prints
    assert email and password
    page.goto(info.api_url + "/console/stores")
    assert urlsplit(page.url).path == "/dashboard/login", page.url
    page.fill("form[action='/dashboard/login/account'] #email", email)
    page.fill("form[action='/dashboard/login/account'] #password", password)
    _submit(page, "form[action='/dashboard/login/account'] button[type=submit]")
    assert urlsplit(page.url).path == "/console/stores", page.url
    assert page.locator("header .who").inner_text() == email


def _create_store(page: Any, info: LocalInfo, location_id: str, name: str) -> None:
    page.goto(info.api_url + "/console/stores")
    page.fill("#location_id", location_id)
    page.fill("#name", name)
    page.select_option("#default_language", "de")
    response = _submit(page, "form[action^='/console/stores?'] button[type=submit]")
    assert response.status == 200, response.status
    assert urlsplit(page.url).path == f"/console/stores/{location_id}"
    assert page.locator("p.notice").count() == 1


def _create_touchpoint(page: Any, info: LocalInfo) -> None:
    page.goto(info.api_url + "/console/stores/berlin")
    page.fill("#touchpoint_id", "kasse-1")
    page.select_option("#kind", "till")
    page.fill("#label", "Kasse 1")
    _submit(page, "form[action^='/console/stores/berlin/touchpoints'] button[type=submit]")
    assert urlsplit(page.url).path == "/console/stores/berlin/touchpoints/kasse-1", page.url
    assert page.locator("p.notice").count() == 1


def _invite_manager(page: Any, info: LocalInfo, test_output: Path) -> None:
    page.goto(info.api_url + "/console/users")
    page.fill("#email", MANAGER)
    page.select_option("#role", "editor")
    page.check("input[name=location][value=berlin]")
    assert not page.is_checked("input[name=location][value=hamburg]")
    page.select_option("#mail_lang", "de")
    response = _submit(page, "form[action^='/console/users'] button[type=submit]")
    assert response.status == 200, page.inner_text("main")
    assert MANAGER in page.locator("p.notice").inner_text()
    assert page.locator("#secret").count() == 0  # mailed: the temporary password is not shown
    page.screenshot(path=str(test_output / "console-invited-desktop.png"), full_page=True)


def _fill(page: Any, name: str, value: str) -> None:
    page.fill(f"[name='{name}']", value)


def _create_survey(page: Any, info: LocalInfo, test_output: Path) -> None:
    page.goto(info.api_url + "/console/surveys/new")
    _fill(page, "name", "Filial-NPS")
    _fill(page, "survey_id", SURVEY_ID)
    _fill(page, "default_language", "de")
    _fill(page, "languages", "de, en")
    _fill(page, "title.de", "Wie war Ihr Einkauf?")
    _fill(page, "title.en", "How was your visit?")
    _fill(page, "thank_you.de", "Danke für Ihre Meinung!")
    _fill(page, "thank_you.en", "Thank you for your feedback!")
    _fill(page, "q0.id", "nps")
    page.select_option("[name='q0.kind']", "nps")
    page.check("[name='q0.required']")
    _fill(page, "q0.text.de", "Wie wahrscheinlich empfehlen Sie uns weiter?")
    _fill(page, "q0.text.en", "How likely are you to recommend us?")
    _submit(page, "button[name=action][value=add_question]")  # no script: the server adds the fieldset
    assert page.input_value("[name='q0.text.en']") == "How likely are you to recommend us?"
    _fill(page, "q1.id", "comment")
    page.select_option("[name='q1.kind']", "text")
    _fill(page, "q1.text.de", "Was können wir besser machen?")
    _fill(page, "q1.text.en", "What could we do better?")
    page.screenshot(path=str(test_output / "console-survey-editor-desktop.png"), full_page=True)
    response = _submit(page, "button[name=action][value=save]")
    assert response.status == 200 and urlsplit(page.url).path == "/console/surveys", page.inner_text("main")
    row = page.locator("tr", has_text=SURVEY_ID)
    _submit(page, f"form[action^='/console/surveys/{SURVEY_ID}/activate'] button[type=submit]")
    assert page.locator("p.notice").count() == 1
    assert page.locator(f"form[action^='/console/surveys/{SURVEY_ID}/close']").count() == 1
    assert row.locator("span.badge.active").count() == 1
    page.screenshot(path=str(test_output / "console-surveys-desktop.png"), full_page=True)


def _bind_and_download(page: Any, info: LocalInfo, test_output: Path) -> str:
    """Bind the survey to the touchpoint, download the QR PNG and A4 PDF poster; the code's URL."""
    page.goto(info.api_url + "/console/stores/berlin/touchpoints/kasse-1")
    page.select_option("#survey_id", SURVEY_ID)
    _submit(page, "form[action*='/kasse-1/survey?'] button[type=submit]")
    assert page.locator("p.notice").count() == 1
    assert page.locator("#survey_id").input_value() == SURVEY_ID
    form_url: str = page.locator("#form_url").input_value()
    assert form_url.startswith(info.api_url + "/f/"), form_url
    page.screenshot(path=str(test_output / "console-touchpoint-desktop.png"), full_page=True)
    _submit(page, "header a[hreflang=en]")  # the language switch stays on this touchpoint's page
    assert urlsplit(page.url).path == "/console/stores/berlin/touchpoints/kasse-1", page.url
    assert "QR code and posters" in page.locator("main").inner_text()

    # the QR code and the poster open in the browser (the person prints or saves them from there)
    png = _submit(page, "a[href$='/qr.png']")
    assert png.status == 200 and png.headers["content-type"] == "image/png"
    assert decode_qr_png(png.body()) == [form_url]
    page.go_back()
    poster = _submit(page, "a[href*='/poster?size=A4&format=pdf']")
    assert poster.status == 200 and poster.headers["content-type"] == "application/pdf"
    # Chromium shows it in its PDF viewer; the bytes, fetched again with this browser's session:
    pdf = page.context.request.get(poster.url).body()
    assert pdf.startswith(b"%PDF"), pdf[:20]
    page.go_back()
    (test_output / "console-poster-A4.pdf").write_bytes(pdf)
    return form_url


def _customer_answers(browser: Any, form_url: str, test_output: Path) -> None:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
        locale="de-DE",
        extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"},
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    response = page.goto(form_url)
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Wie war Ihr Einkauf?"
    page.locator("label[for=q_nps_3]").tap()
    page.locator("#q_comment").fill(COMMENT)
    page.screenshot(path=str(test_output / "console-customer-form-phone.png"), full_page=True)
    page.wait_for_timeout(MIN_FILL_SECONDS * 1000 + 300)
    with page.expect_navigation():
        page.locator("button[type=submit]").tap()
    assert page.locator("h1").inner_text() == "Vielen Dank!"
    assert "Danke für Ihre Meinung!" in page.locator("body").inner_text()  # the survey's own thank-you
    page.screenshot(path=str(test_output / "console-customer-thanks-phone.png"), full_page=True)
    context.close()


def _invitation() -> tuple[str, str]:
    """The sign-in link and temporary password of the manager's invitation e-mail."""
    [mail] = [m for m in _sent_mails() if m.destinations["ToAddresses"] == [MANAGER]]
    assert "Einladung zu Touchpoint" in mail.subject, mail.subject
    link = re.search(r"Melden Sie sich hier an: (\S+)", mail.body)
    password = re.search(r"Vorläufiges Passwort: (\S+)", mail.body)
    assert link is not None and password is not None, mail.body
    return link.group(1), password.group(1)


def _manager_signs_in(page: Any, info: LocalInfo, test_output: Path) -> None:
    link, temporary = _invitation()
    assert link.startswith(info.api_url + "/dashboard/login"), link
    response = page.goto(link)
    assert response is not None and response.status == 200
    page.fill("form[action='/dashboard/login/account'] #email", MANAGER)
    page.fill("form[action='/dashboard/login/account'] #password", temporary)
    response = _submit(page, "form[action='/dashboard/login/account'] button[type=submit]")
    assert response.status == 200  # the first sign-in: choose an own password
    assert page.locator("form[action='/dashboard/login/new-password']").count() == 1
    page.fill("#password", MANAGER_PASSWORD)
    page.fill("#password2", MANAGER_PASSWORD)
    page.screenshot(path=str(test_output / "console-new-password-desktop.png"), full_page=True)
    _submit(page, "form[action='/dashboard/login/new-password'] button[type=submit]")
    assert urlsplit(page.url).path.startswith("/dashboard"), page.url
    session = next(c for c in page.context.cookies() if c["name"] == "tp_session")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"


def _manager_sees_the_answer(page: Any, info: LocalInfo, test_output: Path) -> None:
    response = page.goto(info.api_url + "/dashboard/inbox")
    assert response is not None and response.status == 200, page.inner_text("main")
    [answer] = page.locator("#answers tr.answer").all()
    assert "NPS 3" in answer.inner_text()
    assert answer.locator("td.comment").inner_text().strip() == COMMENT
    assert answer.locator(".badge.nps_detractor").count() == 1
    page.screenshot(path=str(test_output / "console-manager-inbox-desktop.png"), full_page=True)

    response = page.goto(info.api_url + f"/console/surveys/{SURVEY_ID}/results")
    assert response is not None and response.status == 200, page.inner_text("main")
    nps = page.locator("#result-nps")
    split = nps.locator("h3 ~ .table-wrap tbody tr")  # promoters, passives, detractors
    assert [row.locator("td.num").first.inner_text() for row in split.all()] == ["0", "0", "1"]
    assert "-100" in nps.locator("h3").inner_text()
    assert COMMENT in page.locator("main").inner_text()
    page.screenshot(path=str(test_output / "console-manager-results-desktop.png"), full_page=True)


def _manager_is_kept_to_berlin(page: Any, info: LocalInfo) -> None:
    response = page.goto(info.api_url + "/console/stores")
    assert response is not None and response.status == 200
    listed = page.locator("main table tbody tr td:first-child").all_inner_texts()
    assert listed == ["berlin"], listed
    assert page.locator("#location_id").count() == 0  # a store manager cannot create stores
    response = page.goto(info.api_url + "/dashboard/inbox?location=hamburg")
    assert response is not None and response.status == 404
    response = page.goto(info.api_url + "/console/stores/hamburg")
    assert response is not None and response.status == 404  # outside the scope: as if it did not exist
    assert "Hamburg" not in page.locator("main").inner_text()
    response = page.goto(info.api_url + "/console/users")
    assert response is not None and response.status == 403  # the team page is for admins
    assert MANAGER not in page.locator("main").inner_text()


def test_first_day_admin_invites_a_store_manager_who_sees_the_customers_answer(
    stack: LocalInfo, browser: Any, test_output: Path
) -> None:
    admin = _desktop(browser)
    page = admin.new_page()
    _admin_signs_in(page, stack)
    _create_store(page, stack, "berlin", "Berlin")
    _create_store(page, stack, "hamburg", "Hamburg")
    _create_touchpoint(page, stack)
    _invite_manager(page, stack, test_output)
    _create_survey(page, stack, test_output)
    form_url = _bind_and_download(page, stack, test_output)
    admin.close()

    _customer_answers(browser, form_url, test_output)

    manager = _desktop(browser)
    page = manager.new_page()
    _manager_signs_in(page, stack, test_output)
    _manager_sees_the_answer(page, stack, test_output)
    _manager_is_kept_to_berlin(page, stack)
    manager.close()

    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, java_script_enabled=False
    )
    page = phone.new_page()
    page.goto(stack.api_url + "/dashboard/login?lang=en")
    page.fill("form[action='/dashboard/login/account'] #email", MANAGER)
    page.fill("form[action='/dashboard/login/account'] #password", MANAGER_PASSWORD)
    _submit(page, "form[action='/dashboard/login/account'] button[type=submit]")
    response = page.goto(stack.api_url + f"/console/surveys/{SURVEY_ID}/results?lang=en")
    assert response is not None and response.status == 200
    assert page.locator("h1").inner_text() == "Results: Filial-NPS"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the results page scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(test_output / "console-manager-results-phone.png"), full_page=True)
    phone.close()

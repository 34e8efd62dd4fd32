"""The surveys console: list, editor (every question kind), buttons, errors, preview, activate/close, roles."""

from __future__ import annotations

import fnmatch
import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

from tests.conftest import TenantKeys, bearer, function_client, team_session
from tests.functional.surveys.support import NPS_SURVEY, active_survey, call
from touchpoint.models.surveys import Survey, SurveyDefinition, SurveyStatus
from touchpoint.respondent_form.render import PageContext, form_page
from touchpoint.runtime import Runtime

FORM = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}


class FormFields(HTMLParser):
    """The fields a browser would send for a page's form (text inputs, ticked boxes, selected options)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("text", "hidden", "date") or (kind in ("checkbox", "radio") and "checked" in a):
                self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, self._text))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data


def _audit(runtime: Runtime) -> list[Any]:
    today = date.today()
    return runtime.audit.list("acme", today - timedelta(days=1), today + timedelta(days=1))


def _body(response: Any) -> str:
    return response.body.decode() if isinstance(response.body, bytes) else str(response.body)


def _post(client: Client, path: str, fields: list[tuple[str, str]], headers: dict[str, str]) -> Any:
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(fields))


def _form_of(client: Client, path: str, headers: dict[str, str]) -> list[tuple[str, str]]:
    page = client.http.get(path, headers=headers)
    assert page.status_code == 200, page.body
    return FormFields(_body(page)).fields


def _set(fields: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    if all(k != name for k, _ in fields):
        return [*fields, (name, value)]
    return [(k, value if k == name else v) for k, v in fields]


@pytest.fixture
def client(tenant: TenantKeys) -> Any:
    with function_client("surveys") as c:
        yield c


def test_the_list_shows_every_survey_with_status_and_links(client: Client, tenant: TenantKeys) -> None:
    survey_id = active_survey(client, tenant)
    page = client.http.get("/console/surveys?lang=en", headers=bearer(tenant.read_key))
    html = _body(page)
    assert page.status_code == 200 and "Quarterly NPS" in html and "active" in html
    assert f"/console/surveys/{survey_id}/results" in html and f"/console/surveys/{survey_id}/preview" in html
    assert f"/console/surveys/{survey_id}/edit" not in html  # a read key may not edit
    admin = _body(client.http.get("/console/surveys?lang=en", headers=bearer(tenant.admin_key)))
    assert f"/console/surveys/{survey_id}/edit" in admin and "/console/surveys/new" in admin


def test_a_survey_of_every_kind_goes_through_the_editor_unchanged(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    # The editor's own form, posted back as a browser would, stores the very same definition.
    survey_id = active_survey(client, tenant)
    before = aws.surveys.get("acme", survey_id)
    assert before is not None
    admin = bearer(tenant.admin_key)
    fields = _form_of(client, f"/console/surveys/{survey_id}/edit?lang=en", admin)
    saved = _post(client, f"/console/surveys/{survey_id}/edit", [*fields, ("action", "save")], admin)
    assert saved.status_code == 303 and saved.headers["Location"].startswith("/console/surveys?")
    after = aws.surveys.get("acme", survey_id)
    assert after is not None and after.version == before.version + 1
    assert after.model_dump(include={"name", "default_language", "title", "thank_you", "questions"}) == (
        before.model_dump(include={"name", "default_language", "title", "thank_you", "questions"})
    )
    entries = _audit(aws)
    assert any(e.action == "survey.update" and e.target == f"survey:{survey_id}" for e in entries)


def test_a_new_survey_is_created_as_a_draft_with_translations_options_rule_and_incentive(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    admin = bearer(tenant.admin_key)
    fields = [
        ("name", "Checkout"),
        ("survey_id", "checkout"),
        ("default_language", "de"),
        ("languages", "de, en"),
        ("title.de", "Ihr Einkauf"),
        ("title.en", "Your purchase"),
        ("q0.id", "nps"),
        ("q0.kind", "nps"),
        ("q0.required", "yes"),
        ("q0.text.de", "Weiterempfehlen?"),
        ("q0.text.en", "Recommend?"),
        ("q1.id", "why"),
        ("q1.kind", "multi_choice"),
        ("q1.text.de", "Warum?"),
        ("q1.text.en", "Why?"),
        ("q1.o0.id", "price"),
        ("q1.o0.label.de", "Preis"),
        ("q1.o0.label.en", "Price"),
        ("q1.o1.id", "staff"),
        ("q1.o1.label.de", "Personal"),
        ("q1.o1.label.en", "Staff"),
        ("q1.o2.id", ""),  # the spare row stays empty: dropped
        ("q1.max_choices", "1"),
        ("q1.show_if_question", "nps"),
        ("q1.show_if_min", "0"),
        ("q1.show_if_max", "6"),
        ("incentive_kind", "pattern"),
        ("incentive_pattern", "THANKS-{random6}"),
        ("incentive_note.de", "An der Kasse zeigen"),
        ("action", "save"),
    ]
    response = _post(client, "/console/surveys/new", fields, admin)
    assert response.status_code == 303, _body(response)
    survey = aws.surveys.get("acme", "checkout")
    assert survey is not None and survey.status is SurveyStatus.DRAFT
    why = survey.question("why")
    assert why is not None and why.option_ids == ["price", "staff"] and why.max_choices == 1
    assert why.options[1].label == {"de": "Personal", "en": "Staff"}
    assert why.show_if is not None and (why.show_if.question_id, why.show_if.min, why.show_if.max) == (
        "nps",
        0,
        6,
    )
    assert survey.incentive is not None and survey.incentive.pattern == "THANKS-{random6}"
    assert survey.title == {"de": "Ihr Einkauf", "en": "Your purchase"}
    assert any(e.action == "survey.create" for e in _audit(aws))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"q0.id": "Bad Id"}, "q0.id"),
        ({"q1.o0.id": ""}, "q1"),  # a choice question left with one option
        ({"q0.text.de": ""}, "q0.text"),  # a question without text
        ({"q1.max_choices": "many"}, "q1.max_choices"),
        ({"q1.show_if_max": "11"}, "form"),  # outside the 0-10 scale of nps
    ],
)
def test_an_invalid_form_comes_back_with_the_error_at_its_field_and_nothing_stored(
    client: Client, tenant: TenantKeys, aws: Runtime, change: dict[str, str], field: str
) -> None:
    fields = [
        ("name", "Checkout"),
        ("default_language", "de"),
        ("languages", "de"),
        ("q0.id", "nps"),
        ("q0.kind", "nps"),
        ("q0.text.de", "Weiterempfehlen?"),
        ("q1.id", "why"),
        ("q1.kind", "multi_choice"),
        ("q1.text.de", "Warum?"),
        ("q1.o0.id", "price"),
        ("q1.o0.label.de", "Preis"),
        ("q1.o1.id", "staff"),
        ("q1.o1.label.de", "Personal"),
        ("q1.show_if_question", "nps"),
        ("q1.show_if_min", "0"),
        ("q1.show_if_max", "6"),
    ]
    for name, value in change.items():
        fields = _set(fields, name, value)
    response = _post(
        client, "/console/surveys/new?lang=en", [*fields, ("action", "save")], bearer(tenant.admin_key)
    )
    html = _body(response)
    assert response.status_code == 400
    assert f'id="err-{field}"' in html and "Nothing was saved" in html
    assert 'value="Warum?"' in html  # the form is kept
    assert aws.surveys.list("acme") == []


def test_buttons_add_remove_and_move_questions_without_saving(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    admin = bearer(tenant.admin_key)
    fields = _form_of(client, "/console/surveys/new?lang=en", admin)
    added = _post(client, "/console/surveys/new?lang=en", [*fields, ("action", "add_question")], admin)
    assert added.status_code == 200
    fields = FormFields(_body(added)).fields
    assert ("q0.id", "q1") in fields and ("q1.id", "q2") in fields
    moved = _post(client, "/console/surveys/new?lang=en", [*fields, ("action", "up:1")], admin)
    fields = FormFields(_body(moved)).fields
    assert ("q0.id", "q2") in fields and ("q1.id", "q1") in fields
    removed = _post(client, "/console/surveys/new?lang=en", [*fields, ("action", "remove:0")], admin)
    fields = FormFields(_body(removed)).fields
    assert [v for k, v in fields if k.endswith(".id") and k.count(".") == 1] == ["q1"]
    assert aws.surveys.list("acme") == []


def test_a_save_after_someone_else_saved_is_refused_with_the_form_kept(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    survey_id = active_survey(client, tenant)
    admin = bearer(tenant.admin_key)
    fields = _form_of(client, f"/console/surveys/{survey_id}/edit?lang=en", admin)
    other = {**NPS_SURVEY, "name": "Renamed by a colleague"}
    assert call(client, "PUT", f"/v1/surveys/{survey_id}", tenant.admin_key, other)[0] == 200
    fields = _set(fields, "name", "My name")
    response = _post(
        client, f"/console/surveys/{survey_id}/edit?lang=en", [*fields, ("action", "save")], admin
    )
    assert response.status_code == 409
    assert "Someone else saved this survey meanwhile" in _body(response) and 'value="My name"' in _body(
        response
    )
    stored = aws.surveys.get("acme", survey_id)
    assert stored is not None and stored.name == "Renamed by a colleague"


def test_an_active_surveys_rules_are_shown_at_the_question(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    survey_id = active_survey(client, tenant)
    admin = bearer(tenant.admin_key)
    fields = _form_of(client, f"/console/surveys/{survey_id}/edit?lang=en", admin)
    assert ("q5.o2.id", "ad") in fields
    fields = _set(fields, "q5.o2.id", "")  # dropping an option of an active survey's question
    response = _post(
        client, f"/console/surveys/{survey_id}/edit?lang=en", [*fields, ("action", "save")], admin
    )
    assert response.status_code == 409 and 'id="err-q5"' in _body(response)
    assert "keeps its option &#39;ad&#39;" in _body(response)
    stored = aws.surveys.get("acme", survey_id)
    assert stored is not None and stored.version == 2  # created, activated: nothing after


def test_the_preview_is_the_respondents_form(client: Client, tenant: TenantKeys, aws: Runtime) -> None:
    survey_id = active_survey(client, tenant)
    page = client.http.get(f"/console/surveys/{survey_id}/preview?lang=en", headers=bearer(tenant.read_key))
    survey = aws.surveys.get("acme", survey_id)
    assert isinstance(survey, Survey)
    assert page.status_code == 200
    assert _body(page) == form_page(PageContext("en"), survey, "preview", preview=True)
    assert "This preview sends no answers." in _body(page)
    assert '<button type="submit" disabled>' in _body(page)  # a preview never posts an answer
    assert "Content-Security-Policy" in page.headers
    german = _body(
        client.http.get(f"/console/surveys/{survey_id}/preview?lang=de", headers=bearer(tenant.read_key))
    )
    assert "Wie wahrscheinlich ist es" in german


def test_activate_and_close(client: Client, tenant: TenantKeys, aws: Runtime) -> None:
    status, body, _ = call(client, "POST", "/v1/surveys", tenant.admin_key, NPS_SURVEY)
    assert status == 201
    survey_id = body["surveyId"]
    admin = bearer(tenant.admin_key)
    activated = _post(client, f"/console/surveys/{survey_id}/activate", [], admin)
    assert activated.status_code == 303 and "done=activated" in activated.headers["Location"]
    assert aws.surveys.get("acme", survey_id).status is SurveyStatus.ACTIVE  # type: ignore[union-attr]
    closed = _post(client, f"/console/surveys/{survey_id}/close", [], admin)
    assert closed.status_code == 303
    assert aws.surveys.get("acme", survey_id).status is SurveyStatus.CLOSED  # type: ignore[union-attr]
    actions = [e.action for e in _audit(aws)]
    assert "survey.activate" in actions and "survey.close" in actions


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/surveys/new"),
        ("POST", "/console/surveys/new"),
        ("GET", "/console/surveys/{id}/edit"),
        ("POST", "/console/surveys/{id}/edit"),
        ("POST", "/console/surveys/{id}/activate"),
        ("POST", "/console/surveys/{id}/close"),
    ],
)
def test_viewers_and_read_keys_may_not_change_surveys(
    client: Client, tenant: TenantKeys, aws: Runtime, method: str, path: str
) -> None:
    survey_id = active_survey(client, tenant)
    before = aws.surveys.get("acme", survey_id)
    fields = [("name", "X"), ("q0.id", "a"), ("q0.kind", "text"), ("q0.text.de", "A"), ("action", "save")]
    for headers in (bearer(tenant.read_key), team_session(aws, "acme", "viewer")):
        url = path.replace("{id}", survey_id)
        if method == "GET":
            response = client.http.get(url, headers=headers)
        else:
            response = _post(client, url, fields, headers)
        assert response.status_code == 403, (url, response.status_code)
        assert "text/html" in response.headers["Content-Type"]
    assert aws.surveys.get("acme", survey_id) == before
    assert len(aws.surveys.list("acme")) == 1


def test_write_keys_see_no_console_page_and_cross_site_posts_are_refused(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    survey_id = active_survey(client, tenant)
    assert client.http.get("/console/surveys", headers=bearer(tenant.write_key)).status_code == 403
    crossing = client.http.post(
        f"/console/surveys/{survey_id}/close",
        headers={
            **bearer(tenant.admin_key),
            "Content-Type": FORM["Content-Type"],
            "Sec-Fetch-Site": "cross-site",
        },
        body="",
    )
    assert crossing.status_code == 403
    assert aws.surveys.get("acme", survey_id).status is SurveyStatus.ACTIVE  # type: ignore[union-attr]


def test_an_editor_may_create_a_survey(client: Client, tenant: TenantKeys, aws: Runtime) -> None:
    editor = team_session(aws, "acme", "editor")
    definition = SurveyDefinition.model_validate(NPS_SURVEY)
    fields = [("name", definition.name), ("q0.id", "a"), ("q0.kind", "text"), ("q0.text.de", "Etwas?")]
    response = _post(client, "/console/surveys/new", [*fields, ("action", "save")], editor)
    assert response.status_code == 303
    assert [s.name for s in aws.surveys.list("acme")] == [definition.name]
    assert client.http.get("/console/surveys/nope/edit", headers=editor).status_code == 404


def test_the_dev_server_and_the_public_host_send_the_console_to_the_surveys_function(
    tenant: TenantKeys,
) -> None:
    from tests.e2e.test_stack import stack  # infra/stack.py as a script's module (infra/ is no package)
    from touchpoint_cli.apps import load_app
    from touchpoint_cli.devserver import Router, mount, route_owner
    from touchpoint_cli.paths import HTTP_FUNCTIONS

    apps = [mount(name, load_app(name)) for name in HTTP_FUNCTIONS]
    paths = [
        "/console/surveys",
        "/console/surveys/new",
        "/console/surveys/s1/edit",
        "/console/surveys/s1/results",
    ]
    for path in [*paths, "/v1/surveys/s1/results", "/v1/surveys/s1/results.csv"]:
        found = route_owner(apps, path)
        assert found is not None and found.name == "surveys", path
    for path in paths:  # CloudFront: the first matching pattern wins
        assert next(f for pattern, f in stack.ROUTES if fnmatch.fnmatchcase(path, pattern)) == "surveys", path
    answer = Router(apps, {}).handle("GET", "/console/surveys?lang=en", bearer(tenant.admin_key), None)
    assert answer["statusCode"] == 200 and "New survey" in answer["body"]


def test_the_preview_has_the_qr_forms_question_markup(client: Client, tenant: TenantKeys) -> None:
    survey_id = active_survey(client, tenant)
    admin = {**bearer(tenant.admin_key), "Content-Type": "application/json"}
    with function_client("feedback") as feedback:
        location = {"location_id": "berlin", "name": "Berlin", "default_language": "de"}
        assert (
            feedback.http.post("/v1/locations", headers=admin, body=json.dumps(location)).status_code == 200
        )
        created = feedback.http.post(
            "/v1/locations/berlin/touchpoints",
            headers=admin,
            body=json.dumps({"touchpoint_id": "till-1", "kind": "till", "label": "Kasse 1"}),
        )
        bound = feedback.http.put(
            "/v1/locations/berlin/touchpoints/till-1",
            headers=admin,
            body=json.dumps({"survey_id": survey_id}),
        )
        assert bound.status_code == 200, bound.body
        qr_form = _body(feedback.http.get(f"/f/{json.loads(created.body)['token']}?lang=en"))
    preview = _body(
        client.http.get(f"/console/surveys/{survey_id}/preview?lang=en", headers=bearer(tenant.read_key))
    )

    def form_markup(page: str) -> str:
        form = page[page.index("<form") : page.index("</form>")]
        return re.sub(r'name="form_token" value="[^"]*"', 'name="form_token" value=""', form)

    assert "q_topics" in form_markup(preview)
    # the same questions, fields and order; only the preview's button is disabled
    assert form_markup(preview) == form_markup(qr_form).replace(
        '<button type="submit">', '<button type="submit" disabled>'
    )


def test_changes_through_the_json_api_are_audited_too(
    client: Client, tenant: TenantKeys, aws: Runtime
) -> None:
    survey_id = active_survey(client, tenant)  # created and activated with the admin key
    assert call(client, "POST", f"/v1/surveys/{survey_id}/close", tenant.admin_key)[0] == 200
    entries = [(e.action, e.target) for e in _audit(aws)]
    target = f"survey:{survey_id}"
    assert sorted(a for a, t in entries if t == target) == [
        "survey.activate",
        "survey.close",
        "survey.create",
    ]

"""The public form through the feedback function: language, submission, thank-you page and coupon."""

from __future__ import annotations

import json
import re

import pytest

from tests.functional.feedback.conftest import (
    Store,
    backdate,
    lake_response_keys,
    open_form,
    post_form,
    rejected_since,
    rejections,
    stored_responses,
)
from touchpoint.models.surveys import SurveyDefinition
from touchpoint.runtime import Runtime
from touchpoint.surveys.service import SurveyService

pytestmark = pytest.mark.usefixtures("no_fill_time")


def test_form_speaks_the_browsers_language_and_switches(store: Store) -> None:
    status, html, fields = open_form(
        store.client, store.path, **{"Accept-Language": "fr-CH, en;q=0.8, de;q=0.6"}
    )
    assert status == 200
    assert '<html lang="en">' in html and "How satisfied were you with your visit today?" in html
    assert '<a href="?lang=de" hreflang="de" lang="de">Deutsch</a>' in html
    assert fields["lang"] == "en" and fields["form_token"]
    status, html, _ = open_form(store.client, store.path + "?lang=de", **{"Accept-Language": "en"})
    assert '<html lang="de">' in html and "Wie zufrieden waren Sie heute mit Ihrem Besuch?" in html
    _, html, _ = open_form(store.client, store.path)
    assert '<html lang="de">' in html  # the store's language when the browser says nothing


def test_form_response_headers_and_size(store: Store) -> None:
    response = store.client.http.get(store.path)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert len(response.body) < 30 * 1024
    assert not re.search(rb'(?:src|href|action)="(?:https?:)?//', response.body)


def test_a_rating_and_a_comment_are_stored_as_an_in_store_response(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path, **{"Accept-Language": "en"})
    status, html = post_form(
        store.client, store.path, {**fields, "q_csat": "4", "q_comment": "Friendly staff", "website": ""}
    )
    assert status == 200, html
    assert "Thank you!" in html and "Thank you for your feedback!" in html
    assert 'id="coupon"' not in html  # the default survey has no incentive
    [item] = stored_responses(aws)
    assert item.channel == "in_store" and item.location_id == "berlin" and item.touchpoint_id == "till-1"
    assert item.answers == {"csat": 4, "comment": "Friendly staff"} and item.language == "en"
    assert item.survey_id == "in-store-default" and item.hidden == {"touchpoint_kind": "till"}
    assert item.complete and item.user_id is None and item.anonymous_id is None
    assert len(lake_response_keys(aws)) == 1


def test_a_survey_with_an_incentive_shows_a_coupon(aws: Runtime, store: Store) -> None:
    service = SurveyService(aws)
    definition = SurveyDefinition.model_validate(
        {
            "surveyId": "till-nps",
            "name": "Till NPS",
            "defaultLanguage": "de",
            "questions": [
                {
                    "id": "nps",
                    "kind": "nps",
                    "required": True,
                    "text": {"de": "Weiterempfehlen?", "en": "Recommend us?"},
                }
            ],
            "incentive": {
                "kind": "pattern",
                "pattern": "DANKE-{random6}",
                "note": {"de": "10 % beim nächsten Einkauf"},
            },
        }
    )
    service.create_survey(store.keys.tenant_id, definition)
    service.activate(store.keys.tenant_id, "till-nps")
    bound = store.admin("PUT", "/v1/locations/berlin/touchpoints/till-1", {"survey_id": "till-nps"})
    assert bound.status_code == 200 and json.loads(bound.body)["survey_id"] == "till-nps"
    _, html, fields = open_form(store.client, store.path)
    assert html.count('type="radio"') == 11 and "sehr unwahrscheinlich" in html
    status, html = post_form(store.client, store.path, {**fields, "q_nps": "10"})
    assert status == 200
    coupon = re.search(r'<strong id="coupon">(DANKE-[A-Z0-9]{6})</strong>', html)
    assert coupon and "10 % beim nächsten Einkauf" in html
    [item] = stored_responses(aws)
    assert item.survey_id == "till-nps" and item.coupon_code == coupon.group(1)


def test_a_bad_answer_shows_the_error_next_to_the_field_keeps_the_input_and_stores_nothing(
    aws: Runtime, store: Store
) -> None:
    _, _, fields = open_form(store.client, store.path)
    before = rejections()
    status, html = post_form(
        store.client, store.path, {**fields, "q_comment": "Lange Schlange <an> der Kasse"}
    )
    assert status == 422
    assert re.search(
        r'<fieldset id="f_q_csat"><legend>[^<]+<span class="hint">\(Pflichtfeld\)</span></legend>'
        r'<p class="error" id="err_q_csat">Bitte wählen Sie einen Wert von 1 bis 5\.</p>',
        html,
    )
    assert ">Lange Schlange &lt;an&gt; der Kasse</textarea>" in html
    assert stored_responses(aws) == [] and lake_response_keys(aws) == []
    assert rejected_since(before) == {"invalid_answer": 1}
    # the same form, corrected, is accepted (the nonce was not used up by the bad answer)
    status, html = post_form(
        store.client, store.path, {**fields, "q_csat": "2", "q_comment": "Lange Schlange"}
    )
    assert status == 200 and len(stored_responses(aws)) == 1


def test_an_out_of_range_rating_is_refused(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path, **{"Accept-Language": "en"})
    status, html = post_form(store.client, store.path, {**fields, "q_csat": "6"})
    assert status == 422 and "Please choose a value from 1 to 5." in html
    assert stored_responses(aws) == []


def test_a_closed_survey_says_so_and_stores_nothing(aws: Runtime, store: Store) -> None:
    _, _, fields = open_form(store.client, store.path)
    SurveyService(aws).close(store.keys.tenant_id, "in-store-default")
    status, html = post_form(store.client, store.path, {**fields, "q_csat": "5"})
    assert status == 410 and "Diese Umfrage ist beendet" in html
    status, html, _ = open_form(store.client, store.path)
    assert status == 410
    assert stored_responses(aws) == []


def test_min_fill_time_rerenders_with_the_input_then_accepts(
    aws: Runtime, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.functional.feedback.conftest import policy_env

    with policy_env(monkeypatch, TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS="3"):
        _, _, fields = open_form(store.client, store.path)
        before = rejections()
        status, html = post_form(store.client, store.path, {**fields, "q_csat": "5", "q_comment": "Schnell"})
        assert status == 422 and "Das ging sehr schnell" in html
        assert 'value="5" checked' in html and ">Schnell</textarea>" in html
        assert stored_responses(aws) == [] and rejected_since(before) == {"too_fast": 1}
        secret = aws.tenants.get_form_secret(store.keys.tenant_id)
        fields["form_token"] = backdate(fields["form_token"], secret, 3.5)
        status, _ = post_form(store.client, store.path, {**fields, "q_csat": "5"})
        assert status == 200 and len(stored_responses(aws)) == 1

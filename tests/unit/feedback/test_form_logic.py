"""Pure logic of the form: form tokens, client address, policy, answers."""

from __future__ import annotations

import pytest

from tests.unit.feedback.render_support import survey_of
from touchpoint.qr.tokens import TouchpointRef
from touchpoint.respondent_form import answers
from touchpoint.settings import ConfigurationError
from touchpoint.surveys import default_in_store_survey
from touchpoint_cli.apps import function_module

formtoken = function_module("feedback", "chalicelib.formtoken")
abuse = function_module("feedback", "chalicelib.abuse")
policy = function_module("feedback", "chalicelib.policy")

REF = TouchpointRef("acme", "berlin", "till-1", 2)
SECRET = "s" * 64


def test_form_tokens_bind_the_touchpoint_and_the_render_time() -> None:
    ticket = formtoken.FormTicket(REF, 1_700_000_000_123, formtoken.new_nonce())
    token = formtoken.issue(SECRET, ticket)
    assert formtoken.verify(SECRET, token, REF) == ticket
    assert formtoken.verify("x" * 64, token, REF) is None  # other tenant's secret
    assert formtoken.verify(SECRET, token, TouchpointRef("acme", "berlin", "till-2", 2)) is None
    assert formtoken.verify(SECRET, token, TouchpointRef("acme", "berlin", "till-1", 3)) is None  # rotated
    earlier = token.replace(".1700000000123.", ".1690000000123.")
    assert formtoken.verify(SECRET, earlier, REF) is None  # the time cannot be moved back
    assert formtoken.verify(SECRET, "", REF) is None
    assert formtoken.verify(SECRET, "a." * 300, REF) is None
    assert formtoken.new_nonce() != formtoken.new_nonce()


@pytest.mark.parametrize(
    ("headers", "source", "expected"),
    [
        # deployed: API Gateway's sourceIp wins, X-Forwarded-For (written by the client) is ignored
        ({"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}, "198.51.100.4", "198.51.100.4"),
        ({"X-Forwarded-For": "203.0.113.7"}, "2001:db8::9", "2001:db8::9"),
        # local dev server / test client (loopback source): the last hop, the one the server saw
        ({"X-Forwarded-For": "203.0.113.7, 10.0.0.1"}, "127.0.0.1", "10.0.0.1"),
        ({"x-forwarded-for": "2001:db8::1"}, "127.0.0.1", "2001:db8::1"),
        ({"x-forwarded-for": "10.0.0.1, not-an-ip"}, "127.0.0.1", "127.0.0.1"),
        ({"x-forwarded-for": "203.0.113.7"}, None, "203.0.113.7"),
        ({}, "198.51.100.4", "198.51.100.4"),
        ({}, None, "unknown"),
    ],
)
def test_client_address(headers: dict[str, str], source: str | None, expected: str) -> None:
    assert abuse.client_address(headers, source) == expected


def test_client_pseudonyms_are_salted_with_the_pepper_and_the_tenant() -> None:
    import hashlib

    ip = "198.51.100.7"
    key = abuse.client_pseudonym(ip, "acme", "pepper-of-at-least-16")
    assert key == abuse.client_pseudonym(ip, "acme", "pepper-of-at-least-16")  # stable inside a window
    assert ip not in key and len(key) == 32
    assert key != abuse.client_pseudonym(ip, "globex", "pepper-of-at-least-16")
    assert key != abuse.client_pseudonym(ip, "acme", "another-pepper-here")
    assert key != abuse.client_pseudonym("198.51.100.8", "acme", "pepper-of-at-least-16")
    # not the unsalted hash of the old scheme, which anyone could recompute for every IPv4 address
    assert not hashlib.sha256(f"touchpoint-form-client\x00{ip}".encode()).hexdigest().startswith(key[:24])


def test_policy_defaults_and_bad_values_name_the_variable() -> None:
    default = policy.policy_from_env({})
    assert default.min_fill_seconds == 3.0 and default.public_base_url is None
    custom = policy.policy_from_env(
        {
            "TOUCHPOINT_FEEDBACK_MIN_FILL_SECONDS": "0.5",
            "TOUCHPOINT_PUBLIC_BASE_URL": "https://fb.example.com/",
        }
    )
    assert custom.min_fill_seconds == 0.5 and custom.public_base_url == "https://fb.example.com"
    with pytest.raises(ConfigurationError, match="TOUCHPOINT_FEEDBACK_CLIENT_LIMIT must be a number"):
        policy.policy_from_env({"TOUCHPOINT_FEEDBACK_CLIENT_LIMIT": "many"})
    with pytest.raises(ConfigurationError, match="TOUCHPOINT_FEEDBACK_WINDOW_SECONDS must be between"):
        policy.policy_from_env({"TOUCHPOINT_FEEDBACK_WINDOW_SECONDS": "0"})
    with pytest.raises(ConfigurationError, match="TOUCHPOINT_PUBLIC_BASE_URL must be an http"):
        policy.policy_from_env({"TOUCHPOINT_PUBLIC_BASE_URL": "javascript:alert(1)"})


def test_answers_are_read_with_errors_in_the_respondents_language() -> None:
    survey = survey_of(default_in_store_survey())
    ok = answers.parse_answers(survey, {"q_csat": ["4"], "q_comment": ["  Nice staff  "]}, "de")
    assert ok.answers == {"csat": 4, "comment": "Nice staff"} and not ok.errors
    missing = answers.parse_answers(survey, {"q_comment": ["Kept"]}, "de")
    assert missing.errors == {"csat": "Bitte wählen Sie einen Wert von 1 bis 5."}
    assert missing.values["q_comment"] == ["Kept"]
    wrong = answers.parse_answers(survey, {"q_csat": ["9"]}, "en")
    assert wrong.errors == {"csat": "Please choose a value from 1 to 5."}
    long = answers.parse_answers(survey, {"q_csat": ["3"], "q_comment": ["x" * 1001]}, "en")
    assert long.errors["comment"].startswith("Please shorten your text to at most 1000 characters")


def test_choice_and_conditional_questions() -> None:
    survey = survey_of(
        {
            "name": "s",
            "defaultLanguage": "en",
            "questions": [
                {"id": "nps", "kind": "nps", "required": True, "text": {"en": "Recommend?"}},
                {
                    "id": "why",
                    "kind": "single_choice",
                    "required": True,
                    "text": {"en": "Why?"},
                    "options": [
                        {"id": "price", "label": {"en": "Price"}},
                        {"id": "staff", "label": {"en": "Staff"}},
                    ],
                    "showIf": {"questionId": "nps", "min": 0, "max": 6},
                },
                {
                    "id": "topics",
                    "kind": "multi_choice",
                    "text": {"en": "Topics"},
                    "maxChoices": 1,
                    "options": [{"id": "a", "label": {"en": "A"}}, {"id": "b", "label": {"en": "B"}}],
                },
            ],
        }
    )
    promoter = answers.parse_answers(survey, {"q_nps": ["10"], "q_why": ["price"]}, "en")
    assert promoter.answers == {"nps": 10} and not promoter.errors  # `why` is not asked of promoters
    detractor = answers.parse_answers(survey, {"q_nps": ["3"]}, "en")
    assert detractor.errors == {"why": "Please choose one of the options."}
    too_many = answers.parse_answers(survey, {"q_nps": ["8"], "q_topics": ["a", "b"]}, "en")
    assert too_many.errors == {"topics": "Please choose 1 to 1 options."}
    one = answers.parse_answers(survey, {"q_nps": ["8"], "q_topics": ["b"]}, "en")
    assert one.answers == {"nps": 8, "topics": ["b"]}

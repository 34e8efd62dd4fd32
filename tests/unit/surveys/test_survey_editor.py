"""The survey editor's form logic: validation locations to fields, buttons, and a lossless round trip."""

from __future__ import annotations

import pytest

from tests.functional.surveys.support import NPS_SURVEY
from tests.unit.feedback.render_support import survey_of
from touchpoint.models.surveys import SurveyDefinition
from touchpoint.web.forms import FormFields
from touchpoint_cli.apps import function_module

editor = function_module("surveys", "chalicelib.survey_editor")


@pytest.mark.parametrize(
    ("location", "field"),
    [
        (("name",), "name"),
        (("defaultLanguage",), "default_language"),
        (("title", "de"), "title.de"),
        (("questions", 2, "text"), "q2.text"),
        (("questions", 2, "scaleMin"), "q2.scale_min"),
        (("questions", 1, "options", 0, "label", "en"), "q1.o0.label.en"),
        (("questions", 3, "showIf", "max"), "q3.show_if_max"),
        (("questions", 3, "showIf", "questionId"), "q3.show_if_question"),
        (("questions", 3, "showIf"), "q3.show_if_question"),
        (("incentive", "pattern"), "incentive.pattern"),
        ((), "form"),
    ],
)
def test_validation_locations_name_form_fields(location: tuple[str | int, ...], field: str) -> None:
    assert editor.field_of(location) == field


def test_buttons() -> None:
    assert editor.parse_action("remove:2") == ("remove", 2)
    assert editor.parse_action("up:x") == ("refresh", None)
    assert editor.parse_action("save") == ("save", None)
    assert editor.parse_action("<script>") == ("refresh", None)
    draft = editor.new_draft("en")
    assert draft.languages == ["en", "de"]
    editor.apply_action(draft, "add_question", None)
    editor.apply_action(draft, "add_question", None)
    assert [q.id for q in draft.questions] == ["q1", "q2", "q3"]
    editor.apply_action(draft, "down", 0)
    editor.apply_action(draft, "up", 0)  # first stays first
    editor.apply_action(draft, "remove", 9)  # no such question: nothing
    assert [q.id for q in draft.questions] == ["q2", "q1", "q3"]
    editor.apply_action(draft, "remove", 1)
    assert [q.id for q in draft.questions] == ["q2", "q3"]


def test_a_stored_survey_round_trips_through_the_form_fields() -> None:
    survey = survey_of(NPS_SURVEY)
    draft = editor.draft_of(survey)
    fields: dict[str, list[str]] = {
        "name": [draft.name],
        "default_language": [draft.default_language],
        "languages": [", ".join(draft.languages)],
    }
    for lang, value in draft.title.items():
        fields[f"title.{lang}"] = [value]
    for i, q in enumerate(draft.questions):
        fields[f"q{i}.id"], fields[f"q{i}.kind"] = [q.id], [q.kind]
        if q.required:
            fields[f"q{i}.required"] = ["yes"]
        fields.update({f"q{i}.text.{lang}": [t] for lang, t in q.text.items()})
        fields.update({f"q{i}.{name}": [v] for name, v in q.numbers.items()})
        for j, o in enumerate(q.options):
            fields[f"q{i}.o{j}.id"] = [o.id]
            fields.update({f"q{i}.o{j}.label.{lang}": [t] for lang, t in o.label.items()})
        if q.show_if_question:
            fields[f"q{i}.show_if_question"] = [q.show_if_question]
            fields[f"q{i}.show_if_min"], fields[f"q{i}.show_if_max"] = [q.show_if_min], [q.show_if_max]
    checked = editor.validate(editor.draft_from_form(FormFields(fields)), with_id=False)
    assert isinstance(checked, SurveyDefinition)
    assert checked.model_dump(exclude={"survey_id"}) == SurveyDefinition.model_validate(
        NPS_SURVEY
    ).model_dump(exclude={"survey_id"})

"""Console field errors: which top-level fields a validation error names, and their page texts."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator

from touchpoint.web.console.fields import field_messages, invalid_fields


class Sample(BaseModel):
    name: str = Field(min_length=1)
    tags: dict[str, int] = Field(default_factory=dict)
    low: int = 0
    high: int = 0

    @model_validator(mode="after")
    def _ordered(self) -> Sample:
        if self.low > self.high:
            raise ValueError("low above high")
        return self


def _error(**values: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(values)
    return caught.value


def test_each_top_level_field_is_named_once_in_order() -> None:
    error = _error(name="", tags={"a": "x", "b": "y"})
    assert invalid_fields(error) == ["name", "tags"]


def test_a_whole_model_problem_is_named_form() -> None:
    assert invalid_fields(_error(name="n", low=2, high=1)) == ["form"]


def test_messages_come_from_the_page_texts_with_a_fallback() -> None:
    texts = {"invalid_name": "Bitte einen Namen."}
    assert field_messages(["name", "tags"], texts, "Bitte prüfen.") == {
        "name": "Bitte einen Namen.",
        "tags": "Bitte prüfen.",
    }

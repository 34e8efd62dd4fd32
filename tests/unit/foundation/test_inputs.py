"""The one place outside input is read: dates, whole numbers, text, DynamoDB numbers, URLs, JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import BaseModel, ValidationError

from touchpoint.models.event_numbers import property_number_problem
from touchpoint.models.inputs import (
    DynamoNumber,
    InputError,
    SafeText,
    ascii_int,
    check_json_text,
    dynamo_number_problem,
    parse_url,
    query_date,
    query_instant,
    query_int,
    strict_json,
)


@pytest.mark.parametrize(
    "raw", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31", "2024-02-30", "２０２４-01-01"]
)
def test_query_dates_outside_the_calendar_or_malformed_are_refused(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        query_date(raw, "from")
    assert caught.value.field == "from" and "from" in caught.value.message


def test_query_dates_at_the_calendar_edges_are_accepted() -> None:
    assert query_date("2000-01-01", "from") == date(2000, 1, 1)
    assert query_date(" 2100-12-31 ", "to") == date(2100, 12, 31)


def test_query_instants() -> None:
    # `to` as a day means up to the end of that day: the instant after 2024-05-01 is 2024-05-02T00:00Z
    assert query_instant("2024-05-01", "to", end=True) == datetime(2024, 5, 2, tzinfo=UTC)
    assert query_instant("2024-05-01T02:00:00+02:00", "from") == datetime(2024, 5, 1, tzinfo=UTC)
    for raw in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+01:00", "2024-05-01T00:00:00"):
        with pytest.raises(InputError):
            query_instant(raw, "from")


@pytest.mark.parametrize("raw", ["\u00b2", "\u0663", "\uff13", "1\u00b2", "0x10", "1e3", "1" * 19, "-1", "0"])
def test_query_ints_take_ascii_digits_in_range_only(raw: str) -> None:
    with pytest.raises(InputError) as caught:
        query_int(raw, "limit", low=1, high=500, default=100)
    assert caught.value.field == "limit"


def test_query_ints() -> None:
    assert query_int(None, "limit", low=1, high=500, default=100) == 100
    assert query_int(" ", "limit", low=1, high=500, default=100) == 100
    assert query_int("500", "limit", low=1, high=500, default=100) == 500
    assert ascii_int("-7") == -7 and ascii_int("\u00b2") is None and ascii_int("") is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (1e-130, True),
        (-1e125, True),
        (1e126, False),
        (1e300, False),
        (-1e300, False),
        (4.9e-324, False),
        (1e-131, False),
        (float("nan"), False),
        (float("inf"), False),
        (10**38, True),
        (10**38 + 1, False),
    ],
)
def test_dynamodb_numbers(value: float, ok: bool) -> None:
    assert (dynamo_number_problem(value) is None) is ok


class _Model(BaseModel):
    text: SafeText
    number: DynamoNumber


def test_annotated_types_refuse_surrogates_nul_and_unstorable_numbers() -> None:
    assert _Model(text="ok ✓", number=1.5).text == "ok ✓"
    for text, number in (("\ud800", 1.0), ("a\x00", 1.0), ("ok", 1e300)):
        with pytest.raises(ValidationError):
            _Model(text=text, number=number)


@pytest.mark.parametrize(
    "url",
    [
        "https://[::1",
        "http://[zz::1]/",
        "https://[::1]x/",
        "https://\ud800.example/",
        "https://a b/",
        "https://h:99999/",
    ],
)
def test_urls_urlsplit_or_idna_refuse_are_input_errors(url: str) -> None:
    with pytest.raises(InputError):
        parse_url(url)


def test_valid_urls_parse() -> None:
    assert parse_url("https://hooks.example.com:8443/x?y=1").hostname == "hooks.example.com"
    assert parse_url("http://[::1]:8080/").port == 8080


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"a": "\\ud800"}', "a"),
        ('{"a": [1, "\\u0000"]}', "a.1"),
        ('{"\\udc00": 1}', "\udc00"),
        ('{"a": NaN}', "body"),
        ('{"a": 1e999}', "body"),
        ('{"a": ' + "1" * 101 + "}", "body"),
        ("[" * 100_000, "body"),
        (b'{"a": "\xff"}', "body"),
    ],
)
def test_strict_json_refuses_with_the_field(raw: str | bytes, field: str) -> None:
    with pytest.raises(InputError) as caught:
        strict_json(raw)
    assert caught.value.field == field


def test_strict_json_keeps_good_text() -> None:
    assert strict_json('{"a": "\\ud83d\\ude00 \\u202e", "b": 1e300}') == {"a": "😀 \u202e", "b": 1e300}
    assert check_json_text({"x": ["ok"]}) == {"x": ["ok"]}


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"revenue": 1e300}, "properties.revenue"),
        ({"revenue": "1e300"}, "properties.revenue"),
        ({"revenue": 10**400}, "properties.revenue"),
        ({"total": -1e13}, "properties.total"),
        ({"count": -3}, "properties.count"),
        ({"points": 2.5}, "properties.points"),
        ({"followers": "NaN"}, "properties.followers"),
        ({"rating": "inf"}, "properties.rating"),
        ({"products": [{"price": 1.0}, {"quantity": 1e10}]}, "properties.products.1.quantity"),
    ],
)
def test_event_numbers_out_of_range(properties: dict[str, object], field: str) -> None:
    found = property_number_problem(properties)
    assert found is not None and found[0] == field and field in found[1]


def test_event_numbers_in_range_or_not_numbers_pass() -> None:
    # money up to 1e12 either sign, counts 0..1e9 (12.0 is the integer 12), "n/a" reads as missing
    good = {
        "revenue": -1e12,
        "total": "12.50",
        "count": 12.0,
        "points": 10**9,
        "followers": "n/a",
        "rating": 4,
        "products": [{"price": 9.99, "quantity": "2"}, "junk"],
    }
    assert property_number_problem(good) is None

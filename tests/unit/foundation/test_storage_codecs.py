"""Storage codecs: DynamoDB item conversion and deterministic lake objects."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from touchpoint.storage.dynamo import from_item, to_item
from touchpoint.storage.lake import decode_jsonl_gz, encode_jsonl_gz
from touchpoint.storage.lake_layout import partition_prefix

json_scalars = st.one_of(st.booleans(), st.integers(-(10**12), 10**12), st.text(max_size=20))


@given(st.dictionaries(st.text(min_size=1, max_size=10), json_scalars, max_size=8))
def test_dynamo_round_trip(values: dict[str, object]) -> None:
    assert from_item(to_item(values)) == values


def test_floats_and_nested_values_survive_and_none_is_dropped() -> None:
    item = to_item({"a": 1.5, "b": {"c": [1, 2.25]}, "d": None})
    assert "d" not in item
    assert from_item(item) == {"a": 1.5, "b": {"c": [1, 2.25]}}


def test_lake_objects_are_a_pure_function_of_their_records() -> None:
    records = [{"messageId": "1", "x": "ä"}, {"messageId": "2"}]
    assert encode_jsonl_gz(records) == encode_jsonl_gz(records)
    assert decode_jsonl_gz(encode_jsonl_gz(records)) == records


def test_partition_prefix() -> None:
    from datetime import date

    assert (
        partition_prefix("raw/events", "acme", date(2026, 11, 1)) == "raw/events/tenant=acme/dt=2026-11-01/"
    )

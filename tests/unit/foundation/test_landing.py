"""Landing events through Firehose: record shape, batch limits, retries of refused records."""

from __future__ import annotations

import json
from typing import Any

import pytest

from touchpoint.storage.landing import (
    MAX_BATCH_BYTES,
    MAX_BATCH_RECORDS,
    EventLanding,
    LandingError,
    batches,
    landing_record,
)
from touchpoint_cli.moto_firehose import UnsupportedQueryError, parse_query, partition_keys


class FakeFirehose:
    """Refuses the records whose index (per call) is in `refuse[call]`; records what it got."""

    def __init__(self, refuse: list[set[int]] | None = None) -> None:
        self.refuse = refuse or []
        self.calls: list[list[bytes]] = []
        self.stored: list[bytes] = []

    def put_record_batch(self, DeliveryStreamName: str, Records: list[dict[str, bytes]]) -> dict[str, Any]:  # noqa: N803 - boto3 names
        refused = self.refuse[len(self.calls)] if len(self.calls) < len(self.refuse) else set()
        self.calls.append([r["Data"] for r in Records])
        answers: list[dict[str, str]] = []
        for index, record in enumerate(Records):
            if index in refused:
                answers.append({"ErrorCode": "ServiceUnavailableException", "ErrorMessage": "slow down"})
            else:
                self.stored.append(record["Data"])
                answers.append({"RecordId": f"r{index}"})
        return {"FailedPutCount": len(refused & set(range(len(Records)))), "RequestResponses": answers}


def _event(n: int, **extra: Any) -> dict[str, Any]:
    return {"messageId": f"m{n}", "type": "track", "timestamp": "2026-12-01T10:00:00.000000Z", **extra}


def test_a_record_is_the_event_line_with_its_tenant() -> None:
    record = landing_record("acme", _event(1, properties={"city": "Köln"}))
    assert record.endswith(b"\n") and record.count(b"\n") == 1
    assert json.loads(record) == {**_event(1, properties={"city": "Köln"}), "tenantId": "acme"}
    # the JQ query of the template finds tenant and UTC day in it
    fields = parse_query("{tenant: .tenantId, dt: .timestamp[0:10]}")
    assert partition_keys(record, fields) == {"tenant": "acme", "dt": "2026-12-01"}


def test_batches_keep_to_the_record_and_byte_limits() -> None:
    small = [b"x" * 10] * (MAX_BATCH_RECORDS + 1)
    assert [len(b) for b in batches(small)] == [MAX_BATCH_RECORDS, 1]
    big = [b"y" * (900 * 1024)] * 9  # 4.5 records' worth of 4 MiB: 4 + 4 + 1
    sizes = [len(b) for b in batches(big)]
    assert sizes == [4, 4, 1] and all(len(b) * 900 * 1024 <= MAX_BATCH_BYTES for b in batches(big))
    with pytest.raises(ValueError, match="over Firehose"):
        list(batches([b"z" * (1000 * 1024 + 1)]))


def test_refused_records_are_sent_again_until_taken() -> None:
    firehose = FakeFirehose(refuse=[{1, 3}, {0}])
    waits: list[float] = []
    landing = EventLanding(firehose, "s", sleep=waits.append)  # type: ignore[arg-type]
    landing.land("acme", [_event(n) for n in range(5)])
    assert [len(c) for c in firehose.calls] == [5, 2, 1]
    assert [json.loads(c)["messageId"] for c in firehose.calls[1]] == ["m1", "m3"]
    assert sorted(json.loads(r)["messageId"] for r in firehose.stored) == [f"m{n}" for n in range(5)]
    assert waits == [0.05, 0.1]


def test_records_still_refused_after_every_attempt_raise() -> None:
    firehose = FakeFirehose(refuse=[{0}, {0}, {0}, {0}])
    landing = EventLanding(firehose, "s", sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(LandingError, match="1 of 2 records"):
        landing.land("acme", [_event(1), _event(2)])
    assert len(firehose.calls) == 4


@pytest.mark.parametrize(
    "query", ["{tenant: .tenantId | ascii_downcase}", "[.tenantId]", "{tenant: .a.b}", "{dt: now}"]
)
def test_the_emulation_refuses_queries_it_does_not_know(query: str) -> None:
    with pytest.raises(UnsupportedQueryError):
        parse_query(query)


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[1]", b'{"timestamp": "2026-12-01T00:00:00Z"}', b'{"tenantId": 5, "timestamp": "x"}'],
)
def test_records_without_usable_keys_have_no_partition(data: bytes) -> None:
    assert partition_keys(data, parse_query("{tenant: .tenantId, dt: .timestamp[0:10]}")) is None

"""NPS, CSAT and CES from stored responses, through the lake-copy encoder and the metric engine.

Hand-checked numbers (docs/METRICS.md, Feedback) for day D = 2026-03-10, tenant in UTC:

| response | channel  | location     | nps | csat | ces | comment  |
|----------|----------|--------------|-----|------|-----|----------|
| r01      | email    |              | 10  | 5    |     | positive |
| r02      | email    |              | 9   | 4    |     |          |
| r03      | email    |              | 9   | 4    |     |          |
| r04      | email    |              | 8   | 3    |     |          |
| r05      | email    |              | 7   | 1    |     |          |
| r06      | in_store | berlin-mitte | 6   | 5    |     | negative |
| r07      | in_store | berlin-mitte | 2   |      | 2   |          |
| r08      | in_store | berlin-mitte | 10  |      | 3   |          |
| r09      | in_store | berlin-mitte | 10  |      | 7   |          |
| r10      | in_store | berlin-mitte | 5   |      | 4   |          |
| r11      | partial (complete: false), nps 0: ignored                 |
| r12      | on D-1, nps 0: only in nps_30d                            |

- nps: promoters 10, 9, 9, 10, 10 = 5; detractors 6, 2, 5 = 3; n = 10 -> (5 - 3) / 10 * 100 = 20.
  email: 3 promoters, 0 detractors of 5 -> 60; in_store: 2 promoters, 3 detractors of 5 -> -20.
- nps_30d: adds r12 (a detractor): (5 - 4) / 11 * 100 = 9.090909...
- csat: (5 + 4 + 4 + 3 + 1 + 5) / 6 = 3.6666...; satisfied (4 or 5): 4 of 6 = 0.6666...
  email: 17 / 5 = 3.4, 3 of 5 = 0.6; in_store: 5.0, 1.0.
- ces: (2 + 3 + 7 + 4) / 4 = 4.0.
- responses: 10 (email 5, in_store 5); comment_count 2, negative_comment_share 0.5.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.surveys.factories import stored_response
from touchpoint import engine
from touchpoint.models.metrics import MetricPoint
from touchpoint.models.surveys import StoredResponse
from touchpoint.models.tenants import TenantConfig
from touchpoint.storage.lake import encode_jsonl_gz
from touchpoint.surveys.lake_copy import lake_record, response_lake_key

DAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


def _responses() -> list[StoredResponse]:
    rows = [
        ("r01", "email", None, 10, 5, None, "positive"),
        ("r02", "email", None, 9, 4, None, None),
        ("r03", "email", None, 9, 4, None, None),
        ("r04", "email", None, 8, 3, None, None),
        ("r05", "email", None, 7, 1, None, None),
        ("r06", "in_store", "berlin-mitte", 6, 5, None, "negative"),
        ("r07", "in_store", "berlin-mitte", 2, None, 2, None),
        ("r08", "in_store", "berlin-mitte", 10, None, 3, None),
        ("r09", "in_store", "berlin-mitte", 10, None, 7, None),
        ("r10", "in_store", "berlin-mitte", 5, None, 4, None),
    ]
    responses = []
    for i, (rid, channel, location, nps, csat, ces, sentiment) in enumerate(rows):
        scores = {k: v for k, v in (("nps", nps), ("csat", csat), ("ces", ces)) if v is not None}
        comments = [("Kommentar", sentiment)] if sentiment else []
        responses.append(
            stored_response(
                f"{rid}-response",
                NOON + timedelta(minutes=i),
                scores=scores,
                comments=comments,
                channel=channel,
                location_id=location,
                anonymous_id=f"a-{rid}",
            )
        )
    responses.append(stored_response("r11-response", NOON, scores={"nps": 0}, complete=False))
    responses.append(stored_response("r12-response", NOON - timedelta(days=1), scores={"nps": 0}))
    return responses


def _write_lake_copies(responses: list[StoredResponse], root: Path) -> list[Path]:
    files = []
    for response in responses:
        path = root / response_lake_key(response)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_jsonl_gz([lake_record(response)]))
        files.append(path)
    return files


def _value(points: list[MetricPoint], metric: str, **breakdown: str) -> float | None:
    found = [p for p in points if p.metric == metric and p.breakdown == breakdown]
    assert len(found) <= 1
    return found[0].value if found else None


def test_feedback_metrics_match_the_hand_checked_numbers(tmp_path: Path) -> None:
    files = _write_lake_copies(_responses(), tmp_path)
    inputs = engine.EngineInputs(event_files=[], response_files=files, identity_links=[])
    points = engine.compute_day(inputs, DAY, TenantConfig())

    assert _value(points, "nps") == pytest.approx(20.0)
    assert _value(points, "nps", channel="email") == pytest.approx(60.0)
    assert _value(points, "nps", channel="in_store") == pytest.approx(-20.0)
    assert _value(points, "nps", location="berlin-mitte") == pytest.approx(-20.0)
    assert _value(points, "nps", survey="s1") == pytest.approx(20.0)
    assert _value(points, "nps_30d") == pytest.approx(100 / 11)
    assert _value(points, "csat") == pytest.approx(22 / 6)
    assert _value(points, "csat", channel="email") == pytest.approx(3.4)
    assert _value(points, "csat", channel="in_store") == pytest.approx(5.0)
    assert _value(points, "csat_satisfied_rate") == pytest.approx(4 / 6)
    assert _value(points, "csat_satisfied_rate", channel="email") == pytest.approx(0.6)
    assert _value(points, "ces") == pytest.approx(4.0)
    assert _value(points, "responses") == 10
    assert _value(points, "responses", channel="email") == 5
    assert _value(points, "responses", channel="in_store") == 5
    assert _value(points, "comment_count") == 2
    assert _value(points, "negative_comment_share") == pytest.approx(0.5)

    nps = next(p for p in points if p.metric == "nps" and not p.breakdown)
    assert nps.extra["responses"] == 10
    assert (nps.extra["promoters"], nps.extra["passives"], nps.extra["detractors"]) == (5, 2, 3)


def test_a_day_without_responses_has_no_feedback_metrics(tmp_path: Path) -> None:
    files = _write_lake_copies(_responses(), tmp_path)
    inputs = engine.EngineInputs(event_files=[], response_files=files, identity_links=[])
    points = engine.compute_day(inputs, DAY + timedelta(days=1), TenantConfig())
    assert {p.metric for p in points} & {"nps", "csat", "csat_satisfied_rate", "ces", "responses"} == set()

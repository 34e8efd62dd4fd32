"""The Glue tables of infra/template.yaml against what the functions really write.

Events go in through the ingest function, responses as the surveys function stores them, and the
rollup writes its exports and digests; then, for every Glue table of the template:

* its partition-projection location template, filled in with the tenant and a day, is where the
  objects are (and holds nothing but the table's own format);
* its columns exist in those objects with the declared types (Parquet schema, nested types
  included; JSON keys, matched case-insensitively as the OpenX SerDe does); a digest table's
  columns are exactly those of the file the engine wrote, in its order;
* the four queries of docs/ATHENA.md run over those files (in DuckDB, with views made from the
  table definitions: same columns, `tenant` and `dt` from the object keys as partition projection
  gives them) and give the numbers the metrics store and the data hold.
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import TenantKeys, basic_auth, function_client
from tests.functional.rollup.support import synthetic_days, write_responses_like_surveys
from touchpoint.engine.history import DIGEST_TABLES
from touchpoint.rollup.wiring import build_service
from touchpoint.runtime import Runtime
from touchpoint.storage.lake import decode_jsonl_gz
from touchpoint.storage.lake_layout import digest_key

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "infra" / "template.yaml"
DOC = ROOT / "docs" / "ATHENA.md"
#: The example dates the doc's queries use, replaced by the dataset's own (its days are recent:
#: ingest treats an event more than a year before receipt as a broken clock).
DOC_FROM, DOC_TO, DOC_DAY = "2026-03-01", "2026-03-31", "2026-03-10"
#: The digest tables with a Glue table each (all of touchpoint.engine.history.DIGEST_TABLES).
DIGEST_GLUE_TABLES = {f"digest_{table}": table for table in DIGEST_TABLES}
_DUCK_TYPES = {
    "string": "VARCHAR",
    "double": "DOUBLE",
    "date": "DATE",
    "boolean": "BOOLEAN",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "timestamp": "TIMESTAMP",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags, kept as {"Fn": value}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {suffix: value}


_CfnLoader.add_multi_constructor("!", _tag)


def hive_type(arrow: pa.DataType) -> str:
    """The Glue (Hive) type Athena reads a Parquet column of this Arrow type as."""
    scalar = {
        pa.string(): "string",
        pa.float64(): "double",
        pa.int64(): "bigint",
        pa.int32(): "int",
        pa.bool_(): "boolean",
        pa.date32(): "date",
        pa.timestamp("us"): "timestamp",
    }
    if arrow in scalar:
        return scalar[arrow]
    if pa.types.is_list(arrow):
        return f"array<{hive_type(arrow.value_type)}>"
    if pa.types.is_struct(arrow):
        return "struct<" + ",".join(f"{f.name}:{hive_type(f.type)}" for f in arrow) + ">"
    raise AssertionError(f"no Glue type for Parquet column type {arrow}")


def test_hive_types_of_nested_and_unknown_columns() -> None:
    nested = pa.list_(pa.struct([("channel", pa.string()), ("platform", pa.string())]))
    assert hive_type(nested) == "array<struct<channel:string,platform:string>>"
    for unknown in (pa.timestamp("us", tz="UTC"), pa.float32(), pa.map_(pa.string(), pa.string())):
        with pytest.raises(AssertionError, match="no Glue type"):
            hive_type(unknown)


def glue_tables() -> dict[str, dict[str, Any]]:
    """Every `AWS::Glue::Table` of the template: table name -> TableInput."""
    resources = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)["Resources"]
    return {
        r["Properties"]["TableInput"]["Name"]: r["Properties"]["TableInput"]
        for r in resources.values()
        if r["Type"] == "AWS::Glue::Table"
    }


def _lake_prefix(table: dict[str, Any], tenant_id: str, day: str) -> str:
    """The table's projected location for one partition, as a key prefix of the lake bucket."""
    template: str = table["Parameters"]["storage.location.template"]["Sub"]
    assert template.startswith("s3://${LakeBucket}/"), template
    path = template.removeprefix("s3://${LakeBucket}/")
    return str(path).replace("${!tenant}", tenant_id).replace("${!dt}", day)


def doc_queries() -> list[str]:
    """The SQL blocks of docs/ATHENA.md, in order."""
    return re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture
def rolled_up(aws: Runtime, tenant: TenantKeys, tmp_path: Path) -> tuple[date, list[dict[str, Any]]]:
    """Three days sent through ingest (with a re-sent batch) and the middle one rolled up."""
    day = datetime.now(UTC).date() - timedelta(days=3)
    data = synthetic_days(
        tmp_path / "gen", [day - timedelta(days=1), day, day + timedelta(days=1)], events=400, people=40
    )
    with function_client("ingest") as client:
        batches = [data.events[start : start + 200] for start in range(0, len(data.events), 200)]
        for batch in [*batches, batches[0][:50]]:  # the last one re-sends events: stored twice
            response = client.http.post(
                "/v1/batch",
                headers={"Content-Type": "application/json", **basic_auth(tenant.write_key)},
                body=json.dumps(
                    {"batch": [{k: v for k, v in e.items() if k != "receivedAt"} for e in batch]}
                ),
            )
            assert response.status_code == 200, response.body
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")  # today: not compacted yet
        today = [
            {"type": "identify", "userId": "u-athena", "anonymousId": "a-athena", "traits": {"plan": "gold"}},
            {"type": "track", "userId": "u-athena", "event": "Clicked", "properties": {"button": "buy"}},
        ]
        response = client.http.post(
            "/v1/batch",
            headers={"Content-Type": "application/json", **basic_auth(tenant.write_key)},
            body=json.dumps({"batch": [{**e, "timestamp": now} for e in today]}),
        )
        assert response.status_code == 200, response.body
    in_store = [  # NPS answers at two stores on the day: 9, 10, 3 at Hamburg, 7, 9 at Berlin
        {
            "responseId": f"r-athena-{n}",
            "surveyId": "nps-store",
            "submittedAt": f"{day.isoformat()}T1{n}:00:00.000Z",
            "complete": True,
            "channel": "qr",
            "locationId": store,
            "touchpointId": None,
            "userId": None,
            "anonymousId": f"anon-athena-{n}",
            "language": "de",
            "scores": [{"questionId": "q-nps", "kind": "nps", "value": score}],
            "comments": [],
        }
        for n, (store, score) in enumerate(
            [("hh-athena", 9), ("hh-athena", 10), ("hh-athena", 3), ("b-athena", 7), ("b-athena", 9)]
        )
    ]
    write_responses_like_surveys(aws, tenant.tenant_id, [*data.responses, *in_store])
    build_service(aws).run_day(tenant.tenant_id, day)
    return day, data.events


def _download(aws: Runtime, out: Path) -> None:
    for key in aws.lake.list_keys(""):
        target = out / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(aws.lake.get_bytes(key))


def test_every_table_sits_where_its_objects_are_with_the_declared_columns(
    aws: Runtime, tenant: TenantKeys, rolled_up: tuple[date, list[dict[str, Any]]]
) -> None:
    day, _ = rolled_up
    tables = glue_tables()
    assert set(tables) == {
        "raw_events",
        "events",
        "responses",
        "metrics",
        "person_scores",
        *DIGEST_GLUE_TABLES,
    }
    today = datetime.now(UTC).date()
    for name, table in tables.items():
        assert [k["Name"] for k in table["PartitionKeys"]] == ["tenant", "dt"]
        assert table["Parameters"]["projection.tenant.type"] == "injected"
        # the rolled-up day's landed events were compacted; today's are still as landed
        partition = today if name == "raw_events" else day
        prefix = _lake_prefix(table, tenant.tenant_id, partition.isoformat())
        keys = list(aws.lake.list_keys(prefix))
        assert keys, f"{name}: nothing under {prefix}"
        assert table["StorageDescriptor"]["Location"]["Sub"].removeprefix("s3://${LakeBucket}/") in prefix
        columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
        assert "tenant" not in columns and "dt" not in columns  # partition keys only
        if table["Parameters"]["classification"] == "parquet":
            assert all(key.endswith(".parquet") for key in keys), keys
            schema = pq.read_schema(io.BytesIO(aws.lake.get_bytes(keys[0])))
            for column, glue_type in columns.items():
                assert hive_type(schema.field(column).type) == glue_type, (name, column)
            if name in DIGEST_GLUE_TABLES:  # one file per partition, the engine's columns exactly
                assert keys == [digest_key(tenant.tenant_id, day, DIGEST_GLUE_TABLES[name])]
                assert list(columns) == schema.names, name
        else:
            assert all(key.endswith(".jsonl.gz") for key in keys), keys
            records = [r for key in keys for r in decode_jsonl_gz(aws.lake.get_bytes(key))]
            present = {k.lower() for record in records for k in record}
            assert set(columns) <= present, (name, set(columns) - present)


def test_the_documented_queries_give_the_stored_numbers(
    aws: Runtime, tenant: TenantKeys, rolled_up: tuple[date, list[dict[str, Any]]], tmp_path: Path
) -> None:
    day, sent = rolled_up
    lake = tmp_path / "lake"
    _download(aws, lake)
    con = duckdb.connect()
    con.execute("CREATE MACRO json_extract_scalar(j, p) AS json_extract_string(j, p)")  # Athena's name
    for name, table in glue_tables().items():
        location = lake / table["StorageDescriptor"]["Location"]["Sub"].removeprefix("s3://${LakeBucket}/")
        columns = table["StorageDescriptor"]["Columns"]
        scalar = [c for c in columns if c["Type"] in _DUCK_TYPES]
        partitions = "regexp_extract(filename, 'tenant=([^/]+)/', 1) AS tenant, regexp_extract(filename, 'dt=([^/]+)/', 1) AS dt"
        if table["Parameters"]["classification"] == "parquet":
            select = ", ".join(f'"{c["Name"]}"::{_DUCK_TYPES[c["Type"]]} AS "{c["Name"]}"' for c in scalar)
            source = f"read_parquet('{location}/**/*.parquet', filename = true)"
        else:
            keys = {
                k.lower(): k
                for path in location.rglob("*.jsonl.gz")
                for r in decode_jsonl_gz(path.read_bytes())
                for k in r
            }
            select = ", ".join(
                f"""(json ->> '$.{keys[c["Name"]]}')::{_DUCK_TYPES[c["Type"]]} AS "{c["Name"]}" """
                for c in scalar
            )
            source = f"read_ndjson_objects('{location}/**/*.jsonl.gz', filename = true)"
        con.execute(f"CREATE VIEW {name} AS SELECT {select}, {partitions} FROM {source}")

    def run(sql: str) -> list[tuple[Any, ...]]:
        sql = sql.replace("'acme'", f"'{tenant.tenant_id}'")
        sql = sql.replace(DOC_FROM, (day - timedelta(days=1)).isoformat()).replace(
            DOC_TO, (day + timedelta(days=1)).isoformat()
        )
        return con.execute(sql.replace(DOC_DAY, day.isoformat())).fetchall()

    nps_sql, revenue_sql, people_sql, digest_orders_sql = doc_queries()

    # 1. NPS per store: the points the metrics store holds for the day.
    stored = {
        p.breakdown["location"]: (p.value, p.extra.get("responses"))
        for p in aws.metrics.read(tenant.tenant_id, "nps", day, day)
        if set(p.breakdown) == {"location"}
    }
    # Hamburg: (2 promoters - 1 detractor) / 3 * 100 = 33.33...; Berlin: (1 - 0) / 2 * 100 = 50.
    hamburg_nps, hamburg_responses = stored["hh-athena"]
    assert (
        hamburg_nps == pytest.approx(100 / 3) and hamburg_responses == 3 and stored["b-athena"] == (50.0, 2)
    )
    rows = run(nps_sql)
    assert (
        stored
        and {store: (value, responses) for dt, store, value, responses in rows if dt == day.isoformat()}
        == stored
    )

    # 2. Orders and revenue per UTC day, each messageId once although a batch was sent twice.
    expected: dict[str, dict[str, float]] = {}
    for event in {e["messageId"]: e for e in sent}.values():
        if event.get("type") == "track" and event.get("event") == "Order Completed":
            utc_day = (
                datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
                .astimezone(UTC)
                .date()
                .isoformat()
            )
            revenue = event.get("properties", {}).get("revenue")
            entry = expected.setdefault(utc_day, {"orders": 0, "revenue": 0.0})
            entry["orders"] += 1
            entry["revenue"] += float(revenue) if isinstance(revenue, int | float) else 0.0
    got = {dt: {"orders": orders, "revenue": revenue} for dt, orders, revenue in run(revenue_sql)}
    assert got.keys() == expected.keys() and expected
    for dt, entry in expected.items():
        assert got[dt]["orders"] == entry["orders"]
        assert got[dt]["revenue"] == pytest.approx(round(entry["revenue"], 2), abs=0.005)

    # 3. The ten lowest engagement scores of the day, as in the person-score export.
    scores = sorted(
        (float(score), person)
        for person, score in con.execute(
            f"SELECT person, score FROM read_csv('{lake}/exports/people/csv/tenant={tenant.tenant_id}/dt={day}/engagement.csv')"
        ).fetchall()
    )[:10]
    assert [(person, score) for person, score, *_ in run(people_sql)] == [(p, s) for s, p in scores]

    # 4. Orders, revenue and purchasers of a tenant-local day from the digest: the day's stored totals.
    totals = {
        metric: next(p.value for p in aws.metrics.read(tenant.tenant_id, metric, day, day) if not p.breakdown)
        for metric in ("orders", "revenue", "purchasers")
    }
    by_day = {dt: (orders, revenue, purchasers) for dt, orders, revenue, purchasers in run(digest_orders_sql)}
    orders, revenue, purchasers = by_day[day.isoformat()]
    assert totals["orders"] and (orders, purchasers) == (totals["orders"], totals["purchasers"])
    assert revenue == pytest.approx(totals["revenue"], abs=0.005)

"""The lake's key layout: every area of the lake bucket and how its object keys are built.

Every writer and reader of the lake names its keys through this module. The areas, all partitioned
Hive style as `<area>/tenant=<t>/dt=<YYYY-MM-DD>/`:

| area | holds | written by |
|---|---|---|
| `raw/events` | events as Firehose landed them (gzip JSON lines), plus the surveys' `Survey Responded` events | Firehose (`infra/template.yaml`), surveys |
| `raw/compacted` | a settled UTC day's events, sorted, deduplicated Parquet files (one per compaction chunk) | the rollup's compaction |
| `raw/landing-errors` | records Firehose could not partition (its own sub-layout) | Firehose |
| `quarantine/events` | each rejected event and its reasons, by received UTC day | ingest |
| `responses` | one object per survey response, by UTC submission day | surveys, feedback |
| `digests/<table>` | per tenant-local day Parquet summaries the rollup's history windows read, one area per digest table (one Glue table each) | the rollup |
| `exports/metrics/{csv,parquet}` | the day's metric points | the rollup |
| `exports/people/{csv,parquet}` | the day's per-person engagement scores (personal data) | the rollup |
| `exports/responses` | response exports handed out as presigned URLs | surveys |

The Firehose prefixes, the lifecycle rules and the Glue table locations in `infra/template.yaml`
spell the same areas (a unit test checks that they agree).
"""

from __future__ import annotations

from datetime import date

#: Raw events: landed by Firehose (jsonl.gz) and the surveys' timeline events.
EVENTS_AREA = "raw/events"
#: A settled UTC day's events as one Parquet file.
COMPACTED_AREA = "raw/compacted"
#: Records Firehose could not deliver or partition.
LANDING_ERRORS_AREA = "raw/landing-errors"
#: Rejected input and its reasons.
QUARANTINE_AREA = "quarantine/events"
#: Survey and feedback responses (the rollup's input).
RESPONSES_AREA = "responses"
#: Rollup digests of tenant-local days: the parent of one area per digest table (the lifecycle
#: rule's prefix).
DIGESTS_AREA = "digests"
#: The digest tables (`touchpoint.engine.history.DIGEST_TABLES`; a unit test keeps both in step).
DIGEST_TABLE_NAMES: tuple[str, ...] = (
    "person_days",
    "session_days",
    "order_rows",
    "plan_rows",
    "feedback_rows",
    "tracked",
)
#: Where a tenant-day's digest tables sat side by side before each had its own area
#: (`digests/tenant=<t>/dt=<d>/<table>.parquet`). No longer written or read (the rollup finds no
#: digest there, reads those days raw and writes them anew); erasure and the retention sweep still
#: clear it until the lifecycle rule has expired it.
LEGACY_DIGESTS_AREA = DIGESTS_AREA
#: Daily metric points, one area per file format.
METRICS_PARQUET_AREA = "exports/metrics/parquet"
METRICS_CSV_AREA = "exports/metrics/csv"
#: Per-person engagement scores of a day (personal data: erased and kept like raw events).
PEOPLE_PARQUET_AREA = "exports/people/parquet"
PEOPLE_CSV_AREA = "exports/people/csv"
#: Where person scores were written before each format had its own prefix (no longer written;
#: erasure and the retention sweep still clear it until the lifecycle rule has expired it).
LEGACY_PEOPLE_AREA = "exports/people"
#: Every area that may hold per-person scores.
PEOPLE_AREAS: tuple[str, ...] = (PEOPLE_PARQUET_AREA, PEOPLE_CSV_AREA, LEGACY_PEOPLE_AREA)
#: Response exports (CSV / JSON lines) downloaded through presigned URLs.
RESPONSE_EXPORTS_AREA = "exports/responses"


def partition_prefix(area: str, tenant_id: str, day: date | None = None) -> str:
    """`<area>/tenant=<t>/` or `<area>/tenant=<t>/dt=<YYYY-MM-DD>/`."""
    prefix = f"{area}/tenant={tenant_id}/"
    return prefix if day is None else f"{prefix}dt={day.isoformat()}/"


def partition_date(prefix: str) -> date | None:
    """The date of a `.../dt=YYYY-MM-DD/` prefix (None for anything else)."""
    name = prefix.rstrip("/").rsplit("/", 1)[-1]
    if not name.startswith("dt="):
        return None
    try:
        return date.fromisoformat(name[3:])
    except ValueError:
        return None


def survey_event_key(tenant_id: str, day: date, response_id: str) -> str:
    """`raw/events/tenant=<t>/dt=<UTC day>/survey-<responseId>.jsonl.gz`: a response's timeline event."""
    return f"{partition_prefix(EVENTS_AREA, tenant_id, day)}survey-{response_id}.jsonl.gz"


def compacted_prefix(tenant_id: str, day: date) -> str:
    """`raw/compacted/tenant=<t>/dt=<UTC day>/`."""
    return partition_prefix(COMPACTED_AREA, tenant_id, day)


def compacted_key(tenant_id: str, day: date, stamp_ms: int, tag: str) -> str:
    """`raw/compacted/tenant=<t>/dt=<UTC day>/events-<ms>-<tag>.parquet` (ms zero-padded to 13 digits)."""
    return f"{compacted_prefix(tenant_id, day)}events-{stamp_ms:013d}-{tag}.parquet"


def quarantine_key(tenant_id: str, day: date, content_hash: str) -> str:
    """`quarantine/events/tenant=<t>/dt=<received UTC day>/<sha256>.jsonl.gz`."""
    return f"{partition_prefix(QUARANTINE_AREA, tenant_id, day)}{content_hash}.jsonl.gz"


def response_key(tenant_id: str, day: date, response_id: str) -> str:
    """`responses/tenant=<t>/dt=<UTC submission day>/<responseId>.jsonl.gz`."""
    return f"{partition_prefix(RESPONSES_AREA, tenant_id, day)}{response_id}.jsonl.gz"


def digest_area(table: str) -> str:
    """`digests/<table>`: the area of one digest table (ValueError for a table the layout lacks)."""
    if table not in DIGEST_TABLE_NAMES:
        raise ValueError(f"unknown digest table {table!r}")
    return f"{DIGESTS_AREA}/{table}"


#: The area of each digest table, in `DIGEST_TABLE_NAMES` order.
DIGEST_TABLE_AREAS: tuple[str, ...] = tuple(digest_area(table) for table in DIGEST_TABLE_NAMES)
#: Every area that may hold digests (the per-table areas and the legacy one).
DIGEST_AREAS: tuple[str, ...] = (*DIGEST_TABLE_AREAS, LEGACY_DIGESTS_AREA)


def digest_key(tenant_id: str, day: date, table: str) -> str:
    """`digests/<table>/tenant=<t>/dt=<local day>/<table>.parquet`: one table of a tenant-local day's digest."""
    return f"{partition_prefix(digest_area(table), tenant_id, day)}{table}.parquet"


def export_keys(tenant_id: str, day: date) -> tuple[str, str]:
    """The lake keys of the day's metric exports: (CSV, Parquet)."""
    return (
        partition_prefix(METRICS_CSV_AREA, tenant_id, day) + "metrics.csv",
        partition_prefix(METRICS_PARQUET_AREA, tenant_id, day) + "metrics.parquet",
    )


def people_export_keys(tenant_id: str, day: date) -> tuple[str, str]:
    """The lake keys of the day's per-person engagement scores: (CSV, Parquet).

    `exports/people/{csv,parquet}/tenant=<t>/dt=<day>/engagement.csv|.parquet`, columns
    `tenant_day, person, score, score_30d_ago, change, at_risk, last_active_day, revenue_to_date` (see
    `touchpoint.engine.scoring.write_person_scores`).
    """
    return (
        partition_prefix(PEOPLE_CSV_AREA, tenant_id, day) + "engagement.csv",
        partition_prefix(PEOPLE_PARQUET_AREA, tenant_id, day) + "engagement.parquet",
    )


def response_export_key(tenant_id: str, day: date, name: str) -> str:
    """`exports/responses/tenant=<t>/dt=<day>/<name>`."""
    return f"{partition_prefix(RESPONSE_EXPORTS_AREA, tenant_id, day)}{name}"

"""Where the engine's SQL runs: the `SqlBackend` protocol and its DuckDB implementation.

The metric definitions are SQL kept once, in DuckDB's dialect, in the engine's modules. A
backend runs those statements: `DuckDBBackend` as written, in one in-process DuckDB;
`touchpoint.engine.spark_backend.SparkBackend` after transpiling them to Spark SQL with sqlglot.
The few operations whose physical form differs (reading the lake files, removing duplicate
messageIds, writing a result file) are methods here, each with one rule stated once.

Statements use named parameters (`$name`), bound from Python values (`date`, `datetime`, `str`,
numbers, lists of those).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from touchpoint.sql_text import sql_path

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection

#: Settings passed to `duckdb.connect(config=...)`, e.g. `{"threads": 1, "memory_limit": "1GB"}`.
DuckDBConfig = Mapping[str, str | bool | int | float]

#: The two engines; `auto` (in the CLI and the dispatcher) picks one by the size of a tenant-day.
EngineName = Literal["duckdb", "spark"]
FileFormat = Literal["parquet", "csv"]


class SqlBackend(Protocol):
    """Runs the engine's SQL (DuckDB dialect, `$name` parameters) on one engine."""

    #: `duckdb` or `spark`: the dialect the loading primitives are rendered in.
    name: EngineName

    def execute(self, sql: str, params: Mapping[str, Any]) -> None:
        """Run one statement (CREATE TABLE ... AS, CREATE TABLE (columns), INSERT, DELETE, DROP, ALTER RENAME)."""

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run one query and return all its rows."""

    def rows_table(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Create table `table` holding `rows` (columns are `(name, DuckDB type)`)."""

    def json_source(
        self, lines: Sequence[str], compacted: Sequence[str], columns: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """A FROM-clause source (and its parameters) of the JSON lines in `lines` (gzip JSON-lines
        files) and in the `record` column of the compacted Parquet files, read with the column spec
        `columns` (name -> DuckDB type; `JSON` columns keep a value's JSON; malformed lines have
        NULL in every column)."""

    def parquet_source(self, files: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """A FROM-clause source (and its parameters) of Parquet files, columns unioned by name."""

    def keep_first(self, table: str, key: str, order: str) -> None:
        """Keep one row per non-NULL `key` of `table`, the first by `order` (rows with NULL `key` stay)."""

    def copy_to(self, query: str, path: Path, file_format: FileFormat) -> None:
        """Write the rows of `query` (no parameters) to one local file."""

    def close(self) -> None:
        """Release the engine's resources."""


def _duckdb_connection(duckdb_config: DuckDBConfig | None) -> DuckDBPyConnection:
    import duckdb  # lazily: only the engine needs duckdb

    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        # faster loads and less memory; every tie-break is by content, never by row order
        "preserve_insertion_order": False,
    }
    config.update(duckdb_config or {})
    con = duckdb.connect(":memory:", config=config)
    with contextlib.suppress(duckdb.Error):  # builds without ICU are UTC anyway
        con.execute("SET TimeZone = 'UTC'")  # naive ISO strings are UTC
    return con


class DuckDBBackend:
    """The engine in one in-process DuckDB (the Lambda worker and every small tenant-day)."""

    name: EngineName = "duckdb"

    def __init__(self, duckdb_config: DuckDBConfig | None = None) -> None:
        self.con = _duckdb_connection(duckdb_config)

    def execute(self, sql: str, params: Mapping[str, Any]) -> None:
        """Run one statement with its named parameters."""
        self.con.execute(sql, dict(params))

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows of one query."""
        return self.con.execute(sql, dict(params)).fetchall()

    def rows_table(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Create `table` from Python rows (one list parameter per column, unnested side by side)."""
        selects = ", ".join(f"unnest(${name}::{kind}[]) AS {name}" for name, kind in columns)
        params = {name: [row[i] for row in rows] for i, (name, _) in enumerate(columns)}
        if rows:
            self.con.execute(f"CREATE TABLE {table} AS SELECT {selects}", params)
        else:
            spec = ", ".join(f"{name} {kind}" for name, kind in columns)
            self.con.execute(f"CREATE TABLE {table} ({spec})")

    def json_source(
        self, lines: Sequence[str], compacted: Sequence[str], columns: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """`read_json` of the lines and `from_json(record)` of the compacted files, unioned by name."""
        sources: list[str] = []
        params: dict[str, Any] = {}
        if lines:
            sources.append(
                "SELECT * FROM read_json($files, format = 'newline_delimited', compression = 'gzip', "
                "columns = $columns, ignore_errors = true)"
            )
            params.update(files=list(lines), columns=dict(columns))
        if compacted:
            sources.append("SELECT unnest(from_json(record, $structure)) FROM read_parquet($compacted)")
            params.update(compacted=list(compacted), structure=json.dumps(dict(columns)))
        return "(" + " UNION ALL BY NAME ".join(sources) + ")", params

    def parquet_source(self, files: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """`read_parquet` of the files, columns unioned by name."""
        return "read_parquet($files, union_by_name = true)", {"files": list(files)}

    def keep_first(self, table: str, key: str, order: str) -> None:
        """Delete the later rows of the few duplicated keys only (by `rowid`): no sort of the whole table."""
        self.con.execute(
            f"""DELETE FROM {table} WHERE rowid IN (
                SELECT rid FROM (
                    SELECT rowid AS rid, row_number() OVER (PARTITION BY {key} ORDER BY {order}, rowid) AS rn
                    FROM {table}
                    WHERE {key} IN (SELECT {key} FROM {table} WHERE {key} IS NOT NULL GROUP BY {key} HAVING count(*) > 1)
                ) WHERE rn > 1
            )"""  # noqa: S608 - internal names
        )

    def copy_to(self, query: str, path: Path, file_format: FileFormat) -> None:
        """`COPY (query) TO path` as zstd Parquet or CSV with a header."""
        options = "FORMAT parquet, COMPRESSION zstd" if file_format == "parquet" else "FORMAT csv, HEADER"
        self.con.execute(f"COPY ({query}) TO {sql_path(path)} ({options})")

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

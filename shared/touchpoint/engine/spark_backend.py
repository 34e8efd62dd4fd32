"""The engine on Apache Spark: the same SQL as DuckDB runs, transpiled by sqlglot.

Why transpiling: the metric definitions are about a hundred SQL statements that have been
checked against hand-computed numbers on DuckDB. Keeping that text the only definition and
translating it (sqlglot parses DuckDB's dialect and writes Spark's) means a metric is changed
in one place and both engines follow; a second implementation (DataFrame code, or Ibis
expressions rewritten from the SQL) would be a second definition to keep equal by hand. The
translation is checked by running the engine's unit data and a generated month through both
engines and comparing every point (`tests/unit/engine/test_spark_equality.py`).

What differs between the dialects and is handled here, once:

* Tables: each `CREATE TABLE ... AS` becomes a temporary view of a locally checkpointed
  DataFrame (materialised once, lineage cut); `INSERT`, `DELETE`, `DROP` and `ALTER ... RENAME`
  replace or drop that view. Timestamps are `TIMESTAMP_NTZ` (naive UTC, as DuckDB's `TIMESTAMP`).
* Parameters (`$name`) are inlined as typed literals (Spark's named parameters take no lists).
* Numbers: a literal with a fraction (`3.0`) or a float parameter is a DOUBLE, as DuckDB computes
  with it, never Spark's DECIMAL (whose division rounds to six places).
* Functions sqlglot leaves in DuckDB's form: `list_unique`, `list_sum`, `epoch` (of a timestamp
  or of a difference of timestamps), `quantile_cont` with a list of fractions.
* Reading: JSON lines through Spark's JSON reader with the engine's column spec (`JSON` columns
  read as text, see `touchpoint.engine.loading._number`), compacted Parquet through `from_json`
  of its `record` column; result files are written by DuckDB from the Arrow form of the rows,
  so a file is byte-for-byte the same format whichever engine computed it.

The session: `local_session()` starts one local-mode session per process (pyspark and Java 17;
see the README); on EMR Serverless the job's session is used (`touchpoint.rollup.spark_job`).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from touchpoint.engine.backend import EngineName, FileFormat

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Spark settings the engine's SQL relies on: UTC, DuckDB's NULL behaviour of `size` and of
#: casts and arithmetic (non-ANSI: a failed cast or a division by zero is NULL, not an error).
SESSION_SETTINGS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.sizeOfNull": "false",
    "spark.sql.caseSensitive": "false",
    "spark.sql.shuffle.partitions": "2",
}

_local: SparkSession | None = None
_local_lock = threading.Lock()
_view_ids = itertools.count()


def local_session() -> SparkSession:
    """The process's local-mode SparkSession (started on first use, bound to 127.0.0.1)."""
    global _local  # one JVM per process: a session is expensive and Spark allows one per JVM
    with _local_lock:
        if _local is None:
            from pyspark.sql import SparkSession

            builder = (
                SparkSession.builder.master("local[2]")
                .appName("touchpoint-engine")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.adaptive.enabled", "true")
                .config("spark.ui.showConsoleProgress", "false")
            )
            for key, value in SESSION_SETTINGS.items():
                builder = builder.config(key, value)
            _local = builder.getOrCreate()
            _local.sparkContext.setLogLevel("ERROR")
    return _local


def stop_local_session() -> None:
    """Stop the process's local SparkSession and its JVM, if one was started (end of a test run)."""
    global _local
    with _local_lock:
        if _local is not None:
            _local.stop()
            _local = None


def _job_session() -> SparkSession | None:
    """The session of the Spark job this process runs in (EMR Serverless: `touchpoint.rollup.spark_job`
    starts it before the rollup), else None."""
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def _literal(value: Any) -> exp.Expression:
    """A Python parameter value as a typed SQL literal."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, int):
        return exp.Literal.number(repr(value))
    if isinstance(value, float):  # DuckDB binds a float as DOUBLE (Spark would read 0.25 as DECIMAL)
        return exp.cast(exp.Literal.number(repr(value)), exp.DataType.build("DOUBLE"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, list | tuple):
        items = [_literal(item) for item in value]
        if not items:  # an empty list is a list of strings (event names) in every statement
            return exp.cast(exp.Array(expressions=[]), exp.DataType.build("ARRAY<TEXT>"))
        return exp.Array(expressions=items)
    raise TypeError(f"unsupported parameter type {type(value).__name__}")


def _epoch_seconds(arg: exp.Expression) -> exp.Expression:
    """Seconds since the epoch of a timestamp, or the seconds of a difference of timestamps."""

    def micros(node: exp.Expression) -> exp.Expression:
        return exp.Anonymous(
            this="UNIX_MICROS", expressions=[exp.cast(node, exp.DataType.build("TIMESTAMPTZ"))]
        )

    inner = arg.this if isinstance(arg, exp.Paren) else arg
    if isinstance(inner, exp.Sub):
        value: exp.Expression = exp.Paren(
            this=exp.Sub(this=micros(inner.this), expression=micros(inner.expression))
        )
    else:
        value = micros(inner)
    return exp.Div(this=value, expression=exp.Literal.number("1000000.0"))


def _not_null_items(array: exp.Expression) -> exp.Expression:
    return sqlglot.parse_one("FILTER(x, e -> e IS NOT NULL)", read="spark").transform(
        lambda node: array.copy() if isinstance(node, exp.Column) and node.name == "x" else node
    )


def _rewrite(node: exp.Expression) -> exp.Expression:
    """DuckDB functions sqlglot keeps as they are, in Spark's form."""
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        args = node.expressions
        if name == "list_unique":  # distinct non-NULL items
            return exp.ArraySize(
                this=exp.Anonymous(this="ARRAY_DISTINCT", expressions=[_not_null_items(args[0])])
            )
        if name == "list_sum":  # NULL items skipped, NULL for no item
            items = _not_null_items(args[0])
            total = sqlglot.parse_one("AGGREGATE(x, CAST(0 AS DOUBLE), (acc, e) -> acc + e)", read="spark")
            total = total.transform(
                lambda n: items.copy() if isinstance(n, exp.Column) and n.name == "x" else n
            )
            return exp.If(
                this=exp.EQ(this=exp.ArraySize(this=items.copy()), expression=exp.Literal.number(0)),
                true=exp.Null(),
                false=total,
            )
    if isinstance(node, exp.Literal) and node.is_number and not node.this.lstrip("-").isdigit():
        # 3.0 in DuckDB's arithmetic ends up DOUBLE; in Spark it is DECIMAL, which rounds quotients
        return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))
    if isinstance(node, exp.TimeToUnix):
        return _epoch_seconds(node.this)
    if isinstance(node, exp.PercentileCont) and isinstance(node.expression, exp.Array):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    return node


def to_spark_sql(sql: str, params: Mapping[str, Any] | None = None) -> exp.Expression:
    """Parse one DuckDB statement, inline its `$name` parameters and rewrite it for Spark."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    values = dict(params or {})

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name in values:
            return _literal(values[node.name])
        return node

    return tree.transform(bind).transform(_rewrite)


def _spark_type(duckdb_type: str) -> str:
    """A DuckDB column type as Spark DDL (`JSON` read as text, timestamps naive)."""
    built = exp.DataType.build(duckdb_type.replace("JSON", "VARCHAR"), dialect="duckdb")
    return built.sql("spark")


def _python(value: Any) -> Any:
    """A collected Spark value as DuckDB's Python client returns it (Row -> dict, nested)."""
    from pyspark.sql import Row

    if isinstance(value, Row):
        return {key: _python(item) for key, item in value.asDict(recursive=False).items()}
    if isinstance(value, list):
        return [_python(item) for item in value]
    return value


class SparkBackend:
    """Runs the engine's statements on a SparkSession (local mode here, EMR Serverless on AWS)."""

    name: EngineName = "spark"

    def __init__(self, session: SparkSession | None = None) -> None:
        self.spark = session or _job_session() or local_session()
        self._tables: dict[str, str] = {}  # engine table name -> temp view name
        self._sources: list[str] = []  # views of input files

    # -- tables -------------------------------------------------------------------------------

    def _register(self, table: str, frame: DataFrame) -> None:
        view = f"tp_{table}_{next(_view_ids)}"
        frame.localCheckpoint(eager=True).createOrReplaceTempView(view)
        old = self._tables.pop(table, None)
        if old is not None:
            self.spark.catalog.dropTempView(old)
        self._tables[table] = view

    def _drop(self, table: str) -> None:
        view = self._tables.pop(table, None)
        if view is not None:
            self.spark.catalog.dropTempView(view)

    def _resolve(self, tree: exp.Expression) -> exp.Expression:
        """Point every table name of the engine at its current view."""

        def rename(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Table) and node.name in self._tables and not node.args.get("db"):
                alias = node.alias or node.name
                return exp.Table(
                    this=exp.to_identifier(self._tables[node.name]),
                    alias=exp.TableAlias(this=exp.to_identifier(alias)),
                )
            return node

        return tree.transform(rename)

    def _frame(self, query: exp.Expression) -> DataFrame:
        return self.spark.sql(self._resolve(query).sql(dialect="spark"))

    # -- SqlBackend -----------------------------------------------------------------------------

    def execute(self, sql: str, params: Mapping[str, Any]) -> None:
        """Run one statement: CREATE TABLE [AS], INSERT [BY NAME], DELETE, DROP TABLE, ALTER ... RENAME."""
        tree = to_spark_sql(sql, params)
        if isinstance(tree, exp.Create):
            target = tree.this
            if isinstance(target, exp.Schema):  # CREATE TABLE t (columns): empty
                columns = ", ".join(
                    f"CAST(NULL AS {column.args['kind'].sql('spark')}) AS {column.name}"
                    for column in target.expressions
                )
                self._register(target.this.name, self.spark.sql(f"SELECT {columns} LIMIT 0"))
            else:
                self._register(target.name, self._frame(tree.expression))
        elif isinstance(tree, exp.Insert):
            table = tree.this.name if not isinstance(tree.this, exp.Schema) else tree.this.this.name
            current = self.spark.table(self._tables[table])
            added = self._frame(tree.expression)
            self._register(
                table, current.unionByName(added.select(*current.columns), allowMissingColumns=False)
            )
        elif isinstance(tree, exp.Delete):
            table = tree.this.name
            condition = tree.args["where"].this
            keep = (
                exp.select("*")
                .from_(table)
                .where(exp.not_(exp.func("COALESCE", exp.Paren(this=condition), exp.false())))
            )
            self._register(table, self._frame(keep))
        elif isinstance(tree, exp.Drop):
            for dropped in tree.args["tables"]:
                self._drop(dropped.name)
        elif isinstance(tree, exp.Alter) and isinstance(tree.args["actions"][0], exp.AlterRename):
            old, new = tree.this.name, tree.args["actions"][0].this.name
            self._tables[new] = self._tables.pop(old)
        else:
            raise ValueError(f"statement not supported on Spark: {sql[:80]!r}")

    def fetch(self, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """All rows of one query, as DuckDB's Python client gives them."""
        rows = self._frame(to_spark_sql(sql, params)).collect()
        return [tuple(_python(value) for value in row) for row in rows]

    def rows_table(
        self, table: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Create `table` from Python rows."""
        schema = ", ".join(f"{name} {_spark_type(kind)}" for name, kind in columns)
        self._register(table, self.spark.createDataFrame(list(rows), schema=schema))

    def json_source(
        self, lines: Sequence[str], compacted: Sequence[str], columns: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """A view of the JSON lines and the compacted files' records, read with the column spec."""
        from pyspark.sql import functions

        schema = ", ".join(f"`{name}` {_spark_type(kind)}" for name, kind in columns.items())
        frames: list[DataFrame] = []
        if lines:
            frames.append(self.spark.read.schema(schema).option("mode", "PERMISSIVE").json(list(lines)))
        if compacted:
            records = self.spark.read.parquet(*compacted).select(
                functions.from_json("record", schema, {"mode": "PERMISSIVE"}).alias("r")
            )
            frames.append(records.select("r.*"))
        frame = frames[0] if len(frames) == 1 else frames[0].unionByName(frames[1])
        return self._source_view("tp_source", frame), {}

    def _source_view(self, prefix: str, frame: DataFrame) -> str:
        view = f"{prefix}_{next(_view_ids)}"
        frame.createOrReplaceTempView(view)
        self._sources.append(view)
        return view

    def parquet_source(self, files: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """A view of local Parquet files (columns unioned by name), read on the driver.

        These are the day digests the rollup downloaded: small, and on EMR the executors cannot
        see the driver's disk, so the driver reads them with pyarrow and hands Spark the rows.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq
        from pyspark.sql.types import TimestampNTZType, TimestampType

        table = pa.concat_tables([pq.read_table(name) for name in files], promote_options="default")
        frame = self.spark.createDataFrame(table)
        naive = [  # the files' timestamps are naive UTC, as every timestamp of the engine
            frame[field.name].cast(TimestampNTZType()).alias(field.name)
            if isinstance(field.dataType, TimestampType)
            else frame[field.name]
            for field in frame.schema.fields
        ]
        return self._source_view("tp_parquet", frame.select(*naive)), {}

    def keep_first(self, table: str, key: str, order: str) -> None:
        """Keep one row per non-NULL `key`, the first by `order`."""
        view = self._tables[table]
        # Spark tables have no `rowid`: the kept rows get one here (unique per row, as DuckDB's).
        query = (
            f"SELECT * EXCEPT (tp_rank), monotonically_increasing_id() AS rowid FROM ("  # noqa: S608
            f"SELECT *, CASE WHEN {key} IS NULL THEN 1 ELSE row_number() OVER (PARTITION BY {key} "
            f"ORDER BY {order}) END AS tp_rank FROM {view}) WHERE tp_rank = 1"
        )
        self._register(table, self.spark.sql(query))

    def copy_to(self, query: str, path: Path, file_format: FileFormat) -> None:
        """Write the rows of `query` to one local file, in DuckDB's file format (see module doc)."""
        from touchpoint.engine.backend import DuckDBBackend

        arrow_rows = self._frame(to_spark_sql(query)).toArrow()
        writer = DuckDBBackend()
        try:
            writer.con.register("spark_rows", arrow_rows)
            writer.copy_to("SELECT * FROM spark_rows", path, file_format)
        finally:
            writer.close()

    def close(self) -> None:
        """Drop this run's views (the session stays for the next run)."""
        for table in list(self._tables):
            self._drop(table)
        for view in self._sources:
            self.spark.catalog.dropTempView(view)
        self._sources.clear()
        self.spark.catalog.clearCache()

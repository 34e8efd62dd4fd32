"""Text for DuckDB SQL where a statement takes no parameters (the target of `COPY ... TO`)."""

from __future__ import annotations

from pathlib import Path


def sql_path(path: Path) -> str:
    """A local file path as a quoted SQL string literal (for COPY ... TO, which takes no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"

"""What the caller hands to the engine: local files, day digests and known identity links."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class EngineInputs:
    """Inputs for one tenant: gzip JSON-lines files of events and of survey responses.

    Files are local paths, or addresses the engine's backend reads itself (`s3://...` for the
    Spark job on EMR Serverless).

    The files may overlap (the same `messageId` or `responseId` in two files); the engine removes
    the duplicates. `identity_links` are `(anonymousId, userId)` pairs learned earlier; they take
    precedence over links found in the files.

    `digests` map tenant-local days to folders holding that day's digest (written by an earlier
    run with `digest_out`). With `raw_from` set, the history of days before `raw_from` comes from
    those digests and only events from the start of `raw_from - 1` on are read from the files
    (the day before, so that no session is cut); without it everything comes from the files.
    """

    event_files: Sequence[Path | str] = field(default_factory=list)
    response_files: Sequence[Path | str] = field(default_factory=list)
    identity_links: list[tuple[str, str]] = field(default_factory=list)
    digests: Mapping[date, Path] = field(default_factory=dict)
    raw_from: date | None = None

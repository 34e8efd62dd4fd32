"""What the caller hands to the engine: local files, day digests, known identity links and case facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol


class CaseFactRow(Protocol):
    """One follow-up case as the loop metrics read it (`touchpoint.engine.loop`).

    Times are UTC: aware datetimes, or naive ones meaning UTC. The cases table yields these
    rows (`runtime.cases.facts(tenant_id, start, end)`).
    """

    @property
    def case_id(self) -> str: ...
    @property
    def location_id(self) -> str | None: ...
    @property
    def source(self) -> str: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def first_response_at(self) -> datetime | None: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def response_id(self) -> str | None: ...
    @property
    def response_submitted_at(self) -> datetime | None: ...
    @property
    def detractor(self) -> bool: ...


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

    `case_facts` are the follow-up cases opened, first replied to or resolved from the start of
    `D` to the end of `D + 2` (the replies `closed_loop_rate` waits for); the loop metrics read
    them (`touchpoint.engine.loop`).
    """

    event_files: Sequence[Path | str] = field(default_factory=list)
    response_files: Sequence[Path | str] = field(default_factory=list)
    identity_links: list[tuple[str, str]] = field(default_factory=list)
    digests: Mapping[date, Path] = field(default_factory=dict)
    raw_from: date | None = None
    case_facts: Sequence[CaseFactRow] = ()

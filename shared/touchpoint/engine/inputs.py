"""What the caller hands to the engine: local files and known identity links."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class EngineInputs:
    """Local inputs for one tenant: gzip JSON-lines files of events and of survey responses.

    The files may overlap (the same `messageId` or `responseId` in two files); the engine removes
    the duplicates. `identity_links` are `(anonymousId, userId)` pairs learned earlier; they take
    precedence over links found in the files.
    """

    event_files: list[Path] = field(default_factory=list)
    response_files: list[Path] = field(default_factory=list)
    identity_links: list[tuple[str, str]] = field(default_factory=list)

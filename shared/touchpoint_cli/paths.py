"""Where the repository's parts are (the CLI runs from an editable install of the repo)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
TEMPLATE_PATH = REPO_ROOT / "infra" / "template.yaml"
LOCAL_STATE_DIR = Path(os.environ.get("TOUCHPOINT_STATE_DIR") or REPO_ROOT / ".touchpoint")
HTTP_FUNCTIONS: tuple[str, ...] = ("ingest", "surveys", "feedback", "insights")
ALL_FUNCTIONS: tuple[str, ...] = (*HTTP_FUNCTIONS, "rollup")

"""docs/METRICS.md is generated from the registry: current, complete, and the command checks it."""

from __future__ import annotations

import re
from pathlib import Path

from touchpoint.metrics.docs import DOC_PATH, main, render
from touchpoint.metrics.registry import METRIC_NAMES, REGISTRY

REPO_DOC = Path(__file__).resolve().parents[3] / "docs" / "METRICS.md"


def test_the_committed_doc_is_current() -> None:
    assert DOC_PATH == REPO_DOC
    assert REPO_DOC.read_text(encoding="utf-8") == render(), "run `touchpoint docs metrics` and commit"


def test_the_doc_lists_exactly_the_registrys_metrics_in_order() -> None:
    text = REPO_DOC.read_text(encoding="utf-8")
    sections = re.findall(r"^### `([a-z0-9_]+)`$", text, flags=re.MULTILINE)
    index = re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.MULTILINE)
    assert index == list(METRIC_NAMES)
    assert sorted(sections) == sorted(METRIC_NAMES) and len(sections) == len(set(sections))


def test_each_section_states_the_records_facts() -> None:
    text = render()
    nps = text[text.index("### `nps`") : text.index("### `nps_30d`")]
    assert REGISTRY["nps"].definition in nps
    assert "- breakdowns: `channel`, `location`, `survey`" in nps
    assert "- unit: NPS points in [-100, 100]" in nps
    assert "- over several days: pooled answers" in nps
    assert "- comments behind it: comments of responses with an answer of kind NPS" in nps
    ces = text[text.index("### `ces`") : text.index("### `ticket_volume`")]
    assert "- lower is better: yes" in ces and "mean weighted by `responses`" in ces


def test_check_fails_on_a_stale_file_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "METRICS.md"
    out.write_text("# old\n", encoding="utf-8")
    assert main(["--check", "--out", str(out)]) == 1
    assert out.read_text(encoding="utf-8") == "# old\n"
    assert main(["--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render()
    assert main(["--check", "--out", str(out)]) == 0

"""Cold starts: what each function's init imports (no timing asserted: `bench/coldstart.py` measures)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.coldstart import Sample, function_environment, function_paths, probe, report
from touchpoint_cli.paths import HTTP_FUNCTIONS

#: What each HTTP function may load at init among `bench.coldstart.HEAVY` (insights answers alert
#: routes, whose rules and ids come from `touchpoint.alerts`; never the evaluation and delivery).
ALLOWED: dict[str, set[str]] = {
    "ingest": set(),
    "surveys": set(),
    "feedback": set(),
    "insights": {"touchpoint.alerts"},
}


@pytest.mark.parametrize("name", HTTP_FUNCTIONS)
def test_an_http_function_imports_nothing_a_request_may_not_need(name: str) -> None:
    sample = probe("app", function_paths(name), function_environment(name))
    # never DuckDB, pyarrow, the X-Ray SDK, the alert service, the engine, erasure or comment analysis
    assert set(sample.heavy) <= ALLOWED[name], sample.heavy


#: The insights modules its init may load: the route modules (wiring), the request bodies and limits
#: their documentation names, and the lazy module helper. Every view, page and API module loads
#: with the first request of one of its routes (`chalicelib.lazy.LazyModule`).
INSIGHTS_INIT = {
    "chalicelib",
    "chalicelib.lazy",
    "chalicelib.announcement_inputs",
    "chalicelib.case_inputs",
    "chalicelib.api_keys",  # NewKey, the body of POST /v1/keys
    "chalicelib.inbox",  # the inbox's filters and page limits
    "chalicelib.comment_drilldown",  # (through chalicelib.inbox)
    "chalicelib.queries",  # (through chalicelib.inbox; with it the metrics storage and boto3)
}


def test_the_insights_init_loads_its_route_wiring_but_no_view_or_api_logic() -> None:
    paths = function_paths("insights")
    code = f"import sys; sys.path[:0] = {paths!r}; import app; print(*sorted(sys.modules))"
    env = {"PATH": "/usr/bin:/bin", **function_environment("insights")}
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=paths[0], check=True
    ).stdout.split()
    own = {m for m in loaded if m.split(".")[0] == "chalicelib"}
    routes = {m for m in own if m.endswith("_routes")}
    assert len(routes) >= 9 and own - routes == INSIGHTS_INIT, sorted(own - routes - INSIGHTS_INIT)
    assert "boto3" in loaded  # every request needs it: loading it at init keeps the ratio honest


def test_the_environment_is_the_stage_config_of_the_function() -> None:
    env = function_environment("ingest")
    assert env["TOUCHPOINT_STAGE"] == "dev" and env["POWERTOOLS_SERVICE_NAME"] == "ingest"


def test_the_report_divides_medians_by_bare_boto3_and_judges_the_goals_on_cpu_seconds() -> None:
    def runs(*cpu: float) -> list[Sample]:
        return [Sample(2 * c, c, ()) for c in cpu]  # wall twice the CPU time (a busy machine)

    samples = {
        "boto3": runs(0.10, 0.20, 0.12),  # median 0.12
        "ingest": runs(0.30, 0.29, 0.40),  # median 0.30: 0.30 / 0.12 = 2.5x, ok
        "insights": runs(0.31, 0.31, 0.31),  # 0.31 / 0.12 = 2.58x: missed
        "rollup": runs(0.9, 1.1, 0.95),  # median 0.95 s CPU <= 1 s: ok (1.9 s wall)
    }
    rows = report(samples)
    assert rows["boto3"]["ratio_cpu"] == 1.0 and rows["boto3"]["meets_goal"] is None
    assert (rows["ingest"]["ratio_cpu"], rows["ingest"]["ratio"], rows["ingest"]["meets_goal"]) == (
        2.5,
        2.5,
        True,
    )
    assert (rows["insights"]["ratio_cpu"], rows["insights"]["meets_goal"]) == (2.58, False)
    assert (rows["rollup"]["median_s"], rows["rollup"]["median_cpu_s"], rows["rollup"]["meets_goal"]) == (
        1.9,
        0.95,
        True,
    )

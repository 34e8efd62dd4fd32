"""Operations wiring of every function: alarms on existing metrics and resources, the ops topic as
their action, log retention, the key pepper secret by reference, the worker's dead-letter queue."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from touchpoint_cli.cfn import load_template
from touchpoint_cli.paths import ALL_FUNCTIONS

OPS_TOPIC = {"Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-ops-topic-arn"}}
SECRET = {"Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-key-pepper-secret-arn"}}
# The functions Chalice generates per app (logical ids) and their roles.
ROLLUP_FUNCTIONS = {
    "Nightly": "NightlyRole",
    "Worker": "WorkerRole",
    "Retention": "RetentionRole",
    "Notifications": "NotificationsRole",
    "Digest": "DigestRole",
}
HTTP_FUNCTIONS = {"APIHandler": "ApiHandlerRole"}
_METRIC_CALL = re.compile(
    r"""(?:add_metric|single_metric)\(\s*name="([A-Za-z]+)"|metrics\.add\("([A-Za-z]+)\"""", re.S
)


def _merge(app: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (REPO_ROOT / "functions" / app / ".chalice" / "merge-template.json").read_text()
    )
    return document


def _generated(app: str) -> dict[str, str]:
    return ROLLUP_FUNCTIONS if app == "rollup" else HTTP_FUNCTIONS


def emitted_metrics() -> set[str]:
    """Every EMF metric name the shared package and the functions emit (by their source)."""
    names: set[str] = set()
    sources = [
        *(REPO_ROOT / "shared" / "touchpoint").rglob("*.py"),
        *(REPO_ROOT / "functions").glob("*/chalicelib/*.py"),
    ]
    for path in sources:
        for match in _METRIC_CALL.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


def _alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources.items() if v.get("Type") == "AWS::CloudWatch::Alarm"}


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if "Ref" in node:
            found.add(str(node["Ref"]))
        if "Fn::GetAtt" in node:
            found.add(str(node["Fn::GetAtt"][0]))
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def test_the_metric_scan_finds_what_the_functions_emit() -> None:
    names = emitted_metrics()
    assert {
        "EventsAccepted",
        "RequestsFailed",
        "FeedbackRejected",
        "RollupsStarted",
        "RollupsOverdue",
    } <= names
    assert {"ErasuresCompleted", "RollupSeconds"} <= names


@pytest.mark.parametrize("app", ALL_FUNCTIONS)
def test_every_function_has_error_and_throttle_alarms_log_retention_and_the_secret(app: str) -> None:
    resources = _merge(app)["Resources"]
    alarms = _alarms(resources)
    for function, role in _generated(app).items():
        metrics = {
            a["MetricName"]
            for a in alarms.values()
            if a["Namespace"] == "AWS/Lambda"
            and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        }
        assert metrics == {"Errors", "Throttles"}, function
        log_group = resources[f"{function}LogGroup"]["Properties"]
        assert log_group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
        assert 1 <= log_group["RetentionInDays"] <= 90
        variables = resources[function]["Properties"]["Environment"]["Variables"]
        assert variables["TOUCHPOINT_KEY_PEPPER_SECRET"] == SECRET
        assert "TOUCHPOINT_KEY_PEPPER" not in variables
        policy = resources["ReadKeyPepper"]["Properties"]
        assert {"Ref": role} in policy["Roles"]
        # exactly this stage's secret, nothing else (no wildcard)
        assert policy["PolicyDocument"]["Statement"] == [
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET}
        ]


@pytest.mark.parametrize("app", ALL_FUNCTIONS)
def test_every_alarm_notifies_the_ops_topic_and_names_resources_that_exist(app: str) -> None:
    template = _merge(app)
    known = set(template["Resources"]) | set(_generated(app)) | set(_generated(app).values())
    known |= {"RestAPI", *template.get("Parameters", {})}
    alarms = _alarms(template["Resources"])
    assert alarms
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [OPS_TOPIC], name
        assert _refs(alarm) <= known, name
        assert alarm["Namespace"] != "Touchpoint" or alarm["MetricName"] in emitted_metrics(), name


@pytest.mark.parametrize("app", ["ingest", "surveys", "feedback", "insights"])
def test_each_api_alarms_on_5xx_under_the_name_it_is_given(app: str) -> None:
    resources = _merge(app)["Resources"]
    api = resources["RestAPI"]["Properties"]
    assert api["Name"] == api["DefinitionBody"]["info"]["title"] == {"Fn::Sub": f"${{ResourcePrefix}}-{app}"}
    (alarm,) = [a for a in _alarms(resources).values() if a["Namespace"] == "AWS/ApiGateway"]
    assert alarm["MetricName"] == "5XXError"
    assert alarm["Dimensions"] == [
        {"Name": "ApiName", "Value": api["Name"]},
        {"Name": "Stage", "Value": "api"},
    ]
    config = json.loads((REPO_ROOT / "functions" / app / ".chalice" / "config.json").read_text())
    assert {stage["api_gateway_stage"] for stage in config["stages"].values()} == {"api"}


def test_the_worker_retries_twice_then_lands_in_its_dead_letter_queue_which_alarms() -> None:
    resources = _merge("rollup")["Resources"]
    invoke = resources["WorkerInvokeConfig"]["Properties"]
    assert invoke["FunctionName"] == {"Ref": "Worker"} and invoke["MaximumRetryAttempts"] == 2
    queue = {"Fn::GetAtt": ["WorkerDeadLetterQueue", "Arn"]}
    assert invoke["DestinationConfig"] == {"OnFailure": {"Destination": queue}}
    assert resources["WorkerDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    send = resources["SendFailedWorkerEvents"]["Properties"]
    assert send["Roles"] == [{"Ref": "WorkerRole"}]
    assert send["PolicyDocument"]["Statement"][0]["Resource"] == queue
    depth = [a for a in _alarms(resources).values() if a["Namespace"] == "AWS/SQS"]
    assert [a["MetricName"] for a in depth] == ["ApproximateNumberOfMessagesVisible"]
    assert depth[0]["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["WorkerDeadLetterQueue", "QueueName"]}


def test_the_resources_stack_alarms_on_overdue_rollups_and_charts_only_emitted_metrics() -> None:
    resources = load_template()["Resources"]
    alarms = _alarms(resources)
    overdue = alarms.pop("RollupsOverdueAlarm")
    dead_letters = alarms.pop("NotificationsDeadLetterAlarm")
    assert alarms == {}
    assert (dead_letters["Namespace"], dead_letters["MetricName"]) == (
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
    )
    assert dead_letters["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["NotificationsDeadLetterQueue", "QueueName"]
    }
    assert dead_letters["AlarmActions"] == [{"Ref": "OpsTopic"}]
    assert (overdue["Namespace"], overdue["MetricName"]) == ("Touchpoint", "RollupsOverdue")
    assert overdue["Dimensions"] == [{"Name": "service", "Value": "rollup"}]
    assert overdue["AlarmActions"] == [{"Ref": "OpsTopic"}] and overdue["Threshold"] == 0
    body = resources["OpsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(body.replace("${AWS::Region}", "eu-central-1"))
    charted: set[str] = set()
    for widget in dashboard["widgets"]:
        for row in widget["properties"]["metrics"]:
            names = [c for c in row if isinstance(c, str)]
            if names and names[0] in ("Touchpoint", "..."):
                charted.add(names[1])
            for cell in row:
                if isinstance(cell, dict) and "expression" in cell:
                    charted |= set(re.findall(r'MetricName=\\?"([A-Za-z]+)', cell["expression"]))
    assert charted and charted <= emitted_metrics(), charted - emitted_metrics()
    assert charted >= {"EventsAccepted", "RollupsOverdue", "FeedbackRejected", "ErasuresPending"}


def test_the_pepper_secret_is_generated_by_the_deploy_and_read_by_reference_only() -> None:
    template = load_template()
    secret = template["Resources"]["KeyPepperSecret"]["Properties"]
    assert "SecretString" not in secret and secret["GenerateSecretString"]["PasswordLength"] >= 32
    text = Path(REPO_ROOT / "infra" / "template.yaml").read_text()
    assert "key-pepper-*" not in text  # no name pattern: the Spark job role names the secret itself


def test_the_notifications_function_consumes_its_queue_with_partial_batch_failures() -> None:
    resources = _merge("rollup")["Resources"]
    source = resources["NotificationsQueueSource"]["Properties"]
    assert source["FunctionName"] == {"Ref": "Notifications"}
    assert source["EventSourceArn"] == {
        "Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-notifications-queue-arn"}
    }
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"] and source["BatchSize"] == 10
    variables = resources["Notifications"]["Properties"]["Environment"]["Variables"]
    assert variables["TOUCHPOINT_NOTIFICATIONS_QUEUE_URL"] == {
        "Fn::ImportValue": {"Fn::Sub": "${ResourcePrefix}-notifications-queue-url"}
    }
    config = json.loads((REPO_ROOT / "functions" / "rollup" / ".chalice" / "config.json").read_text())
    queue = load_template()["Resources"]["NotificationsQueue"]["Properties"]
    for stage in config["stages"].values():  # SQS requires the visibility timeout >= the function's
        assert stage["lambda_functions"]["notifications"]["lambda_timeout"] <= queue["VisibilityTimeout"]

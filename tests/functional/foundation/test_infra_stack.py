"""The resources tests use are the ones infra/template.yaml defines (created in moto by CloudFormation)."""

from __future__ import annotations

from typing import Any

import yaml

from touchpoint.runtime import Runtime
from touchpoint_cli.paths import TEMPLATE_PATH


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Sub, !Ref, ...) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


_CfnLoader.add_multi_constructor("!", _any_tag)


def _template() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(TEMPLATE_PATH.read_text(), Loader=_CfnLoader)
    return document


def test_every_table_of_the_settings_exists_with_its_keys(aws: Runtime) -> None:
    settings = aws.settings
    db = aws.clients.dynamodb
    names = [
        settings.config_table,
        settings.responses_table,
        settings.people_table,
        settings.metrics_table,
        settings.state_table,
        settings.idempotency_table,
        settings.cases_table,
    ]
    assert sorted(db.list_tables()["TableNames"]) == sorted(names)
    cases = db.describe_table(TableName=settings.cases_table)["Table"]
    assert {i["IndexName"] for i in cases["GlobalSecondaryIndexes"]} == {"by_tenant", "by_activity"}
    responses = db.describe_table(TableName=settings.responses_table)["Table"]
    assert {i["IndexName"] for i in responses["GlobalSecondaryIndexes"]} == {"by_person", "by_day"}
    config = db.describe_table(TableName=settings.config_table)["Table"]
    assert [k["AttributeName"] for k in config["KeySchema"]] == ["pk", "sk"]


def test_lake_bucket_is_encrypted_and_the_schedule_and_topic_exist(aws: Runtime) -> None:
    s3 = aws.clients.s3
    encryption = s3.get_bucket_encryption(Bucket=aws.settings.lake_bucket)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    import boto3

    rules = boto3.client("events", region_name="eu-central-1").list_rules()["Rules"]
    assert sorted(r["ScheduleExpression"] for r in rules) == [
        "cron(0 * * * ? *)",
        "cron(0 * * * ? *)",
        "cron(30 3 * * ? *)",
    ]
    topics = boto3.client("sns", region_name="eu-central-1").list_topics()["Topics"]
    assert sorted(t["TopicArn"].rsplit(":", 1)[1] for t in topics) == [
        "touchpoint-test-alerts",
        "touchpoint-test-ops",
    ]


def test_template_declares_lifecycle_ttl_and_public_access_block() -> None:
    # moto ignores lifecycle rules and TTL, so these are checked on the template itself.
    resources = _template()["Resources"]
    bucket = resources["LakeBucket"]["Properties"]
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-raw-events"]["Prefix"] == "raw/"
    assert rules["expire-rollup-digests"]["Prefix"] == "digests/"
    assert (
        rules["expire-rollup-digests"]["ExpirationInDays"] == rules["expire-raw-events"]["ExpirationInDays"]
    )
    assert rules["expire-quarantine"]["ExpirationInDays"] == "QuarantineRetentionDays"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    for table in ("ResponsesTable", "PeopleTable", "StateTable", "IdempotencyTable", "CasesTable"):
        assert resources[table]["Properties"]["TimeToLiveSpecification"]["Enabled"] is True
    for name, resource in resources.items():
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert resource["Properties"]["SSESpecification"]["SSEEnabled"] is True, name
            assert resource["Properties"]["BillingMode"] == "PAY_PER_REQUEST", name


def test_notifications_queue_sends_to_its_dead_letter_queue_after_eight_receives(aws: Runtime) -> None:
    import json

    sqs: Any = aws.clients.sqs
    url = aws.notification_queue.url
    assert url.endswith("/touchpoint-test-notifications")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 8
    assert redrive["deadLetterTargetArn"].endswith(":touchpoint-test-notifications-dlq")
    alarm = _template()["Resources"]["NotificationsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "NotificationsDeadLetterQueue.QueueName"}]
    assert alarm["AlarmActions"] == ["OpsTopic"]

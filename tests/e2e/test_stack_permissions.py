"""Each deployed function may do what its code does, in the stack `make deploy` deploys.

The synthesized stack of the README's `make package` (infra/stack.py) is evaluated with the
parent's `MailFrom` set as `make deploy MAIL_FROM=...` sets it: every function's role must allow
the AWS calls listed for it in NEEDS (tables, the contacts key, the notifications queue, SES from
the sender, the user pool) and its environment must carry what its code reads (the sender, the
pool ids, the queue URL). The AWS operations the code calls are found in the source (every boto3
operation name used on an object), so a new call no function is granted fails here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import boto3
import pytest
from botocore.client import BaseClient

from tests.conftest import REPO_ROOT
from tests.e2e.iam import ACCOUNT, FunctionAccess, function_access
from tests.e2e.test_stack import stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("packaging")]

SENDER = "touchpoint@brand.example"
ARN = f"{ACCOUNT['AWS::Region']}:{ACCOUNT['AWS::AccountId']}"
PREFIX = "touchpoint-dev"


def table(name: str) -> str:
    return f"arn:aws:dynamodb:{ARN}:table/{PREFIX}-{name}"


LAKE = f"arn:aws:s3:::{PREFIX}-lake"
QUEUE = f"arn:aws:sqs:{ARN}:{PREFIX}-notifications"
CONTACT_KEY = f"arn:aws:kms:{ARN}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
CONTACT_ALIAS = {"kms:ResourceAliases": [f"alias/{PREFIX}-contacts"]}
POOL = f"arn:aws:cognito-idp:{ARN}:userpool/eu-central-1_AbCdEf123"
FROM_SENDER = {"ses:FromAddress": [SENDER]}
SECRET = "<ResourcesStack.KeyPepperSecretArn>"


@dataclass(frozen=True)
class Need:
    """One AWS call a function makes: the IAM action, on what, with which request context."""

    action: str
    resource: str
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @staticmethod
    def of(action: str, resource: str, context: dict[str, list[str]] | None = None) -> Need:
        return Need(action, resource, tuple((k, tuple(v)) for k, v in (context or {}).items()))

    def allowed_for(self, access: FunctionAccess) -> bool:
        return access.allows(self.action, self.resource, {k: list(v) for k, v in self.context})


def on_tables(actions: tuple[str, ...], *names: str) -> list[Need]:
    return [Need.of(f"dynamodb:{a}", table(n)) for n in names for a in actions]


READ = ("GetItem", "Query", "BatchGetItem")
WRITE = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem", "ConditionCheckItem")
CASES_INDEX = [Need.of("dynamodb:Query", table("cases") + "/index/by_tenant")]
PEPPER = [Need.of("secretsmanager:GetSecretValue", SECRET)]
LAKE_RW = [
    Need.of("s3:GetObject", LAKE + "/raw/x"),
    Need.of("s3:PutObject", LAKE + "/raw/x"),
    Need.of("s3:DeleteObject", LAKE + "/raw/x"),
    Need.of("s3:ListBucket", LAKE),
]
# a complete answer opens its case and queues its notifications (touchpoint.loop.hooks), and the
# answer's contact details are encrypted with the stage's key
AFTER_ANSWER = [
    *on_tables(READ + WRITE, "cases", "responses", "config", "state", "people"),
    *CASES_INDEX,
    Need.of("kms:Encrypt", CONTACT_KEY, CONTACT_ALIAS),
    Need.of("sqs:SendMessage", QUEUE),
    Need.of("sqs:GetQueueUrl", QUEUE),
]
SEND_MAIL = [
    Need.of("ses:SendEmail", f"arn:aws:ses:{ARN}:identity/{SENDER}", FROM_SENDER),
    # in the SES sandbox the recipient is an identity too
    Need.of("ses:SendEmail", f"arn:aws:ses:{ARN}:identity/customer@example.com", FROM_SENDER),
]

# (nested stack, function) -> the AWS calls its code makes, and the environment it reads.
NEEDS: dict[tuple[str, str], list[Need]] = {
    ("IngestStack", "APIHandler"): [
        *on_tables(READ + WRITE, "config", "state", "idempotency", "people"),
        Need.of("firehose:PutRecordBatch", f"arn:aws:firehose:{ARN}:deliverystream/{PREFIX}-events"),
        Need.of("dynamodb:DescribeTable", table("config")),
        *LAKE_RW,
        *PEPPER,
    ],
    ("SurveysStack", "APIHandler"): [
        *AFTER_ANSWER,
        Need.of("kms:Decrypt", CONTACT_KEY, CONTACT_ALIAS),  # a person's access export
        Need.of("dynamodb:Scan", table("config")),
        Need.of("s3:DeleteObject", LAKE + "/raw/x"),  # erasure
        *LAKE_RW,
        *PEPPER,
        Need.of("comprehend:DetectSentiment", "*"),
        Need.of("comprehend:BatchDetectSentiment", "*"),
    ],
    ("FeedbackStack", "APIHandler"): [
        *AFTER_ANSWER,
        *LAKE_RW,
        *PEPPER,
        Need.of("sns:Publish", f"arn:aws:sns:{ARN}:{PREFIX}-alerts"),
    ],
    ("InsightsStack", "APIHandler"): [
        *on_tables(READ + WRITE, "cases", "responses", "config", "state", "metrics", "people"),
        *CASES_INDEX,
        Need.of("kms:Decrypt", CONTACT_KEY, CONTACT_ALIAS),  # replies and announcements
        *SEND_MAIL,  # replies, announcements, invitations
        *[
            Need.of(f"cognito-idp:{a}", POOL)
            for a in (
                "AdminCreateUser",
                "AdminDeleteUser",
                "AdminDisableUser",
                "AdminUserGlobalSignOut",
                "InitiateAuth",
                "RespondToAuthChallenge",
                "ForgotPassword",
                "ConfirmForgotPassword",
                "ListUserPoolClients",
            )
        ],
        Need.of("cognito-idp:ListUserPools", "*"),
        Need.of("sns:Publish", f"arn:aws:sns:{ARN}:{PREFIX}-alerts"),
        *LAKE_RW,
        *PEPPER,
    ],
    ("RollupStack", "Worker"): [
        *on_tables(READ + WRITE, "metrics", "state", "config", "people"),
        *on_tables(READ, "cases", "responses"),  # case facts of the day
        *CASES_INDEX,
        *LAKE_RW,
        *PEPPER,
    ],
    ("RollupStack", "Nightly"): [
        *on_tables(READ + WRITE, "state", "config"),
        Need.of("lambda:InvokeFunction", "<Worker.Arn>"),
        Need.of(
            "emr-serverless:StartJobRun",
            f"arn:aws:emr-serverless:{ARN}:/applications/<ResourcesStack.SparkApplicationId>",
        ),
        Need.of(
            "emr-serverless:ListJobRuns",
            f"arn:aws:emr-serverless:{ARN}:/applications/<ResourcesStack.SparkApplicationId>",
        ),
        *PEPPER,
    ],
    ("RollupStack", "Retention"): [
        # pending erasures and the retention sweep delete answers, contacts and cases
        *on_tables(READ + WRITE, "cases", "responses", "people", "state", "config"),
        *CASES_INDEX,
        Need.of("s3:DeleteObject", LAKE + "/raw/x"),
        *LAKE_RW,
        *PEPPER,
    ],
    ("RollupStack", "Notifications"): [
        *on_tables(READ + WRITE, "state", "config"),
        *on_tables(READ, "cases", "responses", "config"),
        *[
            Need.of(f"sqs:{a}", QUEUE)
            for a in ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes")
        ],
        *PEPPER,
    ],
    ("RollupStack", "Digest"): [
        *on_tables(READ + WRITE, "state", "config"),
        *on_tables(READ, "cases", "responses", "metrics"),
        *SEND_MAIL,
        *PEPPER,
    ],
}

ENVIRONMENT: dict[tuple[str, str], dict[str, str]] = {
    ("InsightsStack", "APIHandler"): {
        "TOUCHPOINT_MAIL_FROM": SENDER,
        "TOUCHPOINT_USER_POOL_ID": "<ResourcesStack.UserPoolId>",
        "TOUCHPOINT_USER_POOL_CLIENT_ID": "<ResourcesStack.UserPoolClientId>",
        "TOUCHPOINT_KEY_PEPPER_SECRET": SECRET,
    },
    ("RollupStack", "Digest"): {"TOUCHPOINT_MAIL_FROM": SENDER, "TOUCHPOINT_KEY_PEPPER_SECRET": SECRET},
    ("RollupStack", "Notifications"): {
        "TOUCHPOINT_NOTIFICATIONS_QUEUE_URL": "<ResourcesStack.NotificationsQueueUrl>"
    },
}


def deployed_access(build: Path, parameters: dict[str, str]) -> dict[tuple[str, str], FunctionAccess]:
    """Every function's access in the stack synthesized from `build`, deployed with `parameters`."""
    synthesis = stack.synthesize(build, "dev")
    children = {
        logical: synthesis.children[r["Properties"]["TemplateURL"]]
        for logical, r in synthesis.parent["Resources"].items()
        if r["Type"] == "AWS::CloudFormation::Stack" and logical != "ResourcesStack"
    }
    return function_access(synthesis.parent, children, parameters)


@pytest.fixture(scope="module")
def access(dev_build: Path) -> dict[tuple[str, str], FunctionAccess]:
    """Every function's access in the synthesized stack, deployed with MAIL_FROM=SENDER."""
    return deployed_access(dev_build, {"MailFrom": SENDER})


def test_every_function_is_listed(access: dict[tuple[str, str], FunctionAccess]) -> None:
    assert set(access) == set(NEEDS)


@pytest.mark.parametrize("function", list(NEEDS), ids=["/".join(k) for k in NEEDS])
def test_each_function_may_make_the_calls_its_code_makes(
    access: dict[tuple[str, str], FunctionAccess], function: tuple[str, str]
) -> None:
    refused = [need for need in NEEDS[function] if not need.allowed_for(access[function])]
    assert not refused, refused


@pytest.mark.parametrize("function", list(ENVIRONMENT), ids=["/".join(k) for k in ENVIRONMENT])
def test_each_function_gets_the_settings_its_code_reads(
    access: dict[tuple[str, str], FunctionAccess], function: tuple[str, str]
) -> None:
    environment = access[function].environment
    assert {k: environment.get(k) for k in ENVIRONMENT[function]} == ENVIRONMENT[function]


def test_e_mail_goes_out_only_from_the_sender_and_only_where_the_code_sends_it(
    access: dict[tuple[str, str], FunctionAccess], dev_build: Path
) -> None:
    identity = f"arn:aws:ses:{ARN}:identity/{SENDER}"
    senders = {k for k, a in access.items() if a.allows("ses:SendEmail", identity, FROM_SENDER)}
    assert senders == {("InsightsStack", "APIHandler"), ("RollupStack", "Digest")}
    for function in senders:
        assert not access[function].allows("ses:SendEmail", identity, {"ses:FromAddress": ["x@evil.example"]})
    # without MAIL_FROM nothing may send and no function is told a sender
    for function, found in deployed_access(dev_build, {}).items():
        assert not found.allows("ses:SendEmail", identity, FROM_SENDER), function
        assert not found.environment.get("TOUCHPOINT_MAIL_FROM"), function
    # the resources stack creates the sender's SES identity from the same parameter
    synthesis = stack.synthesize(dev_build, "dev")
    resources = synthesis.parent["Resources"]["ResourcesStack"]["Properties"]["Parameters"]
    assert resources["MailFrom"] == {"Ref": "MailFrom"}
    assert (
        synthesis.children["resources.json"]["Resources"]["MailSenderIdentity"]["Condition"] == "HasMailFrom"
    )


# boto3 operation names of Touchpoint's own methods (not AWS calls) found by the source scan
NOT_AWS_CALLS = {
    "create_key",  # API keys (touchpoint.storage.tenants)
    "list_keys",  # API keys
    "get_template",  # Jinja2 environments
    "rotate_secret",  # notification and webhook signing secrets
    "verify",  # signed form tokens
    "list_users",  # team members (touchpoint.accounts)
}
# IAM actions whose names differ from the API operation's (None: no permission is needed)
IAM_ACTION = {
    "s3:HeadBucket": "s3:ListBucket",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:ListObjects": "s3:ListBucket",
    "s3:DeleteObjects": "s3:DeleteObject",
    "lambda:Invoke": "lambda:InvokeFunction",
    "sts:GetCallerIdentity": None,
}
CLIENTS = (
    "dynamodb",
    "s3",
    "firehose",
    "lambda",
    "sns",
    "sqs",
    "kms",
    "ses",
    "cognito-idp",
    "comprehend",
    "emr-serverless",
    "sts",
)


@cache
def _operations() -> dict[str, set[str]]:
    """boto3 method name -> the IAM actions of the clients Touchpoint makes (storage/clients.py)."""
    found: dict[str, set[str]] = {}
    for service in CLIENTS:
        client: BaseClient = boto3.session.Session().client(  # type: ignore[call-overload]
            service, region_name=ACCOUNT["AWS::Region"]
        )
        prefix = client.meta.service_model.signing_name
        for method, api in client.meta.method_to_api_mapping.items():
            found.setdefault(method, set()).add(f"{prefix}:{api}")
    return found


def aws_calls_in_source() -> dict[str, set[str]]:
    """IAM action -> the source files that make the call (by method or paginator name)."""
    operations = _operations()
    calls: dict[str, set[str]] = {}
    sources = [*(REPO_ROOT / "shared" / "touchpoint").rglob("*.py"), *(REPO_ROOT / "functions").rglob("*.py")]
    for path in sources:
        if "vendor" in path.parts:
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in operations:
                names.add(node.attr)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_paginator"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(str(node.args[0].value))
        for name in names - NOT_AWS_CALLS:
            for action in operations.get(name, set()):
                mapped = IAM_ACTION.get(action, action)
                if mapped is not None:
                    calls.setdefault(mapped, set()).add(str(path.relative_to(REPO_ROOT)))
    return calls


def test_every_aws_call_in_the_code_is_granted_to_a_function_that_needs_it() -> None:
    calls = aws_calls_in_source()
    assert {"ses:SendEmail", "kms:Encrypt", "sqs:SendMessage", "cognito-idp:AdminCreateUser"} <= set(calls)
    listed = {need.action for needs in NEEDS.values() for need in needs}
    unlisted = {a: sorted(files) for a, files in calls.items() if a not in listed}
    assert not unlisted, f"AWS calls no function's NEEDS lists (add them where the code runs): {unlisted}"

"""Create the resources of `infra/template.yaml` with CloudFormation (moto locally and in tests).

moto's CloudFormation skips the types it does not implement. Of those, the ones Touchpoint's
functions use (the Firehose delivery stream ingest lands events through, the Cognito user pool and
app client team members sign in with) are created afterwards
through their service's API from the template's own properties (`touchpoint_cli.cfn`), and moto's
Firehose is taught the dynamic partitioning the template configures
(`touchpoint_cli.moto_firehose`).
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING

import boto3

from touchpoint_cli.cfn import Resolver, load_template
from touchpoint_cli.moto_firehose import enable_dynamic_partitioning
from touchpoint_cli.paths import TEMPLATE_PATH

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


class StackFailedError(RuntimeError):
    """The stack did not reach CREATE_COMPLETE."""


def deploy_stack(
    cloudformation: CloudFormationClient, stage: str, stack_name: str | None = None
) -> dict[str, str]:
    """Create the resources stack for a stage and return its outputs (name -> value)."""
    name = stack_name or f"touchpoint-{stage}-resources"
    with warnings.catch_warnings():
        # moto creates everything Touchpoint reads but not the bucket policy; it says so loudly.
        warnings.simplefilter("ignore", UserWarning)
        cloudformation.create_stack(
            StackName=name,
            TemplateBody=TEMPLATE_PATH.read_text(encoding="utf-8"),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": stage}],
        )
    for _ in range(600):
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        status = stack["StackStatus"]
        if status == "CREATE_COMPLETE":
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            outputs.update(_create_skipped_resources(cloudformation, name, stage))
            return outputs
        if status.endswith("FAILED") or status.startswith("ROLLBACK"):
            raise StackFailedError(f"{name}: {status} {stack.get('StackStatusReason', '')}")
        time.sleep(0.1)
    raise StackFailedError(f"{name}: timed out waiting for CREATE_COMPLETE")


def _create_skipped_resources(
    cloudformation: CloudFormationClient, stack_name: str, stage: str
) -> dict[str, str]:
    """Create the delivery streams and the Cognito user pool and client moto's CloudFormation skipped;
    returns their outputs."""
    template = load_template()
    physical_ids = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.describe_stack_resources(StackName=stack_name)["StackResources"]
        if r.get("PhysicalResourceId")
    }
    region = cloudformation.meta.region_name
    resolver = Resolver(template, {"Stage": stage}, physical_ids, region=region)
    firehose = boto3.client("firehose", region_name=region)
    outputs: dict[str, str] = {}
    enable_dynamic_partitioning()
    cognito = boto3.client("cognito-idp", region_name=region)
    for logical_id, resource in template["Resources"].items():
        kind = resource["Type"]
        if kind == "AWS::KinesisFirehose::DeliveryStream":
            properties = resolver.resolve(resource["Properties"])
            firehose.create_delivery_stream(**properties)
            resolver.physical_ids[logical_id] = properties["DeliveryStreamName"]
        elif kind == "AWS::Cognito::UserPool":
            properties = resolver.resolve(resource["Properties"])
            properties["PoolName"] = properties.pop("UserPoolName")
            pool = cognito.create_user_pool(**properties)["UserPool"]
            resolver.physical_ids[logical_id] = pool["Id"]
        elif kind == "AWS::Cognito::UserPoolClient":
            properties = resolver.resolve(resource["Properties"])
            client = cognito.create_user_pool_client(**properties)["UserPoolClient"]
            resolver.physical_ids[logical_id] = client["ClientId"]
    for key, output in template.get("Outputs", {}).items():
        value = output["Value"]
        if isinstance(value, dict) and value.get("Ref") in resolver.physical_ids:
            outputs[key] = resolver.physical_ids[value["Ref"]]
    return outputs

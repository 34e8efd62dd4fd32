"""Create the resources of `infra/template.yaml` with CloudFormation (moto locally and in tests)."""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING

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
            return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if status.endswith("FAILED") or status.startswith("ROLLBACK"):
            raise StackFailedError(f"{name}: {status} {stack.get('StackStatusReason', '')}")
        time.sleep(0.1)
    raise StackFailedError(f"{name}: timed out waiting for CREATE_COMPLETE")

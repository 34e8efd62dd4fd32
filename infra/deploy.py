"""Deploy or destroy one stage as one CloudFormation stack, with the AWS CLI (no Docker).

Usage (through make, after `make package` and `infra/stack.py`):
    python infra/deploy.py deploy --stage prod [--tenant acme --tenant-name "Acme"] [--public-domain ...]
        [--mail-from touchpoint@brand.example]
    python infra/deploy.py destroy --stage prod [--delete-lake]

`deploy` makes the stage's artefact bucket (stack `<prefix>-artifacts`, created once),
`aws cloudformation package`s `build/stack/template.json` (uploading the nested templates and the
functions' zips) and `aws cloudformation deploy`s it as stack `<prefix>`, prints the stack's URLs
and, when the stage has no tenant yet, creates the first one with `touchpoint tenants create
--aws` (its keys are printed once). `destroy` deletes the stack and the artefact bucket; the lake
bucket is retained (DeletionPolicy Retain) unless `--delete-lake` empties and deletes it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import boto3

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "infra"))

from stack import MAIL_FROM_PATTERN  # noqa: E402

STAGES = ("dev", "staging", "prod")
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")

ARTIFACTS_TEMPLATE: dict[str, Any] = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "Touchpoint deployment artefacts (templates and function zips of make deploy)",
    "Resources": {
        "ArtifactsBucket": {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "LifecycleConfiguration": {
                    "Rules": [{"Id": "expire-old-artefacts", "Status": "Enabled", "ExpirationInDays": 30}]
                },
            },
        }
    },
    "Outputs": {"BucketName": {"Value": {"Ref": "ArtifactsBucket"}}},
}

Runner = Callable[[Sequence[str], dict[str, str]], None]


def run(command: Sequence[str], env: dict[str, str]) -> None:
    """Run one command, its output to the terminal; a failure stops the deployment."""
    print("+ " + " ".join(command), flush=True)
    subprocess.run(list(command), env=env, check=True)


def stack_name(stage: str, environ: dict[str, str]) -> str:
    """The stage's stack name: its resource prefix (`TOUCHPOINT_RESOURCE_PREFIX` or touchpoint-<stage>)."""
    return environ.get("TOUCHPOINT_RESOURCE_PREFIX") or f"touchpoint-{stage}"


def aws_cli() -> str:
    """The AWS CLI of this environment (installed by the `deploy` extra)."""
    return str(Path(sys.executable).with_name("aws"))


def stack_outputs(cloudformation: Any, name: str) -> dict[str, str] | None:
    """The stack's outputs, or None when no such stack exists."""
    try:
        (stack,) = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def deploy_commands(
    *, stack: str, parent: Path, packaged: Path, bucket: str, stage: str, overrides: dict[str, str]
) -> list[list[str]]:
    """The two AWS CLI commands that upload the artefacts and deploy the stack."""
    aws = aws_cli()
    deploy = [
        aws,
        "cloudformation",
        "deploy",
        "--stack-name",
        stack,
        "--template-file",
        str(packaged),
        "--capabilities",
        *CAPABILITIES,
        "--no-fail-on-empty-changeset",
        "--tags",
        "app=touchpoint",
        f"stage={stage}",
    ]
    if overrides:
        deploy += ["--parameter-overrides", *(f"{k}={v}" for k, v in sorted(overrides.items()))]
    package = [
        aws,
        "cloudformation",
        "package",
        "--template-file",
        str(parent),
        "--s3-bucket",
        bucket,
        "--s3-prefix",
        stack,
        "--use-json",
        "--output-template-file",
        str(packaged),
    ]
    return [package, deploy]


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object (and version) of a bucket; returns how many were deleted."""
    deleted = 0
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        keys = [
            {"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in (*page.get("Versions", []), *page.get("DeleteMarkers", []))
        ]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
    return deleted


def parameter_overrides(args: argparse.Namespace) -> dict[str, str]:
    """The parent stack's parameters this deployment sets: the custom domain and the mail sender.

    One not given keeps its value of the previous deployment (`aws cloudformation deploy` does so),
    so redeploying a release without MAIL_FROM never stops the e-mails; `--mail-from ''` clears it.
    """
    overrides: dict[str, str] = {}
    if args.mail_from is not None:
        overrides["MailFrom"] = args.mail_from
    if args.public_domain:
        overrides |= {"PublicDomain": args.public_domain, "CertificateArn": args.certificate_arn}
    return overrides


def problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the deploy command line's options, or None."""
    if bool(args.public_domain) != bool(args.certificate_arn):
        return "--public-domain and --certificate-arn go together"
    if args.mail_from is not None and not re.fullmatch(MAIL_FROM_PATTERN, args.mail_from):
        return f"--mail-from must be one e-mail address (touchpoint@brand.example), got {args.mail_from!r}"
    return None


def deploy(args: argparse.Namespace, environ: dict[str, str], runner: Runner = run) -> int:
    """Package and deploy the stage; print its URLs; create the first tenant on a new stage."""
    build: Path = args.build.resolve()
    parent = build / "stack" / "template.json"
    if not parent.is_file():
        print(f"{parent} not found: run `make package` and infra/stack.py first", file=sys.stderr)
        return 2
    name = stack_name(args.stage, environ)
    cloudformation = boto3.client("cloudformation")
    artifacts_template = build / "stack" / "artifacts.json"
    artifacts_template.write_text(json.dumps(ARTIFACTS_TEMPLATE, indent=1) + "\n", encoding="utf-8")
    aws = aws_cli()
    artifacts = f"{name}-artifacts"
    runner(
        [aws, "cloudformation", "deploy", "--stack-name", artifacts, "--template-file", str(artifacts_template),
         "--no-fail-on-empty-changeset"],
        environ,
    )  # fmt: skip
    bucket = (stack_outputs(cloudformation, artifacts) or {})["BucketName"]
    overrides = parameter_overrides(args)
    for command in deploy_commands(
        stack=name,
        parent=parent,
        packaged=build / "stack" / "packaged.json",
        bucket=bucket,
        stage=args.stage,
        overrides=overrides,
    ):
        runner(command, environ)
    outputs = stack_outputs(cloudformation, name) or {}
    public = outputs.get("PublicUrl", "")
    print(f"\nTouchpoint {args.stage} is deployed (stack {name}):")
    print(f"  public host:  {public}   (SDK host, QR codes, API)")
    print(f"  dashboard:    {public}/dashboard")
    print(f"  API contract: {public}/openapi.json")
    print(f"  lake bucket:  {outputs.get('LakeBucketName', '?')}")
    if args.mail_from:
        print(f"  mail sender:  {args.mail_from}   (open the verification link SES e-mailed to it; in the")
        print("                SES sandbox verify each recipient too, or request production access)")
    cli = str(Path(sys.executable).with_name("touchpoint"))
    tenant_env = {**environ, "TOUCHPOINT_STAGE": args.stage}
    listing = subprocess.run(
        [cli, "tenants", "list", "--aws"], env=tenant_env, capture_output=True, text=True, check=True
    )
    if listing.stdout.strip():
        print("tenants exist already: add more with `touchpoint tenants create ... --aws`")
        return 0
    print(f"\nfirst tenant {args.tenant!r}:")
    runner([cli, "tenants", "create", args.tenant, "--name", args.tenant_name, "--aws"], tenant_env)
    return 0


def destroy(args: argparse.Namespace, environ: dict[str, str], runner: Runner = run) -> int:
    """Delete the stage's stack and artefacts; keep the lake bucket unless asked to delete it."""
    name = stack_name(args.stage, environ)
    cloudformation = boto3.client("cloudformation")
    s3 = boto3.client("s3")
    outputs = stack_outputs(cloudformation, name)
    if outputs is None:
        print(f"no stack {name}: nothing to destroy", file=sys.stderr)
    else:
        aws = aws_cli()
        runner([aws, "cloudformation", "delete-stack", "--stack-name", name], environ)
        runner([aws, "cloudformation", "wait", "stack-delete-complete", "--stack-name", name], environ)
    artifacts = f"{name}-artifacts"
    artifact_outputs = stack_outputs(cloudformation, artifacts)
    if artifact_outputs is not None:
        empty_bucket(s3, artifact_outputs["BucketName"])
        s3.delete_bucket(Bucket=artifact_outputs["BucketName"])
        cloudformation.delete_stack(StackName=artifacts)
    lake = (outputs or {}).get("LakeBucketName") or f"{name}-lake"
    if args.delete_lake:
        try:
            count = empty_bucket(s3, lake)
            s3.delete_bucket(Bucket=lake)
            print(f"deleted the lake bucket {lake} ({count} objects)")
        except s3.exceptions.NoSuchBucket:
            print(f"no lake bucket {lake}")
    else:
        print(f"kept the lake bucket {lake} (make destroy KEEP_LAKE=0 deletes it)")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line of this script."""
    main = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = main.add_subparsers(dest="command", required=True)
    up = commands.add_parser("deploy", help="package and deploy the stage")
    up.add_argument("--stage", required=True, choices=STAGES)
    up.add_argument("--build", type=Path, default=REPO_ROOT / "build")
    up.add_argument("--tenant", default="main", help="id of the first tenant (on a stage without one)")
    up.add_argument("--tenant-name", default="Main brand", help="display name of the first tenant")
    up.add_argument("--public-domain", default="", help="custom domain of the public host (optional)")
    up.add_argument("--certificate-arn", default="", help="ACM certificate in us-east-1 for that domain")
    up.add_argument(
        "--mail-from",
        help="sender of replies, announcements, invitations and the digest (an SES identity is created); "
        "not given: the previous deployment's",
    )
    down = commands.add_parser("destroy", help="delete the stage's stack (the lake is kept)")
    down.add_argument("--stage", required=True, choices=STAGES)
    down.add_argument("--delete-lake", action="store_true", help="also empty and delete the lake bucket")
    return main


def main(argv: list[str] | None = None) -> int:
    """Run `deploy` or `destroy`."""
    args = parser().parse_args(argv)
    environ = dict(os.environ)
    if args.command == "deploy":
        wrong = problem(args)
        if wrong:
            print(wrong, file=sys.stderr)
            return 2
        return deploy(args, environ)
    return destroy(args, environ)


if __name__ == "__main__":
    raise SystemExit(main())

"""The one-stack deployment (infra/stack.py) synthesized from the README's `make package`.

It passes cfn-lint; it deploys into moto's CloudFormation wherever moto knows the resource types
(the ones it cannot create are listed exactly, so a change shows up); every reference of the
parent and of each nested stack resolves inside the deployment; CloudFront sends every path of the
API contract to the function serving it.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib.util
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.cloudformation.parsing import NULL_MODELS, get_model_map

from tests.conftest import REPO_ROOT


def _stack_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("touchpoint_infra_stack", REPO_ROOT / "infra" / "stack.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


stack = _stack_module()
PSEUDO = {
    "AWS::AccountId",
    "AWS::Region",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::NoValue",
    "AWS::StackName",
}
# What moto's CloudFormation cannot create (with what depends on them, skipped in the moto test).
MOTO_UNSUPPORTED = {
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::Function",
    "AWS::KinesisFirehose::DeliveryStream",
    "AWS::Glue::Database",
    "AWS::Glue::Table",
    "AWS::Athena::WorkGroup",
    "AWS::EMRServerless::Application",
    "AWS::S3::BucketPolicy",
    "AWS::SecretsManager::Secret",
    "AWS::CloudWatch::Alarm",
    "AWS::SNS::Subscription",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::Cognito::UserPool",  # created by touchpoint_cli.resources from the template's properties
    "AWS::Cognito::UserPoolClient",
    "AWS::SES::EmailIdentity",  # the MailFrom sender's (make deploy MAIL_FROM=...)
}


walk = stack.walk  # every node of a template fragment, depth first


def references(value: Any) -> set[str]:
    """Every name a fragment refers to: Ref, GetAtt's resource, Sub's ${Name} / ${Name.Attr}."""
    names: set[str] = set()
    for node in walk(value):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        (key, argument), *_ = node.items()
        if key == "Ref" and isinstance(argument, str):
            names.add(argument)
        elif key == "Fn::GetAtt":
            names.add(argument[0] if isinstance(argument, list) else argument.split(".")[0])
        elif key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            names |= {
                m.split(".")[0]
                for m in re.findall(r"\$\{([^!}][^}]*)\}", text)
                if m.split(".")[0] not in variables
            }
    return names


@pytest.fixture(scope="module")
def synthesized(dev_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`build/stack/` synthesized, as `make stack` does, from the fresh clone's `make package`."""
    folder = tmp_path_factory.mktemp("stack")
    stack.write(stack.synthesize(dev_build, "dev"), folder)
    # the nested templates name the function zips relative to the build folder
    for name in stack.FUNCTIONS:
        (folder.parent / name).symlink_to(dev_build / name)
    return folder


def _load(folder: Path) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    parent = json.loads((folder / "template.json").read_text())
    children = {
        logical: json.loads((folder / r["Properties"]["TemplateURL"]).read_text())
        for logical, r in parent["Resources"].items()
        if r["Type"] == "AWS::CloudFormation::Stack"
    }
    return parent, children


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_the_synthesized_stack_passes_cfn_lint(synthesized: Path) -> None:
    # W3002: local TemplateURL/CodeUri paths are for `aws cloudformation package`, as intended.
    templates = sorted(str(p) for p in synthesized.glob("*.json"))
    lint = REPO_ROOT / ".venv" / "bin" / "cfn-lint"
    result = subprocess.run(
        [str(lint), "--ignore-checks", "W3002", "--", *templates], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_every_reference_resolves_inside_the_deployment(synthesized: Path) -> None:
    parent, children = _load(synthesized)
    assert not [n for n in walk([parent, children]) if isinstance(n, dict) and "Fn::ImportValue" in n]
    assert not [n for n in walk([parent, children]) if isinstance(n, dict) and "Export" in n]
    for logical, child in children.items():
        declared = set(child["Resources"]) | set(child.get("Parameters", {})) | PSEUDO
        assert references(child["Resources"]) <= declared, logical
        assert references(child.get("Outputs", {})) <= declared, logical
        given = parent["Resources"][logical]["Properties"].get("Parameters", {})
        required = {n for n, p in child.get("Parameters", {}).items() if "Default" not in p}
        assert required <= set(given) <= set(child.get("Parameters", {})), logical
        for attribute in (n["Fn::GetAtt"] for n in walk(given) if isinstance(n, dict) and "Fn::GetAtt" in n):
            source, output = attribute
            assert output.removeprefix("Outputs.") in children[source]["Outputs"], attribute
    parent_names = set(parent["Resources"]) | set(parent["Parameters"]) | PSEUDO
    assert references(parent["Resources"]) | references(parent["Outputs"]) <= parent_names
    for attribute in (n["Fn::GetAtt"] for n in walk(parent) if isinstance(n, dict) and "Fn::GetAtt" in n):
        if attribute[0] in children:
            assert attribute[1].removeprefix("Outputs.") in children[attribute[0]]["Outputs"], attribute
    # the schedules target the rollup functions, and only they may invoke them
    rollup = children["RollupStack"]
    rules = {k: r for k, r in parent["Resources"].items() if r["Type"] == "AWS::Events::Rule"}
    permissions = [r for r in parent["Resources"].values() if r["Type"] == "AWS::Lambda::Permission"]
    targets = {}
    for name, rule in rules.items():
        (target,) = rule["Properties"]["Targets"]
        source, output = target["Arn"]["Fn::GetAtt"]
        assert source == "RollupStack" and rule["Properties"]["State"] == "ENABLED"
        targets[name] = rollup["Outputs"][output.removeprefix("Outputs.")]["Value"]["Fn::GetAtt"][0]
        (permission,) = [
            p for p in permissions if p["Properties"]["SourceArn"] == {"Fn::GetAtt": [name, "Arn"]}
        ]
        assert permission["Properties"]["FunctionName"] == target["Arn"]
    assert sorted(targets.values()) == ["Digest", "Nightly", "Retention"]
    # the functions find tables, bucket and topic by the prefix the resources stack is given
    prefix = parent["Resources"]["ResourcesStack"]["Properties"]["Parameters"]["ResourcePrefix"]
    assert prefix == "touchpoint-dev"
    for child in children.values():
        for resource in child["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                assert resource["Properties"]["Environment"]["Variables"]["TOUCHPOINT_STAGE"] == "dev"
    # the dispatcher may invoke its worker, by reference
    invoke = rollup["Resources"]["NightlyInvokesWorker"]["Properties"]
    assert invoke["PolicyDocument"]["Statement"][0]["Resource"] == {"Fn::GetAtt": ["Worker", "Arn"]}


def _prune(template: dict[str, Any], supported: set[str], missing_outputs: dict[str, set[str]]) -> set[str]:
    """Drop what moto cannot create and what refers to it; returns the unsupported types."""
    resources = template["Resources"]
    unsupported = {r["Type"] for r in resources.values() if r["Type"] not in supported}
    removed = {k for k, r in resources.items() if r["Type"] not in supported}
    changed = True
    while changed:
        changed = False
        for name, resource in resources.items():
            if name in removed:
                continue
            outputs_used = [
                n["Fn::GetAtt"] for n in walk(resource) if isinstance(n, dict) and "Fn::GetAtt" in n
            ]
            lost = any(
                a[0] in missing_outputs and a[1].removeprefix("Outputs.") in missing_outputs[a[0]]
                for a in outputs_used
            )
            depends = resource.get("DependsOn", [])
            depends = [depends] if isinstance(depends, str) else depends
            if lost or (references(resource) | set(depends)) & removed:
                removed.add(name)
                changed = True
    for name in removed:
        del resources[name]
    outputs = template.get("Outputs", {})
    for name in [n for n, o in outputs.items() if references(o) & removed]:
        del outputs[name]
    template.pop("Transform", None)
    return unsupported


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.xdist_group("packaging")
def test_the_stack_deploys_into_moto_where_moto_knows_the_types(
    synthesized: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    supported = set(get_model_map()) - set(NULL_MODELS)
    parent, children = _load(synthesized)
    parent = copy.deepcopy(parent)
    unsupported: set[str] = set()
    missing: dict[str, set[str]] = {}
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        for logical, child in children.items():
            before = set(child.get("Outputs", {}))
            unsupported |= _prune(child, supported, {})
            missing[logical] = before - set(child.get("Outputs", {}))
            key = parent["Resources"][logical]["Properties"]["TemplateURL"]
            s3.put_object(Bucket="artifacts", Key=key, Body=json.dumps(child).encode())
            parent["Resources"][logical]["Properties"]["TemplateURL"] = (
                f"https://artifacts.s3.amazonaws.com/{key}"
            )
        unsupported |= _prune(parent, supported, missing)
        cloudformation = boto3.client("cloudformation")
        cloudformation.create_stack(
            StackName="touchpoint-dev",
            TemplateBody=json.dumps(parent),
            Parameters=[{"ParameterKey": "MailFrom", "ParameterValue": "touchpoint@brand.example"}],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        (created,) = cloudformation.describe_stacks(StackName="touchpoint-dev")["Stacks"]
        assert created["StackStatus"] == "CREATE_COMPLETE"
        tables = set(boto3.client("dynamodb").list_tables()["TableNames"])
        buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        topics = boto3.client("sns").list_topics()["Topics"]
    assert unsupported == MOTO_UNSUPPORTED, sorted(unsupported ^ MOTO_UNSUPPORTED)
    assert {
        f"touchpoint-dev-{t}" for t in ("config", "responses", "people", "metrics", "state", "idempotency")
    } <= tables
    assert "touchpoint-dev-lake" in buckets
    assert "touchpoint-dev-alerts" in {t["TopicArn"].rsplit(":", 1)[1] for t in topics}


def _route(path: str, distribution: dict[str, Any]) -> str:
    """The origin CloudFront picks for a path: the first matching pattern (`*` any run, `?` one
    character, case-sensitive), else the default behaviour."""
    config = distribution["Properties"]["DistributionConfig"]
    for behaviour in config["CacheBehaviors"]:
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return str(behaviour["TargetOriginId"])
    return str(config["DefaultCacheBehavior"]["TargetOriginId"])


def test_cloudfront_sends_every_path_of_the_contract_to_its_function() -> None:
    document = json.loads((REPO_ROOT / "docs" / "openapi.json").read_text())
    distribution = stack._distribution("dev")
    used: set[str] = set()
    for path, operations in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        origin = _route(concrete, distribution)
        serving = {
            f
            for op in operations.values()
            if isinstance(op, dict)
            for f in op.get("x-touchpoint-functions", [])
        }
        assert origin.removesuffix("-api") in serving, (path, origin, serving)
        config = distribution["Properties"]["DistributionConfig"]
        used |= {
            b["PathPattern"]
            for b in config["CacheBehaviors"]
            if fnmatch.fnmatchcase(concrete, b["PathPattern"])
        }
    assert used == {p for p, _ in stack.ROUTES}, "a path pattern no route of the contract needs"
    config = distribution["Properties"]["DistributionConfig"]
    for behaviour in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behaviour["CachePolicyId"] == stack.CACHING_DISABLED
        assert behaviour["OriginRequestPolicyId"] == stack.ALL_VIEWER_EXCEPT_HOST
        assert "POST" in behaviour["AllowedMethods"] and "DELETE" in behaviour["AllowedMethods"]
    assert {o["OriginPath"] for o in config["Origins"]} == {"/api"}


def test_synthesis_refuses_artefacts_of_another_stage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in stack.FUNCTIONS:
        (tmp_path / name).mkdir()
        template = {
            "Resources": {
                "APIHandler": {
                    "Type": "AWS::Serverless::Function",
                    "Properties": {"Environment": {"Variables": {"TOUCHPOINT_STAGE": "dev"}}},
                }
            }
        }
        (tmp_path / name / "sam.json").write_text(json.dumps(template))
    (tmp_path / "resources.yaml").write_text("Resources: {}\n")
    assert stack.main(["--build", str(tmp_path), "--stage", "prod"]) == 2
    assert (
        "was packaged for stage 'dev', not 'prod': run `make package STAGE=prod`" in capsys.readouterr().err
    )
    assert not (tmp_path / "stack").exists()


def test_synthesis_without_a_build_says_to_package_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stack.main(["--build", str(tmp_path / "missing"), "--stage", "dev"]) == 2
    assert "run `make package` first" in capsys.readouterr().err


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))

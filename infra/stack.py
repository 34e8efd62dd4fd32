"""Synthesize the one-stack deployment from what `make package` built.

Usage: python infra/stack.py --build build --stage dev   (after `make package STAGE=dev`)

Writes `<build>/stack/`: `template.json`, the parent, whose nested stacks are `resources.json`
(infra/template.yaml) and one `<function>.json` per function (its Chalice SAM template), plus the
parent's own resources: the schedules of the rollup, and one CloudFront distribution in front of
every HTTP function. Everything is wired by Ref, GetAtt and nested-stack Outputs, never by a
pasted ARN, and no Export/ImportValue is left:

- the resources stack's hourly rollup and daily privacy rules move to the parent and target the
  rollup stack's functions by their outputs (inside the resources stack they took ARN
  parameters, which would make resources and rollup depend on each other);
- the rollup's `Fn::ImportValue`s of the resources stack's exports become parameters fed from
  that stack's outputs, and the exports are dropped;
- each HTTP API is regional (CloudFront is the edge) and serves links at the root
  (`TOUCHPOINT_BASE_PATH=/`: the distribution hides API Gateway's `/api` stage);
- the feedback function's QR URLs use `https://<PublicDomain>` when that parameter is set;
  otherwise the distribution's domain, which the function cannot be given by reference
  (distribution -> API -> function would be a cycle), reaches it per request: a CloudFront
  function copies the viewer's Host into `X-Forwarded-Host`.

The templates only name artefacts by relative paths (`../<function>/deployment.zip`, the nested
templates beside the parent), which `aws cloudformation package` uploads.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "infra"))

from package import FUNCTIONS  # noqa: E402

from touchpoint_cli.cfn import load_template  # noqa: E402

STACK_DIR = "stack"
HTTP_FUNCTIONS = ("ingest", "surveys", "feedback", "insights")
API_STAGE = "api"

# CloudFront's managed policies (the same ids in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"

# Path patterns in CloudFront's order (first match wins), each to the function serving it; the
# default behaviour (everything else: `/health`, the ingest API under `/v1/*`) goes to ingest.
# The consoles of stores (feedback) and surveys come before `/console*`, which sends every other
# console (alerts, keys, users, settings, rollups, ...) to insights. CloudFront allows 75 cache
# behaviours per distribution. tests/e2e/test_stack.py routes every path of docs/openapi.json
# through this table.
ROUTES: tuple[tuple[str, str], ...] = (
    ("/console/stores*", "feedback"),
    ("/console/surveys*", "surveys"),
    ("/console*", "insights"),
    ("/v1/audit*", "insights"),
    ("/v1/keys*", "insights"),
    ("/v1/rollups*", "insights"),
    ("/v1/settings*", "insights"),
    ("/dashboard*", "insights"),
    ("/openapi.json", "insights"),
    ("/v1/alerts*", "insights"),
    ("/v1/announcements*", "insights"),
    ("/v1/cases*", "insights"),
    ("/v1/comments*", "insights"),
    ("/v1/metrics*", "insights"),
    ("/v1/notifications*", "insights"),
    ("/v1/answers*", "insights"),
    ("/v1/people/at-risk*", "insights"),
    ("/v1/summary*", "insights"),
    ("/f/*", "feedback"),
    ("/v1/locations*", "feedback"),
    ("/v1/erasures/*", "surveys"),
    ("/v1/people/*", "surveys"),
    ("/v1/responses/*", "surveys"),
    ("/v1/surveys*", "surveys"),
    ("/health", "ingest"),
    ("/v1/*", "ingest"),
)
DEFAULT_ROUTE = "ingest"

# The sender of every e-mail (`make deploy MAIL_FROM=...`): the parent's parameter feeds the
# resources stack (its SES identity) and the function stacks that declare it (their
# TOUCHPOINT_MAIL_FROM and the ses:SendEmail permission scoped to that From address).
MAIL_FROM_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"
MAIL_FROM_PARAMETER = {"MailFrom": {"Ref": "MailFrom"}}

# The resources template's schedule parameters and the rollup function each one names.
SCHEDULE_TARGETS = {
    "RollupFunctionArn": "Nightly",
    "RetentionFunctionArn": "Retention",
    "DigestFunctionArn": "Digest",
}

VIEWER_HOST_FUNCTION = """\
function handler(event) {
  var request = event.request;
  request.headers['x-forwarded-host'] = { value: request.headers.host.value };
  return request;
}
"""


def logical_id(function: str) -> str:
    """The parent's logical id of a function's nested stack (`ingest` -> `IngestStack`)."""
    return f"{function.capitalize()}Stack"


def walk(value: Any) -> Iterator[Any]:
    """Every node of a template fragment, depth first."""
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def replace(value: Any, old: Any, new: Any) -> Any:
    """A copy of `value` with every node equal to `old` replaced by `new`."""
    if value == old:
        return copy.deepcopy(new)
    if isinstance(value, dict):
        return {k: replace(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [replace(v, old, new) for v in value]
    return value


def literal_prefix(value: Any, stage: str, prefix: str) -> Any:
    """`value` with the resources template's name prefix expressions made literal for this stage."""
    if isinstance(value, list):
        return [literal_prefix(v, stage, prefix) for v in value]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "ResourcePrefix"}:
        return prefix
    if value == {"Ref": "Stage"}:
        return stage
    if list(value) == ["Fn::If"] and value["Fn::If"][0] == "HasCustomPrefix":
        return prefix
    return {k: literal_prefix(v, stage, prefix) for k, v in value.items()}


@dataclass
class Synthesis:
    """The parent and nested templates of one stage."""

    parent: dict[str, Any]
    children: dict[str, dict[str, Any]]  # file name (in the stack folder) -> template


def _schedules(resources: dict[str, Any], stage: str, prefix: str) -> dict[str, Any]:
    """Take the schedule rules and their invoke permissions out of the resources template and
    return them for the parent, targeting the rollup stack's functions by output."""
    moved: dict[str, Any] = {}
    body = resources["Resources"]
    for name in list(body):
        resource = body[name]
        refs = {n["Ref"] for n in walk(resource) if isinstance(n, dict) and n.get("Ref") in SCHEDULE_TARGETS}
        if not refs:
            continue
        (parameter,) = refs
        target = {"Fn::GetAtt": [logical_id("rollup"), f"Outputs.{SCHEDULE_TARGETS[parameter]}Arn"]}
        resource = literal_prefix(copy.deepcopy(body.pop(name)), stage, prefix)
        resource.pop("Condition", None)
        properties = resource["Properties"]
        if resource["Type"] == "AWS::Events::Rule":
            properties["State"] = "ENABLED"
            (rule_target,) = properties["Targets"]["Fn::If"][1]
            properties["Targets"] = [{**rule_target, "Arn": target}]
        else:
            properties["FunctionName"] = target
        moved[name] = resource
    for parameter in SCHEDULE_TARGETS:
        resources.get("Parameters", {}).pop(parameter, None)
    for condition, expression in list(resources.get("Conditions", {}).items()):
        if any(isinstance(n, dict) and n.get("Ref") in SCHEDULE_TARGETS for n in walk(expression)):
            del resources["Conditions"][condition]
    moved_rules = {n for n, r in moved.items() if r["Type"] == "AWS::Events::Rule"}
    outputs = resources.get("Outputs", {})
    for output in list(outputs):
        if outputs[output]["Value"] in ({"Ref": n} for n in moved_rules):
            del outputs[output]
    return moved


def _exports(resources: dict[str, Any]) -> dict[str, str]:
    """Drop the resources template's exports; returns export name suffix -> output name."""
    suffixes: dict[str, str] = {}
    for name, output in resources.get("Outputs", {}).items():
        export = output.pop("Export", None)
        if export is None:
            continue
        text = export["Name"]["Fn::Sub"]
        text = text[0] if isinstance(text, list) else text
        suffixes[text.removeprefix("${Prefix}")] = name
    return suffixes


def _function_template(
    name: str, build: Path, exports: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A function's nested template and the parameters the parent passes it."""
    template: dict[str, Any] = json.loads((build / name / "sam.json").read_text(encoding="utf-8"))
    resources = template["Resources"]
    parameters: dict[str, Any] = {}
    # Fn::ImportValue of a resources-stack export -> a parameter fed from that stack's output.
    for node in list(walk(template)):
        if not (isinstance(node, dict) and list(node) == ["Fn::ImportValue"]):
            continue
        text = node["Fn::ImportValue"]["Fn::Sub"]
        suffix = text.removeprefix("${ResourcePrefix}")
        output = exports[suffix]
        template = replace(template, node, {"Ref": output})
        template.setdefault("Parameters", {})[output] = {"Type": "String"}
        parameters[output] = {"Fn::GetAtt": ["ResourcesStack", f"Outputs.{output}"]}
    resources = template["Resources"]
    if not any(n == {"Ref": "ResourcePrefix"} or "${ResourcePrefix}" in str(n) for n in walk(resources)):
        template.get("Parameters", {}).pop("ResourcePrefix", None)
    roles = {k for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    functions = {k: r for k, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    outputs = template.setdefault("Outputs", {})
    for function_id, function in functions.items():
        function["Properties"]["CodeUri"] = f"../{name}/deployment.zip"
        outputs.setdefault(f"{function_id}Arn", {"Value": {"Fn::GetAtt": [function_id, "Arn"]}})
        outputs.setdefault(f"{function_id}Name", {"Value": {"Ref": function_id}})
    # A policy a merge template attaches to a role Chalice did not make (its single-role name,
    # `DefaultRole`, where each function got its own): attach it to the roles of the functions
    # whose environment names what the policy grants (e.g. the Spark application), else to all.
    declared = set(template.get("Parameters", {}))
    for resource in resources.values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        if all(r.get("Ref") in roles for r in resource["Properties"]["Roles"]):
            continue
        granted = {n["Ref"] for n in walk(resource) if isinstance(n, dict) and n.get("Ref") in declared}
        users = {
            f["Properties"]["Role"]["Fn::GetAtt"][0]
            for f in functions.values()
            if granted
            & {
                n["Ref"]
                for n in walk(f["Properties"].get("Environment"))
                if isinstance(n, dict) and "Ref" in n
            }
        }
        resource["Properties"]["Roles"] = [{"Ref": r} for r in sorted(users or roles)]
    # A function that names another of its stack's functions may invoke it (by its ARN).
    for function_id, function in functions.items():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        for other in sorted({v["Ref"] for v in variables.values() if isinstance(v, dict) and "Ref" in v}):
            if other in functions:
                role = function["Properties"]["Role"]["Fn::GetAtt"][0]
                resources[f"{function_id}Invokes{other}"] = {
                    "Type": "AWS::IAM::Policy",
                    "Properties": {
                        "PolicyName": f"invoke-{other.lower()}",
                        "Roles": [{"Ref": role}],
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": {"Fn::GetAtt": [other, "Arn"]},
                                }
                            ],
                        },
                    },
                }
    if name in HTTP_FUNCTIONS:
        resources["RestAPI"]["Properties"]["EndpointConfiguration"] = "REGIONAL"
        for function in functions.values():
            function["Properties"]["Environment"]["Variables"]["TOUCHPOINT_BASE_PATH"] = "/"
    if name == "feedback":
        template.setdefault("Parameters", {})["PublicBaseUrl"] = {
            "Type": "String",
            "Default": "",
            "Description": "Base of the QR URLs (https://<custom domain>); empty: the viewer's host",
        }
        template.setdefault("Conditions", {})["HasPublicBaseUrl"] = {
            "Fn::Not": [{"Fn::Equals": [{"Ref": "PublicBaseUrl"}, ""]}]
        }
        for function in functions.values():
            function["Properties"]["Environment"]["Variables"]["TOUCHPOINT_PUBLIC_BASE_URL"] = {
                "Fn::If": ["HasPublicBaseUrl", {"Ref": "PublicBaseUrl"}, {"Ref": "AWS::NoValue"}]
            }
        parameters["PublicBaseUrl"] = {
            "Fn::If": ["HasPublicDomain", {"Fn::Sub": "https://${PublicDomain}"}, ""]
        }
    if name == "rollup":
        # Links in notifications (Slack, webhooks) point to the public host: the custom domain, else
        # the distribution's (the rollup serves no route, so naming the distribution is no cycle).
        template.setdefault("Parameters", {})["PublicBaseUrl"] = {
            "Type": "String",
            "Description": "The public host links in notifications point to (https://...)",
        }
        for function in functions.values():
            variables = function["Properties"]["Environment"]["Variables"]
            variables["TOUCHPOINT_PUBLIC_BASE_URL"] = {"Ref": "PublicBaseUrl"}
        parameters["PublicBaseUrl"] = {
            "Fn::If": [
                "HasPublicDomain",
                {"Fn::Sub": "https://${PublicDomain}"},
                {"Fn::Sub": "https://${Distribution.DomainName}"},
            ]
        }
    return template, parameters


def _origin_id(function: str) -> str:
    return f"{function}-api"


def _distribution(stage: str) -> dict[str, Any]:
    """The CloudFront distribution: one API Gateway origin per HTTP function, no caching."""

    def behaviour(function: str) -> dict[str, Any]:
        return {
            "TargetOriginId": _origin_id(function),
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": CACHING_DISABLED,
            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
            "Compress": False,
            "FunctionAssociations": [
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["ViewerHost", "FunctionARN"]}}
            ],
        }

    origins = [
        {
            "Id": _origin_id(function),
            "DomainName": {
                "Fn::Sub": [
                    "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}",
                    {"Api": {"Fn::GetAtt": [logical_id(function), "Outputs.RestAPIId"]}},
                ]
            },
            "OriginPath": f"/{API_STAGE}",
            "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
        }
        for function in HTTP_FUNCTIONS
    ]
    return {
        "Type": "AWS::CloudFront::Distribution",
        # cfn-lint checks CertificateArn's empty default against the ARN pattern although the
        # certificate is only used under HasPublicDomain (where the parameter's pattern holds).
        "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}},
        "Properties": {
            "DistributionConfig": {
                "Comment": f"Touchpoint {stage}: every public route on one host",
                "Enabled": True,
                "HttpVersion": "http2and3",
                "PriceClass": "PriceClass_100",
                "Aliases": {
                    "Fn::If": ["HasPublicDomain", [{"Ref": "PublicDomain"}], {"Ref": "AWS::NoValue"}]
                },
                "ViewerCertificate": {
                    "Fn::If": [
                        "HasPublicDomain",
                        {
                            "AcmCertificateArn": {"Ref": "CertificateArn"},
                            "SslSupportMethod": "sni-only",
                            "MinimumProtocolVersion": "TLSv1.2_2021",
                        },
                        {"CloudFrontDefaultCertificate": True},
                    ]
                },
                "Origins": origins,
                "DefaultCacheBehavior": behaviour(DEFAULT_ROUTE),
                "CacheBehaviors": [{"PathPattern": p, **behaviour(f)} for p, f in ROUTES],
            }
        },
    }


class SynthesisError(Exception):
    """The artefacts in the build folder cannot make this stage's stack."""


def packaged_prefix(build: Path, stage: str) -> str:
    """The resource name prefix every packaged function uses (the resources stack gets the same);
    refuses artefacts packaged for another stage or with differing prefixes."""
    prefixes: set[str] = set()
    for name in FUNCTIONS:
        template = json.loads((build / name / "sam.json").read_text(encoding="utf-8"))
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::Serverless::Function":
                continue
            variables = resource["Properties"]["Environment"]["Variables"]
            if variables.get("TOUCHPOINT_STAGE") != stage:
                raise SynthesisError(
                    f"{build / name / 'sam.json'} was packaged for stage "
                    f"{variables.get('TOUCHPOINT_STAGE')!r}, not {stage!r}: run `make package STAGE={stage}`"
                )
            prefixes.add(str(variables.get("TOUCHPOINT_RESOURCE_PREFIX") or f"touchpoint-{stage}"))
    if len(prefixes) != 1:
        raise SynthesisError(f"the packaged functions disagree on their resource prefix: {sorted(prefixes)}")
    return prefixes.pop()


def synthesize(build: Path, stage: str) -> Synthesis:
    """The parent and nested templates for the artefacts in `build` (of `make package`)."""
    prefix = packaged_prefix(build, stage)
    resources = load_template(build / "resources.yaml")
    schedules = _schedules(resources, stage, prefix)
    exports = _exports(resources)
    children: dict[str, dict[str, Any]] = {"resources.json": resources}
    stacks: dict[str, Any] = {
        "ResourcesStack": {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {
                "TemplateURL": "resources.json",
                "Parameters": {"Stage": stage, "ResourcePrefix": prefix, **MAIL_FROM_PARAMETER},
            },
        }
    }
    for name in FUNCTIONS:
        template, parameters = _function_template(name, build, exports)
        if "MailFrom" in template.get("Parameters", {}):
            parameters.update(MAIL_FROM_PARAMETER)  # the functions that send e-mail
        children[f"{name}.json"] = template
        properties: dict[str, Any] = {"TemplateURL": f"{name}.json"}
        if parameters:
            properties["Parameters"] = parameters
        stacks[logical_id(name)] = {"Type": "AWS::CloudFormation::Stack", "Properties": properties}
        if not parameters.keys() & set(exports.values()):
            # the tables, bucket and topic (named by convention, not by reference) come first
            stacks[logical_id(name)]["DependsOn"] = "ResourcesStack"
    parent: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Touchpoint {stage}: every resource and function, one public host (infra/stack.py)",
        "Parameters": {
            "PublicDomain": {
                "Type": "String",
                "Default": "",
                "Description": "Optional custom domain of the public host (a CNAME to the distribution)",
            },
            "CertificateArn": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": r"^$|^arn:aws[a-zA-Z-]*:acm:us-east-1:\d{12}:certificate/.+$",
                "Description": "ACM certificate (in us-east-1) for PublicDomain; required with it",
            },
            "MailFrom": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": MAIL_FROM_PATTERN,
                "Description": "Sender of e-mails to customers and team members (replies, announcements, "
                "invitations, the notification digest); the stack creates its SES identity. Empty: none sent",
            },
        },
        "Conditions": {"HasPublicDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicDomain"}, ""]}]}},
        "Resources": {
            **stacks,
            **schedules,
            "ViewerHost": {
                "Type": "AWS::CloudFront::Function",
                "Properties": {
                    "Name": f"{prefix}-viewer-host",
                    "AutoPublish": True,
                    "FunctionCode": VIEWER_HOST_FUNCTION,
                    "FunctionConfig": {
                        "Comment": "X-Forwarded-Host: the public host, for the QR URLs",
                        "Runtime": "cloudfront-js-2.0",
                    },
                },
            },
            "Distribution": _distribution(stage),
        },
        "Outputs": {
            "PublicUrl": {
                "Description": "The one public host: SDK host, QR codes, dashboard",
                "Value": {
                    "Fn::If": [
                        "HasPublicDomain",
                        {"Fn::Sub": "https://${PublicDomain}"},
                        {"Fn::Sub": "https://${Distribution.DomainName}"},
                    ]
                },
            },
            "DistributionDomainName": {"Value": {"Fn::GetAtt": ["Distribution", "DomainName"]}},
            "DistributionId": {"Value": {"Ref": "Distribution"}},
            "LakeBucketName": {"Value": {"Fn::GetAtt": ["ResourcesStack", "Outputs.LakeBucketName"]}},
            **{
                f"{name.capitalize()}ApiUrl": {
                    "Value": {"Fn::GetAtt": [logical_id(name), "Outputs.EndpointURL"]}
                }
                for name in HTTP_FUNCTIONS
            },
        },
    }
    return Synthesis(parent=parent, children=children)


def write(synthesis: Synthesis, folder: Path) -> Path:
    """Write the templates into `folder`; returns the parent's path."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, template in synthesis.children.items():
        (folder / name).write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
    parent = folder / "template.json"
    parent.write_text(json.dumps(synthesis.parent, indent=1) + "\n", encoding="utf-8")
    return parent


def main(argv: list[str] | None = None) -> int:
    """Synthesize `<build>/stack/` from the packaged artefacts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--build", type=Path, default=REPO_ROOT / "build")
    parser.add_argument("--stage", default="dev", choices=["dev", "staging", "prod"])
    args = parser.parse_args(argv)
    build: Path = args.build.resolve()
    missing = [n for n in (*FUNCTIONS, "resources.yaml") if not (build / n).exists()]
    if missing:
        print(f"{build} lacks {', '.join(missing)}: run `make package` first", file=sys.stderr)
        return 2
    try:
        synthesis = synthesize(build, args.stage)
    except SynthesisError as error:
        print(f"cannot synthesize stage {args.stage}: {error}", file=sys.stderr)
        return 2
    parent = write(synthesis, build / STACK_DIR)
    print(f"stack template: {parent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

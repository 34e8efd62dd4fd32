"""What a deployed function may do: its role's statements in a synthesized stack, evaluated.

A small evaluator of the IAM policies `infra/stack.py` writes (Allow statements with Action,
Resource and the few condition operators the templates use), for tests that ask "may the digest
function send e-mail from the configured sender?" without an AWS account. Intrinsic functions are
resolved with fixed account values and the parameters the parent stack passes; an output of
another nested stack stays a token, `<ResourcesStack.KeyPepperSecretArn>`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = {
    "AWS::Region": "eu-central-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


class UnsupportedPolicyError(Exception):
    """A policy uses something this evaluator does not model (so a test cannot silently pass)."""


def resolve(node: Any, values: dict[str, Any]) -> Any:
    """`node` with Ref, Fn::Sub, Fn::GetAtt, Fn::If (by `values`' conditions) and Fn::Join resolved."""
    if isinstance(node, list):
        return [resolve(n, values) for n in node]
    if not isinstance(node, dict):
        return node
    if len(node) != 1:
        return {k: resolve(v, values) for k, v in node.items()}
    (key, argument), *_ = node.items()
    if key == "Ref":
        return values.get(argument, ACCOUNT.get(argument, f"<{argument}>"))
    if key == "Fn::GetAtt":
        name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        return f"<{name}.{attribute.removeprefix('Outputs.')}>"
    if key == "Fn::Sub":
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        scope = {**values, **{k: resolve(v, values) for k, v in variables.items()}}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if "." in name:
                return str(resolve({"Fn::GetAtt": name.split(".", 1)}, scope))
            return str(resolve({"Ref": name}, scope))

        return re.sub(r"\$\{([^!}][^}]*)\}", fill, text)
    if key == "Fn::If":
        condition, yes, no = argument
        return resolve(yes if values[f"condition:{condition}"] else no, values)
    if key == "Fn::Join":
        separator, parts = argument
        return separator.join(str(p) for p in resolve(parts, values))
    return {key: resolve(argument, values)}


def holds(expression: Any, values: dict[str, Any]) -> bool:
    """A template condition's truth (Fn::Not, Fn::Equals, Fn::And, Fn::Or, Condition)."""
    (key, argument), *_ = expression.items()
    if key == "Fn::Not":
        return not holds(argument[0], values)
    if key == "Fn::Equals":
        left, right = resolve(argument, values)
        return bool(left == right)
    if key == "Fn::And":
        return all(holds(a, values) for a in argument)
    if key == "Fn::Or":
        return any(holds(a, values) for a in argument)
    if key == "Condition":
        return bool(values[f"condition:{argument}"])
    raise UnsupportedPolicyError(f"condition {key}")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_allows(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    for operator, tests in condition.items():
        for key, expected in tests.items():
            wanted = [str(e) for e in _list(expected)]
            given = context.get(key)
            if operator == "Null":
                if (given is None) != (str(expected).lower() == "true"):
                    return False
                continue
            if given is None:
                return False
            if operator in ("StringEquals", "ForAnyValue:StringEquals"):
                ok = any(g in wanted for g in given)
            elif operator in ("StringLike", "ForAnyValue:StringLike"):
                ok = any(fnmatch.fnmatchcase(g, w) for g in given for w in wanted)
            elif operator == "ForAllValues:StringEquals":
                ok = all(g in wanted for g in given)
            else:
                raise UnsupportedPolicyError(f"condition operator {operator}")
            if not ok:
                return False
    return True


@dataclass
class FunctionAccess:
    """One function of a synthesized nested stack: its resolved environment and role statements."""

    stack: str
    function: str
    environment: dict[str, Any]
    statements: list[dict[str, Any]] = field(default_factory=list)

    def allows(self, action: str, resource: str, context: dict[str, list[str]] | None = None) -> bool:
        """True when an Allow statement grants `action` on `resource` with the request `context`."""
        for statement in self.statements:
            if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
                continue
            if not any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _list(statement["Action"])):
                continue
            if not any(fnmatch.fnmatchcase(resource, str(r)) for r in _list(statement["Resource"])):
                continue
            if _condition_allows(statement.get("Condition", {}), context or {}):
                return True
        return False


def function_access(
    parent: dict[str, Any], children: dict[str, dict[str, Any]], parent_values: dict[str, str]
) -> dict[tuple[str, str], FunctionAccess]:
    """Every function of every nested stack (stack logical id, function logical id) -> its access,
    with the parent's parameters set to `parent_values` (the rest at their defaults)."""
    top: dict[str, Any] = {
        name: parameter.get("Default", "") for name, parameter in parent.get("Parameters", {}).items()
    }
    top.update(parent_values)
    for name, expression in parent.get("Conditions", {}).items():
        top[f"condition:{name}"] = holds(expression, top)
    found: dict[tuple[str, str], FunctionAccess] = {}
    for logical, child in children.items():
        given = parent["Resources"][logical]["Properties"].get("Parameters", {})
        values: dict[str, Any] = {
            name: parameter.get("Default", "") for name, parameter in child.get("Parameters", {}).items()
        }
        values.update({name: resolve(value, top) for name, value in given.items()})
        for name, expression in child.get("Conditions", {}).items():
            values[f"condition:{name}"] = holds(expression, values)
        resources = child["Resources"]
        for function_id, function in resources.items():
            if function["Type"] not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
                continue
            role = function["Properties"]["Role"]["Fn::GetAtt"][0]
            documents = [p["PolicyDocument"] for p in resources[role]["Properties"].get("Policies", [])]
            for policy in resources.values():
                if policy["Type"] != "AWS::IAM::Policy" or {"Ref": role} not in policy["Properties"]["Roles"]:
                    continue
                if "Condition" in policy and not values[f"condition:{policy['Condition']}"]:
                    continue
                documents.append(policy["Properties"]["PolicyDocument"])
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            found[(logical, function_id)] = FunctionAccess(
                stack=logical,
                function=function_id,
                environment=resolve(variables, values),
                statements=[s for d in documents for s in resolve(_list(d["Statement"]), values)],
            )
    return found

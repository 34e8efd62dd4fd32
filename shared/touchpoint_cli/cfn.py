"""Reading `infra/template.yaml`: its short-form tags, and the intrinsic functions the local stack resolves.

moto's CloudFormation skips resource types it does not know (the Firehose delivery stream among
them). The local stack and the tests create those from the template's own properties, resolved
here, so a change in the template is a change locally too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from touchpoint_cli.paths import TEMPLATE_PATH

_SUB_VARIABLE = re.compile(r"\$\{(!?)([^}]+)\}")
_ARN_OF_TYPE = {
    "AWS::S3::Bucket": "arn:aws:s3:::{id}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{id}",
}


class TemplateLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags read as their long form (`!Sub x` -> {"Fn::Sub": x})."""


def _long_form(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _long_form)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a document, intrinsic functions in long form."""
    document: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=TemplateLoader)  # noqa: S506
    return document


@dataclass
class Resolver:
    """Resolves `Ref`, `Fn::Sub`, `Fn::If`, `Fn::GetAtt` (Arn), `Fn::Join`, `Fn::Split` and conditions."""

    template: dict[str, Any]
    parameters: dict[str, str]
    physical_ids: dict[str, str] = field(default_factory=dict)
    account_id: str = "123456789012"
    region: str = "eu-central-1"

    def _ref(self, name: str) -> str:
        pseudo = {"AWS::AccountId": self.account_id, "AWS::Region": self.region, "AWS::Partition": "aws"}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.get("Parameters", {}):
            return str(self.template["Parameters"][name].get("Default", ""))
        return self.physical_ids.get(name, name)

    def _arn(self, logical_id: str) -> str:
        kind = self.template["Resources"][logical_id]["Type"]
        if kind not in _ARN_OF_TYPE:
            raise ValueError(f"no Arn for {logical_id} ({kind})")
        return _ARN_OF_TYPE[kind].format(id=self._ref(logical_id), account=self.account_id)

    def condition(self, name: str) -> bool:
        """The value of one of the template's conditions."""
        return bool(self.resolve(self.template["Conditions"][name]))

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            escaped, name = match.groups()
            if escaped:
                return "${" + name + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                if attribute != "Arn":
                    raise ValueError(f"unsupported attribute {name}")
                return self._arn(logical_id)
            return self._ref(name)

        return _SUB_VARIABLE.sub(replace, text)

    def resolve(self, value: Any) -> Any:
        """The value with every intrinsic function evaluated."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(text, variables)
            if key == "Fn::If":
                name, then, otherwise = argument
                return self.resolve(then if self.condition(name) else otherwise)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument
                if attribute != "Arn":
                    raise ValueError(f"unsupported attribute {logical_id}.{attribute}")
                return self._arn(logical_id)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(i) for i in self.resolve(items))
            if key == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if key == "Fn::Equals":
                left, right = self.resolve(argument)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Condition":
                return self.condition(argument)
        return {k: self.resolve(v) for k, v in value.items()}

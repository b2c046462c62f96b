"""A small CloudFormation evaluator and IAM matcher, enough to read template.yaml as deployed.

`Stack(template, parameters)` checks the parameters as CloudFormation does (required when no
default, AllowedPattern per item of a CommaDelimitedList, AllowedValues) and `stack.value(node)`
evaluates the intrinsic functions the template uses: Ref, Fn::GetAtt, Fn::Sub, Fn::Join,
Fn::Split, Fn::Select, Fn::If, the condition functions, AWS::NoValue. Other resources'
references and attributes evaluate to "<LogicalId>" and "<LogicalId.Attribute>".

`allows(statements, action, resource, context)` decides an identity policy the way IAM does
for one request: an explicit Deny wins, else any matching Allow; Action/NotAction,
Resource/NotResource with * and ? wildcards, and the String and Arn conditions (a negated
operator matches when the request lacks the key, as IAM's do). `denies(...)` asks a resource
policy's Deny statements the same (their Principal "*" applies to everyone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str  # type: ignore[import-untyped]

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "customer-profiles-domain-provider",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/"
    "customer-profiles-domain-provider/8a1c2e30-d1f2-11ee-9f1a-0a1b2c3d4e5f",
}
NO_VALUE = object()
SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


class ParameterError(ValueError):
    """CloudFormation would refuse these parameter values before creating anything."""


def parse(text: str) -> dict[str, Any]:
    """A template (YAML or JSON) as CloudFormation reads it, YAML short forms expanded."""
    template, errors = decode_str(text)
    if errors or template is None:
        raise ValueError(str(errors))
    return dict(template)


def load(path: Path) -> dict[str, Any]:
    return parse(path.read_text())


def parameter_values(template: dict[str, Any], given: dict[str, str]) -> dict[str, Any]:
    """Each parameter's value (a list for CommaDelimitedList), checked as CloudFormation does."""
    values: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        if name in given:
            raw = given[name]
        elif "Default" in spec:
            raw = str(spec["Default"])
        else:
            raise ParameterError(f"Parameters: [{name}] must have values")
        items = raw.split(",") if spec["Type"] == "CommaDelimitedList" else [raw]
        pattern = spec.get("AllowedPattern")
        for item in items:
            if pattern is not None and not re.fullmatch(pattern, item):
                raise ParameterError(f"{name}: {item!r} does not match {pattern}")
            if "AllowedValues" in spec and item not in map(str, spec["AllowedValues"]):
                raise ParameterError(f"{name}: {item!r} is not an allowed value")
        values[name] = items if spec["Type"] == "CommaDelimitedList" else raw
    return values


@dataclass
class Stack:
    """template.yaml with one set of parameter values, as CloudFormation would evaluate it."""

    template: dict[str, Any]
    given: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parameters = parameter_values(self.template, self.given)

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template["Conditions"][name]))

    def resources(self) -> dict[str, dict[str, Any]]:
        """The resources this stack creates: those whose Condition holds, evaluated."""
        return {
            logical_id: self.value(resource)
            for logical_id, resource in self.template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }

    def value(self, node: Any) -> Any:
        if isinstance(node, list):
            return [item for item in map(self.value, node) if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, argument),) = node.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._function(key, argument)
        evaluated = {key: self.value(item) for key, item in node.items()}
        return {key: item for key, item in evaluated.items() if item is not NO_VALUE}

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template["Resources"]:
            return f"<{name}>"
        raise KeyError(f"Ref to unknown {name}")

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.value(variables[name]))
            if "." in name:
                return f"<{name}>"
            return str(self._ref(name))

        return SUB_VARIABLE.sub(replace, text)

    def _function(self, key: str, argument: Any) -> Any:
        if key == "Ref":
            return self._ref(argument)
        if key == "Condition":
            return self.condition(argument)
        if key == "Fn::GetAtt":
            return "<{}>".format(".".join(argument) if isinstance(argument, list) else argument)
        if key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            return self._sub(text, variables)
        if key == "Fn::If":
            name, when_true, when_false = argument
            return self.value(when_true if self.condition(name) else when_false)
        return self._pure(key, [self.value(item) for item in argument])

    @staticmethod
    def _pure(key: str, args: list[Any]) -> Any:
        if key == "Fn::Join":
            delimiter, items = args
            assert isinstance(delimiter, str), "Fn::Join takes a literal delimiter"
            return delimiter.join(items)
        if key == "Fn::Split":
            delimiter, text = args
            assert isinstance(delimiter, str), "Fn::Split takes a literal delimiter"
            return text.split(delimiter)
        if key == "Fn::Select":
            index, items = args
            if not 0 <= int(index) < len(items):
                raise ParameterError(f"Fn::Select cannot select nonexistent value at {index}")
            return items[int(index)]
        if key == "Fn::Equals":
            return args[0] == args[1]
        if key == "Fn::Not":
            return not args[0]
        if key == "Fn::And":
            return all(args)
        if key == "Fn::Or":
            return any(args)
        raise NotImplementedError(key)


def _listed(statement: dict[str, Any], key: str) -> list[str] | None:
    value = statement.get(key)
    return None if value is None else [value] if isinstance(value, str) else list(value)


def _glob(pattern: str) -> re.Pattern[str]:
    """An IAM pattern: * is any run of characters, ? any one; everything else is literal."""
    return re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    )


def _matches(patterns: list[str], value: str, *, case: bool = True) -> bool:
    flags = 0 if case else re.IGNORECASE
    return any(re.fullmatch(_glob(pattern).pattern, value, flags) for pattern in patterns)


def _applies(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, str]
) -> bool:
    actions, not_actions = _listed(statement, "Action"), _listed(statement, "NotAction")
    if actions is not None and not _matches(actions, action, case=False):
        return False
    if not_actions is not None and _matches(not_actions, action, case=False):
        return False
    resources, not_resources = _listed(statement, "Resource"), _listed(statement, "NotResource")
    if resources is not None and not _matches(resources, resource):
        return False
    if not_resources is not None and _matches(not_resources, resource):
        return False
    for operator, keys in statement.get("Condition", {}).items():
        if operator not in CONDITION_OPERATORS:
            raise NotImplementedError(operator)
        negated, glob = CONDITION_OPERATORS[operator]
        for key, expected in keys.items():
            patterns = [expected] if isinstance(expected, str) else list(expected)
            given = context.get(key)
            if given is None:
                matched = False
            elif glob:
                matched = _matches(patterns, given)
            else:
                matched = given in patterns
            if matched == negated:
                return False
    return True


# operator: (negated, wildcards) - StringLike and the Arn operators take * and ?.
CONDITION_OPERATORS = {
    "StringEquals": (False, False),
    "StringNotEquals": (True, False),
    "StringLike": (False, True),
    "StringNotLike": (True, True),
    "ArnEquals": (False, True),
    "ArnLike": (False, True),
    "ArnNotEquals": (True, True),
    "ArnNotLike": (True, True),
}


def allows(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, str] | None = None,
) -> bool:
    """Whether these identity-policy statements allow one request (explicit Deny wins)."""
    applying = [s for s in statements if _applies(s, action, resource, context or {})]
    return any(s["Effect"] == "Allow" for s in applying) and not any(
        s["Effect"] == "Deny" for s in applying
    )


def denies(
    statements: list[dict[str, Any]],
    action: str,
    resource: str,
    context: dict[str, str] | None = None,
) -> bool:
    """Whether a resource policy's Deny statements (Principal "*") refuse one request."""
    for statement in statements:
        assert statement.get("Principal") == "*", "only Principal * is modelled"
    return any(
        s["Effect"] == "Deny" and _applies(s, action, resource, context or {}) for s in statements
    )

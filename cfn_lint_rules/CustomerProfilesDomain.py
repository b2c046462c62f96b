"""cfn-lint rule E9101: Custom::CustomerProfilesDomain properties, checked by the provider's model.

Load it with `cfn-lint --append-rules cfn_lint_rules template.yaml` (see docs/cfn-lint.md).

Rules:
- Every `Custom::CustomerProfilesDomain` is validated by the same pydantic model the provider uses
  at deploy time; each problem is reported at its line, in the words of the deploy-time Reason.
- Fn::If is played out per condition scenario: the properties are checked once in every scenario
  cfn-lint's own condition solver (`Template.conditions.build_scenarios`) finds satisfiable, with
  the resource's `Condition` true; it relates conditions through `Condition`, `Fn::Not`, `Fn::And`
  and `Fn::Or`, equals on one parameter and its `AllowedValues`. `Ref: AWS::NoValue` removes the
  key or list item. A malformed Fn::If or one on an unknown condition (E1028 reports both) is
  accepted like any intrinsic.
- An unknown property name is an error whatever its value, intrinsic or not.
- An intrinsic function is accepted wherever a value it can produce fits: Ref, Fn::GetAtt,
  Fn::ImportValue, Fn::FindInMap and Fn::Select give a string (a number or boolean, as
  CloudFormation sends them) or a list; Fn::Sub, Fn::Join, Fn::Base64 a string; Fn::Split,
  Fn::GetAZs, Fn::Cidr a list; no intrinsic gives an object. Numbers and booleans are read as the
  strings CloudFormation sends, so the words are the deploy-time Reason's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

_PROVIDER = Path(__file__).resolve().parent.parent / "provider"
if _PROVIDER.is_dir() and str(_PROVIDER) not in sys.path:
    sys.path.insert(0, str(_PROVIDER))  # the provider's model, next to this folder

from cfnlint.rules import CloudFormationLintRule, RuleMatch  # type: ignore[import-untyped]  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from pydantic_core import ErrorDetails  # noqa: E402

from domain_provider.models import parse_properties  # noqa: E402
from domain_provider.reasons import KIND_NAMES, describe, property_path  # noqa: E402

RESOURCE_TYPES = ("Custom::CustomerProfilesDomain",)
STRING_ONLY = ("Fn::Sub", "Fn::Join", "Fn::Base64", "Fn::ToJsonString", "Fn::Length")
LIST_ONLY = ("Fn::Split", "Fn::GetAZs", "Fn::Cidr")
OBJECT_KINDS = ("model_type", "model_attributes_type", "dict_type")
NO_VALUE = object()

Scenario = Mapping[str, bool]


class CustomerProfilesDomainProperties(CloudFormationLintRule):  # type: ignore[misc]
    """Validate Custom::CustomerProfilesDomain properties with the provider's own model."""

    id = "E9101"
    shortdesc = "Custom::CustomerProfilesDomain properties"
    description = (
        "Checks the properties of Custom::CustomerProfilesDomain resources against the "
        "UpdateDomain limits and rules the provider enforces at deploy time"
    )
    source_url = "docs/cfn-lint.md"
    tags = ("resources", "custom", "customer-profiles")

    def match(self, cfn: Any) -> list[Any]:
        matches: dict[tuple[Any, ...], Any] = {}
        for name, resource in cfn.get_resources(list(RESOURCE_TYPES)).items():
            if not isinstance(resource.get("Properties", {}), dict):
                continue
            for path, message in problems(cfn, {"Properties": {}, **resource}):
                where = ["Resources", name, "Properties", *path] if path else ["Resources", name]
                matches.setdefault((*where, message), RuleMatch(where, message))
        return list(matches.values())


def problems(cfn: Any, resource: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """(template path under Properties, message) of every problem, in every condition scenario."""
    properties = resource["Properties"]
    for scenario in scenarios(cfn, resource):
        intrinsics: dict[str, str] = {}
        given = _placeholders(_resolve(properties, scenario), intrinsics)
        try:
            parse_properties(given if isinstance(given, dict) else {})
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                message = _message(detail, intrinsics)
                if message is not None:
                    yield _template_path(properties, detail["loc"], scenario), message


def scenarios(cfn: Any, resource: dict[str, Any]) -> list[Scenario]:
    """The condition scenarios cfn-lint finds satisfiable for the Fn::Ifs in the properties, the
    resource's own `Condition` true in each (no condition: one empty scenario)."""
    known = cfn.conditions
    names = dict.fromkeys(_conditions(resource["Properties"]))  # in order: cfn-lint stops at 128
    asked = {name: {True, False} for name in names if known.get(name) is not None}
    own = resource.get("Condition")
    if isinstance(own, str) and known.get(own) is not None:
        asked[own] = {True}
    return list(known.build_scenarios(asked)) if asked else [{}]


def _conditions(value: Any) -> Iterator[str]:
    """The conditions of the Fn::Ifs that decide the value, in template order (not those inside
    other intrinsics)."""
    name = _intrinsic(value)
    if name == "Fn::If" and (arguments := _if_arguments(value)) is not None:
        yield arguments[0]
        yield from _conditions(arguments[1:])
    elif name is None and isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _conditions(item)


def _resolve(value: Any, scenario: Scenario) -> Any:
    """The value in the scenario: Fn::Ifs taken, `AWS::NoValue` keys and items removed."""
    value, _ = _taken(value, [], scenario)
    if value is NO_VALUE or _intrinsic(value) is not None:
        return value
    if isinstance(value, dict):
        items = {key: _resolve(item, scenario) for key, item in value.items()}
        return {key: item for key, item in items.items() if item is not NO_VALUE}
    if isinstance(value, list):
        resolved = [_resolve(item, scenario) for item in value]
        return [item for item in resolved if item is not NO_VALUE]
    return value


def _placeholders(value: Any, intrinsics: dict[str, str]) -> Any:
    """The value with each intrinsic as a placeholder and scalars as CloudFormation sends them."""
    name = _intrinsic(value)
    if name is not None:
        placeholder = f"⟦{name}#{len(intrinsics)}⟧"
        intrinsics[placeholder] = name
        return [placeholder] if name in LIST_ONLY else placeholder
    if isinstance(value, dict):
        return {key: _placeholders(item, intrinsics) for key, item in value.items()}
    if isinstance(value, list):
        return [_placeholders(item, intrinsics) for item in value]
    if isinstance(value, bool):  # as CloudFormation sends scalars: strings
        return "true" if value else "false"
    return str(value) if isinstance(value, int | float) else value


def _intrinsic(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        (key,) = value
        if key == "Ref" or str(key).startswith("Fn::"):
            return str(key)
    return None


def _message(detail: ErrorDetails, intrinsics: dict[str, str]) -> str | None:
    """The deploy-time words for one error; None when an intrinsic there could give a fit value."""
    if any(part in intrinsics for part in detail["loc"] if isinstance(part, str)):
        return None  # under a key an intrinsic gives: nothing to check
    if detail["type"] == "extra_forbidden":
        return describe(detail)  # an unknown name is wrong whatever its value
    given = detail.get("input")
    if isinstance(given, list) and len(given) == 1:
        given = given[0]
    name = intrinsics.get(given) if isinstance(given, str) else None
    if name is None:
        return describe(detail)
    kind = detail["type"]
    if kind in OBJECT_KINDS:
        fits = False
    elif kind == "list_type":
        fits = name not in STRING_ONLY
    else:
        fits = name not in LIST_ONLY
    if fits:
        return None
    wanted = KIND_NAMES.get(kind, "a single value")
    return f"{property_path(tuple(detail['loc'])) or 'Properties'}: must be {wanted}, got {name}"


def _template_path(properties: Any, loc: tuple[int | str, ...], scenario: Scenario) -> list[Any]:
    """Where an error's location is in the template (as deep as the template goes), following
    each Fn::If into the branch the scenario takes."""
    node: Any = properties
    path: list[Any] = []
    for part in loc:
        node, path = _taken(node, path, scenario)
        if part == "[key]" and isinstance(node, dict) and "Key" in node:
            return _taken(node["Key"], [*path, "Key"], scenario)[1]
        child = _child(node, part, scenario)
        if child is None:
            return path
        path, node = [*path, child], node[child]
    node, path = _taken(node, path, scenario)
    if loc[:1] == ("Tags",) and isinstance(node, dict) and "Value" in node:
        return _taken(node["Value"], [*path, "Value"], scenario)[1]  # a tag item's value
    return path


def _child(node: Any, part: int | str, scenario: Scenario) -> int | str | None:
    """The key or index in the template of the model's `part` of node, if the template has it."""
    if isinstance(node, dict):
        return part if part in node else None
    if not isinstance(node, list):
        return None
    items = [(i, _resolve(item, scenario)) for i, item in enumerate(node)]
    if isinstance(part, str):  # a tag by its key: the list item that has it
        return next((i for i, item in items if _tag_key(item) == part), None)
    kept = [i for i, item in items if item is not NO_VALUE]  # AWS::NoValue items are gone
    return kept[part] if part < len(kept) else None


def _taken(node: Any, path: list[Any], scenario: Scenario) -> tuple[Any, list[Any]]:
    """The node each Fn::If resolves to in the scenario (NO_VALUE for `AWS::NoValue`), and its
    template path."""
    while (arguments := _if_arguments(node)) is not None:
        taken = scenario.get(arguments[0])
        if taken is None:
            break
        branch = 1 if taken else 2
        path, node = [*path, "Fn::If", branch], arguments[branch]
    if _intrinsic(node) == "Ref" and node["Ref"] == "AWS::NoValue":
        return NO_VALUE, path
    return node, path


def _if_arguments(node: Any) -> list[Any] | None:
    """`[condition, then, else]` of a well-formed Fn::If (E1028 reports the others)."""
    if _intrinsic(node) != "Fn::If":
        return None
    arguments = node["Fn::If"]
    if isinstance(arguments, list) and len(arguments) == 3 and isinstance(arguments[0], str):
        return arguments
    return None


def _tag_key(tag: Any) -> Any:
    return tag.get("Key") if isinstance(tag, dict) else None


MIN_SERVICE_TIMEOUT = 30


class CustomerProfilesDomainServiceTimeout(CloudFormationLintRule):  # type: ignore[misc]
    """Warn when a Custom::CustomerProfilesDomain leaves CloudFormation waiting too long, or
    gives the provider too little time."""

    id = "W9102"
    shortdesc = "Custom::CustomerProfilesDomain ServiceTimeout"
    description = (
        "Warns when a Custom::CustomerProfilesDomain sets no ServiceTimeout (CloudFormation then "
        "waits up to an hour for an answer that may never come) or one under "
        f"{MIN_SERVICE_TIMEOUT} seconds (too little for the provider's reads and retries)"
    )
    source_url = "docs/cfn-lint.md"
    tags = ("resources", "custom", "customer-profiles")

    def match(self, cfn: Any) -> list[Any]:
        matches = []
        for name, resource in cfn.get_resources(list(RESOURCE_TYPES)).items():
            properties = resource.get("Properties", {})
            if not isinstance(properties, dict):
                continue
            if "ServiceTimeout" not in properties:
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties"],
                        "ServiceTimeout: not set; CloudFormation waits up to an hour for the "
                        "provider's answer: set it (300 seconds suits most stacks)",
                    )
                )
                continue
            value = properties["ServiceTimeout"]
            text = str(value).strip() if isinstance(value, str | int) else ""
            if text.isdigit() and int(text) < MIN_SERVICE_TIMEOUT:
                matches.append(
                    RuleMatch(
                        ["Resources", name, "Properties", "ServiceTimeout"],
                        f"ServiceTimeout: {text} seconds is less than the provider may need; "
                        f"give it at least {MIN_SERVICE_TIMEOUT}",
                    )
                )
        return matches

"""cfn-lint rule E9101: Custom::CustomerProfilesDomain properties, checked by the provider's model.

Load it with `cfn-lint --append-rules cfn_lint_rules template.yaml` (see docs/cfn-lint.md).

Rules:
- Every `Custom::CustomerProfilesDomain` is validated by the same pydantic model the provider uses
  at deploy time; each problem is reported at its line, in the words of the deploy-time Reason.
- An intrinsic function is accepted wherever a value it can produce fits: Ref, Fn::GetAtt,
  Fn::ImportValue, Fn::FindInMap and Fn::Select give a string (a number or boolean, as
  CloudFormation sends them) or a list; Fn::Sub, Fn::Join, Fn::Base64 a string; Fn::Split,
  Fn::GetAZs, Fn::Cidr a list; no intrinsic gives an object. An unknown property name is an error
  whatever its value. Fn::If is checked branch by branch;
  `Ref: AWS::NoValue` removes the property. Numbers and booleans are read as the strings
  CloudFormation sends, so the words are the deploy-time Reason's.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_PROVIDER = Path(__file__).resolve().parent.parent / "provider"
if _PROVIDER.is_dir() and str(_PROVIDER) not in sys.path:
    sys.path.insert(0, str(_PROVIDER))  # the provider's model, next to this folder

from cfnlint.rules import CloudFormationLintRule, RuleMatch  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from pydantic_core import ErrorDetails  # noqa: E402

from domain_provider.models import parse_properties  # noqa: E402
from domain_provider.reasons import KIND_NAMES, describe, property_path  # noqa: E402

RESOURCE_TYPES = ("Custom::CustomerProfilesDomain",)
STRING_ONLY = ("Fn::Sub", "Fn::Join", "Fn::Base64", "Fn::ToJsonString", "Fn::Length")
LIST_ONLY = ("Fn::Split", "Fn::GetAZs", "Fn::Cidr")
OBJECT_KINDS = ("model_type", "model_attributes_type", "dict_type")
NO_VALUE = object()


class CustomerProfilesDomainProperties(CloudFormationLintRule):
    """Validate Custom::CustomerProfilesDomain properties with the provider's own model."""

    id = "E9101"
    shortdesc = "Custom::CustomerProfilesDomain properties"
    description = (
        "Checks the properties of Custom::CustomerProfilesDomain resources against the "
        "UpdateDomain limits and rules the provider enforces at deploy time"
    )
    source_url = "docs/cfn-lint.md"
    tags = ("resources", "custom", "customer-profiles")

    def match(self, cfn: Any) -> list[RuleMatch]:
        matches: dict[tuple[Any, ...], RuleMatch] = {}
        for name, resource in cfn.get_resources(list(RESOURCE_TYPES)).items():
            properties = resource.get("Properties", {})
            if not isinstance(properties, dict):
                continue
            for path, message in problems(properties):
                where = ["Resources", name, "Properties", *path] if path else ["Resources", name]
                matches.setdefault((*where, message), RuleMatch(where, message))
        return list(matches.values())


def problems(properties: dict[str, Any]) -> Iterator[tuple[list[Any], str]]:
    """(template path under Properties, message) of every problem, each Fn::If branch by branch."""
    for branch in (1, 2):
        intrinsics: dict[str, str] = {}
        given = _resolve(properties, branch, intrinsics)
        try:
            parse_properties(given if given is not NO_VALUE else {})
        except ValidationError as error:
            for detail in error.errors(include_url=False):
                message = _message(detail, intrinsics)
                if message is not None:
                    yield _template_path(properties, detail["loc"], branch), message


def _resolve(value: Any, branch: int, intrinsics: dict[str, str]) -> Any:
    """The value with Fn::If at `branch`, NoValue dropped, other intrinsics as placeholders."""
    name = _intrinsic(value)
    if name == "Fn::If" and isinstance(value[name], list) and len(value[name]) == 3:
        return _resolve(value[name][branch], branch, intrinsics)
    if name == "Ref" and value[name] == "AWS::NoValue":
        return NO_VALUE
    if name is not None:
        placeholder = f"⟦{name}#{len(intrinsics)}⟧"
        intrinsics[placeholder] = name
        return [placeholder] if name in LIST_ONLY else placeholder
    if isinstance(value, dict):
        items = {key: _resolve(item, branch, intrinsics) for key, item in value.items()}
        return {key: item for key, item in items.items() if item is not NO_VALUE}
    if isinstance(value, list):
        items = [_resolve(item, branch, intrinsics) for item in value]
        return [item for item in items if item is not NO_VALUE]
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


def _template_path(properties: Any, loc: tuple[int | str, ...], branch: int) -> list[Any]:
    """Where an error's location is in the template (as deep as the template goes)."""
    node, path = properties, []
    for part in loc:
        while _intrinsic(node) == "Fn::If":
            path += ["Fn::If", branch]
            node = node["Fn::If"][branch]
        if isinstance(node, list) and isinstance(part, str) and path[-1:] == ["Tags"]:
            index = next((i for i, t in enumerate(node) if _tag_key(t) == part), None)
            if index is None:
                break
            path.append(index)
            node = node[index]
            continue
        if part == "[key]" and isinstance(node, dict) and "Key" in node:
            path.append("Key")
            break
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            path.append(part)
            node = node[part]
        else:
            break
    if path[:1] == ["Tags"] and len(path) == 2 and isinstance(path[1], int) and "[key]" not in loc:
        path.append("Value")
    return path


def _tag_key(tag: Any) -> Any:
    return tag.get("Key") if isinstance(tag, dict) else None

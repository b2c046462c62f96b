"""The model against botocore's `customer-profiles` UpdateDomain shapes: the shapes, the
API page's prose rules restated, and a value as CloudFormation sends it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from domain_provider.models import SETTINGS, DomainProperties, setting
from tests.support.requests import request_of
from tools.local.customer_profiles import validate as service_validate

MODEL = botocore.session.get_session().get_service_model("customer-profiles")
REQUEST = MODEL.operation_model("UpdateDomain").input_shape

MemberPath = tuple[str, ...]
"""Member names from the request down; `[]` is a list item, `{}` a map value, `{key}` a map key."""
SELECTOR = ("RuleBasedMatching", "AttributeTypesSelector")
RESOLUTIONS: list[MemberPath] = [
    ("Matching", "AutoMerging", "ConflictResolution"),
    ("RuleBasedMatching", "ConflictResolution"),
]


def as_cloudformation(value: Any, tags_as_list: bool = False) -> Any:
    """The value as CloudFormation delivers it: every scalar a string, Tags as a list or a map."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return [as_cloudformation(item) for item in value]
    if isinstance(value, dict):
        given_ = {key: as_cloudformation(item) for key, item in value.items()}
        if tags_as_list and "Tags" in given_:
            given_["Tags"] = [{"Key": k, "Value": v} for k, v in given_["Tags"].items()]
        return given_
    return value


def botocore_accepts(request: dict[str, Any]) -> None:
    """botocore's own parameter validation (types, required) and the model's limits (the double)."""
    report = ParamValidator().validate(request, REQUEST)
    assert not report.has_errors(), report.generate_report()
    service_validate("UpdateDomain", request)


def sent_by_create(properties: dict[str, Any]) -> dict[str, Any]:
    """The UpdateDomain request a Create makes of `properties` on a domain that has none of them."""
    parsed = request_of("Create", properties).properties
    assert parsed is not None
    given = {name: setting(parsed, name) for name in SETTINGS}
    sent = {"DomainName": parsed.DomainName, **{k: v for k, v in given.items() if v is not None}}
    return {**sent, "Tags": dict(parsed.Tags)} if parsed.Tags else sent


def full_request() -> dict[str, Any]:
    """A valid request that has every member of every shape (SOURCE with its SourceName)."""
    resolution = {"ConflictResolvingModel": "SOURCE", "SourceName": "crm-orders"}
    exporting = {"S3Exporting": {"S3BucketName": "crm-export", "S3KeyName": "matches/"}}
    return {
        "DomainName": "crm-profiles",
        "DefaultExpirationDays": 366,
        "DefaultEncryptionKey": "arn:aws:kms:us-east-1:123456789012:key/1",
        "DeadLetterQueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/dlq",
        "Matching": {
            "Enabled": True,
            "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"},
            "AutoMerging": {
                "Enabled": True,
                "Consolidation": {"MatchingAttributesList": [["EmailAddress"]]},
                "ConflictResolution": dict(resolution),
                "MinAllowedConfidenceScoreForMerging": 0.8,
            },
            "ExportingConfig": copy.deepcopy(exporting),
        },
        "RuleBasedMatching": {
            "Enabled": True,
            "MatchingRules": [{"Rule": ["EmailAddress"]}],
            "MaxAllowedRuleLevelForMerging": 2,
            "MaxAllowedRuleLevelForMatching": 2,
            "AttributeTypesSelector": {
                "AttributeMatchingModel": "ONE_TO_ONE",
                "Address": ["Address"],
                "PhoneNumber": ["PhoneNumber"],
                "EmailAddress": ["EmailAddress"],
            },
            "ConflictResolution": dict(resolution),
            "ExportingConfig": copy.deepcopy(exporting),
        },
        "DataStore": {"Enabled": True},
        "Tags": {"team": "crm"},
    }


def put(request: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """`request` with the value at `path` replaced (`...` as value removes the member)."""
    node: Any = request
    for part in path[:-1]:
        node = node[part]
    if value is ...:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return request


def members(shape: Any = REQUEST, path: MemberPath = ()) -> Iterator[tuple[MemberPath, Any]]:
    """Every member of the request's shapes, depth first."""
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield (*path, name), member
            yield from members(member, (*path, name))
    elif shape.type_name == "list":
        yield from members(shape.member, (*path, "[]"))


SCHEMA = DomainProperties.model_json_schema()

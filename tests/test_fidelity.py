"""Fidelity to the API: the model against botocore's `customer-profiles` UpdateDomain shapes.

- Valid requests are generated from botocore's shapes (every length, pattern, enum, list size and
  range) plus the API page's prose rules; stringified as CloudFormation sends them, they must
  validate and plan exactly that request, which botocore and the model's limits accept.
- An input that breaks exactly one constraint is rejected with a Reason naming its path.
- An alarm: a member of UpdateDomainRequest (or a nested shape) the model does not cover, or a
  limit the model states differently, fails naming it.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from domain_provider.models import SETTINGS, DomainProperties, parse_properties, setting
from domain_provider.reasons import format_validation_error
from tests.support.requests import request_of
from tools.local.customer_profiles import validate as service_validate

ROOT = Path(__file__).resolve().parent.parent
MODEL = botocore.session.get_session().get_service_model("customer-profiles")
REQUEST = MODEL.operation_model("UpdateDomain").input_shape

MemberPath = tuple[str, ...]
"""Member names from the request down; `[]` is a list item, `{}` a map value, `{key}` a map key."""

# The API page's prose rules, restated here (not imported) so the test checks the model.
RULE_ATTRIBUTES = [
    "AccountNumber",
    *(
        f"Address.{part}"
        for part in ["Address", "City", "Country", "County", "PostalCode", "State", "Province"]
    ),
    "BirthDate",
    "BusinessName",
    "EmailAddress",
    "FirstName",
    "Gender",
    "LastName",
    "MiddleName",
    "PhoneNumber",
]
SELECTOR = ("RuleBasedMatching", "AttributeTypesSelector")
SELECTOR_VALUES = {
    (*SELECTOR, "Address", "[]"): [
        "Address",
        "BusinessAddress",
        "MaillingAddress",
        "ShippingAddress",
    ],
    (*SELECTOR, "PhoneNumber", "[]"): ["PhoneNumber", "HomePhoneNumber", "MobilePhoneNumber"],
    (*SELECTOR, "EmailAddress", "[]"): [
        "EmailAddress",
        "BusinessEmailAddress",
        "PersonalEmailAddress",
    ],
}
RULE_ITEM: MemberPath = ("RuleBasedMatching", "MatchingRules", "[]", "Rule", "[]")
RESOLUTIONS: list[MemberPath] = [
    ("Matching", "AutoMerging", "ConflictResolution"),
    ("RuleBasedMatching", "ConflictResolution"),
]
PROVIDER_ONLY = {"OnDelete", "ReconcileToken"}

FAST = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Valid requests from botocore's shapes ------------------------------------------------------------


def requests(shape: Any = REQUEST, path: MemberPath = ()) -> st.SearchStrategy[Any]:
    """Any value botocore's shape and the page allow at `path`, typed as UpdateDomain takes it."""
    meta, kind = shape.metadata, shape.type_name
    if path == RULE_ITEM:
        custom = st.text(max_size=20).map(lambda rest: "Attributes" + rest)
        return st.sampled_from(RULE_ATTRIBUTES) | custom
    if path in SELECTOR_VALUES:
        return st.sampled_from(SELECTOR_VALUES[path])
    if kind == "structure":
        members = {name: requests(member, (*path, name)) for name, member in shape.members.items()}
        required = {name: members.pop(name) for name in shape.required_members}
        drawn = st.fixed_dictionaries(required, optional=members)
        return drawn.filter(_source_has_name) if path in RESOLUTIONS else drawn
    if kind == "list":
        return st.lists(
            requests(shape.member, (*path, "[]")),
            min_size=meta.get("min", 0),
            max_size=meta.get("max"),
        )
    if kind == "map":
        return st.dictionaries(
            requests(shape.key, (*path, "{key}")),
            requests(shape.value, (*path, "{}")),
            min_size=meta.get("min", 0),
            max_size=meta.get("max"),
        )
    if kind == "string":
        if shape.enum:
            return st.sampled_from(shape.enum)
        low, high = meta.get("min", 0), meta.get("max")
        if meta.get("pattern", ".*") != ".*":
            # fullmatch: Smithy patterns are ECMA regexes, whose `$` does not allow a final newline.
            text = st.from_regex(meta["pattern"], fullmatch=True)
            return text.filter(lambda value: low <= len(value) <= (high or len(value)))
        return st.text(min_size=low, max_size=high)
    if kind == "integer":
        return st.integers(meta.get("min"), meta.get("max"))
    if kind == "double":
        return st.floats(meta.get("min"), meta.get("max"), allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    raise AssertionError(f"{'.'.join(path)}: no strategy for botocore type {kind}")


def _source_has_name(resolution: dict[str, Any]) -> bool:
    return resolution["ConflictResolvingModel"] != "SOURCE" or "SourceName" in resolution


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


@FAST
@given(request=requests(), tags_as_list=st.booleans())
def test_a_valid_request_sent_as_strings_becomes_exactly_that_request(request, tags_as_list):
    botocore_accepts(request)  # the generator's own check: botocore and the model's limits agree

    sent = sent_by_create(as_cloudformation(request, tags_as_list))

    assert sent == request
    botocore_accepts(sent)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("DefaultEncryptionKey",), ""),  # min 0: the API clears on ""
        (("Tags",), {}),  # TagMap's min is 1, but no tags is no Tags member: nothing is sent
        ((*SELECTOR, "Address"), ["MailingAddress"]),  # the profile's spelling of the page's
        ((*SELECTOR, "PhoneNumber"), ["Phone", "HomePhone"]),  # the page's own example
        (("RuleBasedMatching", "MatchingRules"), [{"Rule": ["Attributes"]}]),
        (("RuleBasedMatching", "MatchingRules"), [{"Rule": ["Attributes.loyalty-tier"]}]),
        (("Matching", "AutoMerging", "ConflictResolution"), {"ConflictResolvingModel": "RECENCY"}),
        (("DataStore",), {}),
    ],
    ids=lambda part: "" if isinstance(part, tuple) else None,
)
def test_where_the_page_is_ambiguous_the_value_is_accepted_and_sent(path, value):
    properties = as_cloudformation(put(full_request(), path, value))

    sent: Any = sent_by_create(properties)
    if path == ("Tags",):
        assert "Tags" not in sent, "no tags is no Tags member"
        return
    for part in path:
        sent = sent[part]
    assert sent == value


# CloudFormation's strings: exactly the contract's rule ------------------------------------------

SCALARS = {
    "boolean": (("DataStore", "Enabled"), ["true", "false", "TRUE", "False", True]),
    "integer": (("DefaultExpirationDays",), ["366", "+366", "0366", 366]),
    "number": (
        ("Matching", "AutoMerging", "MinAllowedConfidenceScoreForMerging"),
        ["0.8", ".8", "1", "8e-1", "0.", 0.8, 1],
    ),
}
SCALAR_BASE = {
    "DomainName": "crm",
    "DataStore": {"Enabled": True},
    "Matching": {"Enabled": True, "AutoMerging": {"Enabled": True}},
}
NOT_SCALARS = {
    "boolean": ["yes", "no", "on", "off", "1", "0", " true ", "t", "", 1],
    "integer": ["3_66", " 366 ", "366.0", "0x16e", "3e2", "", "366x", True],
    "number": ["0_8", " 0.8", "nan", "inf", "0.8x", "1e", "", True],
}


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, (_, texts) in SCALARS.items() for text in texts]
)
def test_a_scalar_spelled_as_the_contract_says_is_accepted(kind, text):
    path, _ = SCALARS[kind]
    properties = put(copy.deepcopy(SCALAR_BASE), path, text)

    parse_properties(properties)


@pytest.mark.parametrize(
    ("kind", "text"), [(kind, text) for kind, texts in NOT_SCALARS.items() for text in texts]
)
def test_a_scalar_spelled_otherwise_is_rejected_naming_the_property(kind, text):
    path, _ = SCALARS[kind]
    properties = put(copy.deepcopy(SCALAR_BASE), path, text)

    with pytest.raises(ValidationError) as caught:
        parse_properties(properties)

    assert format_validation_error(caught.value).startswith(".".join(map(str, path)) + ": must be")


# One broken constraint: rejected, naming the path -------------------------------------------------


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


def leaves(
    shape: Any = REQUEST, value: Any = None, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any, Any]]:
    """Every (path, shape, value) in `value`, lists at their first item, maps at their first key."""
    value = full_request() if value is None else value
    yield path, shape, value
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield from leaves(member, value[name], (*path, name))
    elif shape.type_name == "list":
        yield from leaves(shape.member, value[0], (*path, 0))


def reason_path(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def broken() -> Iterator[Any]:
    """(path, bad value, where the Reason must point): one broken constraint each."""
    for path, shape, value in leaves():
        meta, kind, where = shape.metadata, shape.type_name, reason_path(path)
        if kind == "structure":
            for name in shape.required_members:
                yield pytest.param(
                    (*path, name), ..., f"{where}.{name}".lstrip("."), id=f"{where}.{name}-missing"
                )
            yield pytest.param(
                (*path, "Bogus"), "x", f"{where}.Bogus".lstrip("."), id=f"{where}.Bogus-unknown"
            )
        elif kind == "list":
            if meta.get("min", 0) > 0:
                yield pytest.param(path, [], where, id=f"{where}-empty")
            yield pytest.param(path, value * (meta["max"] + 1), where, id=f"{where}-too-many")
        elif kind == "string" and not getattr(shape, "enum", None):
            if meta.get("min", 0) > 0:
                yield pytest.param(path, "", where, id=f"{where}-too-short")
            if "max" in meta:
                yield pytest.param(path, "a" * (meta["max"] + 1), where, id=f"{where}-too-long")
        elif kind == "string":
            yield pytest.param(path, "NOT_A_VALUE", where, id=f"{where}-enum")
        elif kind in ("integer", "double"):
            step = 1 if kind == "integer" else 0.1
            yield pytest.param(path, meta["min"] - step, where, id=f"{where}-below")
            yield pytest.param(path, meta["max"] + step, where, id=f"{where}-above")
            yield pytest.param(path, "12x", where, id=f"{where}-garbage")
        elif kind == "boolean":
            yield pytest.param(path, "maybe", where, id=f"{where}-garbage")


PATTERNS_AND_PROSE = [
    (("DomainName",), "crm profiles"),
    (("Matching", "JobSchedule", "Time"), "25:00"),
    (("Matching", "ExportingConfig", "S3Exporting", "S3BucketName"), "Crm-Export"),
    (("RuleBasedMatching", "MatchingRules", 0, "Rule", 0), "Nickname"),
    (("RuleBasedMatching", "MatchingRules", 0, "Rule", 0), "attributes.tier"),
    ((*SELECTOR, "Address", 0), "HomeAddress"),
    ((*SELECTOR, "PhoneNumber", 0), "WorkPhone"),
    ((*SELECTOR, "EmailAddress", 0), "WorkEmail"),
]


@pytest.mark.parametrize(("path", "value", "where"), list(broken()))
def test_one_broken_limit_is_rejected_naming_its_path(path, value, where):
    assert_rejected(put(full_request(), path, value), where)


@pytest.mark.parametrize(("path", "value"), PATTERNS_AND_PROSE)
def test_one_broken_pattern_or_page_rule_is_rejected_naming_its_path(path, value):
    assert_rejected(put(full_request(), path, value), reason_path(path))


@pytest.mark.parametrize("path", RESOLUTIONS, ids=reason_path)
def test_source_without_source_name_is_rejected_naming_the_conflict_resolution(path):
    assert_rejected(put(full_request(), (*path, "SourceName"), ...), reason_path(path))


@pytest.mark.parametrize(
    ("tags", "where"),
    [
        ({"aws:team": "crm"}, "Tags['aws:team'] key"),
        ({"team!": "crm"}, "Tags['team!'] key"),
        ({"k" * 129: "crm"}, "Tags["),
        ({"team": "v" * 257}, "Tags['team']"),
        ({f"k{i}": "v" for i in range(51)}, "Tags"),
    ],
    ids=["aws-prefix", "pattern", "key-too-long", "value-too-long", "too-many"],
)
def test_one_broken_tag_limit_is_rejected_naming_the_tag(tags, where):
    assert_rejected(put(full_request(), ("Tags",), tags), where)


def assert_rejected(request: dict[str, Any], where: str) -> None:
    for tags_as_list in (False, True):
        with pytest.raises(ValidationError) as caught:
            parse_properties(as_cloudformation(request, tags_as_list))
        reason = format_validation_error(caught.value)
        assert reason.startswith(where), reason
        assert "more)" not in reason, reason


def test_the_full_request_is_valid_and_covers_every_member():
    request = full_request()
    botocore_accepts(request)
    assert sent_by_create(as_cloudformation(request)) == request
    named = {tuple("[]" if isinstance(p, int) else p for p in path) for path, _, _ in leaves()}
    assert {path for path, _ in members()} <= named


# The alarm: botocore grows, the model must follow -----------------------------------------------


def members(shape: Any = REQUEST, path: MemberPath = ()) -> Iterator[tuple[MemberPath, Any]]:
    """Every member of the request's shapes, depth first."""
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            yield (*path, name), member
            yield from members(member, (*path, name))
    elif shape.type_name == "list":
        yield from members(shape.member, (*path, "[]"))


SCHEMA = DomainProperties.model_json_schema()


def schema_at(path: MemberPath) -> dict[str, Any] | None:
    """The model's JSON Schema for `path` (None when the model has no such member)."""
    node: dict[str, Any] = SCHEMA
    for part in path:
        node = _resolve(node)
        if part == "[]":
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            return None
    return _resolve(node)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(SCHEMA["$defs"][node["$ref"].split("/")[-1]])
    options = [option for option in node.get("anyOf", []) if option.get("type") != "null"]
    return _resolve(options[0]) if options else node


@pytest.mark.parametrize("path", [path for path, _ in members()], ids=".".join)
def test_every_botocore_member_is_in_the_model(path):
    assert schema_at(path) is not None, (
        f"botocore's UpdateDomainRequest has {'.'.join(path)}, which models.py does not cover: "
        "add it (with its limits) to the model"
    )


def test_every_model_property_is_in_botocore():
    known = {".".join(path) for path, _ in members()}

    def walk(node: dict[str, Any], path: MemberPath) -> Iterator[str]:
        node = _resolve(node)
        if node.get("type") == "array" and path[-1:] != ("Tags",):
            yield from walk(node["items"], (*path, "[]"))
        for name, child in node.get("properties", {}).items():
            yield ".".join((*path, name))
            if (*path, name) != ("Tags",):
                yield from walk(child, (*path, name))

    extra = sorted(set(walk(SCHEMA, ())) - known - PROVIDER_ONLY)
    assert not extra, f"the model has members botocore's UpdateDomainRequest does not: {extra}"


LIMITS = {
    "string": {"min": "minLength", "max": "maxLength"},
    "list": {"min": "minItems", "max": "maxItems"},
    "integer": {"min": "minimum", "max": "maximum"},
    "double": {"min": "minimum", "max": "maximum"},
}
# Deliberately laxer than the model's number: accepted, and nothing to send.
LAXER = {("Tags", "min")}


@pytest.mark.parametrize(
    ("path", "shape"), list(members()), ids=[".".join(p) for p, _ in members()]
)
def test_the_model_states_every_limit_as_botocore_does(path, shape):
    node = schema_at(path)
    assert node is not None
    name = ".".join(path)
    if shape.type_name == "map":
        node = (
            node if "propertyNames" in node else _resolve(SCHEMA["properties"]["Tags"]["anyOf"][0])
        )
        assert node.get("maxProperties") == shape.metadata.get("max"), name
        assert node["propertyNames"]["pattern"] == shape.key.metadata["pattern"], name
        return
    for limit, keyword in LIMITS.get(shape.type_name, {}).items():
        if limit in shape.metadata and (path[-1], limit) not in LAXER:
            expected = shape.metadata[limit]
            got = node.get(keyword, 0 if limit == "min" else None)
            assert got == expected, f"{name}: botocore {limit} {expected}, model {keyword} {got}"
    pattern = shape.metadata.get("pattern", ".*")
    if pattern != ".*":
        assert node.get("pattern") == pattern, f"{name}: botocore pattern {pattern}"
    if getattr(shape, "enum", None):
        assert node.get("enum") == list(shape.enum), f"{name}: botocore enum {shape.enum}"
    if shape.type_name == "structure":
        assert sorted(node.get("required", [])) == sorted(shape.required_members), name


# The JSON Schema and the property reference are the model's --------------------------------------


def test_the_checked_in_schema_and_property_reference_are_fresh():
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(ROOT / "tools" / "gen_schema.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    checked_in = json.loads(
        (ROOT / "docs" / "schema" / "domain-properties.schema.json").read_text()
    )
    assert {k: v for k, v in checked_in.items() if not k.startswith("$s") and k != "$id"} == SCHEMA

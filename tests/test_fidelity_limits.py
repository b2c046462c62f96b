"""Fidelity to the API (contract: "The resource"): the model's limits against botocore's
`customer-profiles` UpdateDomain shapes.

- An input that breaks exactly one constraint is rejected with a Reason naming its path.
- An alarm: a member of UpdateDomainRequest (or a nested shape) the model does not cover, or a
  limit the model states differently, fails naming it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from domain_provider.models import parse_properties
from domain_provider.reasons import format_validation_error
from tests.support.fidelity import (
    REQUEST,
    RESOLUTIONS,
    SCHEMA,
    SELECTOR,
    MemberPath,
    as_cloudformation,
    botocore_accepts,
    full_request,
    members,
    put,
    sent_by_create,
)

PROVIDER_ONLY = {"OnDelete", "ReconcileToken"}


# One broken constraint: rejected, naming the path -------------------------------------------------


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

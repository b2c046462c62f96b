"""Fidelity to the API (contract: "The resource"): the model against botocore's
`customer-profiles` UpdateDomain shapes, and CloudFormation's strings.

- Valid requests are generated from botocore's shapes (every length, pattern, enum, list size and
  range) plus the API page's prose rules; stringified as CloudFormation sends them, they must
  validate and plan exactly that request, which botocore and the model's limits accept.
- A scalar spelled as the contract says is accepted; spelled otherwise, rejected naming it.
- The checked-in JSON Schema and property reference are the model's.
The limits (one broken constraint, the alarm when botocore grows) are tests/test_fidelity_limits.py.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    put,
    sent_by_create,
)

ROOT = Path(__file__).resolve().parent.parent

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

"""The pure comparison of properties with a live domain: table tests with plain values."""

from __future__ import annotations

from typing import Any

import pytest

from domain_provider.compare import Difference, differences, member_differs
from domain_provider.members import ABSENT
from domain_provider.models import parse_properties

RULES = [{"Rule": ["EmailAddress", "LastName"]}, {"Rule": ["PhoneNumber"]}]
PROPERTIES: dict[str, Any] = {
    "DomainName": "crm",
    "DefaultExpirationDays": 366,
    "DefaultEncryptionKey": "arn:aws:kms:us-east-1:123456789012:key/one",
    "DeadLetterQueueUrl": "",
    "Matching": {
        "Enabled": True,
        "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"},
        "AutoMerging": {
            "Enabled": True,
            "Consolidation": {"MatchingAttributesList": [["EmailAddress", "LastName"], ["Phone"]]},
            "MinAllowedConfidenceScoreForMerging": "0.8",
        },
    },
    "RuleBasedMatching": {
        "Enabled": True,
        "MatchingRules": RULES,
        "AttributeTypesSelector": {
            "AttributeMatchingModel": "ONE_TO_ONE",
            "Address": ["Address", "ShippingAddress"],
        },
    },
    "DataStore": {"Enabled": False},
    "Tags": [{"Key": "team", "Value": "crm"}, {"Key": "cost", "Value": "42"}],
}
# The same domain as GetDomain answers it: read-only members, service defaults, other tags.
LIVE: dict[str, Any] = {
    "DomainName": "crm",
    "DefaultExpirationDays": 366,
    "DefaultEncryptionKey": "arn:aws:kms:us-east-1:123456789012:key/one",
    "Matching": {
        **PROPERTIES["Matching"],
        "AutoMerging": {
            **PROPERTIES["Matching"]["AutoMerging"],
            "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
            "MinAllowedConfidenceScoreForMerging": 0.8,
        },
    },
    "RuleBasedMatching": {
        "Enabled": True,
        "MatchingRules": RULES,
        "Status": "ACTIVE",
        "MaxAllowedRuleLevelForMerging": 15,
        "AttributeTypesSelector": {
            "AttributeMatchingModel": "ONE_TO_ONE",
            "Address": ["Address", "ShippingAddress"],
        },
    },
    "DataStore": {"Enabled": False, "Readiness": {"ProgressPercentage": 100}},
    "Tags": {"team": "crm", "cost": "42", "owner": "someone-else"},
}


def live_with(**changes: Any) -> dict[str, Any]:
    """LIVE with top-level members replaced (None removes one)."""
    live = {**LIVE, **changes}
    return {key: value for key, value in live.items() if value is not None}


def test_a_domain_that_matches_has_no_differences_despite_defaults_and_read_only_members():
    assert differences(parse_properties(PROPERTIES), LIVE) == ()


MATCHING = LIVE["Matching"]
RBM = LIVE["RuleBasedMatching"]


@pytest.mark.parametrize(
    ("live", "expected"),
    [
        pytest.param(
            live_with(DefaultExpirationDays=30),
            [Difference("DefaultExpirationDays", 366, 30)],
            id="changed-scalar",
        ),
        pytest.param(
            live_with(DefaultEncryptionKey=None),
            [Difference("DefaultEncryptionKey", PROPERTIES["DefaultEncryptionKey"], None)],
            id="cleared-key",
        ),
        pytest.param(
            live_with(DeadLetterQueueUrl="https://sqs.us-east-1.amazonaws.com/1/dlq"),
            [Difference("DeadLetterQueueUrl", "", "https://sqs.us-east-1.amazonaws.com/1/dlq")],
            id="queue-set-where-none-wanted",
        ),
        pytest.param(
            live_with(
                Matching={**MATCHING, "AutoMerging": {**MATCHING["AutoMerging"], "Enabled": False}}
            ),
            [Difference("Matching.AutoMerging.Enabled", True, False)],
            id="disabled-toggle-named-by-its-leaf",
        ),
        pytest.param(
            live_with(Matching=None),
            [
                Difference("Matching.Enabled", True, None),
                Difference(
                    "Matching.JobSchedule", {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}, None
                ),
                Difference("Matching.AutoMerging.Enabled", True, None),
                Difference(
                    "Matching.AutoMerging.Consolidation",
                    {"MatchingAttributesList": [["EmailAddress", "LastName"], ["Phone"]]},
                    None,
                ),
                Difference("Matching.AutoMerging.MinAllowedConfidenceScoreForMerging", 0.8, None),
            ],
            id="whole-setting-gone-reports-each-member",
        ),
        pytest.param(
            live_with(RuleBasedMatching={**RBM, "MatchingRules": RULES[::-1]}),
            [Difference("RuleBasedMatching.MatchingRules", RULES, RULES[::-1])],
            id="reordered-matching-rules-change-the-levels",
        ),
        pytest.param(
            live_with(RuleBasedMatching={**RBM, "MatchingRules": RULES[:1]}),
            [Difference("RuleBasedMatching.MatchingRules", RULES, RULES[:1])],
            id="a-rule-level-removed",
        ),
        pytest.param(
            live_with(Tags={"team": "someone-else", "cost": "42"}),
            [Difference("Tags.team", "crm", "someone-else")],
            id="tag-changed",
        ),
        pytest.param(
            live_with(Tags={"team": "crm"}),
            [Difference("Tags.cost", "42", None)],
            id="tag-removed",
        ),
        pytest.param(
            live_with(Tags=None),
            [Difference("Tags.team", "crm", None), Difference("Tags.cost", "42", None)],
            id="all-tags-removed",
        ),
        pytest.param(
            live_with(DataStore={"Enabled": True}),
            [Difference("DataStore.Enabled", False, True)],
            id="toggle-turned-on-where-off-wanted",
        ),
    ],
)
def test_each_kind_of_drift_is_reported_by_its_path(live, expected):
    assert list(differences(parse_properties(PROPERTIES), live)) == expected


@pytest.mark.parametrize(
    "live",
    [
        pytest.param(
            live_with(
                RuleBasedMatching={
                    **RBM,
                    "MatchingRules": [
                        {"Rule": ["LastName", "EmailAddress"]},
                        {"Rule": ["PhoneNumber"]},
                    ],
                }
            ),
            id="attributes-within-a-rule",
        ),
        pytest.param(
            live_with(
                RuleBasedMatching={
                    **RBM,
                    "AttributeTypesSelector": {
                        "AttributeMatchingModel": "ONE_TO_ONE",
                        "Address": ["ShippingAddress", "Address"],
                    },
                }
            ),
            id="attribute-types-selected",
        ),
        pytest.param(
            live_with(
                Matching={
                    **MATCHING,
                    "AutoMerging": {
                        **MATCHING["AutoMerging"],
                        "Consolidation": {
                            "MatchingAttributesList": [["Phone"], ["LastName", "EmailAddress"]]
                        },
                    },
                }
            ),
            id="consolidation-criteria-and-their-attributes",
        ),
    ],
)
def test_order_is_ignored_where_the_api_gives_it_no_meaning(live):
    assert differences(parse_properties(PROPERTIES), live) == ()


def test_a_repeated_attribute_is_not_the_same_multiset_as_two_distinct_ones():
    live = live_with(
        RuleBasedMatching={
            **RBM,
            "MatchingRules": [
                {"Rule": ["EmailAddress", "EmailAddress"]},
                {"Rule": ["PhoneNumber"]},
            ],
        }
    )
    assert [d.path for d in differences(parse_properties(PROPERTIES), live)] == [
        "RuleBasedMatching.MatchingRules"
    ]


def test_what_the_properties_omit_is_never_compared():
    properties = parse_properties({"DomainName": "crm", "Matching": {"Enabled": True}})
    live = {"DefaultExpirationDays": 1, "Matching": {"Enabled": True, "JobSchedule": {}}}
    assert differences(properties, live) == ()


@pytest.mark.parametrize(
    ("path", "wanted", "live", "differs"),
    [
        ("DefaultEncryptionKey", "", ABSENT, False),
        ("DeadLetterQueueUrl", "", "", False),
        ("DeadLetterQueueUrl", "", "https://q", True),
        ("DefaultEncryptionKey", "k", ABSENT, True),
        ("Matching.Enabled", False, ABSENT, False),
        ("DataStore.Enabled", False, ABSENT, False),
        ("RuleBasedMatching.Enabled", True, ABSENT, True),
        ("RuleBasedMatching.Enabled", True, True, False),
        ("Matching.Enabled", True, 1, True),
        ("DefaultExpirationDays", 366, 366, False),
        ("Matching.JobSchedule", {"DayOfTheWeek": "SUNDAY"}, "not an object", True),
        ("DeadLetterQueueUrl", ABSENT, "", False),
        ("DeadLetterQueueUrl", ABSENT, ABSENT, False),
        ("DeadLetterQueueUrl", ABSENT, "https://q", True),
        ("Matching.Enabled", ABSENT, False, False),
        ("Matching.Enabled", ABSENT, True, True),
        ("Matching.JobSchedule", ABSENT, {"DayOfTheWeek": "SUNDAY"}, True),
    ],
)
def test_member_differs_follows_the_same_rules(path, wanted, live, differs):
    assert member_differs(path, wanted, live) is differs

"""The planner as pure functions: plain dicts in, the calls to make out. No AWS, no mocks."""

from __future__ import annotations

from typing import Any

import pytest

from domain_provider.models import parse_properties
from domain_provider.planner import Plan, plan_create, plan_delete, plan_update

NAME = "crm"


def props(**members: Any) -> Any:
    return parse_properties({"DomainName": NAME, **members})


def test_create_sends_every_given_setting_and_the_tags_in_one_update_domain():
    plan = plan_create(
        props(DefaultExpirationDays="366", DataStore={"Enabled": "true"}, Tags={"team": "crm"})
    )

    assert plan.calls == ["UpdateDomain"]
    assert plan.update == {
        "DomainName": NAME,
        "DefaultExpirationDays": 366,
        "DataStore": {"Enabled": True},
        "Tags": {"team": "crm"},
    }


def test_create_with_only_a_name_still_reads_the_domain_through_update_domain():
    assert plan_create(props()).update == {"DomainName": NAME}


def test_create_converts_cloudformation_strings_to_api_types():
    plan = plan_create(
        props(
            Matching={
                "Enabled": "true",
                "AutoMerging": {"Enabled": "false", "MinAllowedConfidenceScoreForMerging": "0.8"},
            },
            RuleBasedMatching={"Enabled": "true", "MaxAllowedRuleLevelForMatching": "2"},
        )
    )

    assert plan.update is not None
    assert plan.update["Matching"] == {
        "Enabled": True,
        "AutoMerging": {"Enabled": False, "MinAllowedConfidenceScoreForMerging": 0.8},
    }
    assert plan.update["RuleBasedMatching"] == {
        "Enabled": True,
        "MaxAllowedRuleLevelForMatching": 2,
    }


@pytest.mark.parametrize(
    ("old", "new", "sent"),
    [
        ({"DefaultEncryptionKey": "k"}, {}, {"DefaultEncryptionKey": ""}),
        ({"DeadLetterQueueUrl": "q"}, {}, {"DeadLetterQueueUrl": ""}),
        ({"Matching": {"Enabled": "true"}}, {}, {"Matching": {"Enabled": False}}),
        ({"RuleBasedMatching": {"Enabled": "true"}}, {}, {"RuleBasedMatching": {"Enabled": False}}),
        ({"DataStore": {"Enabled": "true"}}, {}, {"DataStore": {"Enabled": False}}),
        (
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "k2"},
            {"DefaultEncryptionKey": "k2"},
        ),
        (
            {"DefaultExpirationDays": "30"},
            {"DefaultExpirationDays": "60"},
            {"DefaultExpirationDays": 60},
        ),
    ],
    ids=[
        "key-cleared",
        "queue-cleared",
        "matching-disabled",
        "rule-based-disabled",
        "data-store-disabled",
        "key-changed",
        "expiration-changed",
    ],
)
def test_update_sends_changes_and_undoes_removals(old, new, sent):
    plan = plan_update(props(**new), props(**old))

    assert plan.update == {"DomainName": NAME, **sent}
    assert plan.read is False


@pytest.mark.parametrize(
    "old",
    [
        {"DefaultExpirationDays": "30"},
        {"DefaultEncryptionKey": ""},
        {"Matching": {"Enabled": "false"}},
        {"DataStore": {}},
    ],
    ids=["expiration-cannot-be-cleared", "key-already-empty", "toggle-already-off", "no-toggle"],
)
def test_update_removing_what_needs_no_undo_only_reads_the_domain(old):
    plan = plan_update(props(), props(**old))

    assert plan.calls == ["GetDomain"]


def test_update_does_not_resend_unchanged_settings():
    same = {"RuleBasedMatching": {"Enabled": "true", "MatchingRules": [{"Rule": ["EmailAddress"]}]}}

    plan = plan_update(props(DefaultExpirationDays="7", **same), props(**same))

    assert plan.update == {"DomainName": NAME, "DefaultExpirationDays": 7}


def test_update_diffs_tags_against_the_old_properties_only():
    plan = plan_update(
        props(Tags={"keep": "1", "change": "new", "add": "x"}),
        props(Tags={"keep": "1", "change": "old", "drop": "y"}),
    )

    assert plan.tag == {"change": "new", "add": "x"}
    assert plan.untag == ("drop",)
    assert plan.calls == ["GetDomain", "TagResource", "UntagResource"]


def test_update_from_unknown_old_properties_applies_everything_and_untags_nothing():
    plan = plan_update(props(DataStore={"Enabled": "true"}, Tags={"a": "1"}), None)

    assert plan.update == {"DomainName": NAME, "DataStore": {"Enabled": True}}
    assert plan.tag == {"a": "1"}
    assert plan.untag == ()


def test_delete_undoes_what_the_properties_set():
    plan = plan_delete(
        props(
            DefaultExpirationDays="30",
            DefaultEncryptionKey="k",
            DeadLetterQueueUrl="q",
            Matching={"Enabled": "true"},
            RuleBasedMatching={"Enabled": "false"},
            DataStore={"Enabled": "true"},
            Tags=[{"Key": "a", "Value": "1"}],
        )
    )

    assert plan.update == {
        "DomainName": NAME,
        "DefaultEncryptionKey": "",
        "DeadLetterQueueUrl": "",
        "Matching": {"Enabled": False},
        "DataStore": {"Enabled": False},
    }
    assert plan.untag == ("a",)
    assert plan.calls == ["UpdateDomain", "UntagResource"]


def test_delete_with_only_tags_untags_without_update_domain():
    assert plan_delete(props(Tags={"a": "1"})).calls == ["UntagResource"]


def test_delete_with_retain_plans_no_call():
    plan = plan_delete(props(OnDelete="Retain", Matching={"Enabled": "true"}, Tags={"a": "1"}))

    assert plan.calls == []


def test_delete_of_settings_that_need_no_undo_plans_no_call():
    assert plan_delete(props(DefaultExpirationDays="30", Matching={"Enabled": "false"})).calls == []


def test_summary_says_what_will_change():
    plan = Plan(
        domain_name=NAME,
        update={
            "DomainName": NAME,
            "DefaultEncryptionKey": "",
            "Matching": {"Enabled": False},
            "DataStore": {"Enabled": True},
        },
        tag={"b": "2", "a": "1"},
        untag=("c",),
    )

    assert plan.summary() == (
        "domain crm: UpdateDomain(DefaultEncryptionKey cleared, Matching disabled, DataStore set)"
        " then TagResource(a, b) then UntagResource(c)"
    )
    assert Plan(domain_name=NAME).summary() == "domain crm: nothing to change"

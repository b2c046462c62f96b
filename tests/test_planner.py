"""The planner as a pure function: a parsed Request in, the ordered calls out. No AWS, no mocks."""

from __future__ import annotations

from typing import Any

import pytest

from domain_provider.errors import InvalidProperties
from domain_provider.planner import Call, Plan, plan
from tests.support.requests import LOGICAL_ID, REQUEST_ID, request_of

NAME = "crm"
ARN = f"arn:aws:profile:us-east-1:123456789012:domains/{NAME}"


def props(**members: Any) -> dict[str, Any]:
    return {"DomainName": NAME, **members}


def create(**members: Any) -> Plan:
    return plan(request_of("Create", props(**members)))


def update(new: dict[str, Any], old: dict[str, Any], physical_id: str = NAME) -> Plan:
    return plan(request_of("Update", props(**new), props(**old), physical_id))


def delete(physical_id: str = NAME, **members: Any) -> Plan:
    return plan(request_of("Delete", props(**members), physical_id=physical_id))


def test_create_sends_every_given_setting_and_the_tags_in_one_update_domain():
    result = create(
        DefaultExpirationDays="366", DataStore={"Enabled": "true"}, Tags={"team": "crm"}
    )

    assert result.calls == (
        Call(
            "UpdateDomain",
            {
                "DomainName": NAME,
                "DefaultExpirationDays": 366,
                "DataStore": {"Enabled": True},
                "Tags": {"team": "crm"},
            },
        ),
    )
    assert (result.physical_id, result.arn) == (NAME, ARN)


def test_a_create_that_fails_before_any_change_answers_a_made_up_id_no_domain_can_have():
    result = create()

    assert result.unchanged_id == f"create-failed:{LOGICAL_ID}:{REQUEST_ID}"
    assert ":" not in NAME


def test_create_with_only_a_name_still_reads_the_domain_through_update_domain():
    assert create().calls == (Call("UpdateDomain", {"DomainName": NAME}),)


def test_create_converts_cloudformation_strings_to_api_types():
    (call,) = create(
        Matching={
            "Enabled": "true",
            "AutoMerging": {"Enabled": "false", "MinAllowedConfidenceScoreForMerging": "0.8"},
        },
        RuleBasedMatching={"Enabled": "TRUE", "MaxAllowedRuleLevelForMatching": "2"},
    ).calls

    assert call.request["Matching"] == {
        "Enabled": True,
        "AutoMerging": {"Enabled": False, "MinAllowedConfidenceScoreForMerging": 0.8},
    }
    assert call.request["RuleBasedMatching"] == {
        "Enabled": True,
        "MaxAllowedRuleLevelForMatching": 2,
    }


def test_invalid_properties_on_create_or_update_fail_before_any_call():
    with pytest.raises(InvalidProperties, match="DefaultExpirationDays: must be at least 1"):
        create(DefaultExpirationDays="0")
    with pytest.raises(InvalidProperties, match="Bogus: unknown property"):
        update({"Bogus": "1"}, {})


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
    assert update(new, old).calls == (Call("UpdateDomain", {"DomainName": NAME, **sent}),)


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
    assert update({}, old).operations == ("GetDomain",)


def test_update_does_not_resend_unchanged_settings():
    same = {"RuleBasedMatching": {"Enabled": "true", "MatchingRules": [{"Rule": ["EmailAddress"]}]}}

    result = update({"DefaultExpirationDays": "7", **same}, same)

    assert result.calls == (Call("UpdateDomain", {"DomainName": NAME, "DefaultExpirationDays": 7}),)


def test_update_diffs_tags_against_the_old_properties_only():
    result = update(
        {"Tags": {"keep": "1", "change": "new", "add": "x"}},
        {"Tags": {"keep": "1", "change": "old", "drop": "y"}},
    )

    assert result.calls == (
        Call("GetDomain", {"DomainName": NAME}),
        Call("TagResource", {"resourceArn": ARN, "tags": {"change": "new", "add": "x"}}),
        Call("UntagResource", {"resourceArn": ARN, "tagKeys": ["drop"]}),
    )


def test_update_from_unreadable_old_properties_applies_everything_and_untags_nothing():
    result = update({"DataStore": {"Enabled": "true"}, "Tags": {"a": "1"}}, {"Bogus": "x"})

    assert result.calls == (
        Call("UpdateDomain", {"DomainName": NAME, "DataStore": {"Enabled": True}}),
        Call("TagResource", {"resourceArn": ARN, "tags": {"a": "1"}}),
    )


def test_a_changed_domain_name_is_a_replacement_configured_as_create():
    result = plan(
        request_of("Update", props(DataStore={"Enabled": "true"}), {"DomainName": "old"}, "old")
    )

    assert result.calls == (
        Call("UpdateDomain", {"DomainName": NAME, "DataStore": {"Enabled": True}}),
    )
    assert (result.physical_id, result.unchanged_id) == (NAME, "old")


def test_the_rollback_of_a_failed_replacement_applies_the_new_properties_and_undoes_nothing():
    # CloudFormation rolls back to the old domain: its properties are the new ones now, and the
    # old ones name the domain of the failed replacement, where nothing was set on this one.
    result = plan(
        request_of(
            "Update",
            props(Matching={"Enabled": "true"}),
            {"DomainName": "other", "DefaultEncryptionKey": "k", "Tags": {"a": "1"}},
            NAME,
        )
    )

    assert result.calls == (
        Call("UpdateDomain", {"DomainName": NAME, "Matching": {"Enabled": True}}),
    )


def test_delete_undoes_what_the_properties_set():
    result = delete(
        DefaultExpirationDays="30",
        DefaultEncryptionKey="k",
        DeadLetterQueueUrl="q",
        Matching={"Enabled": "true"},
        RuleBasedMatching={"Enabled": "false"},
        DataStore={"Enabled": "true"},
        Tags=[{"Key": "a", "Value": "1"}],
    )

    assert result.calls == (
        Call(
            "UpdateDomain",
            {
                "DomainName": NAME,
                "DefaultEncryptionKey": "",
                "DeadLetterQueueUrl": "",
                "Matching": {"Enabled": False},
                "DataStore": {"Enabled": False},
            },
        ),
        Call("UntagResource", {"resourceArn": ARN, "tagKeys": ["a"]}),
    )
    assert result.hint == f", or delete the stack retaining {LOGICAL_ID}"


@pytest.mark.parametrize(
    ("physical_id", "members"),
    [
        (NAME, {"OnDelete": "Retain", "Matching": {"Enabled": "true"}, "Tags": {"a": "1"}}),
        (NAME, {"DefaultExpirationDays": "30", "Matching": {"Enabled": "false"}}),
        (f"create-failed:{LOGICAL_ID}:{REQUEST_ID}", {"Matching": {"Enabled": "true"}}),
        ("another-domain", {"Matching": {"Enabled": "true"}}),
        (NAME, {"Matching": {"Enabled": "maybe"}}),
    ],
    ids=["retain", "nothing-to-undo", "made-up-id", "other-physical-id", "invalid-properties"],
)
def test_delete_with_nothing_it_may_undo_plans_no_call(physical_id, members):
    result = delete(physical_id, **members)

    assert result.calls == ()
    assert result.physical_id == physical_id


def test_summary_says_what_will_change():
    result = update(
        {"DataStore": {"Enabled": "true"}, "Tags": {"b": "2", "a": "1"}},
        {"DefaultEncryptionKey": "k", "Matching": {"Enabled": "true"}, "Tags": {"c": "3"}},
    )

    assert result.summary() == (
        "domain crm: UpdateDomain(DefaultEncryptionKey cleared, Matching disabled, DataStore set)"
        " then TagResource(a, b) then UntagResource(c)"
    )
    assert delete(OnDelete="Retain").summary() == "domain crm: nothing to change (OnDelete: Retain)"

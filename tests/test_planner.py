"""The planner as pure functions: a parsed Request, the live domain and the ledger's Found in, the
ordered calls out. No AWS, no mocks: plain values."""

from __future__ import annotations

import pytest

from domain_provider.errors import InvalidProperties
from domain_provider.members import ABSENT
from domain_provider.planner import target, without
from domain_provider.plans import Call, Plan
from tests.support.planning import ARN, EMPTY, NAME, planned, props
from tests.support.requests import LOGICAL_ID, REQUEST_ID, request_of

# Which domain, which ids --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_type", "new", "old", "physical_id", "kind", "ids"),
    [
        ("Create", {}, None, NAME, "create", (NAME, f"create-failed:{LOGICAL_ID}:{REQUEST_ID}")),
        ("Update", {}, {}, NAME, "update", (NAME, NAME)),
        ("Update", {}, {}, "old-domain", "replacement", (NAME, "old-domain")),
        ("Update", {}, {"DomainName": "typo"}, NAME, "full-update", (NAME, NAME)),
        ("Update", {}, {"Bogus": "x"}, NAME, "full-update", (NAME, NAME)),
        ("Delete", {}, None, NAME, "delete", (NAME, NAME)),
        ("Delete", {}, None, "create-failed:X:Y", "nothing", ("create-failed:X:Y",) * 2),
        ("Delete", {"Matching": {"Enabled": "maybe"}}, None, NAME, "nothing", (NAME, NAME)),
    ],
    ids=[
        "create",
        "update",
        "replacement",
        "rollback-of-replacement",
        "old-unreadable",
        "delete",
        "delete-made-up-id",
        "delete-invalid",
    ],
)
def test_the_target_says_which_domain_and_which_ids(request_type, new, old, physical_id, kind, ids):
    old_properties = props(**old) if old is not None and "DomainName" not in old else old
    request = request_of(request_type, props(**new), old_properties, physical_id)

    base = target(request)

    assert base.kind == kind
    assert (base.physical_id, base.unchanged_id) == ids
    assert (base.domain_name is None) == (kind == "nothing")


def test_invalid_properties_on_create_or_update_fail_before_any_call():
    with pytest.raises(InvalidProperties, match="DefaultExpirationDays: must be at least 1"):
        target(request_of("Create", props(DefaultExpirationDays="0")))
    with pytest.raises(InvalidProperties, match="Bogus: unknown property"):
        target(request_of("Update", props(Bogus="1"), props(), NAME))


# Create: only what differs ------------------------------------------------------------------------


def test_create_sends_what_differs_and_the_tags_in_one_update_domain():
    result = planned(
        "Create",
        {"DefaultExpirationDays": "365", "DataStore": {"Enabled": "true"}, "Tags": {"a": "1"}},
        live={**EMPTY, "Tags": {"b": "2"}},
    )

    assert result.calls == (
        Call(
            "UpdateDomain", {"DomainName": NAME, "DataStore": {"Enabled": True}, "Tags": {"a": "1"}}
        ),
    )


def test_create_on_a_domain_that_already_matches_plans_no_call():
    live = {
        **EMPTY,
        "Matching": {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}},
        "RuleBasedMatching": {
            "Enabled": True,
            "Status": "ACTIVE",
            "MaxAllowedRuleLevelForMatching": 2,
        },
        "Tags": {"a": "1", "other": "x"},
    }

    result = planned(
        "Create",
        {
            "Matching": {"Enabled": "true"},
            "RuleBasedMatching": {"Enabled": "true"},
            "Tags": {"a": "1"},
        },
        live=live,
    )

    assert result.calls == ()


# Update: what differs, and undo only what the live domain still holds -----------------------------


@pytest.mark.parametrize(
    ("old", "live", "found", "on_delete", "sent"),
    [
        (
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": ABSENT},
            "Restore",
            {"DefaultEncryptionKey": ""},
        ),
        ({"DefaultEncryptionKey": "k"}, {"DefaultEncryptionKey": "k"}, {}, "Restore", None),
        (
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "theirs"},
            "Restore",
            {"DefaultEncryptionKey": "theirs"},
        ),
        (
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "k"},
            {"DefaultEncryptionKey": "theirs"},
            "Reset",
            {"DefaultEncryptionKey": ""},
        ),
        ({"DefaultEncryptionKey": "k"}, {"DefaultEncryptionKey": "changed"}, {}, "Restore", None),
        (
            {"Matching": {"Enabled": "true"}},
            {"Matching": {"Enabled": True}},
            {"Matching.Enabled": ABSENT},
            "Restore",
            {"Matching": {"Enabled": False}},
        ),
        (
            {"DefaultExpirationDays": "30"},
            {"DefaultExpirationDays": 30},
            {"DefaultExpirationDays": 365},
            "Restore",
            {"DefaultExpirationDays": 365},
        ),
        (
            {"DefaultExpirationDays": "30"},
            {"DefaultExpirationDays": 30},
            {"DefaultExpirationDays": 365},
            "Reset",
            None,
        ),
        ({"DataStore": {"Enabled": "true"}}, {"DataStore": {"Enabled": True}}, {}, "Retain", None),
    ],
    ids=[
        "key-found-none-cleared",
        "key-no-record-left",
        "key-restored",
        "key-reset",
        "key-changed-since-left",
        "toggle-disabled",
        "expiration-restored",
        "expiration-reset-stays",
        "retain-keeps",
    ],
)
def test_update_undoes_a_removed_setting_only_where_the_live_domain_still_holds_it(
    old, live, found, on_delete, sent
):
    result = planned(
        "Update", {"OnDelete": on_delete}, live={**EMPTY, **live}, old=old, found={**found}
    )

    expected = (Call("UpdateDomain", {"DomainName": NAME, **sent}),) if sent else ()
    assert result.calls == expected


def test_update_tags_what_differs_and_puts_back_removed_keys_it_still_holds():
    result = planned(
        "Update",
        {"Tags": {"keep": "1", "change": "new"}},
        live={**EMPTY, "Tags": {"keep": "1", "change": "old", "mine": "x", "theirs-now": "y"}},
        old={"Tags": {"keep": "1", "change": "old", "mine": "x", "theirs-now": "mine"}},
        found_tags={"mine": "found-value"},
    )

    assert result.calls == (
        Call("TagResource", {"resourceArn": ARN, "tags": {"change": "new", "mine": "found-value"}}),
    )


def test_update_untags_a_removed_key_that_was_absent_when_found():
    result = planned(
        "Update",
        {},
        live={**EMPTY, "Tags": {"gone": "x"}},
        old={"Tags": {"gone": "x"}},
        found_tags={"gone": None},
    )

    assert result.calls == (Call("UntagResource", {"resourceArn": ARN, "tagKeys": ["gone"]}),)


# Delete -------------------------------------------------------------------------------------------


def test_delete_restores_found_values_and_clears_what_found_had_not():
    live = {
        **EMPTY,
        "DefaultExpirationDays": 30,
        "DefaultEncryptionKey": "mine",
        "DeadLetterQueueUrl": "q",
        "Matching": {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "1:00"}},
        "Tags": {"a": "1", "b": "2"},
    }
    found = {
        "DefaultExpirationDays": 365,
        "DefaultEncryptionKey": "theirs",
        "DeadLetterQueueUrl": ABSENT,
        "Matching.Enabled": True,
        "Matching.JobSchedule": ABSENT,
    }

    result = planned(
        "Delete",
        {
            "DefaultExpirationDays": "30",
            "DefaultEncryptionKey": "mine",
            "DeadLetterQueueUrl": "q",
            "Matching": {
                "Enabled": "true",
                "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "1:00"},
            },
            "Tags": {"a": "1", "b": "2"},
        },
        live=live,
        found=found,
        found_tags={"a": "theirs", "b": None},
    )

    assert result.calls == (
        Call(
            "UpdateDomain",
            {
                "DomainName": NAME,
                "DefaultExpirationDays": 365,
                "DefaultEncryptionKey": "theirs",
                "DeadLetterQueueUrl": "",
                "Matching": {"Enabled": True},
            },
        ),
        Call("TagResource", {"resourceArn": ARN, "tags": {"a": "theirs"}}),
        Call("UntagResource", {"resourceArn": ARN, "tagKeys": ["b"]}),
    )
    assert result.hint == f", or delete the stack retaining {LOGICAL_ID}"


def test_delete_with_nothing_left_to_put_back_plans_no_call():
    result = planned(
        "Delete",
        {"DefaultExpirationDays": "365", "Matching": {"Enabled": "false"}},
        found={"DefaultExpirationDays": 365},
    )

    assert result.calls == ()


# The rule-based matching lock ---------------------------------------------------------------------

LOCKED = {**EMPTY, "RuleBasedMatching": {"Enabled": True, "Status": "IN_PROGRESS"}}


def locked_update_and_delete() -> tuple[Plan, Plan]:
    """An Update and a Delete that change RuleBasedMatching while the service locks it."""
    update = planned(
        "Update",
        {"RuleBasedMatching": {"Enabled": "false"}, "DefaultExpirationDays": "10"},
        live=LOCKED,
        old={},
    )
    delete = planned(
        "Delete",
        {"RuleBasedMatching": {"Enabled": "true"}},
        live=LOCKED,
        found={"RuleBasedMatching.Enabled": ABSENT},
    )
    return update, delete


def test_a_change_to_locked_rule_based_matching_is_marked_with_the_live_status():
    update, delete = locked_update_and_delete()

    assert update.lock == delete.lock == "IN_PROGRESS"
    assert update.carries("RuleBasedMatching")
    assert delete.carries("RuleBasedMatching")


def test_a_plan_that_does_not_change_rule_based_matching_meets_no_lock():
    update = planned("Update", {"DefaultExpirationDays": "10"}, live=LOCKED, old={})

    assert update.lock == ""


def test_leaving_the_lock_keeps_everything_else_and_says_so():
    update, delete = locked_update_and_delete()

    left, left_delete = without(update, "RuleBasedMatching"), without(delete, "RuleBasedMatching")

    assert left.calls == (Call("UpdateDomain", {"DomainName": NAME, "DefaultExpirationDays": 10}),)
    assert left.left == left_delete.left == ("RuleBasedMatching",)
    assert left.lock == left_delete.lock == ""
    assert left_delete.calls == ()


def test_without_drops_a_refused_member_and_an_update_left_empty():
    result = planned(
        "Delete",
        {"RuleBasedMatching": {"Enabled": "true"}, "Tags": {"a": "1"}},
        live={
            **EMPTY,
            "RuleBasedMatching": {"Enabled": True, "Status": "ACTIVE"},
            "Tags": {"a": "1"},
        },
        found={"RuleBasedMatching.Enabled": ABSENT},
        found_tags={"a": None},
    )

    assert without(result, "RuleBasedMatching").calls == (
        Call("UntagResource", {"resourceArn": ARN, "tagKeys": ["a"]}),
    )


def test_summary_says_what_will_change():
    result = planned(
        "Update",
        {"DataStore": {"Enabled": "true"}, "Tags": {"b": "2", "a": "1"}},
        live={
            **EMPTY,
            "DefaultEncryptionKey": "k",
            "Matching": {"Enabled": True},
            "Tags": {"c": "3"},
        },
        old={"DefaultEncryptionKey": "k", "Matching": {"Enabled": "true"}, "Tags": {"c": "3"}},
        found={"DefaultEncryptionKey": ABSENT, "Matching.Enabled": ABSENT},
        found_tags={"c": None},
    )

    assert result.summary() == (
        "domain crm: UpdateDomain(DefaultEncryptionKey cleared, Matching disabled, DataStore set)"
        " then TagResource(a, b) then UntagResource(c)"
    )


def test_update_that_drops_a_member_inside_a_setting_sends_the_setting_whole():
    old = {"Matching": {"Enabled": "true", "AutoMerging": {"Enabled": "true"}}}
    live = {**EMPTY, "Matching": {"Enabled": True, "AutoMerging": {"Enabled": True}}}

    result = planned(
        "Update",
        {"Matching": {"Enabled": "true"}},
        live=live,
        old=old,
        found={"Matching.AutoMerging.Enabled": ABSENT},
    )

    assert result.calls == (
        Call("UpdateDomain", {"DomainName": NAME, "Matching": {"Enabled": True}}),
    )


def test_update_leaves_a_setting_someone_changed_since_when_the_new_one_still_holds():
    old = {"Matching": {"Enabled": "true", "AutoMerging": {"Enabled": "true"}}}
    live = {**EMPTY, "Matching": {"Enabled": True, "AutoMerging": {"Enabled": False}}}

    result = planned("Update", {"Matching": {"Enabled": "true"}}, live=live, old=old)

    assert result.calls == ()


def test_an_update_forgets_the_found_of_what_it_drops_except_in_a_setting_it_leaves():
    schedule = {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}
    old = {
        "Matching": {"Enabled": "true", "JobSchedule": schedule},
        "DataStore": {"Enabled": "true"},
    }
    live = {**EMPTY, "Matching": {"AutoMerging": {"Enabled": True}, "JobSchedule": schedule}}

    result = planned(
        "Update",
        {"DefaultExpirationDays": "30"},
        live=live,
        old={**old, "Tags": {"a": "1"}},
        found={"Matching.JobSchedule": ABSENT},
    )

    assert result.left == ("Matching",), "putting back would leave Matching without Enabled"
    assert result.forget == ("DataStore.Enabled",), "Matching's members keep what was found"
    assert result.forget_tags == ("a",)

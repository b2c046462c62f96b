"""The rule-based matching lock as data: one predicate decides, from the event's direction,
whether an event leaves a locked RuleBasedMatching as it is or fails; the stack's status is read
at most once, and only when an Update or a replacement meets the lock (contract: "Rule-based
matching is locked while the service processes it"); then end to end, real-shaped events through
the real handler: a forward change fails before any change, a Delete or a rollback leaves the lock
and puts back everything else."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from domain_provider.planner import Direction, direction, yields_to_lock
from domain_provider.plans import Kind
from tests.support.aws import DOMAIN, state
from tests.support.claims import event as sample
from tests.support.claims import item
from tests.support.lifecycle import delete_of, settled
from tests.support.logs import parse_json_logs
from tests.support.stacks import create_stack, rolling_back
from tools.local.cloudformation import invoke, load_event, rollback_of


@pytest.mark.parametrize(
    ("kind", "rolling_back", "expected", "reads"),
    [
        ("create", True, "forward", 0),
        ("create", False, "forward", 0),
        ("replacement", True, "rollback", 1),
        ("replacement", False, "forward", 1),
        ("update", True, "rollback", 1),
        ("update", False, "forward", 1),
        ("full-update", True, "rollback", 1),
        ("delete", False, "delete", 0),
        ("delete", True, "delete", 0),
    ],
)
def test_the_direction_reads_the_stack_only_for_an_update_or_a_replacement(
    kind: Kind, rolling_back: bool, expected: Direction, reads: int
):
    asked: list[bool] = []

    def stack_rolling_back() -> bool:
        asked.append(rolling_back)
        return rolling_back

    assert direction(kind, stack_rolling_back) == expected
    assert len(asked) == reads


@pytest.mark.parametrize(
    ("way", "yields"), [("forward", False), ("rollback", True), ("delete", True)]
)
def test_only_a_forward_change_fails_over_the_lock(way: Direction, yields: bool):
    assert yields_to_lock(way) is yields


# Through the handler: every kind of event against IN_PROGRESS and a refusal after ACTIVE ------

RULES = {"Enabled": "true", "MaxAllowedRuleLevelForMatching": "3"}
"""A RuleBasedMatching that differs from create.json's (which allows level 2)."""
FORWARD = ("Create", "Update", "replacement")


def lock(profiles: Any, name: str, status: str) -> None:
    """The service locks the domain's rule-based matching: IN_PROGRESS, or refused after ACTIVE."""
    if status == "IN_PROGRESS":
        profiles.rule_based_matching_status(name, "IN_PROGRESS")
    else:
        profiles.rule_based_matching_status(name, "ACTIVE", locked_after_active=True)


def event_under_the_lock(kind: str, status: str, profiles: Any, cfn: Any, stack: str) -> Any:
    """Bring the domain to the moment before `kind`'s event, with the lock on; that event."""
    create, update = load_event("create.json"), load_event("update.json")
    for event in (create, update):
        event["StackId"] = stack
    update["ResourceProperties"]["RuleBasedMatching"] = RULES
    if kind == "Create":
        profiles.handle(
            "UpdateDomain", {"DomainName": DOMAIN, "RuleBasedMatching": {"Enabled": True}}
        )
        lock(profiles, DOMAIN, status)
        return create
    invoke(create, cfn)
    if kind == "replacement":
        replace = load_event("update-replace.json")
        replace["StackId"] = stack
        replace["ResourceProperties"]["RuleBasedMatching"] = RULES
        other = replace["ResourceProperties"]["DomainName"]
        profiles.handle(
            "UpdateDomain", {"DomainName": other, "RuleBasedMatching": {"Enabled": True}}
        )
        lock(profiles, other, status)
        return replace
    if kind == "rollback":
        invoke(update, cfn)
        lock(profiles, DOMAIN, status)
        rolling_back(stack)
        return rollback_of(update)
    lock(profiles, DOMAIN, status)
    if kind == "Delete":
        delete = load_event("delete.json")
        delete["StackId"] = stack
        delete["ResourceProperties"] = create["ResourceProperties"]
        delete["PhysicalResourceId"] = DOMAIN
        return delete
    return update


@pytest.fixture
def stack_reads(cloudformation_stack: str) -> Iterator[list[str]]:
    """The DescribeStacks calls the provider makes."""
    from domain_provider.clients import cloudformation_client

    cloudformation_client.cache_clear()
    reads: list[str] = []
    client = cloudformation_client()
    client.meta.events.register(
        "before-call.cloudformation.DescribeStacks", lambda **_: reads.append("DescribeStacks")
    )
    yield reads
    cloudformation_client.cache_clear()


@pytest.mark.parametrize("status", ["IN_PROGRESS", "refused after ACTIVE"])
@pytest.mark.parametrize(
    ("kind", "reads"),
    [("Create", 0), ("Update", 1), ("replacement", 1), ("rollback", 1), ("Delete", 0)],
)
def test_a_forward_change_fails_and_a_rollback_or_delete_leaves_the_lock(
    kind, reads, status, profiles, cfn, cloudformation_stack, stack_reads
):
    event = event_under_the_lock(kind, status, profiles, cfn, cloudformation_stack)
    name = event["ResourceProperties"]["DomainName"]
    before = state(profiles, name)["RuleBasedMatching"]
    profiles.calls.clear()

    body = invoke(event, cfn)

    sent = [params for op, params in profiles.calls if op == "UpdateDomain"]
    if kind in FORWARD:
        assert body["Status"] == "FAILED"
        assert body["Reason"].startswith("RuleBasedMatching: cannot change while the service")
    else:
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert sent, "everything else is still put back"
        assert "RuleBasedMatching" not in sent[-1], "the last UpdateDomain leaves it"
        assert state(profiles, name)["RuleBasedMatching"] == before
    assert len(stack_reads) == reads, "the stack is read at most once, only when needed"
    refused_then_retried = status != "IN_PROGRESS" and kind not in FORWARD
    assert len(sent) <= (2 if refused_then_retried else 1)


RULES_CHANGED = {"Enabled": "true", "MaxAllowedRuleLevelForMatching": "3"}
"""A RuleBasedMatching that differs from create.json's (which allows level 2)."""


# The rule-based matching lock ---------------------------------------------------------------------


def test_a_forward_change_while_rule_based_matching_is_in_progress_fails_before_any_change(
    profiles, cfn, cloudformation_stack
):
    create, event = load_event("create.json"), load_event("update.json")
    for each in (create, event):
        each["StackId"] = cloudformation_stack
    invoke(create, cfn)
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    event["ResourceProperties"]["RuleBasedMatching"] = RULES_CHANGED
    profiles.calls.clear()

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "RuleBasedMatching: cannot change while the service processes it (status IN_PROGRESS)"
    )
    assert "retry" in body["Reason"]
    assert profiles.operations() == ["GetDomain"]


def test_a_refusal_by_the_service_reads_the_same(profiles, cfn, cloudformation_stack):
    create, event = load_event("create.json"), load_event("update.json")
    for each in (create, event):
        each["StackId"] = cloudformation_stack
    invoke(create, cfn)
    profiles.rule_based_matching_status(DOMAIN, "ACTIVE", locked_after_active=True)
    event["ResourceProperties"]["RuleBasedMatching"] = RULES_CHANGED

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("RuleBasedMatching: cannot change while the service processes")


def test_a_delete_under_the_lock_puts_back_everything_else_and_succeeds(profiles, cfn, json_logs):
    create = load_event("create.json")
    invoke(create, cfn)
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")

    body = invoke(delete_of(create), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    now = settled(profiles)
    assert now["RuleBasedMatching"]["Enabled"] is True, "left as it is"
    assert now["DataStore"] == {"Enabled": False}
    left = [line for line in parse_json_logs(json_logs) if line.get("left")]
    assert left[0]["left"] == ["RuleBasedMatching"]
    assert left[0]["level"] == "WARNING"


def test_a_delete_refused_for_the_lock_retries_once_without_it(profiles, cfn):
    create = load_event("create.json")
    invoke(create, cfn)
    profiles.rule_based_matching_status(DOMAIN, "ACTIVE", locked_after_active=True)
    profiles.calls.clear()

    body = invoke(delete_of(create), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain", "UpdateDomain", "UpdateDomain", "UntagResource"]
    assert "RuleBasedMatching" not in profiles.calls[2][1]


def test_a_rollback_under_the_lock_leaves_it_and_succeeds(profiles, cfn, cloudformation_stack):
    update = load_event("update.json")
    for event in (load_event("create.json"), update):
        event["StackId"] = cloudformation_stack
        invoke(event, cfn)
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    rolling_back(cloudformation_stack)

    body = invoke(rollback_of(update), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    now = settled(profiles)
    assert now["RuleBasedMatching"]["Enabled"] is False, "left as the forward update set it"
    assert "DefaultEncryptionKey" in now, "everything else rolled back"


def test_a_forward_update_reads_the_stack_only_when_the_lock_is_met(
    profiles, cfn, cloudformation_stack
):
    update = load_event("update.json")
    create = load_event("create.json")
    for event in (create, update):
        event["StackId"] = cloudformation_stack
    invoke(create, cfn)
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    update["ResourceProperties"]["RuleBasedMatching"] = RULES_CHANGED

    body = invoke(update, cfn)

    assert body["Status"] == "FAILED", "the stack is not rolling back"
    assert "RuleBasedMatching" in body["Reason"]


def test_a_rollback_that_leaves_a_locked_setting_keeps_what_was_found_for_it(profiles, cfn, ledger):
    stack = create_stack()
    create = sample("create.json", {"DefaultExpirationDays": "30"}, StackId=stack)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    update = sample(
        "update.json",
        {"DefaultExpirationDays": "30", "RuleBasedMatching": {"Enabled": "true"}},
        StackId=stack,
    )
    update["OldResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    assert invoke(update, cfn)["Status"] == "SUCCESS"
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    rolling_back(stack)

    body = invoke(rollback_of(update), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles)["RuleBasedMatching"]["Enabled"] is True, "left under the lock"
    assert "Found:RuleBasedMatching.Enabled" in (item(ledger) or {}), "still what was found"


def test_a_rejected_tag_is_not_read_as_the_lock(profiles, cfn, ledger):
    stack = create_stack()
    create = sample("create.json", {"RuleBasedMatching": {"Enabled": "true"}}, StackId=stack)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    profiles.rule_based_matching_status(DOMAIN, "ACTIVE")
    update = sample(
        "update.json",
        {
            "RuleBasedMatching": {"Enabled": "true", "MaxAllowedRuleLevelForMatching": "3"},
            "Tags": {"team": "crm"},
        },
        StackId=stack,
    )
    update["OldResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    profiles.fail("TagResource", "BadRequestException")
    profiles.calls.clear()

    body = invoke(update, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("TagResource on domain 'crm-profiles' was rejected")
    assert profiles.operations().count("UpdateDomain") == 1, "not re-applied as if locked"

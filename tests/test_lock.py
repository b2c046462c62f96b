"""The rule-based matching lock as data: one predicate decides, from the event's direction,
whether an event leaves a locked RuleBasedMatching as it is or fails; the stack's status is read
at most once, and only when an Update or a replacement meets the lock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from domain_provider.planner import Direction, Kind, direction, yields_to_lock
from tests.support.aws import DOMAIN, state
from tests.support.stacks import rolling_back
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
    from domain_provider.aws import cloudformation_client

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

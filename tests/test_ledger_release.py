"""The ledger command's `release` (contract: "The ledger"): one conditional delete on the named
owner, judging that owner as the provider judges a claim it meets (a CloudFormation double
answers DescribeStackResource); each exit status."""

from __future__ import annotations

from typing import Any

import pytest

from domain_provider.ledger_command import main
from tests.support.ledger_command import (
    DOMAIN,
    INVALID,
    OLD_STACK,
    OWNER,
    PROPERTIES,
    STALE,
    domains,
    run,
)
from tests.support.stacks import holding, stack_resources
from tools.local.ledger import LEDGER_TABLE, LOGICAL_ID, STACK_ID, ledger_item, put_ledger_item

# release ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda stack, logical: "ValidationError", id="stack-gone"),
        pytest.param(holding("DELETE_COMPLETE"), id="deleted"),
        pytest.param(holding("DELETE_SKIPPED"), id="deleted-retaining-it"),
        pytest.param(holding("UPDATE_COMPLETE", "another-domain"), id="another-physical-id"),
    ],
)
def test_a_stale_owner_is_released_after_one_describe_stack_resource(seeded, capsys, answer):
    with stack_resources(answer) as asked:
        status, released = run(capsys, "release", DOMAIN, "--owner", OWNER)

    assert status == 0
    assert (released["released"], released["owner_state"], released["forced"]) == (
        True,
        "stale",
        False,
    )
    assert asked == [(STACK_ID, LOGICAL_ID)]
    assert domains(seeded) == [INVALID, STALE]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(holding(), id="holds-the-domain"),
        pytest.param(holding("UPDATE_IN_PROGRESS", "another-domain"), id="in-progress"),
        pytest.param(lambda stack, logical: "Throttling", id="unreadable"),
    ],
)
def test_a_live_owner_is_refused_without_force(seeded, capsys, answer):
    with stack_resources(answer):
        status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)

    assert status == 1
    assert (
        f"the owner of {DOMAIN!r}, {LOGICAL_ID} in stack {STACK_ID}, is live"
        in (refused["refused"])
    )
    assert "--force" in refused["refused"]
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_force_releases_a_live_owner(seeded, live_owner, capsys):
    status, released = run(capsys, "release", DOMAIN, "--owner", OWNER, "--force")

    assert status == 0
    assert (released["owner_state"], released["forced"]) == ("live", True)
    assert live_owner == [(STACK_ID, LOGICAL_ID)]
    assert domains(seeded) == [INVALID, STALE]


def test_release_as_text_names_the_owner_and_why(seeded, capsys):
    with stack_resources(holding("DELETE_SKIPPED")):
        assert main(["release", DOMAIN, "--owner", OWNER]) == 0

    assert capsys.readouterr().out == (
        f"Released {DOMAIN!r} from {LOGICAL_ID} in stack {STACK_ID} "
        "(owner stale: its resource is DELETE_SKIPPED)\n"
    )


def test_another_owner_than_the_one_named_is_refused_before_any_write(seeded, calls, capsys):
    with stack_resources(holding("DELETE_COMPLETE")) as asked:
        status, refused = run(capsys, "release", DOMAIN, "--owner", f"{OLD_STACK}/Old", "--force")

    assert status == 1
    assert refused["refused"].startswith(f"{DOMAIN!r} is held by {LOGICAL_ID} in stack {STACK_ID}")
    assert (calls, asked) == (["GetItem"], [])
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_release_without_owner_says_which_owner_to_name(seeded, capsys):
    status, refused = run(capsys, "release", DOMAIN)

    assert status == 1
    assert refused["refused"].endswith(f"--owner {OWNER}")
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_the_release_is_conditional_on_the_owner_at_the_time_of_the_delete(seeded, capsys):
    """The item changes hands between the command's read and its delete: nothing is deleted."""

    def hand_over(**_: Any) -> None:
        put_ledger_item(seeded, ledger_item(DOMAIN, PROPERTIES, stack_id=OLD_STACK, logical_id="B"))

    seeded.meta.events.register("before-call.dynamodb.DeleteItem", hand_over)
    with stack_resources(holding("DELETE_COMPLETE")):
        status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)
    seeded.meta.events.unregister("before-call.dynamodb.DeleteItem", hand_over)

    assert status == 1
    assert refused["refused"] == f"the item of {DOMAIN!r} changed while being released; look again"
    item = seeded.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})["Item"]
    assert item["Owner"]["M"]["LogicalResourceId"] == {"S": "B"}


def test_an_owner_of_another_account_is_stale_without_a_call(ledger, capsys):
    elsewhere = STACK_ID.replace("123456789012", "210987654321")
    put_ledger_item(ledger, ledger_item(DOMAIN, PROPERTIES, stack_id=elsewhere))

    with stack_resources(holding()) as asked:
        status, released = run(capsys, "release", DOMAIN, "--owner", f"{elsewhere}/{LOGICAL_ID}")

    assert (status, released["owner_state"], asked) == (0, "stale", [])
    assert domains(ledger) == []


@pytest.mark.parametrize(
    "owner",
    [
        pytest.param({"S": OWNER}, id="a-string"),
        pytest.param({"M": {"StackId": {"S": STACK_ID}}}, id="no-logical-id"),
        pytest.param(None, id="missing"),
    ],
)
def test_an_item_with_a_malformed_owner_is_released_only_with_force(ledger, capsys, owner):
    item = ledger_item(DOMAIN, PROPERTIES)
    if owner is None:
        del item["Owner"]
    else:
        item["Owner"] = owner
    put_ledger_item(ledger, item)

    status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)
    assert status == 1
    assert "malformed Owner" in refused["refused"]
    assert domains(ledger) == [DOMAIN]

    with stack_resources(holding()) as asked:
        status, released = run(capsys, "release", DOMAIN, "--force")
    assert (status, released["owner_state"], asked) == (0, "malformed", [])
    assert domains(ledger) == []


def test_a_malformed_owner_that_changes_meanwhile_is_not_released(ledger, capsys):
    item = ledger_item(DOMAIN, PROPERTIES)
    item["Owner"] = {"S": "hand-written"}
    put_ledger_item(ledger, item)

    def repaired(**_: Any) -> None:
        put_ledger_item(ledger, ledger_item(DOMAIN, PROPERTIES))

    ledger.meta.events.register("before-call.dynamodb.DeleteItem", repaired)
    status, _ = run(capsys, "release", DOMAIN, "--force")
    ledger.meta.events.unregister("before-call.dynamodb.DeleteItem", repaired)

    assert status == 1
    assert domains(ledger) == [DOMAIN]

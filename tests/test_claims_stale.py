"""The ledger and claims: a stale claim is taken over and a live one never; an item is
validated when read (contract: "The ledger"). Real-shaped events through the real handler; the
ledger in moto's DynamoDB. A claim's owner is read with DescribeStackResource: moto's
CloudFormation answers where it can (a deleted stack's resource is DELETE_COMPLETE; a logical id
or a stack that does not exist), a double (tests/support/stacks.py) where it cannot (a resource
in progress, DELETE_SKIPPED, a live custom resource holding the domain, a read that fails)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from domain_provider.errors import REASON_LIMIT
from tests.support.aws import DOMAIN, state
from tests.support.claims import event, item
from tests.support.stacks import holding, stack_resources
from tools.local.cloudformation import invoke, load_event
from tools.local.ledger import LEDGER_TABLE, STACK_ID, ledger_item, put_ledger_item

pytestmark = pytest.mark.usefixtures("quick_retries")  # the attempts matter, not the waits


KEY = "arn:aws:kms:us-east-1:123456789012:key/"
OTHER_STACK = STACK_ID.replace("crm-profiles/", "new-home/")


def owner_of(ledger: Any) -> tuple[str, str]:
    held = item(ledger)
    assert held is not None
    owner = held["Owner"]["M"]
    return owner["StackId"]["S"], owner["LogicalResourceId"]["S"]


# Stale claims are taken over; live ones are not ------------------------------------------------


def settings_of(key: str) -> dict[str, Any]:
    return {"DefaultEncryptionKey": KEY + key}


@pytest.mark.parametrize(
    ("answer", "stale"),
    [
        pytest.param(holding("UPDATE_COMPLETE", DOMAIN), False, id="live-holding-the-domain"),
        pytest.param(holding("UPDATE_IN_PROGRESS", DOMAIN), False, id="replacement-in-flight"),
        pytest.param(holding("CREATE_IN_PROGRESS", ""), False, id="create-in-flight"),
        pytest.param(holding("DELETE_FAILED", DOMAIN), False, id="delete-failed-still-holds"),
        pytest.param(lambda *_: "Throttling", False, id="unreadable"),
        pytest.param(holding("DELETE_SKIPPED", DOMAIN), True, id="retained-on-delete"),
        pytest.param(holding("DELETE_COMPLETE", DOMAIN), True, id="deleted"),
        pytest.param(holding("UPDATE_COMPLETE", "another-domain"), True, id="moved-on"),
        pytest.param(lambda *_: "ValidationError", True, id="no-such-stack-or-resource"),
    ],
)
def test_a_create_takes_over_a_stale_claim_and_never_a_live_one(
    profiles, cfn, ledger, answer, stale
):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, **settings_of("before-any-stack")})
    first = event("create.json", settings_of("first-owner"))
    assert invoke(first, cfn)["Status"] == "SUCCESS"
    second = event(
        "create.json", settings_of("second-owner"), StackId=OTHER_STACK, LogicalResourceId="Moved"
    )
    profiles.calls.clear()

    with stack_resources(answer) as asked:
        body = invoke(second, cfn)

    assert asked == [(STACK_ID, "DomainSettings")], "one read of the owner, by its StackId"
    if stale:
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert owner_of(ledger) == (OTHER_STACK, "Moved")
        delete = event(
            "delete.json",
            settings_of("second-owner"),
            StackId=OTHER_STACK,
            LogicalResourceId="Moved",
        )
        assert invoke(delete, cfn)["Status"] == "SUCCESS"
        assert state(profiles)["DefaultEncryptionKey"] == KEY + "before-any-stack", (
            "the first owner's Found is kept: what the domain held before any of them"
        )
    else:
        assert body["Status"] == "FAILED"
        assert body["Reason"].startswith("DomainName: 'crm-profiles' is managed by another")
        assert profiles.calls == []
        assert owner_of(ledger) == (STACK_ID, "DomainSettings")


def test_an_owner_of_another_region_is_stale_without_a_call(profiles, cfn, ledger):
    elsewhere = STACK_ID.replace("us-east-1", "eu-west-1")
    put_ledger_item(ledger, ledger_item(DOMAIN, {"DomainName": DOMAIN}, stack_id=elsewhere))

    with stack_resources(holding()) as asked:
        body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert asked == []


def test_moto_shows_a_deleted_stacks_resource_as_deleted_so_its_claim_is_taken_over(
    profiles, cfn, ledger
):
    import boto3

    client = boto3.client("cloudformation")
    template = {"Resources": {"DomainSettings": {"Type": "AWS::SQS::Queue"}}}
    gone = client.create_stack(StackName="gone", TemplateBody=json.dumps(template))["StackId"]
    client.delete_stack(StackName=gone)
    put_ledger_item(ledger, ledger_item(DOMAIN, {"DomainName": DOMAIN}, stack_id=gone))

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert owner_of(ledger)[0] == load_event("create.json")["StackId"]


def test_a_refactored_resources_delete_takes_over_and_puts_the_domain_back(profiles, cfn, ledger):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, **settings_of("before")})
    invoke(event("create.json", settings_of("mine")), cfn)
    moved = {"StackId": OTHER_STACK, "LogicalResourceId": "Moved"}

    with stack_resources(lambda *_: "ValidationError"):  # gone from its old stack
        body = invoke(event("delete.json", settings_of("mine"), **moved), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles)["DefaultEncryptionKey"] == KEY + "before"
    assert item(ledger) is None


def test_a_delete_leaves_a_domain_a_live_resource_owns(profiles, cfn, ledger, live_owner):
    invoke(event("create.json", settings_of("mine")), cfn)
    profiles.calls.clear()

    body = invoke(event("delete.json", settings_of("mine"), StackId=OTHER_STACK), cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.calls == []
    assert owner_of(ledger) == (STACK_ID, "DomainSettings")


def test_an_update_takes_over_a_stale_claim(profiles, cfn, ledger):
    invoke(event("create.json", settings_of("mine")), cfn)
    update = event("update.json", settings_of("mine"), StackId=OTHER_STACK)
    update["ResourceProperties"]["DefaultExpirationDays"] = "30"

    with stack_resources(lambda *_: "ValidationError"):
        body = invoke(update, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert owner_of(ledger)[0] == OTHER_STACK


def test_the_claim_refused_reason_says_how_to_hand_over_first_and_fits(
    profiles, cfn, ledger, live_owner
):
    long_stack = STACK_ID.replace("crm-profiles/", "customer-data-platform-prod-crm-settings/")
    put_ledger_item(
        ledger,
        ledger_item(
            DOMAIN,
            {"DomainName": DOMAIN},
            stack_id=long_stack,
            logical_id="CustomerProfilesDomainSettings",
        ),
    )

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert len(body["Reason"]) <= REASON_LIMIT
    assert body["Reason"].startswith(
        "DomainName: 'crm-profiles' is managed by another resource; to hand it over, remove it "
        "there (or set OnDelete: Retain there first) and retry. Owner: "
        "CustomerProfilesDomainSettings in stack customer-data-platform-prod-crm-settings"
    )


# Items are validated when read -----------------------------------------------------------------


def corrupt(ledger: Any) -> None:
    held = item(ledger)
    assert held is not None
    held["Found:DefaultEncryptionKey"] = {"S": "{not json"}
    ledger.put_item(TableName=LEDGER_TABLE, Item=held)


def test_an_item_that_does_not_validate_is_never_applied_and_says_how_to_go_on(
    profiles, cfn, ledger
):
    invoke(event("create.json", settings_of("mine")), cfn)
    corrupt(ledger)
    before = copy.deepcopy(state(profiles))
    profiles.calls.clear()

    body = invoke(event("delete.json", settings_of("mine")), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "Release or repair the ledger item of 'crm-profiles' (python -m domain_provider.ledger, "
        "as the break-glass role), or delete the stack retaining this resource: "
    )
    assert "Found:DefaultEncryptionKey is not JSON" in body["Reason"]
    assert profiles.operations() == []
    assert state(profiles)["DefaultEncryptionKey"] == before["DefaultEncryptionKey"]


def test_a_retain_delete_needs_only_a_valid_owner(profiles, cfn, ledger):
    invoke(event("create.json", settings_of("mine")), cfn)
    corrupt(ledger)
    retain = event("delete.json", {**settings_of("mine"), "OnDelete": "Retain"})

    assert invoke(retain, cfn)["Status"] == "SUCCESS"
    assert item(ledger) is None


FIRST_KEY = "arn:aws:kms:us-east-1:123456789012:key/first"


def test_a_create_that_took_a_stale_claim_and_failed_gives_it_back_with_its_found(
    profiles, cfn, ledger
):
    put_ledger_item(
        ledger,
        ledger_item(DOMAIN, {"DomainName": DOMAIN}, found={"DefaultEncryptionKey": FIRST_KEY}),
    )
    profiles.fail("GetDomain", "AccessDeniedException")
    other = STACK_ID.replace("crm-profiles/", "new-home/")

    with stack_resources(lambda *_: "ValidationError"):  # the first owner is gone
        body = invoke(event("create.json", {}, StackId=other, LogicalResourceId="New"), cfn)

    assert body["Status"] == "FAILED"
    held = item(ledger)
    assert held is not None
    assert held["Owner"]["M"]["StackId"]["S"] == STACK_ID, "handed back to the earlier owner"
    assert held["Found:DefaultEncryptionKey"] == {"S": f'"{FIRST_KEY}"'}, "its Found kept"

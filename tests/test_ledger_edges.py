"""Edges of the ledger's promise found in review: a Create that took a stale claim over and then
fails gives it back with its Found; a rollback that leaves a locked setting keeps its Found; an
item of a newer format is never rewritten or applied; a forward change inside an object the
domain lacks sends the object's Enabled with it. Through the real handler."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.aws import DOMAIN, state
from tests.support.stacks import create_stack, rolling_back, stack_resources
from tools.local.cloudformation import invoke, load_event, rollback_of
from tools.local.ledger import LEDGER_TABLE, STACK_ID, ledger_item, put_ledger_item

KEY = "arn:aws:kms:us-east-1:123456789012:key/"


def raw_item(ledger: Any) -> dict[str, Any]:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    item: dict[str, Any] = answer["Item"]
    return item


def event(name: str, properties: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    sample = load_event(name)
    sample["ResourceProperties"] = {"DomainName": DOMAIN, **copy.deepcopy(properties)}
    if name == "update.json":
        sample["OldResourceProperties"] = {"DomainName": DOMAIN}
    if name != "create.json":
        sample["PhysicalResourceId"] = DOMAIN
    sample.update(envelope)
    return sample


def test_a_create_that_took_a_stale_claim_and_failed_gives_it_back_with_its_found(
    profiles, cfn, ledger
):
    put_ledger_item(
        ledger,
        ledger_item(DOMAIN, {"DomainName": DOMAIN}, found={"DefaultEncryptionKey": KEY + "first"}),
    )
    profiles.fail("GetDomain", "AccessDeniedException")
    other = STACK_ID.replace("crm-profiles/", "new-home/")

    with stack_resources(lambda *_: "ValidationError"):  # the first owner is gone
        body = invoke(event("create.json", {}, StackId=other, LogicalResourceId="New"), cfn)

    assert body["Status"] == "FAILED"
    held = raw_item(ledger)
    assert held["Owner"]["M"]["StackId"]["S"] == STACK_ID, "handed back to the earlier owner"
    assert held["Found:DefaultEncryptionKey"] == {"S": f'"{KEY}first"'}, "its Found kept"


def test_a_rollback_that_leaves_a_locked_setting_keeps_what_was_found_for_it(profiles, cfn, ledger):
    stack = create_stack()
    create = event("create.json", {"DefaultExpirationDays": "30"}, StackId=stack)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    update = event(
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
    assert "Found:RuleBasedMatching.Enabled" in raw_item(ledger), "still what was found"


def test_an_item_of_a_newer_format_is_never_rewritten_or_applied(profiles, cfn, ledger):
    assert invoke(event("create.json", {"DefaultExpirationDays": "30"}), cfn)["Status"] == (
        "SUCCESS"
    )
    newer = raw_item(ledger)
    newer["Format"] = {"N": "4"}
    ledger.put_item(TableName=LEDGER_TABLE, Item=newer)
    profiles.calls.clear()

    update = event("update.json", {"DefaultExpirationDays": "60"})
    update["OldResourceProperties"] = {"DomainName": DOMAIN, "DefaultExpirationDays": "30"}
    body = invoke(update, cfn)

    assert body["Status"] == "FAILED"
    assert "Format 4 is newer than this provider's (3)" in body["Reason"]
    assert raw_item(ledger)["Format"] == {"N": "4"}
    assert [op for op in profiles.operations() if op != "GetDomain"] == []


def test_a_change_inside_an_object_the_domain_lacks_sends_its_enabled(profiles, cfn, ledger):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "Matching": {"Enabled": True}})
    properties = {
        "Matching": {
            "Enabled": "true",
            "AutoMerging": {
                "Enabled": "false",
                "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
            },
        }
    }

    body = invoke(event("create.json", properties), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles)["Matching"] == {
        "Enabled": True,
        "AutoMerging": {
            "Enabled": False,
            "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
        },
    }


def test_a_rollback_never_fails_over_a_domain_deleted_out_of_band(profiles, cfn, ledger):
    stack = create_stack()
    create = event("create.json", {"DefaultExpirationDays": "30"}, StackId=stack)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    update = event("update.json", {"DefaultExpirationDays": "60"}, StackId=stack)
    update["OldResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    del profiles.domains[DOMAIN]  # someone deleted the domain: the forward update fails
    assert invoke(update, cfn)["Status"] == "FAILED"
    rolling_back(stack)

    body = invoke(rollback_of(update), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["DomainName"] == DOMAIN
    assert body["Data"]["RuleBasedMatchingStatus"] == ""


def test_a_rejected_tag_is_not_read_as_the_lock(profiles, cfn, ledger):
    stack = create_stack()
    create = event("create.json", {"RuleBasedMatching": {"Enabled": "true"}}, StackId=stack)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    profiles.rule_based_matching_status(DOMAIN, "ACTIVE")
    update = event(
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

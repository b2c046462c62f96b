"""Update (contract: "Update"): apply what differs, clear what was removed, diff the tags, a
new DomainName is a replacement, and a rollback puts back what the update changed. Real-shaped
events → the real handler → crhelper's PUT → the Customer Profiles double and moto's DynamoDB
(the ledger)."""

from __future__ import annotations

import copy

from tests.support.aws import ARN, DOMAIN, state
from tests.support.claims import event
from tests.support.lifecycle import item, settled
from tests.support.stacks import create_stack, rolling_back
from tools.local.cloudformation import invoke, load_event, rollback_of
from tools.local.ledger import LEDGER_TABLE


def test_a_rollback_after_a_refused_forward_update_changes_nothing(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "BadRequestException")
    assert invoke(load_event("update.json"), cfn)["Status"] == "FAILED"
    profiles.calls.clear()

    body = invoke(rollback_of(load_event("update.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain"]


def test_an_update_with_no_item_claims_the_domain_as_that_update_found_it(profiles, cfn, ledger):
    invoke(load_event("create.json"), cfn)
    ledger.delete_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    before_update = settled(profiles)

    assert invoke(load_event("update.json"), cfn)["Status"] == "SUCCESS"

    claimed = item(ledger)
    assert claimed is not None
    assert claimed.owner_logical_resource_id == "DomainSettings"
    assert "DefaultExpirationDays" not in claimed.found, "managed before: what was found is lost"
    assert claimed.found_tags == {"env": before_update.get("Tags", {}).get("env")}, "taken up"


def test_update_applies_changes_clears_removed_settings_and_diffs_tags(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.calls.clear()

    body = invoke(load_event("update.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN
    assert profiles.operations() == ["GetDomain", "UpdateDomain", "TagResource", "UntagResource"]
    sent = profiles.calls[1][1]
    assert sent["DefaultEncryptionKey"] == ""
    assert sent["RuleBasedMatching"] == {"Enabled": False}
    assert "DeadLetterQueueUrl" not in sent, "unchanged settings are not sent again"
    assert "DataStore" not in sent
    domain = state(profiles)
    assert "DefaultEncryptionKey" not in domain
    assert domain["RuleBasedMatching"]["Enabled"] is False
    assert domain["DefaultExpirationDays"] == 730
    assert domain["Matching"]["JobSchedule"]["Time"] == "03:30"
    assert domain["Tags"] == {"team": "customer-data", "env": "prod"}


def test_update_leaves_alone_tags_it_never_set(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.handle("TagResource", {"resourceArn": ARN, "tags": {"owner": "someone-else"}})

    invoke(load_event("update.json"), cfn)

    assert state(profiles)["Tags"]["owner"] == "someone-else"


def test_update_with_only_tag_changes_makes_no_update_domain(profiles, cfn):
    event = load_event("update.json")
    event["OldResourceProperties"] = {**event["ResourceProperties"], "Tags": {"team": "old"}}
    create = load_event("create.json")
    create["ResourceProperties"] = event["OldResourceProperties"]
    invoke(create, cfn)
    profiles.calls.clear()

    body = invoke(event, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain", "TagResource"]
    assert body["Data"]["DomainName"] == DOMAIN


def test_update_that_changes_the_domain_name_is_a_replacement(profiles, cfn):
    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == "crm-profiles-eu"
    assert profiles.operations() == ["GetDomain", "UpdateDomain"]
    assert profiles.calls[1][1]["DomainName"] == "crm-profiles-eu"
    assert state(profiles, "crm-profiles-eu")["Tags"] == {"team": "customer-data", "env": "prod"}


def test_rollback_of_an_update_restores_the_old_settings_and_tags(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    created = state(profiles)
    invoke(load_event("update.json"), cfn)
    body = invoke(rollback_of(load_event("update.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles) == {**created, "LastUpdatedAt": state(profiles)["LastUpdatedAt"]}


def test_rollback_of_a_failed_replacement_touches_nothing_this_resource_never_set(profiles, cfn):
    arn = f"arn:aws:profile:us-east-1:123456789012:domains/{DOMAIN}"
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "Matching": {"Enabled": True}})
    profiles.handle("TagResource", {"resourceArn": arn, "tags": {"owner": "someone-else"}})
    create = load_event("create.json")
    create["ResourceProperties"] = {"DomainName": DOMAIN, "DefaultExpirationDays": "366"}
    invoke(create, cfn)
    replace = load_event("update-replace.json")
    replace["ResourceProperties"]["DomainName"] = "crm-profiles-typo"
    replace["ResourceProperties"]["Tags"] = [{"Key": "owner", "Value": "platform"}]
    replace["OldResourceProperties"] = create["ResourceProperties"]
    assert invoke(replace, cfn)["PhysicalResourceId"] == DOMAIN, "failed: the old id stays"
    profiles.calls.clear()

    body = invoke(rollback_of(replace), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN
    assert profiles.operations() == ["GetDomain"], "the domain already holds what it names"
    domain = state(profiles)
    assert domain["Matching"] == {"Enabled": True}
    assert domain["Tags"] == {"owner": "someone-else"}


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

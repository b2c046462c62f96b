"""The lifecycle v2: look before changing, put back what was found, one owner per domain, and the
rule-based matching lock. Real-shaped events → the real handler → the Customer Profiles double and
moto's DynamoDB (the ledger) and CloudFormation (the stack's status)."""

from __future__ import annotations

import copy
import time
from typing import Any

from domain_provider.ledger import LedgerItem
from domain_provider.members import ABSENT, members
from domain_provider.models import parse_properties
from tests.support.aws import ARN, DOMAIN, state
from tests.support.logs import parse_json_logs
from tests.support.stacks import rolling_back
from tools.local.cloudformation import invoke, load_event, rollback_of
from tools.local.ledger import LEDGER_TABLE

RULES_CHANGED = {"Enabled": "true", "MaxAllowedRuleLevelForMatching": "3"}
"""A RuleBasedMatching that differs from create.json's (which allows level 2)."""
THEIR_KEY = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-someone-else"
OTHER_STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/copy/11111111-2222-3333-4444-555555555555"
)


def item(ledger: Any, name: str = DOMAIN) -> LedgerItem | None:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": name}})
    return LedgerItem.from_item(answer["Item"]) if "Item" in answer else None


def preconfigure(profiles: Any) -> dict[str, Any]:
    """The domain as another team left it: its own key, identity resolution on, a `team` tag."""
    profiles.handle(
        "UpdateDomain",
        {"DomainName": DOMAIN, "DefaultEncryptionKey": THEIR_KEY, "Matching": {"Enabled": True}},
    )
    profiles.handle("TagResource", {"resourceArn": ARN, "tags": {"team": "someone-else"}})
    profiles.calls.clear()
    return settled(profiles)


def settled(profiles: Any, name: str = DOMAIN) -> dict[str, Any]:
    domain = {**state(profiles, name), "LastUpdatedAt": None}
    profiles.calls.pop()
    return domain


def delete_of(create: dict[str, Any], on_delete: str | None = None) -> dict[str, Any]:
    event = load_event("delete.json")
    event["ResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    event["PhysicalResourceId"] = create["ResourceProperties"]["DomainName"]
    if on_delete:
        event["ResourceProperties"]["OnDelete"] = on_delete
    return event


def from_other_stack(event: dict[str, Any]) -> dict[str, Any]:
    other = copy.deepcopy(event)
    other["StackId"] = OTHER_STACK
    other["LogicalResourceId"] = "CopiedSettings"
    return other


# Read before write --------------------------------------------------------------------------------


def test_a_create_on_a_domain_that_already_matches_makes_no_update_domain(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(delete_of(load_event("create.json"), "Retain"), cfn)
    profiles.calls.clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain"]
    assert body["Data"]["DefaultExpirationDays"] == "366"


def test_a_create_sends_only_the_settings_and_tags_that_differ(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(delete_of(load_event("create.json"), "Retain"), cfn)
    event = load_event("create.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "400"
    event["ResourceProperties"]["Tags"].append({"Key": "env", "Value": "prod"})
    profiles.calls.clear()

    invoke(event, cfn)

    assert profiles.calls[1] == (
        "UpdateDomain",
        {"DomainName": DOMAIN, "DefaultExpirationDays": 400, "Tags": {"env": "prod"}},
    )


def test_a_rollback_after_a_refused_forward_update_changes_nothing(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "BadRequestException")
    assert invoke(load_event("update.json"), cfn)["Status"] == "FAILED"
    profiles.calls.clear()

    body = invoke(rollback_of(load_event("update.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain"]


# Restore, Reset, Retain ---------------------------------------------------------------------------


def test_delete_puts_a_preconfigured_domain_back_as_it_was_found(profiles, cfn, ledger):
    found = preconfigure(profiles)
    create = load_event("create.json")

    assert invoke(create, cfn)["Status"] == "SUCCESS"
    assert item(ledger) is not None
    assert invoke(load_event("update.json"), cfn)["Status"] == "SUCCESS"
    body = invoke(delete_of(load_event("update.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    now = settled(profiles)
    assert now["DefaultEncryptionKey"] == THEIR_KEY
    assert now["Matching"] == {"Enabled": True}
    assert now["Tags"] == {"team": "someone-else"}
    assert now["DefaultExpirationDays"] == found["DefaultExpirationDays"]
    assert now["DataStore"] == {"Enabled": False}, "found none: disabled"
    assert "DeadLetterQueueUrl" not in now, "found none: cleared"
    assert item(ledger) is None, "the claim is released"


def test_delete_with_reset_clears_what_it_set_even_what_it_found(profiles, cfn):
    preconfigure(profiles)
    create = load_event("create.json")
    invoke(create, cfn)

    invoke(delete_of(create, "Reset"), cfn)

    now = settled(profiles)
    assert "DefaultEncryptionKey" not in now
    assert now["Matching"] == {"Enabled": False}
    assert "Tags" not in now


def test_delete_with_retain_changes_nothing_and_releases_the_claim(profiles, cfn, ledger):
    create = load_event("create.json")
    invoke(create, cfn)
    configured = settled(profiles)
    profiles.calls.clear()

    body = invoke(delete_of(create, "Retain"), cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.calls == []
    assert settled(profiles) == configured
    assert item(ledger) is None


def test_delete_leaves_alone_what_someone_changed_since(profiles, cfn):
    create = load_event("create.json")
    invoke(create, cfn)
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "DefaultEncryptionKey": THEIR_KEY})
    profiles.handle("TagResource", {"resourceArn": ARN, "tags": {"team": "platform"}})

    invoke(delete_of(create), cfn)

    now = settled(profiles)
    assert now["DefaultEncryptionKey"] == THEIR_KEY
    assert now["Tags"] == {"team": "platform"}


def test_a_delete_that_finds_no_item_changes_nothing_so_a_redelivery_leaves_the_same_domain(
    profiles, cfn, json_logs
):
    create = load_event("create.json")
    invoke(create, cfn)
    delete = delete_of(create)
    invoke(delete, cfn)
    after_first = settled(profiles)
    profiles.calls.clear()

    body = invoke(delete, cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.calls == []
    assert settled(profiles) == after_first
    warnings = [line for line in parse_json_logs(json_logs) if line["level"] == "WARNING"]
    assert any("No ledger item" in line["message"] for line in warnings)


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


def test_the_ledger_records_found_once_and_the_last_properties(profiles, cfn, ledger):
    found = preconfigure(profiles)
    invoke(load_event("create.json"), cfn)
    invoke(load_event("update.json"), cfn)

    recorded = item(ledger)

    assert recorded is not None
    absent = dict.fromkeys(
        members(parse_properties(load_event("update.json")["ResourceProperties"])), ABSENT
    )
    assert dict(recorded.found) == {
        **absent,
        "DefaultExpirationDays": found["DefaultExpirationDays"],
        "Matching.Enabled": True,
    }, "what the create found; the members the update dropped are forgotten"
    assert recorded.found_tags == {"team": "someone-else", "env": None}
    assert recorded.properties is not None
    assert recorded.properties.DefaultExpirationDays == 730, "the update's properties"


# Claims -------------------------------------------------------------------------------------------


def test_a_second_resource_cannot_configure_a_claimed_domain(profiles, cfn, ledger):
    invoke(load_event("create.json"), cfn)
    configured = settled(profiles)
    profiles.calls.clear()
    copied = from_other_stack(load_event("create.json"))
    copied["ResourceProperties"]["DefaultExpirationDays"] = "10"

    body = invoke(copied, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "DomainName: 'crm-profiles' is managed by DomainSettings in stack "
    )
    assert "stack/crm-profiles/" in body["Reason"]
    assert "OnDelete: Retain" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert profiles.operations() == [], "refused by the claim, before the domain is read"
    assert settled(profiles) == configured
    owner = item(ledger)
    assert owner is not None
    assert owner.owner_logical_resource_id == "DomainSettings"

    delete = from_other_stack(delete_of(copied))
    delete["PhysicalResourceId"] = body["PhysicalResourceId"]
    assert invoke(delete, cfn)["Status"] == "SUCCESS"
    assert item(ledger) is not None, "its Delete released nothing"


def test_a_domain_is_handed_over_by_retaining_and_removing_it_first(profiles, cfn, ledger):
    create = load_event("create.json")
    invoke(create, cfn)
    invoke(delete_of(create, "Retain"), cfn)

    body = invoke(from_other_stack(load_event("create.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    owner = item(ledger)
    assert owner is not None
    assert owner.owner_logical_resource_id == "CopiedSettings"


def test_a_replacement_claims_the_new_domain_and_the_old_ones_delete_releases_it(
    profiles, cfn, ledger
):
    invoke(load_event("create.json"), cfn)

    assert invoke(load_event("update-replace.json"), cfn)["Status"] == "SUCCESS"
    assert item(ledger, "crm-profiles-eu") is not None
    assert invoke(load_event("delete.json"), cfn)["Status"] == "SUCCESS"

    assert item(ledger) is None
    assert item(ledger, "crm-profiles-eu") is not None


def test_a_replacement_that_fails_before_changing_anything_releases_its_claim(
    profiles, cfn, ledger
):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "AccessDeniedException")

    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"] == DOMAIN
    assert item(ledger, "crm-profiles-eu") is None
    assert item(ledger) is not None, "the old domain stays claimed"


def test_a_create_that_fails_before_changing_anything_releases_its_claim(profiles, cfn, ledger):
    profiles.fail("UpdateDomain", "AccessDeniedException")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert item(ledger) is None


def test_a_create_whose_outcome_is_unknown_keeps_its_claim_for_the_delete(profiles, cfn, ledger):
    profiles.fail("UpdateDomain", "InternalServerException", times=10)

    body = invoke(load_event("create.json"), cfn)

    assert body["PhysicalResourceId"] == DOMAIN
    assert item(ledger) is not None
    assert invoke(delete_of(load_event("create.json")), cfn)["Status"] == "SUCCESS"
    assert item(ledger) is None


# Ledger faults ------------------------------------------------------------------------------------


def test_a_missing_ledger_table_fails_create_before_the_domain_is_touched(
    profiles, cfn, monkeypatch
):
    monkeypatch.setenv("LEDGER_TABLE_NAME", "no-such-table")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("The ledger table no-such-table does not exist")
    assert profiles.operations() == [], "the claim comes first"


def test_a_ledger_that_denies_create_fails_before_the_domain_is_touched(profiles, cfn, ledger):
    deny(ledger, "UpdateItem")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "Access denied: the provider's role needs dynamodb:UpdateItem on the ledger table"
    )
    assert profiles.operations() == [], "the claim comes first"


def test_a_ledger_release_that_fails_after_the_domain_was_put_back_still_answers_success(
    profiles, cfn, ledger, json_logs
):
    create = load_event("create.json")
    invoke(create, cfn)
    deny(ledger, "DeleteItem")

    body = invoke(delete_of(create), cfn)

    assert body["Status"] == "SUCCESS"
    assert settled(profiles)["DataStore"] == {"Enabled": False}
    warnings = [line for line in parse_json_logs(json_logs) if line["level"] == "WARNING"]
    assert any("ledger still holds its claim" in line["message"] for line in warnings)


def deny(client: Any, operation: str) -> None:
    """The ledger client answers AccessDeniedException to `operation` from now on."""

    def refuse(**_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        response = AWSResponse("https://dynamodb", 400, {}, None)
        return response, {
            "Error": {"Code": "AccessDeniedException", "Message": "not authorized"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    client.meta.events.register(f"before-call.dynamodb.{operation}", refuse)


# The rule-based matching lock ---------------------------------------------------------------------


def test_a_forward_change_while_rule_based_matching_is_in_progress_fails_before_any_change(
    profiles, cfn
):
    invoke(load_event("create.json"), cfn)
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    event = load_event("update.json")
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
    invoke(load_event("create.json"), cfn)
    profiles.rule_based_matching_status(DOMAIN, "ACTIVE", locked_after_active=True)
    event = load_event("update.json")
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


# Calls per event, within the contract's maxima ----------------------------------------------------

MAXIMA = {
    "Create": {"GetDomain": 1, "UpdateItem": 2, "UpdateDomain": 1},
    "Update": {
        "GetDomain": 1,
        "UpdateItem": 2,
        "UpdateDomain": 1,
        "TagResource": 1,
        "UntagResource": 1,
    },
    "Delete": {
        "GetItem": 1,
        "GetDomain": 1,
        "UpdateDomain": 1,
        "TagResource": 1,
        "UntagResource": 1,
        "DeleteItem": 1,
    },
}


def test_every_event_stays_within_the_contracts_call_maxima(profiles, cfn, ledger):
    made: list[str] = []
    ledger.meta.events.register("before-call.dynamodb", lambda model, **_: made.append(model.name))
    preconfigure(profiles)
    events = [
        load_event("create.json"),
        load_event("update.json"),
        rollback_of(load_event("update.json")),
        load_event("update-replace.json"),
        load_event("delete.json"),
        delete_of(load_event("update-replace.json")),
    ]
    for event in events:
        made.clear()
        profiles.calls.clear()

        assert invoke(event, cfn)["Status"] == "SUCCESS"

        calls = [*profiles.operations(), *made]
        allowed = MAXIMA[event["RequestType"]]
        over = {name for name in calls if calls.count(name) > allowed.get(name, 0)}
        assert not over, (event["RequestType"], calls)


def test_a_create_claims_then_reads_then_records_then_changes(profiles, cfn, ledger):
    from domain_provider.aws import customer_profiles_client

    made: list[str] = []
    for client in (ledger, customer_profiles_client()):
        client.meta.events.register("before-call", lambda model, **_: made.append(model.name))

    assert invoke(load_event("create.json"), cfn)["Status"] == "SUCCESS"

    assert made == ["UpdateItem", "GetDomain", "UpdateItem", "UpdateDomain"]


# A claim never outlives its resource -----------------------------------------------------------


def test_a_create_answered_at_the_timeout_after_its_claim_keeps_the_domain_id_so_delete_releases(
    profiles, cfn, ledger
):
    from tests.test_faults import deliver

    # The claim lands, then its answer is slow: the timer (5 s into an 8 s Lambda) answers while
    # the claim is held and UpdateDomain has not started.
    ledger.meta.events.register("after-call.dynamodb.UpdateItem", lambda **_: time.sleep(5.6))

    deliver(load_event("create.json"), cfn, timeout=8.0)

    assert cfn.last["Status"] == "FAILED"
    assert cfn.last["PhysicalResourceId"] == DOMAIN, "the Delete must find the claim"
    assert item(ledger) is not None
    ledger.meta.events.unregister("after-call.dynamodb.UpdateItem")
    assert invoke(delete_of(load_event("create.json")), cfn)["Status"] == "SUCCESS"
    assert item(ledger) is None


def test_a_failed_create_whose_release_fails_answers_the_domain_id(profiles, cfn, ledger):
    profiles.fail("UpdateDomain", "AccessDeniedException")
    deny(ledger, "DeleteItem")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "Access denied: the provider's role needs profile:UpdateDomain"
    )
    assert body["PhysicalResourceId"] == DOMAIN
    assert item(ledger) is not None


def test_a_failed_replacement_whose_outcome_is_unknown_says_its_claim_is_kept(
    profiles, cfn, ledger
):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "InternalServerException", times=10)

    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "the claim on 'crm-profiles-eu' is kept" in body["Reason"]
    assert item(ledger, "crm-profiles-eu") is not None


def test_a_refusal_that_is_not_the_lock_keeps_the_services_reason(profiles, cfn):
    profiles.fail("UpdateDomain", "BadRequestException", message="KMS key is not accessible")
    profiles.calls.clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Reason"].startswith(
        "UpdateDomain on domain 'crm-profiles' was rejected: KMS key is not accessible"
    )


def test_a_delete_refused_before_any_change_says_how_to_go_on(profiles, cfn):
    create = load_event("create.json")
    invoke(create, cfn)
    profiles.fail("GetDomain", "AccessDeniedException")

    body = invoke(delete_of(create), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        f"Access denied: the provider's role needs profile:GetDomain on {ARN}; grant it and "
        "retry, or delete the stack retaining DomainSettings"
    )

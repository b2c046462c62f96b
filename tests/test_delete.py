"""Delete (contract: "Delete"): put the domain back as it was found (Restore), clear what the
resource set (Reset) or change nothing (Retain); leave alone what someone changed since; a
refusal says how to go on. Real-shaped events → the real handler → crhelper's PUT → the Customer
Profiles double and moto's DynamoDB (the ledger)."""

from __future__ import annotations

from tests.support.aws import ARN, DOMAIN, state
from tests.support.lifecycle import THEIR_KEY, delete_of, item, preconfigure, settled
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import invoke, load_event

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


def test_delete_with_reset_clears_and_disables_what_the_resource_set(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(load_event("update.json"), cfn)
    profiles.calls.clear()
    delete = load_event("delete.json")
    delete["ResourceProperties"]["OnDelete"] = "Reset"

    body = invoke(delete, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain", "UpdateDomain", "UntagResource"]
    domain = state(profiles)
    assert domain["Matching"] == {"Enabled": False}
    assert domain["DataStore"] == {"Enabled": False}
    assert "DeadLetterQueueUrl" not in domain
    assert domain["DefaultExpirationDays"] == 730, "expiration cannot be cleared and stays"
    assert "Tags" not in domain


def test_delete_after_a_failed_create_makes_no_call(profiles, cfn):
    body = invoke(load_event("delete-after-failed-create.json"), cfn)

    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert profiles.calls == []


def test_delete_with_retain_makes_no_call(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"]["OnDelete"] = "Retain"

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_delete_with_invalid_properties_succeeds_without_a_call(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "forever"

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_delete_of_a_domain_that_is_gone_succeeds(profiles, cfn):
    profiles.handle("DeleteDomain", {"DomainName": DOMAIN})

    assert invoke(load_event("delete.json"), cfn)["Status"] == "SUCCESS"


def test_delete_with_nothing_to_put_back_makes_no_change(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"] = {
        "DomainName": DOMAIN,
        "DefaultExpirationDays": "365",
        "DataStore": {"Enabled": "false"},
    }
    create = load_event("create.json")
    create["ResourceProperties"] = event["ResourceProperties"]
    invoke(create, cfn)
    profiles.calls.clear()

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.operations() == ["GetDomain"], "the domain is as it was found"


def test_delete_refused_by_aws_fails_with_a_way_forward(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "AccessDeniedException")

    body = invoke(load_event("delete.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "profile:UpdateDomain" in body["Reason"]
    assert ARN in body["Reason"]
    assert "retaining DomainSettings" in body["Reason"]


def test_delete_refusal_keeps_its_way_forward_ahead_of_a_long_aws_message(profiles, cfn):
    denial = "User: arn:aws:sts::123456789012:assumed-role/provider/x is not authorized " * 5
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "AccessDeniedException", message=denial)

    reason = invoke(load_event("delete.json"), cfn)["Reason"]

    assert reason.startswith(
        f"Access denied: the provider's role needs profile:UpdateDomain on {ARN}; grant it "
        "and retry, or delete the stack retaining DomainSettings (User: arn:aws:sts::"
    )
    assert len(reason) <= 256

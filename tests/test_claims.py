"""The ledger and claims (contract: "The ledger", "Failed Create"): one owner per domain, handed
over by retaining and removing it first; what was found is recorded once; a claim is released
when nothing was changed and kept when the outcome is unknown, and never outlives its resource.
Real-shaped events → the real handler → the Customer Profiles double and moto's DynamoDB (the
ledger)."""

from __future__ import annotations

import copy
import time
from typing import Any

from domain_provider.members import ABSENT, members
from domain_provider.models import parse_properties
from tests.support.aws import DOMAIN
from tests.support.lifecycle import delete_of, item, preconfigure, settled
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import invoke, load_event
from tools.local.ledger import STACK_ID

OTHER_STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/copy/11111111-2222-3333-4444-555555555555"
)


def from_other_stack(event: dict[str, Any]) -> dict[str, Any]:
    other = copy.deepcopy(event)
    other["StackId"] = OTHER_STACK
    other["LogicalResourceId"] = "CopiedSettings"
    return other


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


def test_a_second_resource_cannot_configure_a_domain_a_live_resource_owns(
    profiles, cfn, ledger, live_owner
):
    invoke(load_event("create.json"), cfn)
    configured = settled(profiles)
    profiles.calls.clear()
    copied = from_other_stack(load_event("create.json"))
    copied["ResourceProperties"]["DefaultExpirationDays"] = "10"

    body = invoke(copied, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "DomainName: 'crm-profiles' is managed by another resource; to hand it over, remove it "
        "there (or set OnDelete: Retain there first) and retry. Owner: DomainSettings in stack "
        "crm-profiles"
    )
    assert live_owner == [(STACK_ID, "DomainSettings")], "one read of the owner, by its StackId"
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


# A claim never outlives its resource -----------------------------------------------------------


def test_a_create_answered_at_the_timeout_after_its_claim_says_a_claim_is_held_so_delete_releases(
    profiles, cfn, ledger
):
    from tests.support.lambdas import deliver

    # The claim lands, then its answer is slow: the timer (5 s into an 8 s Lambda) answers while
    # the claim is held and UpdateDomain has not started.
    ledger.meta.events.register("after-call.dynamodb.UpdateItem", lambda **_: time.sleep(5.6))

    deliver(load_event("create.json"), cfn, timeout=8.0)

    assert cfn.last["Status"] == "FAILED"
    held = cfn.last["PhysicalResourceId"]
    assert held.startswith(f"create-failed-claim-held:{DOMAIN}:"), "the Delete must find the claim"
    assert item(ledger) is not None
    ledger.meta.events.unregister("after-call.dynamodb.UpdateItem")
    delete = delete_of(load_event("create.json"))
    delete["PhysicalResourceId"] = held
    profiles.calls.clear()
    assert invoke(delete, cfn)["Status"] == "SUCCESS"
    assert item(ledger) is None
    assert profiles.calls == [], "the domain was never changed: only the claim is released"


def test_a_failed_create_whose_release_fails_answers_an_id_that_says_a_claim_is_held(
    profiles, cfn, ledger
):
    profiles.fail("UpdateDomain", "AccessDeniedException")
    deny(ledger, "DeleteItem")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "Access denied: the provider's role needs profile:UpdateDomain"
    )
    assert body["PhysicalResourceId"].startswith(f"create-failed-claim-held:{DOMAIN}:")
    assert item(ledger) is not None
    delete = delete_of(load_event("create.json"))
    delete["PhysicalResourceId"] = body["PhysicalResourceId"]
    assert invoke(delete, cfn)["Status"] == "SUCCESS", "whatever the ledger says"
    assert item(ledger) is not None, "the release is still denied: the stale rule frees it"


def test_a_failed_replacement_whose_outcome_is_unknown_says_its_claim_is_kept(
    profiles, cfn, ledger
):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "InternalServerException", times=10)

    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "the claim on 'crm-profiles-eu' is kept" in body["Reason"]
    assert item(ledger, "crm-profiles-eu") is not None

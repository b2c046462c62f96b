"""Give back exactly what was found, member by member (contract v3: "The ledger", "Create",
"Update", "Delete"). Each story runs real-shaped events through the real handler against the
Customer Profiles double and moto's DynamoDB; the first three failed on 0.2.0."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from tests.support.aws import DOMAIN, state
from tools.local.cloudformation import invoke, load_event
from tools.local.ledger import LEDGER_TABLE

K0, K5, K6 = (f"arn:aws:kms:us-east-1:123456789012:key/{name}" for name in ("k0", "k5", "k6"))
SCHEDULE = {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}
OTHER_STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/other/2b6a1c10-0000-0000-0000-0a1b2c3d4e5f"
)


def event(
    request_type: str,
    properties: dict[str, Any],
    old: dict[str, Any] | None = None,
    stack_id: str | None = None,
    logical_id: str | None = None,
) -> dict[str, Any]:
    """An event of `request_type` for `properties` (DomainName added), each with its own id."""
    envelope = load_event(
        {"Create": "create.json", "Update": "update.json"}.get(request_type, "delete.json")
    )
    envelope["RequestId"] = str(uuid.uuid4())
    envelope["ResourceProperties"] = {"DomainName": DOMAIN, **copy.deepcopy(properties)}
    if request_type == "Update":
        envelope["OldResourceProperties"] = {"DomainName": DOMAIN, **copy.deepcopy(old or {})}
    if request_type != "Create":
        envelope["PhysicalResourceId"] = DOMAIN
    if stack_id:
        envelope["StackId"] = stack_id
    if logical_id:
        envelope["LogicalResourceId"] = logical_id
    return envelope


def console(profiles: Any, **settings: Any) -> None:
    """Someone changes the domain outside the stack."""
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, **settings})


def live(profiles: Any) -> dict[str, Any]:
    domain = state(profiles)
    profiles.calls.pop()
    return domain


def succeeds(body: dict[str, Any]) -> None:
    assert body["Status"] == "SUCCESS", body["Reason"]


def test_a_member_taken_up_later_is_put_back_as_it_was_then_not_at_the_create(profiles, cfn):
    console(profiles, DefaultEncryptionKey=K0)
    succeeds(invoke(event("Create", {"DefaultExpirationDays": "30"}), cfn))
    console(profiles, DefaultEncryptionKey=K5)
    managed = {"DefaultExpirationDays": "30", "DefaultEncryptionKey": K6}
    succeeds(invoke(event("Update", managed, old={"DefaultExpirationDays": "30"}), cfn))
    assert live(profiles)["DefaultEncryptionKey"] == K6

    succeeds(invoke(event("Delete", managed), cfn))

    assert live(profiles)["DefaultEncryptionKey"] == K5, "what the key was when it was taken up"
    assert live(profiles)["DefaultExpirationDays"] == 365


def test_restore_keeps_a_console_change_inside_a_managed_setting(profiles, cfn):
    console(profiles, Matching={"Enabled": True})
    managed = {"Matching": {"Enabled": "true", "JobSchedule": SCHEDULE}}
    succeeds(invoke(event("Create", managed), cfn))
    console(
        profiles,
        Matching={**live(profiles)["Matching"], "AutoMerging": {"Enabled": True}},
    )

    succeeds(invoke(event("Delete", managed), cfn))

    assert live(profiles)["Matching"] == {"Enabled": True, "AutoMerging": {"Enabled": True}}


def test_a_create_naming_one_member_leaves_the_settings_other_members_on(profiles, cfn):
    console(profiles, Matching={"Enabled": True, "AutoMerging": {"Enabled": True}})

    succeeds(
        invoke(event("Create", {"Matching": {"Enabled": "true", "JobSchedule": SCHEDULE}}), cfn)
    )

    assert live(profiles)["Matching"] == {
        "Enabled": True,
        "JobSchedule": SCHEDULE,
        "AutoMerging": {"Enabled": True},
    }


def test_a_claim_handed_over_mid_create_records_what_the_domain_held_once_it_was_ours(
    profiles, cfn, ledger, live_owner
):
    """Stack A owns the domain; stack B's Create starts; A's Delete puts the domain back and
    releases it in the middle. B must never record A's settings as what it found."""
    from domain_provider.clients import customer_profiles_client

    console(profiles, DefaultEncryptionKey=K0)
    mine = {"DefaultEncryptionKey": K6}
    succeeds(invoke(event("Create", mine), cfn))

    def stack_a_deletes(**_: Any) -> None:  # what A's Delete does: put back, then release
        if "Item" in ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}}):
            console(profiles, DefaultEncryptionKey=K0)
            ledger.delete_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})

    client = customer_profiles_client()
    client.meta.events.register("after-call.customer-profiles.GetDomain", stack_a_deletes)
    theirs = {"DefaultEncryptionKey": K5}
    body = invoke(event("Create", theirs, stack_id=OTHER_STACK, logical_id="B"), cfn)
    client.meta.events.unregister("after-call.customer-profiles.GetDomain", stack_a_deletes)
    if body["Status"] == "FAILED":  # refused while A held it: B's stack retries after A is gone
        assert body["Reason"].startswith("DomainName: 'crm-profiles' is managed by another")
        stack_a_deletes()
        succeeds(invoke(event("Create", theirs, stack_id=OTHER_STACK, logical_id="B"), cfn))

    succeeds(invoke(event("Delete", theirs, stack_id=OTHER_STACK, logical_id="B"), cfn))

    assert live(profiles)["DefaultEncryptionKey"] == K0, "never A's key"


def test_a_dropped_member_is_forgotten_so_taking_it_up_again_records_afresh(profiles, cfn, ledger):
    console(profiles, DefaultEncryptionKey=K0)
    with_key = {"DefaultExpirationDays": "30", "DefaultEncryptionKey": K6}
    without_key = {"DefaultExpirationDays": "30"}
    succeeds(invoke(event("Create", with_key), cfn))
    succeeds(invoke(event("Update", without_key, old=with_key), cfn))
    assert live(profiles)["DefaultEncryptionKey"] == K0, "dropped: put back"
    console(profiles, DefaultEncryptionKey=K5)
    succeeds(invoke(event("Update", with_key, old=without_key), cfn))

    succeeds(invoke(event("Delete", with_key), cfn))

    assert live(profiles)["DefaultEncryptionKey"] == K5


def test_reset_sends_each_member_it_set_to_the_empty_value_whatever_was_found(profiles, cfn):
    console(
        profiles,
        DefaultEncryptionKey=K0,
        Matching={"Enabled": True, "AutoMerging": {"Enabled": True}},
    )
    managed = {
        "DefaultEncryptionKey": K6,
        "Matching": {"Enabled": "true", "JobSchedule": SCHEDULE},
        "OnDelete": "Reset",
    }
    succeeds(invoke(event("Create", managed), cfn))

    succeeds(invoke(event("Delete", managed), cfn))

    now = live(profiles)
    assert "DefaultEncryptionKey" not in now
    assert now["Matching"] == {"Enabled": False, "AutoMerging": {"Enabled": True}}, (
        "its members emptied; auto-merging, which it never set, kept"
    )

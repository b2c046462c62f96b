"""No claim and no ledger fault ever traps a stack (contract: "The ledger", "Delete", "Failed
Create"). Real-shaped events through the real handler; the ledger in moto's DynamoDB. A claim's
owner is read with DescribeStackResource: moto's CloudFormation answers where it can (a deleted
stack's resource is DELETE_COMPLETE; a logical id or a stack that does not exist), a double
(tests/support/stacks.py) where it cannot (a resource in progress, DELETE_SKIPPED, a live custom
resource holding the domain, a read that fails)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries import standard

from domain_provider.errors import REASON_LIMIT
from domain_provider.settings import settings
from tests.support.aws import DOMAIN, state
from tests.support.logs import parse_json_logs
from tests.support.stacks import create_stack, holding, rolling_back, stack_resources
from tools.local.cloudformation import invoke, load_event
from tools.local.ledger import LEDGER_TABLE, STACK_ID, ledger_item, put_ledger_item

KEY = "arn:aws:kms:us-east-1:123456789012:key/"
OTHER_STACK = STACK_ID.replace("crm-profiles/", "new-home/")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK retries without waiting (the attempts are what matters here)."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


def item(ledger: Any) -> dict[str, Any] | None:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    found: dict[str, Any] | None = answer.get("Item")
    return found


def owner_of(ledger: Any) -> tuple[str, str]:
    held = item(ledger)
    assert held is not None
    owner = held["Owner"]["M"]
    return owner["StackId"]["S"], owner["LogicalResourceId"]["S"]


def event(name: str, properties: dict[str, Any] | None = None, **envelope: Any) -> dict[str, Any]:
    """A sample event with `properties` (DomainName added) and envelope fields replaced."""
    sample = load_event(name)
    if properties is not None:
        sample["ResourceProperties"] = {"DomainName": DOMAIN, **properties}
        if "OldResourceProperties" in sample:
            sample["OldResourceProperties"] = {"DomainName": DOMAIN, **properties}
    if "PhysicalResourceId" in sample:
        sample["PhysicalResourceId"] = DOMAIN
    sample.update(envelope)
    return sample


def ledger_calls(ledger: Any) -> list[str]:
    made: list[str] = []
    ledger.meta.events.register("before-call.dynamodb", lambda model, **_: made.append(model.name))
    return made


def answer_with(ledger: Any, operation: str, status: int, code: str) -> None:
    """Every call of `operation` gets this error. A 4xx is answered before anything is sent; a
    5xx after each attempt reached moto's table (it landed, but the answer says otherwise)."""

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield json.dumps({"__type": code, "message": code}).encode()

    if status < 500:

        def refuse(**_: Any) -> Any:
            error = {"Code": code, "Message": code}
            response = AWSResponse("https://dynamodb", status, {}, None)
            return response, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": status}}

        ledger.meta.events.register(f"before-call.dynamodb.{operation}", refuse)
        return

    def fail_after_landing(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, {"x-amzn-requestid": "r"}, Raw())

    # moto's own before-send handler, registered when the client was made, still runs first and
    # applies the write; this answer is the one botocore takes (the first non-None is moto's, so
    # this one is registered to come before it).
    ledger.meta.events.register_first(f"before-send.dynamodb.{operation}", fail_after_landing)


def deny(ledger: Any, operation: str) -> None:
    answer_with(ledger, operation, 400, "AccessDeniedException")


def warnings(json_logs: Any) -> list[dict[str, Any]]:
    return [line for line in parse_json_logs(json_logs) if line["level"] == "WARNING"]


# A failed Create never leaves a claim that traps its rollback --------------------------------


@pytest.mark.parametrize("fault", ["AccessDeniedException", "ResourceNotFoundException"])
def test_a_claim_that_did_not_land_answers_the_made_up_id_and_its_delete_makes_no_call(
    profiles, cfn, ledger, fault
):
    answer_with(ledger, "UpdateItem", 400, fault)
    body = invoke(load_event("create.json"), cfn)
    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"].startswith("create-failed:DomainSettings:")
    made = ledger_calls(ledger)

    delete = event("delete.json", PhysicalResourceId=body["PhysicalResourceId"])
    delete["ResourceProperties"] = load_event("create.json")["ResourceProperties"]
    assert invoke(delete, cfn)["Status"] == "SUCCESS"

    assert made == []
    assert profiles.calls == []


def test_a_claim_of_unknown_fate_answers_a_claim_held_id_whose_delete_releases_it(
    profiles, cfn, ledger
):
    answer_with(ledger, "UpdateItem", 500, "InternalServerError")
    body = invoke(load_event("create.json"), cfn)
    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"].startswith(f"create-failed-claim-held:{DOMAIN}:")
    assert profiles.calls == [], "nothing read or changed after a claim of unknown fate"
    assert item(ledger) is not None, "the claim landed although its answer was a 5xx"

    delete = event("delete.json", PhysicalResourceId=body["PhysicalResourceId"])
    assert invoke(delete, cfn)["Status"] == "SUCCESS"

    assert item(ledger) is None, "the claim it may have held is released"
    assert profiles.calls == []


def test_a_claim_held_delete_succeeds_whatever_the_ledger_says(profiles, cfn, ledger, json_logs):
    deny(ledger, "DeleteItem")
    held = f"create-failed-claim-held:{DOMAIN}:DomainSettings:r-1"

    body = invoke(event("delete.json", PhysicalResourceId=held), cfn)

    assert body["Status"] == "SUCCESS"
    assert any("stale rule frees it" in line["message"] for line in warnings(json_logs))


# A Delete: the release never fails it; ledger faults fail it only when it can be retried -----


def test_a_retain_delete_whose_release_is_denied_still_succeeds(profiles, cfn, ledger):
    invoke(load_event("create.json"), cfn)
    deny(ledger, "DeleteItem")
    profiles.calls.clear()

    retain = event("delete.json")
    retain["ResourceProperties"]["OnDelete"] = "Retain"
    body = invoke(retain, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.calls == []
    assert item(ledger) is not None


def test_a_lost_ledger_table_changes_nothing_and_succeeds(profiles, cfn, ledger, monkeypatch):
    invoke(load_event("create.json"), cfn)
    monkeypatch.setenv("LEDGER_TABLE_NAME", "recreated-without-its-ledger")
    settings.cache_clear()  # a new container of the re-created provider
    profiles.calls.clear()

    body = invoke(event("delete.json"), cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_a_ledger_read_that_fails_fails_the_delete_with_how_to_go_on(profiles, cfn, ledger):
    stack = create_stack()
    invoke(load_event("create.json") | {"StackId": stack}, cfn)
    answer_with(ledger, "GetItem", 400, "ThrottlingException")

    body = invoke(event("delete.json", StackId=stack), cfn)

    assert body["Status"] == "FAILED"
    assert (
        "retry the stack operation, or delete the stack retaining DomainSettings"
        in (body["Reason"])
    )


def test_a_ledger_read_that_fails_while_the_stack_rolls_back_succeeds_and_says_so(
    profiles, cfn, ledger, json_logs
):
    stack = create_stack()
    invoke(load_event("create.json") | {"StackId": stack}, cfn)
    answer_with(ledger, "GetItem", 400, "ThrottlingException")
    rolling_back(stack)
    profiles.calls.clear()

    body = invoke(event("delete.json", StackId=stack), cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.calls == []
    assert any("while the stack rolls back" in line["message"] for line in warnings(json_logs))


def test_a_stack_status_that_cannot_be_read_under_the_lock_is_handled_as_a_rollback(
    profiles, cfn, ledger, json_logs
):
    invoke(load_event("create.json"), cfn)  # its stack is not in moto: DescribeStacks fails
    profiles.rule_based_matching_status(DOMAIN, "IN_PROGRESS")
    update = load_event("update.json")
    update["ResourceProperties"]["RuleBasedMatching"] = {"Enabled": "false"}

    body = invoke(update, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert any("handled as a rollback" in line["message"] for line in warnings(json_logs))


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

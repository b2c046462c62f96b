"""No ledger fault ever traps a stack (contract: "The ledger", "Delete", "Failed Create"): a
failed Create never leaves a claim that traps its rollback; a Delete's release never fails it,
and a ledger fault fails it only when it can be retried. Real-shaped events through the real
handler; the ledger in moto's DynamoDB, its faults injected on the client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from domain_provider.settings import settings
from tests.support.aws import DOMAIN
from tests.support.claims import event, item
from tests.support.logs import parse_json_logs
from tests.support.stacks import create_stack, rolling_back
from tools.local.cloudformation import invoke, load_event
from tools.local.ledger import LEDGER_TABLE

pytestmark = pytest.mark.usefixtures("quick_retries")  # the attempts matter, not the waits


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


def test_an_item_of_a_newer_format_is_never_rewritten_or_applied(profiles, cfn, ledger):
    assert invoke(event("create.json", {"DefaultExpirationDays": "30"}), cfn)["Status"] == (
        "SUCCESS"
    )
    newer = item(ledger)
    assert newer is not None
    newer["Format"] = {"N": "4"}
    ledger.put_item(TableName=LEDGER_TABLE, Item=newer)
    profiles.calls.clear()

    update = event("update.json", {"DefaultExpirationDays": "60"})
    update["OldResourceProperties"] = {"DomainName": DOMAIN, "DefaultExpirationDays": "30"}
    body = invoke(update, cfn)

    assert body["Status"] == "FAILED"
    assert "Format 4 is newer than this provider's (3)" in body["Reason"]
    assert (item(ledger) or {}).get("Format") == {"N": "4"}
    assert [op for op in profiles.operations() if op != "GetDomain"] == []

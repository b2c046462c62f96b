"""Where the domain may send data and keys, through the real handler: a Create or a forward
Update that would newly point the domain's queue, key or export bucket outside what the provider
stack trusts is FAILED before any change (one GetDomain, to know what is new; no UpdateDomain, no
claim left); a rollback keeps such a value with a warning; a value the domain already holds
passes (an upgraded stack's); a Delete is never refused (Found is not judged)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from domain_provider.settings import settings
from tests.support.aws import DOMAIN, state
from tests.support.logs import parse_json_logs
from tests.support.stacks import create_stack, rolling_back
from tools.local.cloudformation import invoke, load_event, rollback_of
from tools.local.ledger import LEDGER_TABLE

THEIR_QUEUE = "https://sqs.us-east-1.amazonaws.com/999999999999/exfiltrate"
THEIR_KEY = "arn:aws:kms:us-east-1:999999999999:key/0000aaaa-1111-2222-3333-444455556666"
THEIR_BUCKET = "attacker-exports"


def with_(event: dict[str, Any], **properties: Any) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["ResourceProperties"].update(properties)
    return changed


def export_to(bucket: str) -> dict[str, Any]:
    matching: dict[str, Any] = copy.deepcopy(
        load_event("create.json")["ResourceProperties"]["Matching"]
    )
    matching["ExportingConfig"]["S3Exporting"]["S3BucketName"] = bucket
    return matching


HOSTILE = [
    pytest.param(
        {"DeadLetterQueueUrl": THEIR_QUEUE},
        ("DeadLetterQueueUrl", "999999999999", "TrustedAccountIds"),
        id="queue",
    ),
    pytest.param(
        {"DefaultEncryptionKey": THEIR_KEY},
        ("DefaultEncryptionKey", "999999999999", "TrustedAccountIds"),
        id="key",
    ),
    pytest.param(
        {"Matching": export_to(THEIR_BUCKET)},
        ("Matching.ExportingConfig.S3Exporting.S3BucketName", THEIR_BUCKET, "AllowedExportBuckets"),
        id="export-bucket",
    ),
]


def no_item(ledger: Any) -> bool:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    return "Item" not in answer


@pytest.mark.parametrize(("hostile", "named"), HOSTILE)
def test_a_create_never_points_the_domain_outside_the_account(
    profiles, cfn, ledger, hostile, named
):
    before = state(profiles)
    profiles.calls.clear()

    body = invoke(with_(load_event("create.json"), **hostile), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(named[0])
    assert named[1] in body["Reason"]
    assert named[2] in body["Reason"]
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert profiles.operations() == ["GetDomain"], "no change"
    assert state(profiles) == before
    assert no_item(ledger), "the claim taken first is released"


@pytest.mark.parametrize(("hostile", "named"), HOSTILE)
def test_a_forward_update_never_points_the_domain_outside_the_account(
    profiles, cfn, ledger, hostile, named
):
    stack = create_stack()
    create = load_event("create.json") | {"StackId": stack}
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    update = load_event("update.json") | {"StackId": stack}
    update["OldResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    update["ResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    profiles.calls.clear()

    body = invoke(with_(update, **hostile), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(named[0])
    assert named[2] in body["Reason"]
    assert [op for op in profiles.operations() if op != "GetDomain"] == []


def test_a_trusted_account_and_an_allowed_bucket_widen_it(profiles, cfn, ledger, monkeypatch):
    monkeypatch.setenv("TRUSTED_ACCOUNT_IDS", "111111111111, 999999999999")
    monkeypatch.setenv("ALLOWED_EXPORT_BUCKETS", "crm-profiles-*,attacker-*")
    settings.cache_clear()

    event = with_(
        load_event("create.json"),
        DeadLetterQueueUrl=THEIR_QUEUE,
        DefaultEncryptionKey=THEIR_KEY,
        Matching=export_to(THEIR_BUCKET),
    )

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert state(profiles)["DeadLetterQueueUrl"] == THEIR_QUEUE


def test_a_destination_the_domain_already_holds_passes(profiles, cfn, ledger):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "DeadLetterQueueUrl": THEIR_QUEUE})

    body = invoke(with_(load_event("create.json"), DeadLetterQueueUrl=THEIR_QUEUE), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]


def test_a_rollback_keeps_an_untrusted_destination_with_a_warning(
    profiles, cfn, ledger, json_logs, monkeypatch
):
    stack = create_stack()
    monkeypatch.setenv("TRUSTED_ACCOUNT_IDS", "999999999999")
    settings.cache_clear()
    create = with_(load_event("create.json") | {"StackId": stack}, DeadLetterQueueUrl=THEIR_QUEUE)
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    update = load_event("update.json") | {"StackId": stack}
    update["OldResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    assert invoke(update, cfn)["Status"] == "SUCCESS"
    monkeypatch.delenv("TRUSTED_ACCOUNT_IDS")
    settings.cache_clear()  # the provider stack no longer trusts it
    rolling_back(stack)

    body = invoke(rollback_of(update), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles)["DeadLetterQueueUrl"] == THEIR_QUEUE
    warned = [line for line in parse_json_logs(json_logs) if line["level"] == "WARNING"]
    assert any("does not trust" in line["message"] for line in warned)


def test_a_delete_restores_a_found_destination_of_another_account(profiles, cfn, ledger):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "DeadLetterQueueUrl": THEIR_QUEUE})
    create = load_event("create.json")
    assert invoke(create, cfn)["Status"] == "SUCCESS"
    delete = load_event("delete.json")
    delete["ResourceProperties"] = copy.deepcopy(create["ResourceProperties"])

    assert invoke(delete, cfn)["Status"] == "SUCCESS"
    assert state(profiles)["DeadLetterQueueUrl"] == THEIR_QUEUE

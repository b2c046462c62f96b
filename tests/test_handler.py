"""The crhelper wiring: what the handler does around the planner, seen from CloudFormation's side
and from the logs."""

from __future__ import annotations

from unittest import mock

from domain_provider import handler as handler_module
from domain_provider.cfn import DomainResource

from tests.support.cloudformation import invoke, load_event
from tests.support.logs import parse_json_logs


def test_building_the_resource_creates_no_polling_clients():
    with mock.patch("boto3.client") as client:
        DomainResource()

    client.assert_not_called()


def test_delete_does_not_sleep(profiles, cfn):
    with mock.patch("crhelper.resource_helper.sleep") as sleep, mock.patch("time.sleep") as nap:
        assert invoke(load_event("delete.json"), cfn)["Status"] == "SUCCESS"

    sleep.assert_not_called()
    nap.assert_not_called()


def test_logs_are_json_with_the_request_id_as_correlation_id_and_the_stack(
    profiles, cfn, json_logs
):
    event = load_event("create.json")

    invoke(event, cfn)

    lines = parse_json_logs(json_logs)
    assert lines, "the handler logs"
    for line in lines:
        assert line["correlation_id"] == event["RequestId"]
        assert line["stack_id"] == event["StackId"]
        assert line["logical_resource_id"] == "DomainSettings"
        assert line["request_type"] == "Create"
    plan = next(line for line in lines if line["message"] == "Plan")
    assert plan["changes"] == (
        "domain crm-profiles: UpdateDomain(DefaultExpirationDays set, DefaultEncryptionKey set, "
        "DeadLetterQueueUrl set, Matching set, RuleBasedMatching set, DataStore set, "
        "Tags added (cost-center, team))"
    )


def test_the_response_url_is_not_logged(profiles, cfn, json_logs, capfd, caplog):
    event = load_event("create.json")
    event["ResourceProperties"]["Bogus"] = "1"

    invoke(event, cfn)

    signature = event["ResponseURL"].rsplit("=", 1)[1]
    captured = capfd.readouterr()
    assert signature not in json_logs.getvalue() + captured.out + captured.err + caplog.text


def test_unknown_property_fails_with_the_near_miss_and_no_call(profiles, cfn):
    event = load_event("create.json")
    event["ResourceProperties"]["DeadLetterQueueURL"] = event["ResourceProperties"].pop(
        "DeadLetterQueueUrl"
    )

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert (
        body["Reason"] == "DeadLetterQueueURL: unknown property; did you mean 'DeadLetterQueueUrl'?"
    )
    assert profiles.calls == []


def test_an_unexpected_error_fails_the_request_with_its_type_and_keeps_the_head(profiles, cfn):
    boom = RuntimeError("x" * 1000)
    with mock.patch.object(handler_module, "plan_create", side_effect=boom):
        body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("Unexpected error: RuntimeError: xxx")
    assert len(body["Reason"]) <= 256


def test_a_failed_update_keeps_the_old_physical_id(profiles, cfn):
    event = load_event("update.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "0"

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"] == "DefaultExpirationDays: must be at least 1, got '0'"
    assert body["PhysicalResourceId"] == "crm-profiles"


def test_a_failed_replacement_keeps_the_old_physical_id(aws, cfn):
    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "'crm-profiles-eu' does not exist" in body["Reason"]
    assert body["PhysicalResourceId"] == "crm-profiles"


def test_the_response_stays_under_4096_bytes_whatever_the_input(profiles, cfn):
    event = load_event("create.json")
    event["LogicalResourceId"] = "L" * 255
    event["RequestId"] = "r" * 200
    event["ResourceProperties"]["Tags"] = {f"k{i}": "v" * 256 for i in range(60)}

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert len(cfn.puts[-1].raw) < 4096
    assert len(body["Reason"]) <= 256
    assert body["Reason"].startswith("Tags: must have at most 50 items, got 60")

"""The crhelper wiring: what the handler does around the planner, seen from CloudFormation's side
and from the logs."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from crhelper import CfnResource

from domain_provider import handler as handler_module
from domain_provider import lifecycle
from domain_provider.cfn import DomainResource
from domain_provider.request import Request, parse_request
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import LambdaContext, invoke, load_event


def test_building_the_resource_creates_no_polling_clients():
    with mock.patch("boto3.client") as client:
        DomainResource()

    client.assert_not_called()


def test_delete_does_not_sleep_even_with_time_to_spare(profiles, cfn):
    slept: list[float] = []
    # crhelper binds its sleep as a default argument: record through that default.
    wait_for_cwlogs: Any = CfnResource._wait_for_cwlogs  # type: ignore[attr-defined]
    with mock.patch.object(wait_for_cwlogs, "__defaults__", (slept.append,)):
        assert invoke(load_event("delete.json"), cfn, timeout=900)["Status"] == "SUCCESS"
        crhelper_default: Any = CfnResource()
        crhelper_default._context = LambdaContext(timeout=900)
        crhelper_default._wait_for_cwlogs()

    assert slept == [120], "only crhelper's default sleeps (proves the recorder works)"


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
    with mock.patch.object(lifecycle, "plan", side_effect=boom):
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


def test_a_failed_replacement_keeps_the_old_physical_id(ledger, cfn):
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


def test_a_tag_key_that_is_not_a_string_fails_create_and_lets_delete_succeed(profiles, cfn):
    create = load_event("create.json")
    create["ResourceProperties"]["Tags"] = [{"Key": ["team"], "Value": "crm"}]
    delete = load_event("delete.json")
    delete["ResourceProperties"] = create["ResourceProperties"]

    created = invoke(create, cfn)
    deleted = invoke(delete, cfn)

    assert created["Status"] == "FAILED"
    assert created["Reason"] == "Tags: item 0 Key must be a string, got ['team']"
    assert deleted["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_the_handler_returns_only_after_its_timeout_answer_is_sent(profiles, cfn):
    profiles.slow(
        "UpdateDomain", 2.3
    )  # ends after the timer (2 s) fired, while its PUT is on its way
    real_request = cfn.connection

    def slow_put(host: str, timeout: float | None = None, **kwargs: object) -> object:
        connection = real_request(host, timeout)
        original = connection.request

        def request(*args: object, **kwargs: object) -> None:
            time.sleep(0.8)
            original(*args, **kwargs)

        connection.request = request
        return connection

    with mock.patch("domain_provider.response.HTTPSConnection", slow_put):
        started = time.monotonic()
        handler_module.handler(load_event("create.json"), LambdaContext(timeout=4.0))
        returned = time.monotonic() - started

    assert len(cfn.puts) == 1, "the timeout's answer arrived before the handler returned"
    assert cfn.last["Reason"].startswith("Timed out:")
    assert returned < 4.0


def test_a_container_whose_init_failed_answers_failed_to_every_event(cfn):
    resource = DomainResource()
    resource.init_failure(RuntimeError("no region configured"))

    with mock.patch.object(lifecycle, "run", side_effect=AssertionError("the lifecycle ran")):
        for _ in range(2):
            request = parse_request(load_event("create.json"))
            assert isinstance(request, Request)
            resource.respond(request, LambdaContext(timeout=5))

    assert [put.body["Status"] for put in cfn.puts] == ["FAILED", "FAILED"]
    assert cfn.last["Reason"] == "no region configured"

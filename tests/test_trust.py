"""The event itself (contract: "The event itself"), against the function's own identity: the
identity is read from the function's ARN, only the function's own stacks are served, and only
the provider's own schedule runs the drift check. Every hostile event goes through the real
handler; each test asserts the answer (or that there is none) and that no AWS call was made.
The ResponseURL and the ids CloudFormation never sends are tests/test_trust_url_and_ids.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain_provider.handler import handler
from domain_provider.identity import Identity, partition_dns_suffixes
from domain_provider.planner import target
from domain_provider.request import Malformed, Request, parse_request
from domain_provider.settings import SCHEDULE_RULE_ENV, settings
from tests.support.logs import parse_json_logs
from tests.support.trust import ACCOUNT, PARTITIONS, deliver, ledger_items, stack_id
from tools.local.cloudformation import LambdaContext, ResponseBucket, invoke, load_event

# The function's identity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "identity"),
    [
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", ("aws", ACCOUNT, "us-east-1")),
        (f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f:live", ("aws", ACCOUNT, "us-east-1")),
        (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f:$LATEST", ("aws", ACCOUNT, "eu-west-1")),
        (f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:f:42", ("aws", ACCOUNT, "eu-west-1")),
        (f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:function:f", ("aws-cn", ACCOUNT, "cn-north-1")),
        (
            f"arn:aws-iso-b:lambda:us-isob-east-1:{ACCOUNT}:function:f",
            ("aws-iso-b", ACCOUNT, "us-isob-east-1"),
        ),
        (
            f"arn:aws-eusc:lambda:eusc-de-east-1:{ACCOUNT}:function:f",
            ("aws-eusc", ACCOUNT, "eusc-de-east-1"),
        ),
    ],
)
def test_the_identity_is_read_from_the_function_arn_qualified_or_not(arn, identity):
    assert Identity.of_function(arn) == Identity(*identity)


@pytest.mark.parametrize(
    "arn",
    [
        None,
        "",
        "arn:aws:lambda:us-east-1:1234:function:f",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:f",
        f"arn:aws:s3:us-east-1:{ACCOUNT}:function:f",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f:live:extra",
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f\n",
    ],
)
def test_anything_but_a_function_arn_gives_no_identity(arn):
    assert Identity.of_function(arn) is None


def test_botocores_partition_data_gives_every_partitions_dns_suffix():
    suffixes = partition_dns_suffixes()

    assert {partition: suffixes.get(partition) for partition, _, _ in PARTITIONS} == {
        partition: suffix for partition, _, suffix in PARTITIONS
    }


def test_the_request_carries_the_identity_and_builds_arns_from_it():
    context = LambdaContext(qualifier="live")
    request = parse_request(load_event("create.json"), context)

    assert isinstance(request, Request)
    assert request.identity == Identity("aws", ACCOUNT, "us-east-1")
    assert target(request).arn == f"arn:aws:profile:us-east-1:{ACCOUNT}:domains/crm-profiles"
    other = Identity("aws-cn", "210987654321", "cn-north-1")
    assert target(Request(**{**vars(request), "identity": other})).arn == (
        "arn:aws-cn:profile:cn-north-1:210987654321:domains/crm-profiles"
    ), "the identity, not the StackId, makes the ARN"


def test_a_create_through_an_alias_answers_the_domain_arn_of_the_functions_account(profiles, cfn):
    body = invoke(load_event("create.json"), cfn, context=LambdaContext(qualifier="live"))

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["Data"]["DomainArn"] == f"arn:aws:profile:us-east-1:{ACCOUNT}:domains/crm-profiles"


def test_a_context_without_a_function_arn_is_dropped_without_a_call(profiles, ledger, cfn):
    class NoArn(LambdaContext):
        invoked_function_arn = ""

    assert deliver(load_event("create.json"), cfn, NoArn()) == []
    assert profiles.calls == []
    assert ledger_items(ledger) == []


# StackId ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "other",
    [
        stack_id(account="999999999999"),
        stack_id(region="eu-west-1"),
        stack_id(partition="aws-cn"),
    ],
    ids=["account", "region", "partition"],
)
@pytest.mark.parametrize("name", ["create.json", "update.json", "delete.json"])
def test_another_accounts_or_regions_stack_is_failed_as_malformed_without_a_call(
    profiles, ledger, cfn, name, other
):
    invoke(load_event("create.json"), cfn)  # the domain is claimed by its real stack
    item = ledger_items(ledger)
    profiles.calls.clear()
    event = {**load_event(name), "StackId": other}

    (body,) = deliver(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        f"StackId: must be a stack of this function's account {ACCOUNT} in us-east-1 (aws), got "
    ), body["Reason"]
    assert body["StackId"] == other, "echoed, so CloudFormation matches the answer"
    assert body["Data"] == {}
    assert profiles.calls == []
    assert ledger_items(ledger) == item, "the real stack's claim is untouched"


# The scheduled drift check ---------------------------------------------------------------------

RULE = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/" + settings().schedule_rule_name


@pytest.fixture
def managed(profiles: Any, ledger: Any, cfn: ResponseBucket) -> Any:
    """A domain the provider manages (a ledger item): a drift check would read it."""
    assert invoke(load_event("create.json"), cfn)["Status"] == "SUCCESS"
    profiles.calls.clear()
    return profiles


def test_the_providers_own_schedule_runs_the_drift_check(managed, json_logs):
    handler(load_event("scheduled-drift-check.json"), LambdaContext())

    assert [call[0] for call in managed.calls] == ["GetDomain"]
    assert any(line["message"] == "Drift check done" for line in parse_json_logs(json_logs))


@pytest.mark.parametrize(
    "resources",
    [
        [],
        None,
        RULE,  # a string, not a list
        [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/someone-elses-rule"],
        [RULE.replace(ACCOUNT, "999999999999")],
        [RULE.replace("us-east-1", "eu-west-1")],
        [RULE.replace("rule/", "rule/custom-bus/")],
        [RULE + "x"],
    ],
    ids=["none", "missing", "string", "another rule", "account", "region", "bus", "longer"],
)
def test_a_scheduled_event_from_another_rule_is_ignored_with_a_warning(
    managed, json_logs, capsys, resources
):
    event = load_event("scheduled-drift-check.json")
    if resources is None:
        del event["resources"]
    else:
        event["resources"] = resources

    handler(event, LambdaContext())

    assert managed.calls == []
    lines = parse_json_logs(json_logs)
    assert [line["level"] for line in lines] == ["WARNING"]
    assert lines[0]["message"].startswith("Scheduled event ignored")
    assert "_aws" not in capsys.readouterr().out, "no metric published"


def test_without_a_configured_rule_no_scheduled_event_runs(managed, json_logs, monkeypatch):
    monkeypatch.delenv(SCHEDULE_RULE_ENV)
    settings.cache_clear()
    try:
        handler(load_event("scheduled-drift-check.json"), LambdaContext())
    finally:
        monkeypatch.undo()
        settings.cache_clear()

    assert managed.calls == []
    assert parse_json_logs(json_logs)[0]["rule"] == "(none configured)"


def test_the_sample_scheduled_event_names_a_rule_that_fits_eventbridges_64_characters():
    (rule,) = load_event("scheduled-drift-check.json")["resources"]

    assert rule == RULE
    assert len(rule.split("rule/", 1)[1]) <= 64


def test_every_event_is_parsed_against_the_context_it_came_with():
    event = load_event("create.json")
    cn = LambdaContext(partition="aws-cn", region="cn-north-1")

    malformed = parse_request(event, cn)

    assert isinstance(malformed, Malformed)
    assert malformed.response_url is None
    assert "cn-north-1" in malformed.reason
    assert json.dumps(event) == json.dumps(load_event("create.json")), "the event is not changed"

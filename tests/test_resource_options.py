"""What CloudFormation users write beside the settings: `Fn::GetAtt` that never breaks,
`ServiceTimeout` honoured, `ReconcileToken` to put back drift through the stack. Through the
real handler."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.aws import DOMAIN, state
from tools.local.cloudformation import LambdaContext, invoke, load_event

ATTRIBUTES = {
    "DomainName",
    "DomainArn",
    "DefaultExpirationDays",
    "MatchingEnabled",
    "RuleBasedMatchingEnabled",
    "RuleBasedMatchingStatus",
    "DataStoreEnabled",
    "CreatedAt",
    "LastUpdatedAt",
}


def minimal(request_type: str, **properties: Any) -> dict[str, Any]:
    event = load_event({"Create": "create.json", "Update": "update.json"}[request_type])
    event["ResourceProperties"] = {"DomainName": DOMAIN, **properties}
    if request_type == "Update":
        event["OldResourceProperties"] = {"DomainName": DOMAIN}
    return event


def test_every_getatt_attribute_is_in_data_even_where_the_domain_has_none(profiles, cfn):
    body = invoke(minimal("Create", DefaultExpirationDays="30"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert set(body["Data"]) == ATTRIBUTES
    assert body["Data"]["RuleBasedMatchingStatus"] == ""
    assert body["Data"]["MatchingEnabled"] == ""
    assert body["Data"]["DefaultExpirationDays"] == "30"


def test_an_update_that_drops_rule_based_matching_still_answers_its_attributes(profiles, cfn):
    create = load_event("create.json")
    invoke(create, cfn)
    update = copy.deepcopy(load_event("update.json"))

    body = invoke(update, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert set(body["Data"]) == ATTRIBUTES


def test_the_answer_comes_before_the_resources_service_timeout(profiles, cfn):
    event = minimal("Create", DefaultExpirationDays="30", ServiceTimeout="8")
    profiles.slow("UpdateDomain", 12.0)
    context = LambdaContext(timeout=60.0)

    from domain_provider.handler import handler

    handler(event, context)

    assert cfn.last["Status"] == "FAILED"
    assert cfn.last["Reason"].startswith("Timed out: UpdateDomain on domain 'crm-profiles'")
    assert "the resource's ServiceTimeout (8 s)" in cfn.last["Reason"]
    assert "raise the resource's ServiceTimeout" in cfn.last["Reason"]
    assert cfn.puts[-1].at - context.started < 8.0, "answered before CloudFormation gave up"


def test_without_a_service_timeout_the_lambdas_deadline_bounds_the_answer(profiles, cfn):
    event = minimal("Create", DefaultExpirationDays="30")
    profiles.slow("UpdateDomain", 9.0)

    from domain_provider.handler import handler

    handler(event, LambdaContext(timeout=7.0))

    assert "the Lambda's deadline" in cfn.last["Reason"]


def test_changing_the_reconcile_token_puts_back_what_drifted_and_is_never_sent(profiles, cfn):
    properties = {"DefaultExpirationDays": "30", "ReconcileToken": "2026-12-01"}
    invoke(minimal("Create", **properties), cfn)
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "DefaultExpirationDays": 90})
    update = minimal("Update", **{**properties, "ReconcileToken": "2026-12-05"})
    update["OldResourceProperties"] = {"DomainName": DOMAIN, **properties}
    profiles.calls.clear()

    body = invoke(update, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    sent = [params for operation, params in profiles.calls if operation == "UpdateDomain"]
    assert sent == [{"DomainName": DOMAIN, "DefaultExpirationDays": 30}]
    assert state(profiles)["DefaultExpirationDays"] == 30
    assert not any("ReconcileToken" in str(params) for _, params in profiles.calls)


def test_an_unchanged_domain_with_a_new_token_makes_no_change(profiles, cfn):
    properties = {"DefaultExpirationDays": "30", "ReconcileToken": "a"}
    invoke(minimal("Create", **properties), cfn)
    update = minimal("Update", **{**properties, "ReconcileToken": "b"})
    update["OldResourceProperties"] = {"DomainName": DOMAIN, **properties}
    profiles.calls.clear()

    body = invoke(update, cfn)

    assert body["Status"] == "SUCCESS"
    assert profiles.operations() == ["GetDomain"]

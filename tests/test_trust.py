"""The event itself, against the function's own identity: only CloudFormation's response bucket is
answered, only the function's own stacks are served, ids CloudFormation never sends are dropped,
only the provider's own schedule runs the drift check. Every hostile event goes through the real
handler; each test asserts the answer (or that there is none) and that no AWS call was made."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from domain_provider.handler import handler
from domain_provider.identity import Identity, partition_dns_suffixes
from domain_provider.request import Malformed, Request, parse_request
from domain_provider.response import RESPONSE_LIMIT
from domain_provider.settings import LOCAL_ENDPOINTS_ENV, SCHEDULE_RULE_ENV, settings
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import LambdaContext, ResponseBucket, invoke, load_event
from tools.local.ledger import LEDGER_TABLE

ACCOUNT = "123456789012"
BUCKET = "cloudformation-custom-resource-response-useast1"
QUERY = "X-Amz-Signature=trust-test-signature-0123456789abcdef"
# Every partition botocore knows, one of its regions, and its DNS suffix (botocore's data).
PARTITIONS = [
    ("aws", "us-east-1", "amazonaws.com"),
    ("aws-cn", "cn-north-1", "amazonaws.com.cn"),
    ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
    ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"),
    ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
    ("aws-iso-f", "us-isof-south-1", "csp.hci.ic.gov"),
    ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
]
FORMS = [
    "https://{bucket}.s3.{suffix}/{path}",
    "https://{bucket}.s3.{region}.{suffix}/{path}",
    "https://{bucket}.s3-{region}.{suffix}/{path}",
    "https://s3.{suffix}/{bucket}/{path}",
    "https://s3.{region}.{suffix}/{bucket}/{path}",
    "https://s3-{region}.{suffix}/{bucket}/{path}",
    "https://{bucket}.s3.{suffix}:443/{path}",
]


def stack_id(partition: str = "aws", region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:{partition}:cloudformation:{region}:{account}:stack/crm/5b6a1c10-8f3e-11ef"


def deliver(event: Any, bucket: ResponseBucket, context: LambdaContext | None = None) -> list[Any]:
    """The real handler, once; the bodies it PUT (none when it dropped the event)."""
    before = len(bucket.puts)
    handler(copy.deepcopy(event), context or LambdaContext())
    return [put.body for put in bucket.puts[before:]]


def ledger_items(ledger: Any) -> list[dict[str, Any]]:
    return ledger.scan(TableName=LEDGER_TABLE)["Items"]  # type: ignore[no-any-return]


def dropped_lines(json_logs: Any) -> list[dict[str, Any]]:
    return [line for line in parse_json_logs(json_logs) if "dropped" in line["message"]]


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
    assert request.domain_arn("d") == f"arn:aws:profile:us-east-1:{ACCOUNT}:domains/d"
    other = Identity("aws-cn", "210987654321", "cn-north-1")
    assert Request(**{**vars(request), "identity": other}).domain_arn("d") == (
        "arn:aws-cn:profile:cn-north-1:210987654321:domains/d"
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


# ResponseURL -----------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("partition", "region", "suffix"), PARTITIONS)
def test_every_address_form_of_the_response_bucket_is_answered_in_every_partition(
    profiles, cfn, partition, region, suffix, form
):
    bucket = f"cloudformation-custom-resource-response-{region.replace('-', '')}"
    path = f"arn%3A{partition}%3Acloudformation%7CDomainSettings%7Cid?{QUERY}"
    url = form.format(bucket=bucket, suffix=suffix, region=region, path=path)
    event = load_event("delete-after-failed-create.json")  # answered without any AWS call
    event.update(ResponseURL=url, StackId=stack_id(partition, region))

    bodies = deliver(event, cfn, LambdaContext(partition=partition, region=region))

    assert [body["Status"] for body in bodies] == ["SUCCESS"]
    put = cfn.puts[-1]
    assert f"https://{put.host}{put.path}" == url
    assert profiles.calls == []


UNTRUSTED = {
    "another host": "https://attacker.example.net:8443/collect?{query}",
    "http": "http://{bucket}.s3.amazonaws.com/x?{query}",
    "another port": "https://{bucket}.s3.amazonaws.com:8443/x?{query}",
    "user info": "https://user:secret@{bucket}.s3.amazonaws.com/x?{query}",
    "user only": "https://user@{bucket}.s3.amazonaws.com/x?{query}",
    "another region's bucket": (
        "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?{query}"
    ),
    "another region's endpoint": "https://{bucket}.s3.eu-west-1.amazonaws.com/x?{query}",
    "another partition's suffix": "https://{bucket}.s3.amazonaws.com.cn/x?{query}",
    "a look-alike suffix": "https://{bucket}.s3.amazonaws.com.attacker.net/x?{query}",
    "a look-alike bucket": "https://x{bucket}.s3.amazonaws.com/x?{query}",
    "a trailing dot": "https://{bucket}.s3.amazonaws.com./x?{query}",
    "another bucket, path-style": "https://s3.amazonaws.com/attacker-bucket/x?{query}",
    "a bucket prefix, path-style": "https://s3.amazonaws.com/{bucket}evil/x?{query}",
    "the bucket as a file, path-style": "https://s3.amazonaws.com/{bucket}?{query}",
    "a website endpoint": "https://{bucket}.s3-website-us-east-1.amazonaws.com/x?{query}",
    "control characters": "https://{bucket}.s3.amazonaws.com/x\r\n?{query}",
    "a space": "https://{bucket}.s3.amazonaws.com/x ?{query}",
    "loopback, without the test setting": "https://127.0.0.1:8443/x?{query}",
    "not a URL": "{bucket}.s3.amazonaws.com/x?{query}",
}


@pytest.mark.parametrize("url", UNTRUSTED.values(), ids=UNTRUSTED.keys())
@pytest.mark.parametrize("name", ["create.json", "delete.json"])
def test_an_untrusted_response_url_is_logged_with_its_host_and_dropped_without_a_call(
    profiles, ledger, cfn, json_logs, capfd, url, name
):
    event = {**load_event(name), "ResponseURL": url.format(bucket=BUCKET, query=QUERY)}

    assert deliver(event, cfn) == [], "no answer, to no URL"

    assert cfn.attempts == 0
    assert profiles.calls == []
    assert ledger_items(ledger) == []
    (line,) = dropped_lines(json_logs)
    assert line["level"] == "ERROR"
    assert line["reason"].startswith("ResponseURL: ")
    out, err = capfd.readouterr()
    assert "trust-test-signature" not in json_logs.getvalue() + out + err, "never the query"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        (UNTRUSTED["another host"], "attacker.example.net"),
        (UNTRUSTED["a look-alike suffix"], f"{BUCKET}.s3.amazonaws.com.attacker.net"),
        (UNTRUSTED["another region's bucket"], "response-euwest1.s3.amazonaws.com"),
    ],
)
def test_the_dropped_events_log_line_names_the_host(profiles, cfn, json_logs, url, host):
    event = {**load_event("create.json"), "ResponseURL": url.format(bucket=BUCKET, query=QUERY)}

    deliver(event, cfn)

    (line,) = dropped_lines(json_logs)
    assert host in line["reason"]


def test_a_local_response_url_is_answered_only_with_the_test_setting(profiles, cfn, monkeypatch):
    event = load_event("delete-after-failed-create.json")
    event["ResponseURL"] = f"https://127.0.0.1:8443/response?{QUERY}"
    assert deliver(event, cfn) == []

    monkeypatch.setenv(LOCAL_ENDPOINTS_ENV, "true")
    settings.cache_clear()
    try:
        bodies = deliver(event, cfn)
    finally:
        monkeypatch.delenv(LOCAL_ENDPOINTS_ENV)
        settings.cache_clear()

    assert [body["Status"] for body in bodies] == ["SUCCESS"]
    assert cfn.puts[-1].host == "127.0.0.1:8443"
    assert not settings().local_endpoints


def test_the_template_never_sets_the_test_setting():
    from tests.support.processes import ROOT

    assert LOCAL_ENDPOINTS_ENV not in (ROOT / "template.yaml").read_text()


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


# Ids CloudFormation never sends ----------------------------------------------------------------

LONG = "x" * 5000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("RequestId", LONG),
        ("LogicalResourceId", LONG),
        ("StackId", stack_id() + LONG),
        ("PhysicalResourceId", "crm-" + "p" * 1021),
        ("LogicalResourceId", "L" * 1800),  # with a 1700-byte RequestId: together too long
    ],
    ids=["RequestId", "LogicalResourceId", "StackId", "PhysicalResourceId", "together"],
)
@pytest.mark.parametrize("name", ["create.json", "update.json", "delete.json"])
def test_ids_too_long_to_echo_are_logged_and_dropped_without_a_call(
    profiles, ledger, cfn, json_logs, name, field, value
):
    event = {**load_event(name), field: value}
    if value.startswith("L"):
        event["RequestId"] = "R" * 1700

    assert deliver(event, cfn) == []

    assert cfn.attempts == 0
    assert profiles.calls == []
    assert ledger_items(ledger) == []
    (line,) = dropped_lines(json_logs)
    assert line["reason"].startswith(f"{field}: ")
    assert "too long to echo" in line["reason"] or "over CloudFormation's 1 KB" in line["reason"]
    assert LONG not in line["reason"], "the reason names the field, not the value"


def test_a_1kb_physical_id_is_still_echoed_within_4096_bytes(profiles, cfn):
    event = {**load_event("delete.json"), "PhysicalResourceId": "p" * 1024}

    (body,) = deliver(event, cfn)

    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"] == "p" * 1024
    assert len(cfn.puts[-1].raw) <= RESPONSE_LIMIT
    assert profiles.calls == [], "not the domain named in the properties: nothing to undo"


def test_a_failed_create_with_long_ids_answers_a_short_made_up_id_within_4096_bytes(
    profiles, ledger, cfn
):
    event = load_event("create.json")
    event["LogicalResourceId"] = "Domain" + "L" * 1200
    event["RequestId"] = "R" * 1000
    event["ResourceProperties"]["Matching"]["Enabled"] = "maybe"  # invalid: FAILED, no call

    first = invoke(event, cfn)
    raw = cfn.puts[-1].raw
    again = invoke(event, cfn)

    assert first["Status"] == "FAILED"
    assert first["Reason"].startswith("Matching.Enabled: must be true or false")
    assert len(raw) <= RESPONSE_LIMIT
    assert first["LogicalResourceId"] == event["LogicalResourceId"], "echoed verbatim"
    assert first["RequestId"] == event["RequestId"]
    made_up = first["PhysicalResourceId"]
    assert made_up.startswith("create-failed:Domain")
    assert len(made_up) <= 255
    assert again["PhysicalResourceId"] == made_up, "deterministic: a redelivery, the same id"
    delete = {**load_event("delete.json"), "PhysicalResourceId": made_up}
    delete.update(LogicalResourceId=event["LogicalResourceId"], RequestId="R" * 1000)
    assert invoke(delete, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []
    assert ledger_items(ledger) == []


def test_a_malformed_event_with_long_ids_is_answered_within_4096_bytes(profiles, cfn):
    event = {**load_event("create.json"), "LogicalResourceId": "L" * 1500, "RequestId": "R" * 900}
    del event["ResourceProperties"]

    (body,) = deliver(event, cfn)

    assert body["Reason"] == "ResourceProperties: required in a CloudFormation event"
    assert len(cfn.puts[-1].raw) <= RESPONSE_LIMIT
    assert body["PhysicalResourceId"].startswith("create-failed:L")
    assert profiles.calls == []


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

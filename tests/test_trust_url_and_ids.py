"""The event itself (contract: "The event itself", "The response"): only CloudFormation's
response bucket is answered, in every partition and address form, and ids CloudFormation never
sends are dropped or answered within 4096 bytes. Every hostile event goes through the real
handler; each test asserts the answer (or that there is none) and that no AWS call was made."""

from __future__ import annotations

from typing import Any

import pytest

from domain_provider.ids import RESPONSE_LIMIT
from domain_provider.settings import LOCAL_ENDPOINTS_ENV, settings
from tests.support.logs import parse_json_logs
from tests.support.trust import PARTITIONS, deliver, ledger_items, stack_id
from tools.local.cloudformation import LambdaContext, invoke, load_event

BUCKET = "cloudformation-custom-resource-response-useast1"
QUERY = "X-Amz-Signature=trust-test-signature-0123456789abcdef"
FORMS = [
    "https://{bucket}.s3.{suffix}/{path}",
    "https://{bucket}.s3.{region}.{suffix}/{path}",
    "https://{bucket}.s3-{region}.{suffix}/{path}",
    "https://s3.{suffix}/{bucket}/{path}",
    "https://s3.{region}.{suffix}/{bucket}/{path}",
    "https://s3-{region}.{suffix}/{bucket}/{path}",
    "https://{bucket}.s3.{suffix}:443/{path}",
]


def dropped_lines(json_logs: Any) -> list[dict[str, Any]]:
    return [line for line in parse_json_logs(json_logs) if "dropped" in line["message"]]


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

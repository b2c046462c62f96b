"""The event itself: CloudFormation's fields are checked first; a malformed event is answered
FAILED at its own ResponseURL (never another event's), or logged and dropped without one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain_provider.request import Malformed, Request, parse_request
from tests.support.logs import parse_json_logs
from tests.support.processes import python
from tools.local.cloudformation import LambdaContext, invoke, load_event

OTHER_HOST = "s3.us-east-1.amazonaws.com"  # path-style, to the same response bucket
OTHER_PATH = "/cloudformation-custom-resource-response-useast1/other?X-Amz-Signature=o"
OTHER_URL = f"https://{OTHER_HOST}{OTHER_PATH}"


def without(event: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != name}


# (event file, change, Reason head)
MALFORMED = [
    ("create.json", lambda e: without(e, "StackId"), "StackId: required in a CloudFormation event"),
    ("create.json", lambda e: without(e, "RequestId"), "RequestId: required"),
    ("create.json", lambda e: without(e, "LogicalResourceId"), "LogicalResourceId: required"),
    ("create.json", lambda e: without(e, "RequestType"), "RequestType: required"),
    (
        "create.json",
        lambda e: {**e, "RequestType": "Bogus"},
        "RequestType: unknown request type 'Bogus'; expected Create, Update or Delete",
    ),
    ("create.json", lambda e: without(e, "ResourceProperties"), "ResourceProperties: required"),
    ("delete.json", lambda e: without(e, "ResourceProperties"), "ResourceProperties: required"),
    ("delete.json", lambda e: without(e, "PhysicalResourceId"), "PhysicalResourceId: required"),
    (
        "update.json",
        lambda e: without(e, "OldResourceProperties"),
        "OldResourceProperties: required",
    ),
    (
        "update.json",
        lambda e: {**e, "ResourceProperties": "x"},
        "ResourceProperties: must be an object",
    ),
    (
        "create.json",
        lambda e: {**e, "StackId": "my-stack"},
        "StackId: must be a CloudFormation stack ARN",
    ),
    (
        "create.json",
        lambda e: {**e, "RequestId": 7},
        "RequestId: must be a non-empty string, got 7",
    ),
]
IDS = [reason.split(":")[0] + f"-{file.split('.')[0]}" for file, _, reason in MALFORMED]


@pytest.mark.parametrize(("name", "change", "reason"), MALFORMED, ids=IDS)
def test_a_malformed_event_is_failed_at_its_own_url_naming_the_field(
    profiles, cfn, name, change, reason
):
    event = change(load_event(name))

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(reason), body["Reason"]
    assert cfn.puts[-1].path.startswith("/arn%3Aaws%3Acloudformation")
    assert body["Data"] == {}
    assert profiles.calls == []


@pytest.mark.parametrize(("name", "change", "reason"), MALFORMED, ids=IDS)
def test_a_malformed_event_after_a_good_one_is_answered_at_its_own_url_without_its_data(
    profiles, cfn, name, change, reason
):
    invoke(load_event("create.json"), cfn)
    event = change(load_event(name))
    event["ResponseURL"] = OTHER_URL

    body = invoke(event, cfn)

    assert cfn.puts[-1].host == OTHER_HOST
    assert cfn.puts[-1].path == OTHER_PATH
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(reason)
    assert body["Data"] == {}
    request_id = event.get("RequestId")
    assert body["RequestId"] == (request_id if isinstance(request_id, str) else "")


@pytest.mark.parametrize(
    "url",
    [None, "", "http://insecure.example/x", "not a url", 42],
    ids=["missing", "empty", "http", "text", "number"],
)
def test_an_event_without_a_usable_response_url_is_logged_and_dropped(
    profiles, cfn, json_logs, url
):
    from domain_provider.handler import handler

    event = load_event("create.json")
    invoke(event, cfn)  # a warm container: the previous event's URL must not be reused
    event = without(event, "ResponseURL") if url is None else {**event, "ResponseURL": url}
    before = len(cfn.puts)

    handler(event, LambdaContext())

    assert len(cfn.puts) == before, "nothing was sent, to no URL"
    dropped = [line for line in parse_json_logs(json_logs) if "dropped" in line["message"]]
    assert dropped[0]["reason"].startswith("ResponseURL:")


def test_a_cold_container_answers_a_malformed_first_event_at_its_own_url(tmp_path):
    event = without(load_event("create.json"), "LogicalResourceId")
    script = (
        "import json, sys\n"
        "import tests.conftest\n"
        "from tools.local.cloudformation import invoke, response_bucket\n"
        "with response_bucket() as bucket:\n"
        "    body = invoke(json.loads(sys.argv[1]), bucket)\n"
        "print(json.dumps({'body': body, 'path': bucket.puts[-1].path}))\n"
    )
    done = python("-c", script, json.dumps(event), timeout=120)

    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["body"]["Status"] == "FAILED"
    assert answer["body"]["Reason"] == "LogicalResourceId: required in a CloudFormation event"
    assert answer["path"].startswith("/arn%3Aaws%3Acloudformation")


def test_a_well_formed_event_parses_into_a_typed_request():
    request = parse_request(load_event("update.json"), LambdaContext())

    assert isinstance(request, Request)
    assert request.request_type == "Update"
    assert request.physical_id == "crm-profiles"
    assert request.properties is not None
    assert request.properties.DefaultExpirationDays == 730
    assert request.old is not None
    assert request.old.DefaultEncryptionKey is not None
    assert request.identity.domain_arn("d") == "arn:aws:profile:us-east-1:123456789012:domains/d"


def test_invalid_properties_are_not_malformed_the_request_carries_the_reason():
    event = load_event("delete.json")
    event["ResourceProperties"]["Matching"] = {"Enabled": "maybe"}

    request = parse_request(event, LambdaContext())

    assert isinstance(request, Request)
    assert request.properties is None
    assert request.invalid == "Matching.Enabled: must be true or false, got 'maybe'"


def test_a_non_object_event_is_malformed_and_has_no_url():
    malformed = parse_request(["not", "an", "event"], LambdaContext())

    assert isinstance(malformed, Malformed)
    assert malformed.response_url is None
    assert malformed.reason.startswith("the event must be a JSON object")


def test_an_event_that_is_not_an_object_is_logged_and_dropped(cfn, json_logs):
    from domain_provider.handler import handler

    handler(["not", "an", "event"], LambdaContext())

    assert cfn.puts == []
    dropped = [line for line in parse_json_logs(json_logs) if "dropped" in line["message"]]
    assert dropped[0]["reason"].startswith("the event must be a JSON object")

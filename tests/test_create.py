"""Create (contract: "Create", "Failed Create"): validate, claim, read the domain, record what
was found, then send only what differs; a Create that fails answers an id its Delete recognises.
Real-shaped events → the real handler → crhelper's PUT → the Customer Profiles double and moto's
DynamoDB (the ledger)."""

from __future__ import annotations

import pytest

from tests.support.aws import ARN, DOMAIN, state
from tests.support.claims import event
from tests.support.lifecycle import delete_of
from tools.local.cloudformation import ResponseBucket, invoke, load_event
from tools.local.ledger import LEDGER_TABLE

# Read before write --------------------------------------------------------------------------------


def test_a_create_on_a_domain_that_already_matches_makes_no_update_domain(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(delete_of(load_event("create.json"), "Retain"), cfn)
    profiles.calls.clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain"]
    assert body["Data"]["DefaultExpirationDays"] == "366"


def test_a_create_sends_only_the_settings_and_tags_that_differ(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(delete_of(load_event("create.json"), "Retain"), cfn)
    event = load_event("create.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "400"
    event["ResourceProperties"]["Tags"].append({"Key": "env", "Value": "prod"})
    profiles.calls.clear()

    invoke(event, cfn)

    assert profiles.calls[1] == (
        "UpdateDomain",
        {"DomainName": DOMAIN, "DefaultExpirationDays": 400, "Tags": {"env": "prod"}},
    )


def test_a_create_claims_then_reads_then_records_then_changes(profiles, cfn, ledger):
    from domain_provider.clients import customer_profiles_client

    made: list[str] = []
    for client in (ledger, customer_profiles_client()):
        client.meta.events.register("before-call", lambda model, **_: made.append(model.name))

    assert invoke(load_event("create.json"), cfn)["Status"] == "SUCCESS"

    assert made == ["UpdateItem", "GetDomain", "UpdateItem", "UpdateDomain"]


def test_a_refusal_that_is_not_the_lock_keeps_the_services_reason(profiles, cfn):
    profiles.fail("UpdateDomain", "BadRequestException", message="KMS key is not accessible")
    profiles.calls.clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Reason"].startswith(
        "UpdateDomain on domain 'crm-profiles' was rejected: KMS key is not accessible"
    )


def test_create_reads_the_domain_then_applies_what_differs_and_the_tags_in_one_call(
    profiles, cfn: ResponseBucket
):
    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN
    assert profiles.operations() == ["GetDomain", "UpdateDomain"]
    domain = state(profiles)
    assert domain["DefaultExpirationDays"] == 366
    assert domain["DefaultEncryptionKey"].startswith("arn:aws:kms:")
    assert domain["DeadLetterQueueUrl"].endswith("/crm-profiles-dlq")
    assert domain["Matching"]["AutoMerging"]["MinAllowedConfidenceScoreForMerging"] == 0.8
    assert domain["Matching"]["JobSchedule"] == {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}
    assert domain["RuleBasedMatching"]["MaxAllowedRuleLevelForMatching"] == 2
    assert domain["DataStore"] == {"Enabled": True}
    assert domain["Tags"] == {"team": "crm", "cost-center": "1234"}


def test_create_answers_data_for_getatt_as_flat_strings(profiles, cfn):
    data = invoke(load_event("create.json"), cfn)["Data"]

    assert data["DomainName"] == DOMAIN
    assert data["DomainArn"] == ARN
    assert data["DefaultExpirationDays"] == "366"
    assert data["MatchingEnabled"] == "true"
    assert data["RuleBasedMatchingEnabled"] == "true"
    assert data["RuleBasedMatchingStatus"] == "PENDING"
    assert data["DataStoreEnabled"] == "true"
    assert data["CreatedAt"][:4].isdigit()
    assert "T" in data["CreatedAt"]
    assert all(isinstance(value, str) for value in data.values())


def test_invalid_create_fails_without_any_aws_call(profiles, cfn):
    event = load_event("create.json")
    event["ResourceProperties"]["Matching"]["JobSchedule"]["Time"] = "25:00"

    body = invoke(event, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"] == "Matching.JobSchedule.Time: must be HH:MM (24h), got '25:00'"
    assert profiles.calls == []


def test_failed_create_answers_an_id_its_delete_recognises_as_nothing_configured(profiles, cfn):
    event = load_event("create.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "5000"

    first = invoke(event, cfn)
    again = invoke(event, cfn)
    delete = load_event("delete.json")
    delete["PhysicalResourceId"] = first["PhysicalResourceId"]
    delete["ResourceProperties"] = event["ResourceProperties"]

    assert first["Status"] == "FAILED"
    assert first["PhysicalResourceId"] == again["PhysicalResourceId"] != DOMAIN
    assert invoke(delete, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_create_of_a_missing_domain_says_so_and_how_to_fix_it_and_releases_its_claim(ledger, cfn):
    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "DomainName: domain 'crm-profiles' does not exist in us-east-1"
    )
    assert "AWS::CustomerProfiles::Domain" in body["Reason"]
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert "Item" not in ledger.get_item(
        TableName=LEDGER_TABLE, Key={"DomainName": {"S": "crm-profiles"}}
    ), "the claim taken before the read is released"


@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerException"])
def test_transient_errors_are_retried_by_the_sdk(profiles, cfn, code):
    profiles.fail("UpdateDomain", code, times=2)

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain"] + ["UpdateDomain"] * 3


def test_throttled_on_every_attempt_fails_with_an_id_its_delete_leaves_alone(profiles, cfn):
    profiles.fail("UpdateDomain", "ThrottlingException", times=10)

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "UpdateDomain on domain 'crm-profiles' failed after 3 attempts with ThrottlingException"
    )
    assert body["PhysicalResourceId"].startswith("create-failed:"), "throttled: nothing applied"


def test_server_errors_to_the_end_keep_the_domain_as_id_so_delete_resets(profiles, cfn):
    profiles.fail("UpdateDomain", "InternalServerException", times=10)

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "failed after 3 attempts with InternalServerException" in body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN, "a 5xx may have applied it: Delete must reset"


def test_a_rejection_after_a_server_error_keeps_the_domain_as_id(profiles, cfn):
    profiles.fail("UpdateDomain", "InternalServerException")  # may have been applied
    profiles.fail("UpdateDomain", "BadRequestException")

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"] == DOMAIN, "the first attempt may have landed"


def test_a_service_that_cannot_be_reached_changes_nothing_so_the_id_is_made_up(
    profiles, cfn, monkeypatch
):
    from domain_provider.clients import customer_profiles_client

    monkeypatch.setenv("AWS_ENDPOINT_URL_CUSTOMER_PROFILES", "http://127.0.0.1:9")
    customer_profiles_client.cache_clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "GetDomain on domain 'crm-profiles' could not reach Customer Profiles; retry"
    )
    assert body["PhysicalResourceId"].startswith("create-failed:")


def test_a_change_inside_an_object_the_domain_lacks_sends_its_enabled(profiles, cfn, ledger):
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "Matching": {"Enabled": True}})
    properties = {
        "Matching": {
            "Enabled": "true",
            "AutoMerging": {
                "Enabled": "false",
                "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
            },
        }
    }

    body = invoke(event("create.json", properties), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles)["Matching"] == {
        "Enabled": True,
        "AutoMerging": {
            "Enabled": False,
            "ConflictResolution": {"ConflictResolvingModel": "RECENCY"},
        },
    }

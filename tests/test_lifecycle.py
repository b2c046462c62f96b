"""The lifecycle end to end: real-shaped events → the real handler → crhelper's PUT → the double."""

from __future__ import annotations

import pytest

from tests.support.aws import ARN, DOMAIN, state
from tools.local.cloudformation import ResponseBucket, invoke, load_event, rollback_of
from tools.local.ledger import LEDGER_TABLE


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


def test_update_applies_changes_clears_removed_settings_and_diffs_tags(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.calls.clear()

    body = invoke(load_event("update.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN
    assert profiles.operations() == ["GetDomain", "UpdateDomain", "TagResource", "UntagResource"]
    sent = profiles.calls[1][1]
    assert sent["DefaultEncryptionKey"] == ""
    assert sent["RuleBasedMatching"] == {"Enabled": False}
    assert "DeadLetterQueueUrl" not in sent, "unchanged settings are not sent again"
    assert "DataStore" not in sent
    domain = state(profiles)
    assert "DefaultEncryptionKey" not in domain
    assert domain["RuleBasedMatching"]["Enabled"] is False
    assert domain["DefaultExpirationDays"] == 730
    assert domain["Matching"]["JobSchedule"]["Time"] == "03:30"
    assert domain["Tags"] == {"team": "customer-data", "env": "prod"}


def test_update_leaves_alone_tags_it_never_set(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.handle("TagResource", {"resourceArn": ARN, "tags": {"owner": "someone-else"}})

    invoke(load_event("update.json"), cfn)

    assert state(profiles)["Tags"]["owner"] == "someone-else"


def test_update_with_only_tag_changes_makes_no_update_domain(profiles, cfn):
    event = load_event("update.json")
    event["OldResourceProperties"] = {**event["ResourceProperties"], "Tags": {"team": "old"}}
    create = load_event("create.json")
    create["ResourceProperties"] = event["OldResourceProperties"]
    invoke(create, cfn)
    profiles.calls.clear()

    body = invoke(event, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain", "TagResource"]
    assert body["Data"]["DomainName"] == DOMAIN


def test_update_that_changes_the_domain_name_is_a_replacement(profiles, cfn):
    body = invoke(load_event("update-replace.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == "crm-profiles-eu"
    assert profiles.operations() == ["GetDomain", "UpdateDomain"]
    assert profiles.calls[1][1]["DomainName"] == "crm-profiles-eu"
    assert state(profiles, "crm-profiles-eu")["Tags"] == {"team": "customer-data", "env": "prod"}


def test_rollback_of_an_update_restores_the_old_settings_and_tags(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    created = state(profiles)
    invoke(load_event("update.json"), cfn)
    body = invoke(rollback_of(load_event("update.json")), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert state(profiles) == {**created, "LastUpdatedAt": state(profiles)["LastUpdatedAt"]}


def test_rollback_of_a_failed_replacement_touches_nothing_this_resource_never_set(profiles, cfn):
    arn = f"arn:aws:profile:us-east-1:123456789012:domains/{DOMAIN}"
    profiles.handle("UpdateDomain", {"DomainName": DOMAIN, "Matching": {"Enabled": True}})
    profiles.handle("TagResource", {"resourceArn": arn, "tags": {"owner": "someone-else"}})
    create = load_event("create.json")
    create["ResourceProperties"] = {"DomainName": DOMAIN, "DefaultExpirationDays": "366"}
    invoke(create, cfn)
    replace = load_event("update-replace.json")
    replace["ResourceProperties"]["DomainName"] = "crm-profiles-typo"
    replace["ResourceProperties"]["Tags"] = [{"Key": "owner", "Value": "platform"}]
    replace["OldResourceProperties"] = create["ResourceProperties"]
    assert invoke(replace, cfn)["PhysicalResourceId"] == DOMAIN, "failed: the old id stays"
    profiles.calls.clear()

    body = invoke(rollback_of(replace), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN
    assert profiles.operations() == ["GetDomain"], "the domain already holds what it names"
    domain = state(profiles)
    assert domain["Matching"] == {"Enabled": True}
    assert domain["Tags"] == {"owner": "someone-else"}


def test_delete_with_reset_clears_and_disables_what_the_resource_set(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    invoke(load_event("update.json"), cfn)
    profiles.calls.clear()
    delete = load_event("delete.json")
    delete["ResourceProperties"]["OnDelete"] = "Reset"

    body = invoke(delete, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert profiles.operations() == ["GetDomain", "UpdateDomain", "UntagResource"]
    domain = state(profiles)
    assert domain["Matching"] == {"Enabled": False}
    assert domain["DataStore"] == {"Enabled": False}
    assert "DeadLetterQueueUrl" not in domain
    assert domain["DefaultExpirationDays"] == 730, "expiration cannot be cleared and stays"
    assert "Tags" not in domain


def test_delete_after_a_failed_create_makes_no_call(profiles, cfn):
    body = invoke(load_event("delete-after-failed-create.json"), cfn)

    assert body["Status"] == "SUCCESS"
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert profiles.calls == []


def test_delete_with_retain_makes_no_call(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"]["OnDelete"] = "Retain"

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_delete_with_invalid_properties_succeeds_without_a_call(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"]["DefaultExpirationDays"] = "forever"

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.calls == []


def test_delete_of_a_domain_that_is_gone_succeeds(profiles, cfn):
    profiles.handle("DeleteDomain", {"DomainName": DOMAIN})

    assert invoke(load_event("delete.json"), cfn)["Status"] == "SUCCESS"


def test_delete_with_nothing_to_put_back_makes_no_change(profiles, cfn):
    event = load_event("delete.json")
    event["ResourceProperties"] = {
        "DomainName": DOMAIN,
        "DefaultExpirationDays": "365",
        "DataStore": {"Enabled": "false"},
    }
    create = load_event("create.json")
    create["ResourceProperties"] = event["ResourceProperties"]
    invoke(create, cfn)
    profiles.calls.clear()

    assert invoke(event, cfn)["Status"] == "SUCCESS"
    assert profiles.operations() == ["GetDomain"], "the domain is as it was found"


def test_delete_refused_by_aws_fails_with_a_way_forward(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "AccessDeniedException")

    body = invoke(load_event("delete.json"), cfn)

    assert body["Status"] == "FAILED"
    assert "profile:UpdateDomain" in body["Reason"]
    assert ARN in body["Reason"]
    assert "retaining DomainSettings" in body["Reason"]


def test_delete_refusal_keeps_its_way_forward_ahead_of_a_long_aws_message(profiles, cfn):
    denial = "User: arn:aws:sts::123456789012:assumed-role/provider/x is not authorized " * 5
    invoke(load_event("create.json"), cfn)
    profiles.fail("UpdateDomain", "AccessDeniedException", message=denial)

    reason = invoke(load_event("delete.json"), cfn)["Reason"]

    assert reason.startswith(
        f"Access denied: the provider's role needs profile:UpdateDomain on {ARN}; grant it "
        "and retry, or delete the stack retaining DomainSettings (User: arn:aws:sts::"
    )
    assert len(reason) <= 256


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
    from domain_provider.aws import customer_profiles_client

    monkeypatch.setenv("AWS_ENDPOINT_URL_CUSTOMER_PROFILES", "http://127.0.0.1:9")
    customer_profiles_client.cache_clear()

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "GetDomain on domain 'crm-profiles' could not reach Customer Profiles; retry"
    )
    assert body["PhysicalResourceId"].startswith("create-failed:")


@pytest.mark.parametrize(
    "name", ["create.json", "update.json", "update-replace.json", "delete.json"]
)
def test_the_same_event_twice_gives_the_same_answer_and_state(profiles, cfn, name):
    if name != "create.json":
        invoke(load_event("create.json"), cfn)
    first = invoke(load_event(name), cfn)
    domain = state(profiles)

    again = invoke(load_event(name), cfn)

    assert {**again, "Data": {}} == {**first, "Data": {}}
    assert {**state(profiles), "LastUpdatedAt": None} == {**domain, "LastUpdatedAt": None}

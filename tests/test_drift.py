"""Drift (contract: "Drift"): the command, against the Customer Profiles double and moto's
DynamoDB (the ledger): each kind of drift with both values, what cannot be checked and why, and
the ledger's read side. The scheduled check and "never a write" are tests/test_drift_schedule.py."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from domain_provider.drift_command import main
from domain_provider.ledger import Ledger
from domain_provider.models import parse_properties, setting
from tests.support.drift import CREATE, DOMAIN, OTHER, console, report, update
from tools.local.customer_profiles import CustomerProfilesBackend
from tools.local.ledger import (
    LEDGER_TABLE,
    LOGICAL_ID,
    STACK_ID,
    ledger_item,
    manage,
    put_ledger_item,
)

RULES = [{"Rule": ["EmailAddress"]}, {"Rule": ["FirstName", "LastName", "Address.City"]}]


def arn(name: str) -> str:
    return f"arn:aws:profile:us-east-1:123456789012:domains/{name}"


def test_a_domain_that_holds_its_properties_is_in_sync(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)

    status, found = report(capsys)

    assert status == 0
    assert [(d["domain"], d["status"], d["differences"]) for d in found["domains"]] == [
        (DOMAIN, "IN_SYNC", [])
    ]
    assert profiles.operations() == ["GetDomain"]


def tag(**tags: str) -> Callable[[CustomerProfilesBackend], None]:
    return console("TagResource", {"resourceArn": arn(DOMAIN), "tags": tags})


def untag(*keys: str) -> Callable[[CustomerProfilesBackend], None]:
    return console("UntagResource", {"resourceArn": arn(DOMAIN), "tagKeys": list(keys)})


RBM = setting(parse_properties(CREATE), "RuleBasedMatching")


@pytest.mark.parametrize(
    ("change", "path", "expected", "live"),
    [
        pytest.param(
            update(DefaultExpirationDays=30), "DefaultExpirationDays", 366, 30, id="changed-scalar"
        ),
        pytest.param(
            update(DeadLetterQueueUrl=""),
            "DeadLetterQueueUrl",
            CREATE["DeadLetterQueueUrl"],
            None,
            id="cleared-key",
        ),
        pytest.param(
            update(DataStore={"Enabled": False}),
            "DataStore.Enabled",
            True,
            False,
            id="disabled-toggle",
        ),
        pytest.param(
            update(RuleBasedMatching={**RBM, "MatchingRules": RBM["MatchingRules"][::-1]}),
            "RuleBasedMatching.MatchingRules",
            RBM["MatchingRules"],
            RBM["MatchingRules"][::-1],
            id="reordered-matching-rules",
        ),
        pytest.param(
            tag(team="someone-else"), "Tags.team", "crm", "someone-else", id="tag-changed"
        ),
        pytest.param(untag("cost-center"), "Tags.cost-center", "1234", None, id="tag-removed"),
    ],
)
def test_each_kind_of_drift_is_reported_with_both_values(
    profiles, ledger, capsys, change, path, expected, live
):
    manage(profiles, ledger, CREATE)
    change(profiles)

    status, found = report(capsys)

    assert status == 1
    (domain,) = found["domains"]
    assert domain["status"] == "MODIFIED"
    assert (domain["stack_id"], domain["logical_resource_id"]) == (STACK_ID, LOGICAL_ID)
    assert domain["differences"] == [{"path": path, "expected": expected, "live": live}]
    assert found["DriftedDomains"] == found["DriftedProperties"] == 1


def test_a_managed_domain_that_no_longer_exists_is_drift(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)
    console("DeleteDomain", {"DomainName": DOMAIN})(profiles)

    status, found = report(capsys)

    assert status == 1
    (domain,) = found["domains"]
    assert (domain["status"], domain["reason"]) == ("DELETED", "the domain no longer exists")
    assert found["DriftedDomains"] == 1


def test_an_item_without_properties_cannot_be_checked_and_says_why(profiles, ledger, capsys):
    put_ledger_item(ledger, ledger_item(DOMAIN, properties=None))

    status, found = report(capsys)

    assert status == 2
    (domain,) = found["domains"]
    assert (domain["status"], domain["reason"]) == (
        "NOT_CHECKED",
        "the ledger item has no properties",
    )
    assert profiles.operations() == []


def test_properties_that_no_longer_validate_are_named_in_the_reason(profiles, ledger, capsys):
    put_ledger_item(ledger, ledger_item(DOMAIN, json.dumps({"DomainName": DOMAIN, "Bogus": 1})))

    status, found = report(capsys)

    assert status == 2
    assert found["domains"][0]["reason"].startswith(
        "the ledger item's properties do not validate: Bogus"
    )


def test_drift_wins_over_a_domain_that_could_not_be_checked(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)
    update(DefaultExpirationDays=30)(profiles)
    put_ledger_item(ledger, ledger_item(OTHER, properties=None))

    status, found = report(capsys)

    assert status == 1
    assert sorted(d["status"] for d in found["domains"]) == ["MODIFIED", "NOT_CHECKED"]
    assert found["UncheckedDomains"] == 1


def test_named_domains_are_the_only_ones_read(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)
    manage(profiles, ledger, {"DomainName": OTHER, "DefaultExpirationDays": "30"})
    update(DefaultExpirationDays=30)(profiles)

    status, found = report(capsys, OTHER)

    assert status == 0
    assert [d["domain"] for d in found["domains"]] == [OTHER]
    assert profiles.calls == [("GetDomain", {"DomainName": OTHER})]


def test_a_named_domain_missing_from_the_ledger_cannot_be_checked(profiles, ledger, capsys):
    status, found = report(capsys, "someone-elses")

    assert status == 2
    assert found["domains"][0]["reason"] == (
        f"not in the ledger table {LEDGER_TABLE!r}: no resource manages it"
    )


def test_a_refused_get_domain_is_not_checked_with_the_permission_to_grant(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)
    profiles.fail("GetDomain", "AccessDeniedException")

    status, found = report(capsys)

    assert status == 2
    assert found["domains"][0]["reason"].startswith(
        f"Access denied: the provider's role needs profile:GetDomain on {arn(DOMAIN)}"
    )


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        pytest.param(
            ["--table", "missing"],
            "The ledger table missing does not exist; redeploy the provider stack and retry; "
            "check --table or LEDGER_TABLE_NAME (An error occurred (ResourceNotFoundException) "
            "when calling the Scan operation: Requested resource not found)",
            id="table-missing",
        ),
        pytest.param(
            ["--table", ""],
            "no ledger table: pass --table or set LEDGER_TABLE_NAME",
            id="no-table",
        ),
    ],
)
def test_a_ledger_that_cannot_be_read_exits_2_with_the_reason(
    profiles, ledger, capsys, args, reason
):
    status, found = report(capsys, *args)

    assert (status, found["error"], found["domains"]) == (2, reason, [])


def test_the_table_names_domain_owner_path_and_both_values(profiles, ledger, capsys):
    manage(profiles, ledger, CREATE)
    update(DefaultExpirationDays=30)(profiles)
    put_ledger_item(ledger, ledger_item(OTHER, properties=None))

    status = main([])
    lines = capsys.readouterr().out.splitlines()

    assert status == 1
    assert lines[0].split() == ["DOMAIN", "STACK", "LOGICAL", "ID", "PATH", "EXPECTED", "LIVE"]
    assert lines[1].split() == [
        DOMAIN,
        "crm-profiles",
        LOGICAL_ID,
        "DefaultExpirationDays",
        "366",
        "30",
    ]
    assert lines[2:] == [
        f"Not checked: {OTHER}: the ledger item has no properties",
        f"2 domain(s) in ledger table {LEDGER_TABLE!r}: 1 drifted (1 properties), 0 in sync, "
        "1 not checked",
        "To put a drifted domain back through its stack, change the resource's ReconcileToken "
        "(any new string) and deploy",
    ]


# The ledger's read side --------------------------------------------------------------------------


def test_ledger_items_decode_owner_found_tags_and_properties(ledger):
    found = {"DefaultExpirationDays": 365}
    item = ledger_item(DOMAIN, CREATE, found=found, found_tags={"team": "old", "cost-center": None})
    put_ledger_item(ledger, item)
    put_ledger_item(ledger, ledger_item(OTHER))
    book = Ledger(ledger, LEDGER_TABLE)

    items = {each.domain_name: each for each in book.items()}

    managed = items[DOMAIN]
    assert (managed.owner_stack_id, managed.owner_logical_resource_id) == (STACK_ID, LOGICAL_ID)
    assert dict(managed.found) == found
    assert managed.found_tags == {"team": "old", "cost-center": None}
    assert managed.properties == parse_properties(CREATE)
    assert (items[OTHER].properties, items[OTHER].unreadable) == (
        None,
        "the ledger item has no properties",
    )
    assert book.get(DOMAIN) == managed
    assert book.get("never-managed") is None


def test_ledger_items_reads_every_page_of_the_scan(ledger):
    big = {"Note": "x" * 300_000}  # DynamoDB answers a Scan in pages of at most 1 MB
    names = [f"domain-{index}" for index in range(5)]
    for name in names:
        put_ledger_item(ledger, ledger_item(name, found=big))

    assert sorted(item.domain_name for item in Ledger(ledger, LEDGER_TABLE).items()) == names

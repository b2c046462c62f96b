"""The ledger's writes are conditional: a claim is never taken twice, even when two processes race
for the same domains against one DynamoDB (moto's server, on loopback)."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from domain_provider.ledger import Claimed, Ledger, LedgerItem, Owner
from domain_provider.members import ABSENT
from domain_provider.models import parse_properties
from tools.local.ledger import LEDGER_TABLE, create_ledger_table, put_ledger_item

DOMAINS = [f"crm-race-{index:02d}" for index in range(25)]
STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/s{}/00000000-0000-0000-0000-00000000000{}"
)


def claim_all(endpoint: str, contender: int) -> list[str]:
    """One provider container: claim every domain in turn; the domains it won."""
    import boto3

    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    ledger = Ledger(boto3.client("dynamodb"), LEDGER_TABLE)
    owner = Owner(STACK.format(contender, contender), f"Settings{contender}")
    won = []
    for domain in DOMAINS:
        properties = parse_properties({"DomainName": domain})
        try:
            ledger.write(domain, owner, f"request-{contender}", {}, {}, properties)
        except Claimed:
            continue
        won.append(domain)
    return won


@contextmanager
def atomic_writes() -> Iterator[None]:
    """moto's DynamoDB checks a write's condition and applies it without a lock, so two server
    threads can both pass it; DynamoDB applies each conditional write atomically. Serialize
    moto's item writes, as DynamoDB does, so the race tests the provider's conditions only."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    originals = {name: getattr(DynamoDBBackend, name) for name in WRITES}

    def serialized(original: Any) -> Any:
        def write(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(*args, **kwargs)

        return write

    for name, original in originals.items():
        setattr(DynamoDBBackend, name, serialized(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)


WRITES = ("put_item", "update_item", "delete_item")


@pytest.mark.slow
def test_two_processes_racing_for_the_same_domains_never_both_take_a_claim(aws):
    with atomic_writes():
        race = run_the_race()
    first, second, items = race
    assert not set(first) & set(second), "a domain claimed by both"
    assert sorted(first + second) == DOMAINS, "every domain claimed by one of them"
    for domain in first:
        assert items[domain].owner_logical_resource_id == "Settings1"
    for domain in second:
        assert items[domain].owner_logical_resource_id == "Settings2"


def run_the_race() -> tuple[list[str], list[str], dict[str, LedgerItem]]:
    """Two spawned processes claim every domain against one moto server: what each won, and the
    items left."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = "http://{}:{}".format(*server.get_host_and_port())
    try:
        client = boto3.client("dynamodb", endpoint_url=endpoint)
        create_ledger_table(client)
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            first, second = pool.starmap(claim_all, [(endpoint, 1), (endpoint, 2)])
        items = {
            domain: LedgerItem.from_item(
                client.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": domain}})["Item"]
            )
            for domain in DOMAINS
        }
    finally:
        server.stop()
    return first, second, items


def test_a_write_records_each_member_once_and_adds_only_new_ones(ledger: Any):
    store = Ledger(ledger, LEDGER_TABLE)
    owner = Owner(STACK.format(1, 1), "Settings")
    properties = parse_properties({"DomainName": "crm"})

    claimed, taken = store.write("crm", owner, "r1")
    first, _ = store.write(
        "crm", owner, "r1", {"DefaultExpirationDays": 365, "Matching.Enabled": ABSENT}, {"a": "1"}
    )
    again, taken_again = store.write(
        "crm",
        owner,
        "r2",
        {"DefaultExpirationDays": 9, "Matching.JobSchedule": {"DayOfTheWeek": "SUNDAY"}},
        {"a": "changed", "b": None},
        properties,
    )

    assert taken
    assert not taken_again
    assert dict(claimed.found) == {}
    assert dict(first.found) == {"DefaultExpirationDays": 365, "Matching.Enabled": ABSENT}
    assert dict(again.found) == {
        "DefaultExpirationDays": 365,
        "Matching.Enabled": ABSENT,
        "Matching.JobSchedule": {"DayOfTheWeek": "SUNDAY"},
    }
    assert again.found_tags == {"a": "1", "b": None}
    assert again.properties == properties


def test_forgetting_removes_only_the_dropped_members_and_only_for_the_owner(ledger: Any):
    store = Ledger(ledger, LEDGER_TABLE)
    owner, other = Owner(STACK.format(1, 1), "Settings"), Owner(STACK.format(2, 2), "Other")
    store.write(
        "crm",
        owner,
        "r1",
        {"DefaultExpirationDays": 365, "Matching.Enabled": True},
        {"a": "1", "b": None},
    )

    assert store.forget("crm", other, ["DefaultExpirationDays"], ["a"]) is False
    assert store.forget("crm", owner, ["DefaultExpirationDays"], ["a"]) is True

    item = store.get("crm")
    assert item is not None
    assert dict(item.found) == {"Matching.Enabled": True}
    assert item.found_tags == {"b": None}


SCHEDULE = {"DayOfTheWeek": "MONDAY", "Time": "1:00"}


def test_an_item_of_0_2_0_reads_its_whole_settings_as_found_for_each_member(ledger: Any):
    put_ledger_item(
        ledger,
        {
            "DomainName": {"S": "crm"},
            "Owner": {"M": {"StackId": {"S": STACK.format(1, 1)}, "LogicalResourceId": {"S": "S"}}},
            "Found": {"S": json.dumps({"Matching": {"Enabled": True, "JobSchedule": SCHEDULE}})},
        },
    )
    store = Ledger(ledger, LEDGER_TABLE)
    owner = Owner(STACK.format(1, 1), "S")
    store.write("crm", owner, "r", {"Matching.AutoMerging.Enabled": True})

    item = store.get("crm")
    assert item is not None
    assert item.found["Matching.Enabled"] is True
    assert item.found["Matching.JobSchedule"] == SCHEDULE
    assert item.found["DefaultEncryptionKey"] is ABSENT, "not in the found settings: absent"
    assert item.found["Matching.AutoMerging.Enabled"] is True, "a member's own record wins"


def test_a_claim_held_by_another_names_it_and_its_release_does_nothing(ledger: Any):
    store = Ledger(ledger, LEDGER_TABLE)
    properties = parse_properties({"DomainName": "crm"})
    holder, other = Owner(STACK.format(1, 1), "Holder"), Owner(STACK.format(2, 2), "Other")
    store.write("crm", holder, "r1", {}, {}, properties)

    with pytest.raises(Claimed) as claimed:
        store.write("crm", other, "r2", {}, {}, properties)

    assert claimed.value.item.owner_logical_resource_id == "Holder"
    assert store.release("crm", other) is False
    assert store.release("crm", holder) is True
    assert store.get("crm") is None

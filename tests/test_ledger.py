"""The ledger's writes are conditional: a claim is never taken twice, even when two processes race
for the same domains against one DynamoDB (moto's server, on loopback)."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from domain_provider.ledger import Claimed, Ledger, LedgerItem, Owner
from domain_provider.models import parse_properties
from tools.local.ledger import LEDGER_TABLE, create_ledger_table

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
            ledger.claim(domain, owner, f"request-{contender}", {}, {}, properties)
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


def test_a_claim_keeps_found_and_adds_only_new_tag_keys(ledger: Any):
    store = Ledger(ledger, LEDGER_TABLE)
    owner = Owner(STACK.format(1, 1), "Settings")
    properties = parse_properties({"DomainName": "crm"})

    first, taken = store.claim(
        "crm", owner, "r1", {"DefaultExpirationDays": 365}, {"a": "1"}, properties
    )
    again, taken_again = store.claim(
        "crm", owner, "r2", {"DefaultExpirationDays": 9}, {"a": "changed", "b": None}, properties
    )

    assert taken
    assert not taken_again
    assert first.found == again.found == {"DefaultExpirationDays": 365}
    assert again.found_tags == {"a": "1", "b": None}


def test_a_claim_held_by_another_names_it_and_its_release_does_nothing(ledger: Any):
    store = Ledger(ledger, LEDGER_TABLE)
    properties = parse_properties({"DomainName": "crm"})
    holder, other = Owner(STACK.format(1, 1), "Holder"), Owner(STACK.format(2, 2), "Other")
    store.claim("crm", holder, "r1", {}, {}, properties)

    with pytest.raises(Claimed) as claimed:
        store.claim("crm", other, "r2", {}, {}, properties)

    assert claimed.value.item.owner_logical_resource_id == "Holder"
    assert store.release("crm", other) is False
    assert store.release("crm", holder) is True
    assert store.get("crm") is None

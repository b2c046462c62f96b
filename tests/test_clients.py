"""The container's clients (aws.py): a cold Create builds its Customer Profiles client while its
claim is on the way to DynamoDB, not after it; what building it raised fails the event, which
releases the claim it took."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest

from domain_provider.clients import built_beside, customer_profiles_client
from tests.support.lifecycle import delete_of, item
from tools.local.cloudformation import invoke, load_event

REAL_CLIENT = boto3.client


def test_a_cold_create_builds_its_customer_profiles_client_while_the_claim_is_in_flight(
    profiles, cfn, ledger, monkeypatch: pytest.MonkeyPatch
):
    built = threading.Event()

    def client(service: str, **kwargs: Any) -> Any:
        made = REAL_CLIENT(service, **kwargs)
        if service == "customer-profiles":
            built.set()
        return made

    monkeypatch.setattr(boto3, "client", client)
    # The claim waits (generously) for the client: built after the claim, it would never come.
    waited: list[bool] = []
    ledger.meta.events.register(
        "before-call.dynamodb.UpdateItem",
        lambda **_: waited.append(built.wait(timeout=30)) if not waited else None,
    )

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert waited == [True]


def test_a_warm_container_uses_its_built_client_without_a_thread(monkeypatch):
    client = customer_profiles_client()
    monkeypatch.setattr(threading, "Thread", None)  # no thread may be started

    waiter = built_beside(customer_profiles_client, "Customer Profiles")

    assert waiter is customer_profiles_client
    assert waiter() is client


def test_a_client_that_cannot_be_built_fails_the_create_which_releases_its_claim(
    profiles, cfn, ledger, monkeypatch: pytest.MonkeyPatch
):
    def client(service: str, **kwargs: Any) -> Any:
        if service == "customer-profiles":
            raise ValueError("no such endpoint")
        return REAL_CLIENT(service, **kwargs)

    monkeypatch.setattr(boto3, "client", client)

    failed = invoke(load_event("create.json"), cfn)

    assert failed["Status"] == "FAILED"
    assert failed["Reason"].startswith(
        "The Customer Profiles client could not be built (ValueError); check the provider "
        "function's configuration and retry (no such endpoint)"
    ), failed["Reason"]
    assert profiles.operations() == []  # the domain was never read, let alone changed
    assert item(ledger) is None, "the claim it took is released"
    monkeypatch.setattr(boto3, "client", REAL_CLIENT)
    delete = delete_of(load_event("create.json"))
    delete["PhysicalResourceId"] = failed["PhysicalResourceId"]
    assert invoke(delete, cfn)["Status"] == "SUCCESS"

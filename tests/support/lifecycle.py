"""The lifecycle tests' shared view: a domain as another team left it, the domain without its
last-change time, the ledger item as the provider reads it, and the Delete of a Create."""

from __future__ import annotations

import copy
from typing import Any

from domain_provider.ledger import LedgerItem
from tests.support.aws import ARN, DOMAIN, state
from tools.local.cloudformation import load_event
from tools.local.ledger import LEDGER_TABLE

THEIR_KEY = "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-someone-else"


def item(ledger: Any, name: str = DOMAIN) -> LedgerItem | None:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": name}})
    return LedgerItem.from_item(answer["Item"]) if "Item" in answer else None


def preconfigure(profiles: Any) -> dict[str, Any]:
    """The domain as another team left it: its own key, identity resolution on, a `team` tag."""
    profiles.handle(
        "UpdateDomain",
        {"DomainName": DOMAIN, "DefaultEncryptionKey": THEIR_KEY, "Matching": {"Enabled": True}},
    )
    profiles.handle("TagResource", {"resourceArn": ARN, "tags": {"team": "someone-else"}})
    profiles.calls.clear()
    return settled(profiles)


def settled(profiles: Any, name: str = DOMAIN) -> dict[str, Any]:
    domain = {**state(profiles, name), "LastUpdatedAt": None}
    profiles.calls.pop()
    return domain


def delete_of(create: dict[str, Any], on_delete: str | None = None) -> dict[str, Any]:
    event = load_event("delete.json")
    event["ResourceProperties"] = copy.deepcopy(create["ResourceProperties"])
    event["PhysicalResourceId"] = create["ResourceProperties"]["DomainName"]
    if on_delete:
        event["ResourceProperties"]["OnDelete"] = on_delete
    return event

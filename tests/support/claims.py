"""Claims as the ledger holds them (the raw item), and sample events with other properties or
another envelope."""

from __future__ import annotations

from typing import Any

from tests.support.aws import DOMAIN
from tools.local.cloudformation import load_event
from tools.local.ledger import LEDGER_TABLE


def item(ledger: Any) -> dict[str, Any] | None:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    found: dict[str, Any] | None = answer.get("Item")
    return found


def event(name: str, properties: dict[str, Any] | None = None, **envelope: Any) -> dict[str, Any]:
    """A sample event with `properties` (DomainName added) and envelope fields replaced."""
    sample = load_event(name)
    if properties is not None:
        sample["ResourceProperties"] = {"DomainName": DOMAIN, **properties}
        if "OldResourceProperties" in sample:
            sample["OldResourceProperties"] = {"DomainName": DOMAIN, **properties}
    if "PhysicalResourceId" in sample:
        sample["PhysicalResourceId"] = DOMAIN
    sample.update(envelope)
    return sample

"""The ledger command's tests' ledger: three seeded items (one live, one stale, one invalid),
the command run with --json, and the calls it makes (fixtures, registered in tests/conftest.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from domain_provider.ledger_command import main
from domain_provider.members import ABSENT
from tools.local.ledger import LEDGER_TABLE, LOGICAL_ID, STACK_ID, ledger_item, put_ledger_item

DOMAIN, STALE, INVALID = "crm-profiles", "crm-profiles-old", "crm-profiles-eu"
OWNER = f"{STACK_ID}/{LOGICAL_ID}"
OLD_STACK = STACK_ID.replace("stack/crm-profiles/", "stack/crm-legacy/")
PROPERTIES = {"DomainName": DOMAIN, "DefaultExpirationDays": "366"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """The command with --json: its exit status and what it printed."""
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def domains(client: Any) -> list[str]:
    """The domains the ledger holds an item for."""
    items = client.scan(TableName=LEDGER_TABLE, ConsistentRead=True)["Items"]
    return sorted(item["DomainName"]["S"] for item in items)


@pytest.fixture
def seeded(ledger: Any) -> Any:
    """Three items: DOMAIN (its Found with an absent member and tags), STALE (another stack's),
    INVALID (a Found record that is not JSON); the ledger's client."""
    found = {"DefaultExpirationDays": 365, "DeadLetterQueueUrl": ABSENT}
    put_ledger_item(
        ledger,
        ledger_item(DOMAIN, PROPERTIES, found=found, found_tags={"team": None, "env": "prod"}),
    )
    put_ledger_item(
        ledger,
        ledger_item(STALE, {"DomainName": STALE}, stack_id=OLD_STACK, logical_id="Old"),
    )
    invalid = ledger_item(INVALID, {"DomainName": INVALID}, found={"DefaultExpirationDays": 7})
    invalid["Found:Matching.AutoMerging.Enabled"] = {"S": "yes"}
    put_ledger_item(ledger, invalid)
    return ledger


@pytest.fixture
def calls(seeded: Any) -> Iterator[list[str]]:
    """The DynamoDB operations the command calls."""
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    seeded.meta.events.register("before-call.dynamodb", record)
    yield made
    seeded.meta.events.unregister("before-call.dynamodb", record)

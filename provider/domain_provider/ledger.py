"""The ledger: one DynamoDB item per managed domain (the contract's "The ledger"). Read side.

Item format (low-level attribute types):
- `DomainName` S, the partition key;
- `Owner` M {`StackId` S, `LogicalResourceId` S}: the one resource that manages the domain;
- `Found` S: JSON of the domain's settings as first found;
- `FoundTag:<key>` S or NULL: the found value of each managed tag key (NULL: the key was absent);
- `Properties` S: JSON of the validated properties of the last event that changed the domain
  (`model_dump(mode="json", exclude_none=True)`). An item may lack it: the domain then cannot be
  compared, and `LedgerItem.unreadable` says why.
The table's name comes from the environment (`LEDGER_TABLE_NAME`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeDeserializer
from pydantic import ValidationError

from domain_provider.models import DomainProperties, parse_properties
from domain_provider.reasons import format_validation_error

LEDGER_TABLE_ENV = "LEDGER_TABLE_NAME"
FOUND_TAG_PREFIX = "FoundTag:"

_deserialize = TypeDeserializer().deserialize


@dataclass(frozen=True)
class LedgerItem:
    """One domain's item, decoded."""

    domain_name: str
    owner_stack_id: str
    owner_logical_resource_id: str
    found: dict[str, Any] | None = None
    found_tags: dict[str, str | None] = field(default_factory=dict)
    properties: DomainProperties | None = None
    unreadable: str = ""
    """Why `properties` is None: the item has no Properties, or they no longer validate."""

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> LedgerItem:
        """Decode an item as GetItem / Scan return it (low-level attribute values)."""
        plain = {name: _deserialize(value) for name, value in item.items()}
        owner = plain.get("Owner") or {}
        properties, unreadable = _properties(plain.get("Properties"))
        return cls(
            domain_name=plain["DomainName"],
            owner_stack_id=owner.get("StackId", ""),
            owner_logical_resource_id=owner.get("LogicalResourceId", ""),
            found=json.loads(plain["Found"]) if "Found" in plain else None,
            found_tags={
                name.removeprefix(FOUND_TAG_PREFIX): value
                for name, value in plain.items()
                if name.startswith(FOUND_TAG_PREFIX)
            },
            properties=properties,
            unreadable=unreadable,
        )


def _properties(text: str | None) -> tuple[DomainProperties | None, str]:
    if text is None:
        return None, "the ledger item has no properties"
    try:
        return parse_properties(json.loads(text)), ""
    except json.JSONDecodeError as error:
        return None, f"the ledger item's properties are not JSON: {error}"
    except ValidationError as error:
        return (
            None,
            f"the ledger item's properties do not validate: {format_validation_error(error)}",
        )


class Ledger:
    """The ledger table, through a low-level DynamoDB client; botocore errors propagate."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def items(self) -> Iterator[LedgerItem]:
        """Every item, in the table's order (a paginated, strongly consistent Scan)."""
        pages = self._client.get_paginator("scan").paginate(
            TableName=self.table_name, ConsistentRead=True
        )
        for page in pages:
            for item in page.get("Items", []):
                yield LedgerItem.from_item(item)

    def get(self, domain_name: str) -> LedgerItem | None:
        """The domain's item (a strongly consistent GetItem), None when there is none."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key={"DomainName": {"S": domain_name}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return LedgerItem.from_item(item) if item else None

"""The ledger: one DynamoDB item per managed domain (the contract's "The ledger").

Item format 3 (low-level attribute types):
- `DomainName` S, the partition key;
- `Owner` M {`StackId` S, `LogicalResourceId` S}: the one resource that manages the domain;
- `Format` N: the item's format version (3);
- `Found:<member path>` S or NULL: JSON of what the domain held for one member (members.py)
  before a managing resource first set it (NULL: the member was absent); written only where
  none is recorded (`if_not_exists`), removed once an Update that drops the member succeeded;
- `FoundTag:<key>` S or NULL: the same for a tag key;
- `Found` S (format 2, 0.2.0's items): JSON of the domain's settings as found at the Create;
  read as the Found of each of their members where no `Found:<path>` is recorded;
- `ClaimRequestId` S: the RequestId of the event that took the claim (a failed Create releases
  only a claim it took itself);
- `Properties` S: JSON of the validated properties of the last event that changed the domain
  (`model_dump(mode="json", exclude_none=True)`). An item may lack it: the domain then cannot be
  compared, and `LedgerItem.unreadable` says why.
The table's name comes from the settings (`LEDGER_TABLE_NAME`); nobody else reads it.

Errors: a call's botocore error becomes a named error (`LedgerUnavailable`, `AccessDenied`) whose
Reason says that nothing was changed on the domain because of it, here and nowhere else; a failed
claim condition raises `Claimed` with the item that holds the claim.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from domain_provider.aws import dynamodb_client, error_code, watched
from domain_provider.errors import (
    ACCESS_DENIED_CODES,
    AccessDenied,
    LedgerUnavailable,
    ProviderError,
)
from domain_provider.members import ABSENT, live_value
from domain_provider.models import DomainProperties, parse_properties
from domain_provider.progress import Progress
from domain_provider.reasons import format_validation_error
from domain_provider.settings import LEDGER_TABLE_ENV, settings

__all__ = ["LEDGER_TABLE_ENV", "Claimed", "Ledger", "LedgerItem", "Owner", "ledger"]

T = TypeVar("T")
FORMAT = 3
FOUND_PREFIX = "Found:"
FOUND_TAG_PREFIX = "FoundTag:"
LEGACY_FOUND = "Found"


class Found(Mapping[str, Any]):
    """Found, member by member: path → the value the domain held, or ABSENT; a path without a
    record is not in it. A format-2 item's whole settings answer for every member of them."""

    def __init__(self, members: Mapping[str, Any], legacy: Mapping[str, Any] | None = None):
        self._members, self._legacy = dict(members), legacy

    def __getitem__(self, path: str) -> Any:
        if path in self._members:
            return self._members[path]
        if self._legacy is not None:
            return live_value(self._legacy, path)
        raise KeyError(path)

    def __contains__(self, path: object) -> bool:
        return path in self._members or self._legacy is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __len__(self) -> int:
        return len(self._members)

    def __repr__(self) -> str:
        return f"Found({self._members!r}, legacy={self._legacy!r})"


_deserialize = TypeDeserializer().deserialize


@dataclass(frozen=True)
class LedgerItem:
    """One domain's item, decoded."""

    domain_name: str
    owner_stack_id: str
    owner_logical_resource_id: str
    found: Found = field(default_factory=lambda: Found({}))
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
            found=Found(
                {
                    name.removeprefix(FOUND_PREFIX): ABSENT if value is None else json.loads(value)
                    for name, value in plain.items()
                    if name.startswith(FOUND_PREFIX)
                },
                json.loads(plain[LEGACY_FOUND]) if LEGACY_FOUND in plain else None,
            ),
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


@dataclass(frozen=True)
class Owner:
    """The resource that manages a domain: its stack and logical id."""

    stack_id: str
    logical_id: str

    def value(self) -> dict[str, Any]:
        return {"M": {"StackId": {"S": self.stack_id}, "LogicalResourceId": {"S": self.logical_id}}}

    def owns(self, item: LedgerItem) -> bool:
        return (item.owner_stack_id, item.owner_logical_resource_id) == (
            self.stack_id,
            self.logical_id,
        )


class Claimed(Exception):
    """The claim's condition failed: `item` is the item of the resource that holds it."""

    def __init__(self, item: LedgerItem) -> None:
        super().__init__(item.domain_name)
        self.item = item


def ledger(progress: Progress | None = None) -> Ledger:
    """The provider's ledger (its table from the settings), watched by the event's `progress`:
    LedgerUnavailable when the function has no table."""
    table = settings().ledger_table
    if not table:
        raise LedgerUnavailable(
            f"The provider has no ledger: set {LEDGER_TABLE_ENV} (the provider stack does)"
        )
    return Ledger(dynamodb_client(), table, progress)


class Ledger:
    """The ledger table, through a low-level DynamoDB client.

    Writes are conditional: a claim is taken only when the item has no owner or this one, and an
    item is released only by its owner, so two resources never both own a domain, even when their
    events race. With a `progress`, every call reports its attempts to the event and is refused
    once the event is answered."""

    def __init__(self, client: Any, table_name: str, progress: Progress | None = None) -> None:
        self._client = client
        self.table_name = table_name
        self._progress = progress

    def items(self) -> Iterator[LedgerItem]:
        """Every item, in the table's order (a paginated, strongly consistent Scan)."""
        pages = self._run(
            "Scan",
            lambda: list(
                self._client.get_paginator("scan").paginate(
                    TableName=self.table_name, ConsistentRead=True
                )
            ),
        )
        for page in pages:
            for item in page.get("Items", []):
                yield LedgerItem.from_item(item)

    def get(self, domain_name: str) -> LedgerItem | None:
        """The domain's item (a strongly consistent GetItem), None when there is none."""
        response = self._run(
            "GetItem",
            lambda: self._client.get_item(
                TableName=self.table_name,
                Key={"DomainName": {"S": domain_name}},
                ConsistentRead=True,
            ),
        )
        item = response.get("Item")
        return LedgerItem.from_item(item) if item else None

    def write(
        self,
        domain_name: str,
        owner: Owner,
        request_id: str,
        found: Mapping[str, Any] | None = None,
        found_tags: Mapping[str, str | None] | None = None,
        properties: DomainProperties | None = None,
    ) -> tuple[LedgerItem, bool]:
        """Claim the domain for `owner` (or keep its claim), record each member's and tag key's
        found value only where none is recorded yet, and record the properties: one conditional
        UpdateItem. (The item as it is now, whether this request took the claim.) Raises Claimed
        with the owner's item when another resource holds it."""
        names = {"#owner": "Owner", "#rid": "ClaimRequestId", "#format": "Format"}
        values: dict[str, Any] = {
            ":owner": owner.value(),
            ":rid": {"S": request_id},
            ":format": {"N": str(FORMAT)},
        }
        sets = ["#owner = :owner", "#rid = if_not_exists(#rid, :rid)", "#format = :format"]
        if properties is not None:
            names["#props"] = "Properties"
            values[":props"] = {"S": properties.model_dump_json(exclude_none=True)}
            sets.append("#props = :props")
        recorded = [(FOUND_PREFIX + path, _encode(value)) for path, value in (found or {}).items()]
        recorded += [
            (FOUND_TAG_PREFIX + key, {"NULL": True} if value is None else {"S": value})
            for key, value in (found_tags or {}).items()
        ]
        for index, (name, value) in enumerate(sorted(recorded, key=lambda pair: pair[0])):
            names[f"#f{index}"], values[f":f{index}"] = name, value
            sets.append(f"#f{index} = if_not_exists(#f{index}, :f{index})")
        response = self._run(
            "UpdateItem",
            lambda: self._client.update_item(
                TableName=self.table_name,
                Key={"DomainName": {"S": domain_name}},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression="attribute_not_exists(#owner) OR #owner = :owner",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            domain_name,
        )
        attributes = response["Attributes"]
        return LedgerItem.from_item(attributes), attributes["ClaimRequestId"]["S"] == request_id

    def forget(
        self, domain_name: str, owner: Owner, paths: Iterable[str], tag_keys: Iterable[str]
    ) -> bool:
        """Remove the Found records of members and tag keys the resource no longer manages
        (after the change that dropped them succeeded); False when another resource holds the
        claim."""
        names = {"#owner": "Owner"}
        removed = [FOUND_PREFIX + path for path in paths]
        removed += [FOUND_TAG_PREFIX + key for key in tag_keys]
        for index, name in enumerate(removed):
            names[f"#r{index}"] = name
        try:
            self._run(
                "UpdateItem",
                lambda: self._client.update_item(
                    TableName=self.table_name,
                    Key={"DomainName": {"S": domain_name}},
                    UpdateExpression="REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed))),
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":owner": owner.value()},
                ),
                domain_name,
            )
        except Claimed:
            return False
        return True

    def release(self, domain_name: str, owner: Owner) -> bool:
        """Delete the item if `owner` holds it; False when there is none or another holds it."""
        try:
            self._run(
                "DeleteItem",
                lambda: self._client.delete_item(
                    TableName=self.table_name,
                    Key={"DomainName": {"S": domain_name}},
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={"#owner": "Owner"},
                    ExpressionAttributeValues={":owner": owner.value()},
                ),
                domain_name,
            )
        except Claimed:
            return False
        return True

    def _run(self, operation: str, call: Callable[[], T], domain_name: str = "") -> T:
        """Make one call: watched by the event's progress; a failed condition raises Claimed
        with the item that holds the claim, any other error its named error."""
        try:
            if self._progress is None:
                return call()
            with watched(self._client, self._progress):
                return call()
        except ClientError as error:
            if error_code(error) == CONDITION_FAILED:
                held = error.response.get("Item")
                item = LedgerItem.from_item(held) if held else LedgerItem(domain_name, "", "")
                raise Claimed(item) from error
            raise translate(operation, error, self.table_name) from error
        except BotoCoreError as error:
            raise translate(operation, error, self.table_name) from error


CONDITION_FAILED = "ConditionalCheckFailedException"


def _encode(value: Any) -> dict[str, Any]:
    """A member's found value as an attribute: JSON, or NULL for ABSENT."""
    if value is ABSENT:
        return {"NULL": True}
    return {"S": json.dumps(value, sort_keys=True, default=str)}


def translate(operation: str, error: Exception, table: str) -> ProviderError:
    """A ledger error as a Reason: nothing was changed on the domain because of it."""
    code = error_code(error)
    words = str(error)
    if code in ACCESS_DENIED_CODES:
        return AccessDenied(f"dynamodb:{operation}", f"the ledger table {table}", words)
    if code == "ResourceNotFoundException":
        return LedgerUnavailable(
            f"The ledger table {table} does not exist; redeploy the provider stack and retry", words
        )
    return LedgerUnavailable(
        f"The ledger table {table} could not be reached ({code or type(error).__name__}); "
        "retry the stack operation",
        words,
    )

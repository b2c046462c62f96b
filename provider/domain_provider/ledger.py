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
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from domain_provider.clients import NEVER_SENT, dynamodb_client, error_code, watched
from domain_provider.errors import (
    ACCESS_DENIED_CODES,
    AccessDenied,
    LedgerMissing,
    LedgerUnavailable,
    ProviderError,
)
from domain_provider.members import ABSENT, live_value
from domain_provider.models import DomainProperties, parse_properties
from domain_provider.progress import Progress
from domain_provider.reasons import format_validation_error
from domain_provider.settings import LEDGER_TABLE_ENV, settings

if TYPE_CHECKING:
    from domain_provider.aws import StackResource

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
    """One domain's item, decoded and validated (never raises: what is wrong is in `problem`)."""

    domain_name: str
    owner_stack_id: str
    owner_logical_resource_id: str
    found: Found = field(default_factory=lambda: Found({}))
    found_tags: dict[str, str | None] = field(default_factory=dict)
    properties: DomainProperties | None = None
    unreadable: str = ""
    """Why `properties` is None: the item has no Properties, or they no longer validate."""
    problem: str = ""
    """Why the item must not be applied (its Owner, Found or Format is not what this provider
    writes), else ""."""

    @property
    def owner(self) -> Owner:
        return Owner(self.owner_stack_id, self.owner_logical_resource_id)

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> LedgerItem:
        """Decode an item as GetItem / Scan return it (low-level attribute values). Owner's shape
        and Found's shape (JSON, NULL for absent) are checked; Found's values are what the
        service returned and are never judged by the input model; Properties are validated
        against the model (only drift needs them)."""
        problems: list[str] = []
        plain: dict[str, Any] = {}
        for name, value in item.items():
            try:
                plain[name] = _deserialize(value)
            except (TypeError, ValueError) as error:
                problems.append(f"{name} is not a DynamoDB value ({error})")
        owner = plain.get("Owner")
        if not (
            isinstance(owner, dict)
            and isinstance(owner.get("StackId"), str)
            and isinstance(owner.get("LogicalResourceId"), str)
            and owner["StackId"]
            and owner["LogicalResourceId"]
        ):
            problems.append("its Owner is not a StackId and a LogicalResourceId")
            owner = {}
        written = plain.get("Format", 2)
        if not isinstance(written, int | Decimal) or written > FORMAT:
            problems.append(f"its Format {written} is newer than this provider's ({FORMAT})")
        members = {}
        for name, value in plain.items():
            if name.startswith(FOUND_PREFIX):
                members[name.removeprefix(FOUND_PREFIX)] = _found_value(name, value, problems)
        legacy = plain.get(LEGACY_FOUND)
        if legacy is not None:
            legacy = _found_value(LEGACY_FOUND, legacy, problems)
            if not isinstance(legacy, dict):
                problems.append(f"{LEGACY_FOUND} is not a JSON object of settings")
                legacy = None
        found_tags = {}
        for name, value in plain.items():
            if name.startswith(FOUND_TAG_PREFIX):
                if value is not None and not isinstance(value, str):
                    problems.append(f"{name} is not a string or NULL")
                found_tags[name.removeprefix(FOUND_TAG_PREFIX)] = value
        properties, unreadable = _properties(plain.get("Properties"))
        return cls(
            domain_name=str(plain.get("DomainName", "")),
            owner_stack_id=owner.get("StackId", ""),
            owner_logical_resource_id=owner.get("LogicalResourceId", ""),
            found=Found(members, legacy),
            found_tags=found_tags,
            properties=properties,
            unreadable=unreadable,
            problem="; ".join(problems),
        )


def _found_value(name: str, value: Any, problems: list[str]) -> Any:
    """A found value from its attribute: JSON text, or NULL for absent."""
    if value is None:
        return ABSENT
    if not isinstance(value, str):
        problems.append(f"{name} is not JSON text or NULL")
        return ABSENT
    try:
        return json.loads(value)
    except json.JSONDecodeError as error:
        problems.append(f"{name} is not JSON ({error.msg} at {error.pos})")
        return ABSENT


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


STALE_STATUSES = frozenset({"DELETE_COMPLETE", "DELETE_SKIPPED"})


def owner_is_local(owner: Owner, account: str, region: str) -> bool:
    """Whether the owner's stack is of this account and region (else it is stale without a
    call: this provider can never hear from it)."""
    parts = owner.stack_id.split(":")
    return len(parts) > 5 and parts[3] == region and parts[4] == account


def staleness(owner: Owner, domain_name: str, resource: StackResource | None) -> tuple[bool, str]:
    """Whether a claim's owner no longer holds the domain in CloudFormation, judged by settled
    states only, and why (the contract's stale rule). `resource`: what DescribeStackResource said
    of it; None for an owner of another account or region."""
    if resource is None:
        return True, "its stack is of another account or region"
    if resource.unreadable:
        return False, f"its state could not be read ({resource.unreadable})"
    if not resource.exists:
        return True, "its stack or its resource no longer exists"
    if resource.status in STALE_STATUSES:
        return True, f"its resource is {resource.status}"
    if resource.status.endswith("_IN_PROGRESS"):
        return False, f"its resource is {resource.status}"
    if resource.status.endswith("_COMPLETE") and resource.physical_id != domain_name:
        return True, f"its resource is {resource.status} with another physical id"
    return False, f"its resource is {resource.status} and holds the domain"


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
        holder: Owner | None = None,
    ) -> tuple[LedgerItem, bool]:
        """Claim the domain for `owner` (or keep its claim), record each member's and tag key's
        found value only where none is recorded yet, and record the properties: one conditional
        UpdateItem. (The item as it is now, whether this request took the claim.) Raises Claimed
        with the owner's item when another resource holds it. With `holder`, the claim is taken
        over from that (stale) owner, and only from it; Found stays what it was."""
        names = {"#owner": "Owner", "#rid": "ClaimRequestId", "#format": "Format"}
        values: dict[str, Any] = {
            ":owner": owner.value(),
            ":rid": {"S": request_id},
            ":format": {"N": str(FORMAT)},
        }
        sets = ["#owner = :owner", "#format = :format"]
        if holder is None:
            condition = "(attribute_not_exists(#owner) OR #owner = :owner)"
            sets.append("#rid = if_not_exists(#rid, :rid)")
        else:
            condition = "#owner = :holder"
            values[":holder"] = holder.value()
            sets.append("#rid = :rid")
        # An item of a newer format is never rewritten as this one's: the failed condition
        # returns it, and reading it says it is newer (LedgerItem.problem).
        condition += " AND (attribute_not_exists(#format) OR #format <= :format)"
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
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            ),
            domain_name,
        )
        attributes = response["Attributes"]
        return LedgerItem.from_item(attributes), attributes["ClaimRequestId"]["S"] == request_id

    def hand_back(self, domain_name: str, owner: Owner, holder: Owner) -> bool:
        """Give a claim taken over from `holder` back to it (a Create that took it over failed
        before changing anything): its Found stays. False when `owner` no longer holds it."""
        return self._if_owned(
            "UpdateItem",
            domain_name,
            owner,
            UpdateExpression="SET #owner = :holder",
            values={":holder": holder.value()},
        )

    def forget(
        self, domain_name: str, owner: Owner, paths: Iterable[str], tag_keys: Iterable[str]
    ) -> bool:
        """Remove the Found records of members and tag keys the resource no longer manages
        (after the change that dropped them succeeded); False when another resource holds the
        claim."""
        removed = [FOUND_PREFIX + path for path in paths]
        removed += [FOUND_TAG_PREFIX + key for key in tag_keys]
        return self._if_owned(
            "UpdateItem",
            domain_name,
            owner,
            UpdateExpression="REMOVE " + ", ".join(f"#r{i}" for i in range(len(removed))),
            names={f"#r{index}": name for index, name in enumerate(removed)},
        )

    def release(self, domain_name: str, owner: Owner) -> bool:
        """Delete the item if `owner` holds it; False when there is none or another holds it."""
        return self._if_owned("DeleteItem", domain_name, owner)

    def _if_owned(
        self,
        operation: str,
        domain_name: str,
        owner: Owner,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        **request: Any,
    ) -> bool:
        """One write on the condition that `owner` holds the claim; False when it does not."""
        write = self._client.update_item if operation == "UpdateItem" else self._client.delete_item
        try:
            self._run(
                operation,
                lambda: write(
                    TableName=self.table_name,
                    Key={"DomainName": {"S": domain_name}},
                    ConditionExpression="#owner = :owner",
                    ExpressionAttributeNames={"#owner": "Owner", **(names or {})},
                    ExpressionAttributeValues={":owner": owner.value(), **(values or {})},
                    **request,
                ),
                domain_name,
            )
        except Claimed:
            return False
        return True

    def _run(self, operation: str, call: Callable[[], T], domain_name: str = "") -> T:
        """Make one call: watched by the event's progress; a failed condition raises Claimed
        with the item that holds the claim, any other error its named error (a write that may
        have landed says so)."""
        landed = []

        def on_attempt(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
            if (caught_exception is not None and not isinstance(caught_exception, NEVER_SENT)) or (
                response is not None and response[0].status_code >= 500
            ):
                landed.append(operation)

        events = self._client.meta.events
        events.register("needs-retry.dynamodb", on_attempt, unique_id=LANDED_HOOK)
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
            raise translate(operation, error, self.table_name, bool(landed)) from error
        except BotoCoreError as error:
            raise translate(operation, error, self.table_name, bool(landed)) from error
        finally:
            events.unregister("needs-retry.dynamodb", unique_id=LANDED_HOOK)


CONDITION_FAILED = "ConditionalCheckFailedException"
LANDED_HOOK = "domain-provider-ledger-landed"
WRITES = frozenset({"UpdateItem", "DeleteItem"})


def _encode(value: Any) -> dict[str, Any]:
    """A member's found value as an attribute: JSON, or NULL for ABSENT."""
    if value is ABSENT:
        return {"NULL": True}
    return {"S": json.dumps(value, sort_keys=True, default=str)}


def translate(operation: str, error: Exception, table: str, landed: bool = False) -> ProviderError:
    """A ledger error as a Reason: nothing was changed on the domain because of it. `landed`:
    an attempt may have reached the table (a 5xx, a connection lost after sending)."""
    code = error_code(error)
    words = str(error)
    if code in ACCESS_DENIED_CODES:
        return AccessDenied(f"dynamodb:{operation}", f"the ledger table {table}", words)
    if code == "ResourceNotFoundException":
        return LedgerMissing(
            f"The ledger table {table} does not exist; redeploy the provider stack and retry", words
        )
    failure = LedgerUnavailable(
        f"The ledger table {table} could not be reached ({code or type(error).__name__}); "
        "retry the stack operation",
        words,
    )
    failure.may_have_landed = landed and operation in WRITES
    return failure


def main(argv: Sequence[str] | None = None) -> int:
    """The operator's command (ledger_command.py), for `python -m domain_provider.ledger`."""
    from domain_provider.ledger_command import main as command

    return command(argv)


if __name__ == "__main__":
    sys.exit(main())

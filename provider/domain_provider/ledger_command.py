"""The ledger command: `python -m domain_provider.ledger VERB … [--table T] [--json]`, an
operator's view of the ledger and its one repair, instead of hand edits to DynamoDB.

Verbs:
- `list`: every item (one strongly consistent Scan): domain, owner, format, how many members
  (tag keys included) have a Found record, and the problem of an item that does not validate;
- `show DOMAIN`: one item decoded (one GetItem): owner, Found member by member (`absent` where
  the domain held nothing), FoundTag key by key, Properties, problem;
- `release DOMAIN --owner STACK_ID/LOGICAL_ID [--force]`: delete the item, on the condition that
  it is still held by exactly that owner (the provider's own conditional DeleteItem,
  `Ledger.release`); never an unconditional delete.

Rules:
- Read-only unless the verb is `release`.
- `release` refuses a live owner unless `--force`: the owner is judged as the provider judges a
  claim it meets (`ledger.staleness`: one DescribeStackResource by the owner's StackId; an owner
  of another account or region than the caller's is stale without a call; one whose state
  cannot be read is live). An item whose Owner is malformed has no owner to name: only
  `--force` releases it, on the condition that its Owner is still what was read.
- Exit status: 0 done, 1 refused (a live owner without `--force`, another owner than the one
  named, no such item), 2 could not run (no table, access denied, throttled, …). An access
  denial says which role to run as: the table's resource policy denies item writes to every
  principal but the provider's and the break-glass role's.
- The table comes from `--table` or LEDGER_TABLE_NAME (as for the function); credentials and
  region the usual boto3 way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from domain_provider.aws import describe_stack_resource
from domain_provider.clients import dynamodb_client, error_code
from domain_provider.drift_command import _stack_name as stack_name
from domain_provider.errors import AccessDenied, ProviderError
from domain_provider.ledger import (
    FOUND_PREFIX,
    LEGACY_FOUND,
    Ledger,
    LedgerItem,
    Owner,
    owner_is_local,
    staleness,
    translate,
)
from domain_provider.members import ABSENT
from domain_provider.progress import Progress
from domain_provider.settings import LEDGER_TABLE_ENV, settings

T = TypeVar("T")
EXIT_DONE, EXIT_REFUSED, EXIT_COULD_NOT_RUN = 0, 1, 2
BREAK_GLASS = (
    "run it as the provider stack's break-glass role (parameter LedgerBreakGlassRoleArn): the "
    "ledger table's resource policy denies item writes to everyone else. No break-glass role? "
    "Update the provider stack to set LedgerBreakGlassRoleArn, or delete the owner's stack "
    "retaining the resource and let the stale rule free the claim"
)
EPILOG = (
    "Exit status: 0 done, 1 refused (a live owner without --force, another owner than --owner, "
    "no such item), 2 could not run (no table, access denied, throttled). Only `release` "
    "writes; run it as the break-glass role (LedgerBreakGlassRoleArn)."
)


class Refused(Exception):
    """The command will not do it (exit 1); the message says why and what to do."""


class CouldNotRun(Exception):
    """The ledger (or the caller's identity) could not be read or written (exit 2)."""


@dataclass(frozen=True)
class Entry:
    """One item as read: decoded and validated (`item`), and its attributes as stored."""

    item: LedgerItem
    attributes: Mapping[str, Any]

    @property
    def format(self) -> str:
        """The item's Format; "2" for an item without one (0.2.0 wrote none)."""
        written = self.attributes.get("Format", {"N": "2"})
        return str(next(iter(written.values()))) if isinstance(written, dict) else str(written)

    @property
    def legacy_found(self) -> Any:
        """A format-2 item's whole settings as found at its Create (None when it has none)."""
        text = self.attributes.get(LEGACY_FOUND, {}).get("S")
        try:
            return json.loads(text) if text is not None else None
        except json.JSONDecodeError:
            return text

    @property
    def found_count(self) -> int:
        """Members with a Found record: member paths and tag keys (a format-2 item's whole
        settings count as one each)."""
        legacy = self.legacy_found
        return (
            len(self.item.found)
            + len(self.item.found_tags)
            + (len(legacy) if isinstance(legacy, dict) else 0)
        )

    def found(self) -> list[tuple[str, Any]]:
        """Found member by member, in path order: the value, ABSENT, or Unreadable (a record
        that is not JSON: the item's problem names it)."""
        rows = []
        for path in sorted(self.item.found):
            value = self.item.found[path]
            stored = self.attributes.get(FOUND_PREFIX + path, {})
            if value is ABSENT and "NULL" not in stored:
                value = Unreadable(next(iter(stored.values()), None))
            rows.append((path, value))
        return rows

    def as_json(self, whole: bool = False) -> dict[str, Any]:
        item = self.item
        summary: dict[str, Any] = {
            "domain": item.domain_name,
            "stack_id": item.owner_stack_id,
            "logical_resource_id": item.owner_logical_resource_id,
            "format": self.format,
            "found_members": self.found_count,
            "problem": item.problem,
        }
        if not whole:
            return summary
        legacy = self.legacy_found
        return {
            **summary,
            "found": [_found_json("member", path, value) for path, value in self.found()],
            "found_tags": [
                _found_json("key", key, ABSENT if value is None else value)
                for key, value in sorted(item.found_tags.items())
            ],
            **({"legacy_found": legacy} if legacy is not None else {}),
            "properties": _properties(item),
            **({"properties_unreadable": item.unreadable} if item.unreadable else {}),
        }


@dataclass(frozen=True)
class Unreadable:
    """A Found record as stored, when it is not what the provider writes."""

    stored: Any


def _found_json(name: str, which: str, value: Any) -> dict[str, Any]:
    if value is ABSENT:
        return {name: which, "absent": True}
    if isinstance(value, Unreadable):
        return {name: which, "unreadable": value.stored}
    return {name: which, "value": value}


def _properties(item: LedgerItem) -> Any:
    if item.properties is None:
        return None
    return item.properties.model_dump(mode="json", exclude_none=True)


class LedgerReader:
    """The table's items as stored (the command shows their Format, which the decoded items
    drop); every error becomes the ledger's named error, then CouldNotRun."""

    def __init__(self, client: Any, table: str) -> None:
        self.client, self.table = client, table

    def entries(self) -> list[Entry]:
        pages = self._run(
            "Scan",
            lambda: list(
                self.client.get_paginator("scan").paginate(
                    TableName=self.table, ConsistentRead=True
                )
            ),
        )
        items = [item for page in pages for item in page.get("Items", [])]
        entries = [Entry(LedgerItem.from_item(item), item) for item in items]
        return sorted(entries, key=lambda entry: entry.item.domain_name)

    def entry(self, domain_name: str) -> Entry:
        """The domain's item; Refused when there is none."""
        response = self._run(
            "GetItem",
            lambda: self.client.get_item(
                TableName=self.table, Key={"DomainName": {"S": domain_name}}, ConsistentRead=True
            ),
        )
        item = response.get("Item")
        if not item:
            raise Refused(f"no item for {domain_name!r} in the ledger table {self.table!r}")
        return Entry(LedgerItem.from_item(item), item)

    def delete_as_read(self, entry: Entry) -> bool:
        """Delete an item whose Owner is malformed, on the condition that its Owner is still what
        was read; False when it changed meanwhile."""
        held = entry.attributes.get("Owner")
        condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(#owner)"}
        if held is not None:
            condition = {
                "ConditionExpression": "#owner = :owner",
                "ExpressionAttributeValues": {":owner": held},
            }
        try:
            self._run(
                "DeleteItem",
                lambda: self.client.delete_item(
                    TableName=self.table,
                    Key={"DomainName": {"S": entry.item.domain_name}},
                    ExpressionAttributeNames={"#owner": "Owner"},
                    **condition,
                ),
            )
        except ConditionFailed:
            return False
        return True

    def _run(self, operation: str, call: Callable[[], T]) -> T:
        try:
            return call()
        except (ClientError, BotoCoreError) as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise ConditionFailed from error
            failure = translate(operation, error, self.table)
            raise could_not_run(operation, self.table, failure) from error


class ConditionFailed(Exception):
    """A conditional write found the item changed."""


def could_not_run(operation: str, table: str, error: ProviderError) -> CouldNotRun:
    """A ledger error as the command's: an access denial says which role to run as."""
    if isinstance(error, AccessDenied):
        return CouldNotRun(
            f"access denied: dynamodb:{operation} on the ledger table {table}; {BREAK_GLASS} "
            f"({error.detail})"
        )
    return CouldNotRun(str(error))


@dataclass(frozen=True)
class Report:
    """What a verb did: its JSON and its text."""

    data: dict[str, Any]
    text: str


def list_items(reader: LedgerReader, _: argparse.Namespace) -> Report:
    entries = reader.entries()
    rows = [("DOMAIN", "STACK", "LOGICAL ID", "FORMAT", "FOUND", "PROBLEM")]
    rows += [
        (
            entry.item.domain_name,
            stack_name(entry.item.owner_stack_id) or "(none)",
            entry.item.owner_logical_resource_id or "(none)",
            entry.format,
            str(entry.found_count),
            entry.item.problem,
        )
        for entry in entries
    ]
    invalid = sum(bool(entry.item.problem) for entry in entries)
    summary = f"{len(entries)} item(s) in ledger table {reader.table!r}, {invalid} invalid"
    text = "\n".join([*_columns(rows), summary] if entries else [summary])
    data = {"table": reader.table, "items": [entry.as_json() for entry in entries]}
    return Report(data, text)


def _columns(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def show_item(reader: LedgerReader, args: argparse.Namespace) -> Report:
    entry = reader.entry(args.domain)
    item = entry.item
    lines = [
        f"Domain:   {item.domain_name} (ledger table {reader.table!r})",
        f"Owner:    {_owner_text(item)}",
        f"Format:   {entry.format}",
    ]
    lines += [f"Problem:  {item.problem}"] if item.problem else []
    lines.append("Found (what the domain held before a managing resource first set it):")
    lines += [f"  {path}: {_shown(value)}" for path, value in entry.found()]
    for key, value in sorted(item.found_tags.items()):
        lines.append(f"  tag {key}: {_shown(ABSENT if value is None else value)}")
    if entry.legacy_found is not None:
        lines.append(f"  (format 2, whole settings) {_shown(entry.legacy_found)}")
    if not (item.found or item.found_tags or entry.legacy_found is not None):
        lines.append("  (nothing recorded)")
    properties = _properties(item)
    if properties is None:
        lines.append(f"Properties: none usable: {item.unreadable}")
    else:
        lines.append("Properties: " + json.dumps(properties, indent=2, sort_keys=True))
    return Report({"table": reader.table, **entry.as_json(whole=True)}, "\n".join(lines))


def _owner_text(item: LedgerItem) -> str:
    if not (item.owner_stack_id and item.owner_logical_resource_id):
        return "(malformed: see Problem)"
    return f"{item.owner_logical_resource_id} in stack {item.owner_stack_id}"


def _shown(value: Any) -> str:
    if isinstance(value, Unreadable):
        return f"unreadable: {value.stored!r}"
    return "absent" if value is ABSENT else json.dumps(value, separators=(",", ":"))


def release_item(reader: LedgerReader, args: argparse.Namespace) -> Report:
    """Release the domain's claim: see the module's rules."""
    entry = reader.entry(args.domain)
    item = entry.item
    done = {"table": reader.table, "domain": item.domain_name, "released": True}
    if not (item.owner_stack_id and item.owner_logical_resource_id):
        if not args.force:
            raise Refused(
                f"the item of {item.domain_name!r} has a malformed Owner ({item.problem}): only "
                "--force releases it"
            )
        if not reader.delete_as_read(entry):
            raise changed(item)
        text = f"Released {item.domain_name!r} (its Owner was malformed; --force)"
        malformed = {"owner": None, "owner_state": "malformed", "why": item.problem}
        return Report({**done, **malformed, "forced": True}, text)
    named = parse_owner(args.owner)
    if named is None:
        raise Refused(
            f"name the owner to release {item.domain_name!r}: --owner "
            f"{item.owner_stack_id}/{item.owner_logical_resource_id}"
        )
    if not named.owns(item):
        raise Refused(
            f"{item.domain_name!r} is held by {_owner_text(item)}, not by {named.logical_id} in "
            f"stack {named.stack_id}; nothing released"
        )
    stale, why = judge(item)
    if not stale and not args.force:
        raise Refused(
            f"the owner of {item.domain_name!r}, {_owner_text(item)}, is live ({why}): hand the "
            "domain over through its stack (docs/operations.md, Hand a domain over), or pass "
            "--force if it no longer manages the domain; nothing released"
        )
    try:
        released = Ledger(reader.client, reader.table).release(item.domain_name, item.owner)
    except ProviderError as error:
        raise could_not_run("DeleteItem", reader.table, error) from error
    if not released:
        raise changed(item)
    state = "stale" if stale else "live"
    text = (
        f"Released {item.domain_name!r} from {_owner_text(item)} (owner {state}: {why}"
        f"{'; --force' if not stale else ''})"
    )
    owner = {"stack_id": named.stack_id, "logical_resource_id": named.logical_id}
    return Report(
        {**done, "owner": owner, "owner_state": state, "why": why, "forced": not stale}, text
    )


def changed(item: LedgerItem) -> Refused:
    return Refused(f"the item of {item.domain_name!r} changed while being released; look again")


def parse_owner(text: str | None) -> Owner | None:
    """`STACK_ID/LOGICAL_ID` (a StackId has slashes, a logical id none); None when not given."""
    if not text:
        return None
    stack_id, _, logical_id = text.rpartition("/")
    if not (stack_id and logical_id):
        raise Refused(f"--owner must be STACK_ID/LOGICAL_ID, got {text!r}")
    return Owner(stack_id, logical_id)


def judge(item: LedgerItem) -> tuple[bool, str]:
    """Whether the item's owner is stale, and why, by the provider's rule: one
    DescribeStackResource, none for an owner of another account or region than the caller's."""
    try:
        sts = boto3.client("sts")
        account, region = sts.get_caller_identity()["Account"], sts.meta.region_name
    except (BotoCoreError, ClientError) as error:
        reason = f"could not tell the caller's account (sts:GetCallerIdentity: {error})"
        raise CouldNotRun(reason) from error
    resource = None
    if owner_is_local(item.owner, account, region):
        resource = describe_stack_resource(
            item.owner_stack_id, item.owner_logical_resource_id, Progress()
        )
    return staleness(item.owner, item.domain_name, resource)


VERBS: dict[str, Callable[[LedgerReader, argparse.Namespace], Report]] = {
    "list": list_items,
    "show": show_item,
    "release": release_item,
}


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--table", default=settings().ledger_table, help=f"default: ${LEDGER_TABLE_ENV}"
    )
    common.add_argument("--json", action="store_true", help="print JSON")
    command = argparse.ArgumentParser(
        prog="python -m domain_provider.ledger",
        description="Look at the provider's ledger, or release a domain's claim.",
        epilog=EPILOG,
    )
    verbs = command.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("list", parents=[common], help="every item", epilog=EPILOG)
    show = verbs.add_parser("show", parents=[common], help="one item, decoded", epilog=EPILOG)
    show.add_argument("domain", metavar="DOMAIN")
    release = verbs.add_parser(
        "release",
        parents=[common],
        help="delete a domain's item if that owner still holds it (refuses a live owner)",
        epilog=EPILOG,
    )
    release.add_argument("domain", metavar="DOMAIN")
    release.add_argument("--owner", metavar="STACK_ID/LOGICAL_ID", help="the owner it must have")
    release.add_argument(
        "--force",
        action="store_true",
        help="release a live owner's claim, or an item whose Owner is malformed",
    )
    return command


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    table: str = args.table or ""
    try:
        if not table:
            raise CouldNotRun(f"no ledger table: pass --table or set {LEDGER_TABLE_ENV}")
        report = VERBS[args.verb](LedgerReader(dynamodb_client(), table), args)
    except Refused as refused:
        return _failed(EXIT_REFUSED, "refused", f"Refused: {refused}", table, args.json)
    except CouldNotRun as error:
        return _failed(EXIT_COULD_NOT_RUN, "error", f"Could not run: {error}", table, args.json)
    print(json.dumps(report.data, indent=2, default=str) if args.json else report.text)
    return EXIT_DONE


def _failed(status: int, key: str, message: str, table: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"table": table, key: message.split(": ", 1)[1]}, indent=2))
    else:
        print(message, file=sys.stderr)
    return status

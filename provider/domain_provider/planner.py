"""Pure planning: a Request → the Customer Profiles calls to make, in order.

Every decision that depends only on data lives here (and is table-tested with plain values):
- Create (and the new domain of a replacement) sends every given setting and the tags in one
  UpdateDomain.
- Update of the same domain sends only what changed, undoes what the new properties removed, and
  diffs tags against the old properties only: TagResource for added or changed keys,
  UntagResource for removed keys. With no setting to send it reads the domain (GetDomain) for
  the response Data instead.
- A changed DomainName is a replacement, configured as Create, answered with the new name.
- The rollback of a failed replacement (the old properties name another domain) applies the new
  properties in full and undoes nothing: nothing in the old ones was set on this domain.
- Delete undoes what the properties set; nothing at all for `OnDelete: Retain`, a made-up
  physical id or properties that do not validate.
- Undoing: a key or queue is cleared with `""`; Matching, RuleBasedMatching and DataStore that the
  resource enabled are disabled; DefaultExpirationDays cannot be cleared and stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from domain_provider.errors import InvalidProperties
from domain_provider.models import SETTINGS, DomainProperties, setting
from domain_provider.request import Request

TOGGLES = ("Matching", "RuleBasedMatching", "DataStore")
CLEARABLE = ("DefaultEncryptionKey", "DeadLetterQueueUrl")

Operation = Literal["GetDomain", "UpdateDomain", "TagResource", "UntagResource"]
MUTATING: frozenset[str] = frozenset({"UpdateDomain", "TagResource", "UntagResource"})


@dataclass(frozen=True)
class Call:
    """One Customer Profiles call: the operation and its whole request."""

    operation: Operation
    request: Mapping[str, Any]

    def describe(self) -> str:
        """What the call changes, for the log's Plan line."""
        if self.operation == "UpdateDomain":
            members = [_describe(k, v) for k, v in self.request.items() if k != "DomainName"]
            return f"UpdateDomain({', '.join(members) or 'no settings'})"
        if self.operation == "TagResource":
            return f"TagResource({', '.join(sorted(self.request['tags']))})"
        if self.operation == "UntagResource":
            return f"UntagResource({', '.join(self.request['tagKeys'])})"
        return self.operation


@dataclass(frozen=True)
class Plan:
    """What one event does: the calls in order, and the physical ids to answer with."""

    physical_id: str
    """The id answered once the calls succeeded (the domain name, or the event's own id)."""
    unchanged_id: str
    """The id answered when the event fails before anything may have changed."""
    domain_name: str | None = None
    """The domain the calls act on; None when the event touches no domain."""
    arn: str = ""
    calls: tuple[Call, ...] = ()
    note: str = ""
    """Why there is nothing to do, or what kind of change this is, for the log."""
    hint: str = ""
    """Appended to the action of an AWS error's Reason (Delete: how to go on)."""

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(call.operation for call in self.calls)

    def summary(self) -> str:
        """One line that says what will change, for the log."""
        if not self.calls:
            return f"domain {self.domain_name}: nothing to change" + (
                f" ({self.note})" if self.note else ""
            )
        parts = " then ".join(call.describe() for call in self.calls)
        return f"domain {self.domain_name}: {parts}"

    @property
    def activity(self) -> str:
        """The calls, for a timeout's Reason."""
        return f"{' + '.join(self.operations)} on domain {self.domain_name!r}"


def plan(request: Request) -> Plan:
    """The plan for one event (InvalidProperties for Create/Update properties that fail)."""
    if request.request_type == "Delete":
        return plan_delete(request)
    new = request.properties
    if new is None:
        raise InvalidProperties(request.invalid or "Properties: cannot be read")
    if request.request_type == "Create":
        return _configure(request, new, unchanged_id=request.failed_create_id)
    assert request.physical_id is not None  # checked by the envelope
    if request.physical_id != new.DomainName:
        return _configure(request, new, unchanged_id=request.physical_id, note="replacement")
    old = request.old
    if old is None or old.DomainName != new.DomainName:
        # Old properties unreadable, or naming another domain (the rollback of a failed
        # replacement): nothing in them was set on this domain, so apply the new ones in full.
        return _base(request, new, request.physical_id, _full_update(request, new))
    return _base(request, new, request.physical_id, _update(request, new, old))


def plan_delete(request: Request) -> Plan:
    """Delete: undo what the properties set; no call for Retain, a made-up id or bad properties."""
    physical_id = request.physical_id or ""
    properties = request.properties
    if properties is None:
        return Plan(physical_id, physical_id, note=f"properties do not validate: {request.invalid}")
    if physical_id != properties.DomainName:
        return Plan(physical_id, physical_id, note="no domain was configured under this id")
    calls: tuple[Call, ...] = ()
    if properties.OnDelete != "Retain":
        arn = request.domain_arn(properties.DomainName)
        undo: dict[str, Any] = {}
        for name in SETTINGS:
            value = setting(properties, name)
            if value is not None:
                undo.update(_undo(name, value))
        calls = _calls(properties.DomainName, arn, undo, {}, tuple(properties.Tags))
    return Plan(
        physical_id,
        physical_id,
        properties.DomainName,
        request.domain_arn(properties.DomainName),
        calls,
        note=f"OnDelete: {properties.OnDelete}",
        hint=f", or delete the stack retaining {request.logical_id}",
    )


def _configure(request: Request, new: DomainProperties, unchanged_id: str, note: str = "") -> Plan:
    """Create, or the new domain of a replacement: everything given, in one UpdateDomain."""
    update: dict[str, Any] = {"DomainName": new.DomainName, **_given(new)}
    if new.Tags:
        update["Tags"] = dict(new.Tags)
    call = Call("UpdateDomain", update)
    return Plan(
        new.DomainName,
        unchanged_id,
        new.DomainName,
        request.domain_arn(new.DomainName),
        (call,),
        note=note,
    )


def _base(
    request: Request, new: DomainProperties, unchanged_id: str, calls: tuple[Call, ...]
) -> Plan:
    return Plan(
        new.DomainName, unchanged_id, new.DomainName, request.domain_arn(new.DomainName), calls
    )


def _full_update(request: Request, new: DomainProperties) -> tuple[Call, ...]:
    arn = request.domain_arn(new.DomainName)
    return _calls(new.DomainName, arn, _given(new), dict(new.Tags), (), read=True)


def _update(request: Request, new: DomainProperties, old: DomainProperties) -> tuple[Call, ...]:
    changes: dict[str, Any] = {}
    for name in SETTINGS:
        value, before = setting(new, name), setting(old, name)
        if value is not None:
            if value != before:
                changes[name] = value
        elif before is not None:
            changes.update(_undo(name, before))
    tag = {key: value for key, value in new.Tags.items() if old.Tags.get(key) != value}
    untag = tuple(key for key in old.Tags if key not in new.Tags)
    arn = request.domain_arn(new.DomainName)
    return _calls(new.DomainName, arn, changes, tag, untag, read=True)


def _calls(
    domain_name: str,
    arn: str,
    changes: dict[str, Any],
    tag: dict[str, str],
    untag: tuple[str, ...],
    read: bool = False,
) -> tuple[Call, ...]:
    """UpdateDomain with `changes` (or, when `read` and there are none, GetDomain for the
    response Data), then TagResource and UntagResource when there is anything to send."""
    calls: list[Call] = []
    if changes:
        calls.append(Call("UpdateDomain", {"DomainName": domain_name, **changes}))
    elif read:
        calls.append(Call("GetDomain", {"DomainName": domain_name}))
    if tag:
        calls.append(Call("TagResource", {"resourceArn": arn, "tags": tag}))
    if untag:
        calls.append(Call("UntagResource", {"resourceArn": arn, "tagKeys": list(untag)}))
    return tuple(calls)


def _describe(member: str, value: Any) -> str:
    if value == "":
        return f"{member} cleared"
    if value == {"Enabled": False}:
        return f"{member} disabled"
    if member == "Tags":
        return f"Tags added ({', '.join(sorted(value))})"
    return f"{member} set"


def _given(properties: DomainProperties) -> dict[str, Any]:
    values = {name: setting(properties, name) for name in SETTINGS}
    return {name: value for name, value in values.items() if value is not None}


def _undo(name: str, value: Any) -> dict[str, Any]:
    """What reverts one setting this resource had set: nothing when it needs no undoing."""
    if name in CLEARABLE and value != "":
        return {name: ""}
    if name in TOGGLES and value.get("Enabled") is True:
        return {name: {"Enabled": False}}
    return {}

"""Pure planning: a Request, the live domain and the ledger's item → the calls to make, in order.

Two steps, both pure and table-tested with plain values:
- `target(request)`: which domain the event acts on, if any, and the physical ids to answer with.
  A changed DomainName is a replacement (configured as Create, answered with the new name); the
  rollback of a failed replacement (the old properties name another domain) undoes nothing; a
  Delete acts on no domain for a made-up physical id or properties that do not validate.
- `plan(...)`: member by member (members.py) against the live domain (GetDomain), send only what
  differs from it, comparing only what the properties say (`compare.member_differs`):
  - Create / replacement: every member and tag that differs, in one UpdateDomain.
  - Update: what differs; a member or tag key the new properties no longer name is undone as
    the new `OnDelete` says — only where the live domain still holds the value this resource
    set.
  - Delete: undo every member and tag key the properties name, where the live value is still
    this resource's.
  - Undo: `Restore` (default) puts back the value the ledger recorded as Found for that member
    (Found "absent": removed — a key or queue cleared, an `Enabled` off, a tag removed; no
    record: left, with a warning); `Reset` sends the API's empty value whatever the domain held
    before; `Retain` changes nothing. DefaultExpirationDays cannot be cleared: left, warned.
  - UpdateDomain takes a setting whole: every setting sent is the live one (as the service
    returned it: members newer than the model pass through) with only this resource's members
    changed (`members.merged`); one that would lack a required member is left, warned.
- The rule-based matching lock, as data: the service refuses changes to RuleBasedMatching
  while its live Status is IN_PROGRESS (and for a day after ACTIVE, which only its refusal
  tells). `plan` marks a change that meets it (`Plan.lock`); one predicate, `yields_to_lock`,
  decides from the event's direction (`direction`: forward, rollback or delete) whether the
  event leaves the member as it is (`without`, named in `Plan.left`) or fails. Only an Update
  or a replacement needs the stack's status for that, and asks for it at most once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Literal

from domain_provider.compare import CLEARABLE, member_differs
from domain_provider.errors import InvalidProperties
from domain_provider.ids import claim_held_id, claimed_domain, made_up_id
from domain_provider.members import ABSENT, SCALARS, live_value, members, merged, setting_of
from domain_provider.models import SETTINGS, DomainProperties
from domain_provider.plans import Call, Kind, Plan
from domain_provider.request import Request

LOCKED = "RuleBasedMatching"
"""The setting the service locks while it processes rule-based matching."""
LOCKED_STATUS = "IN_PROGRESS"
LOCKABLE = ("IN_PROGRESS", "ACTIVE")
"""Statuses under which the service may refuse a RuleBasedMatching change (ACTIVE: for a day)."""

Direction = Literal["forward", "rollback", "delete"]


def direction(kind: Kind, rolling_back: Callable[[], bool]) -> Direction:
    """Which way the event goes: a Delete is a delete, a Create forward; an Update or a
    replacement (which a rollback can be too) is a rollback while the stack rolls back, asked
    of `rolling_back` only here."""
    if kind == "delete":
        return "delete"
    if kind == "create":
        return "forward"
    return "rollback" if rolling_back() else "forward"


def yields_to_lock(way: Direction) -> bool:
    """The one rule of the lock: a Delete or a rollback leaves a locked RuleBasedMatching as it
    is (a failed rollback or Delete has no way out); a forward change fails, saying when to
    retry."""
    return way != "forward"


def target(request: Request) -> Plan:
    """The domain the event acts on and its ids (InvalidProperties for Create/Update)."""
    if request.request_type == "Delete":
        return _delete_target(request)
    new = request.properties
    if new is None:
        raise InvalidProperties(request.invalid or "Properties: cannot be read")
    arn = request.identity.domain_arn(new.DomainName)
    if request.request_type == "Create":
        held = claim_held_id(new.DomainName, request.logical_id, request.request_id)
        unchanged = made_up_id(request.logical_id, request.request_id)
        plan_ = Plan(new.DomainName, unchanged, "create", new.DomainName, arn)
        return replace(plan_, held_id=held)
    assert request.physical_id is not None  # checked by the envelope
    if request.physical_id != new.DomainName:
        return Plan(new.DomainName, request.physical_id, "replacement", new.DomainName, arn)
    old = request.old
    if old is None or old.DomainName != new.DomainName:
        # Old properties unreadable, or naming another domain (the rollback of a failed
        # replacement): nothing in them was set on this domain, so apply the new ones in full.
        note = "old properties name no setting of this domain: nothing is undone"
        return Plan(new.DomainName, new.DomainName, "full-update", new.DomainName, arn, note=note)
    return Plan(new.DomainName, new.DomainName, "update", new.DomainName, arn)


def _delete_target(request: Request) -> Plan:
    physical_id = request.physical_id or ""
    held = claimed_domain(physical_id)
    if held is not None:
        note = "a failed Create that may hold the claim: release it, change nothing"
        return Plan(physical_id, physical_id, "release", held, note=note)
    properties = request.properties
    if properties is None:
        return Plan(physical_id, physical_id, note=f"properties do not validate: {request.invalid}")
    if physical_id != properties.DomainName:
        return Plan(physical_id, physical_id, note="no domain was configured under this id")
    return Plan(
        physical_id,
        physical_id,
        "delete",
        properties.DomainName,
        request.identity.domain_arn(properties.DomainName),
        note=f"OnDelete: {properties.OnDelete}",
        hint=f", or delete the stack retaining {request.logical_id}",
    )


def plan(
    request: Request,
    base: Plan,
    live: Mapping[str, Any],
    found: Mapping[str, Any],
    found_tags: Mapping[str, str | None],
) -> Plan:
    """The calls for `base` against the `live` domain, with the ledger's Found values (member
    path → value or ABSENT; a path not in `found` has no record); `lock` set when they change
    RuleBasedMatching while the service locks it."""
    assert base.domain_name is not None
    new = request.properties
    assert new is not None
    tags: Mapping[str, str] = live.get("Tags") or {}
    gone: dict[str, Any] = {}
    gone_tags: dict[str, str] = {}
    edits: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    tag: dict[str, str] = {}
    untag: list[str] = []
    if base.kind == "delete":
        for path, value in members(new).items():
            _undo(path, value, live, found, new.OnDelete, edits, notes)
        for key, value in new.Tags.items():
            _undo_tag(key, value, tags, found_tags, new.OnDelete, tag, untag, notes)
    else:
        wanted = members(new)
        for path, value in wanted.items():
            if member_differs(path, value, live_value(live, path)):
                edits.setdefault(setting_of(path), {})[path] = value
                # The objects around a member it sends need their Enabled (the API requires it):
                # send the one the properties give, even where it equals "absent" (false).
                for enabled in _enabled_around(path):
                    if enabled in wanted:
                        edits[setting_of(path)].setdefault(enabled, wanted[enabled])
        tag = {key: value for key, value in new.Tags.items() if tags.get(key) != value}
        old = request.old if base.kind == "update" else None
        gone, gone_tags = dropped(old, new), dropped_tags(old, new)
        for path, value in gone.items():
            _undo(path, value, live, found, new.OnDelete, edits, notes)
        for key, value in gone_tags.items():
            _undo_tag(key, value, tags, found_tags, new.OnDelete, tag, untag, notes)
    changes: dict[str, Any] = {}
    unmerged: list[str] = []
    for name in SETTINGS:
        if name in edits:
            value = merged(name, live_value(live, name), edits[name])
            if value is None:
                unmerged.append(name)
                notes.append(
                    f"{name}: left as it is (the change would leave it without a member "
                    "the API requires)"
                )
            else:
                changes[name] = value
    status = live_status(live)
    lock = status if LOCKED in changes and status == LOCKED_STATUS else ""
    calls: list[Call] = []
    in_one = base.kind in ("create", "replacement")
    if in_one and tag:
        changes["Tags"] = tag
    if changes:
        calls.append(Call("UpdateDomain", {"DomainName": base.domain_name, **changes}))
    if tag and not in_one:
        calls.append(Call("TagResource", {"resourceArn": base.arn, "tags": tag}))
    if untag:
        calls.append(Call("UntagResource", {"resourceArn": base.arn, "tagKeys": untag}))
    return replace(
        base,
        calls=tuple(calls),
        lock=lock,
        warnings=tuple(notes),
        left=tuple(unmerged),
        forget=tuple(path for path in gone if setting_of(path) not in unmerged),
        forget_tags=tuple(gone_tags),
    )


def _enabled_around(path: str) -> list[str]:
    """The `Enabled` member of each object that holds `path` (`Matching.AutoMerging.Enabled`
    and `Matching.Enabled` around `Matching.AutoMerging.ConflictResolution`)."""
    parts = path.split(".")
    return [".".join([*parts[:end], "Enabled"]) for end in range(1, len(parts))]


def dropped(old: DomainProperties | None, new: DomainProperties) -> dict[str, Any]:
    """The members the old properties named and the new ones no longer do, with the old values
    (what this resource set)."""
    kept = members(new)
    return {path: value for path, value in members(old).items() if path not in kept}


def dropped_tags(old: DomainProperties | None, new: DomainProperties) -> dict[str, str]:
    """The tag keys the old properties set and the new ones no longer do."""
    if old is None:
        return {}
    return {key: value for key, value in old.Tags.items() if key not in new.Tags}


def _undo(
    path: str,
    value: Any,
    live: Mapping[str, Any],
    found: Mapping[str, Any],
    mode: str,
    edits: dict[str, dict[str, Any]],
    notes: list[str],
) -> None:
    """Undo one member this resource set to `value`: nothing under Retain, or when the live
    domain no longer holds it (someone changed it since); Restore: back to Found; Reset: the
    API's empty value (cleared, disabled, removed)."""
    now = live_value(live, path)
    if mode == "Retain" or member_differs(path, value, now):
        return
    if mode == "Restore":
        if path not in found:
            notes.append(f"{path}: no found value is recorded; left as it is")
            return
        back = found[path]
    else:
        back = ABSENT
    if back is ABSENT and path in CLEARABLE:
        back = ""
    elif back is ABSENT and path in SCALARS:
        notes.append(f"{path}: the API cannot clear it; left as it is")
        return
    if not member_differs(path, back, now):
        return
    edits.setdefault(setting_of(path), {})[path] = back


def _undo_tag(
    key: str,
    value: str,
    live: Mapping[str, str],
    found_tags: Mapping[str, str | None],
    mode: str,
    tag: dict[str, str],
    untag: list[str],
    notes: list[str],
) -> None:
    """Undo one tag key this resource set to `value`, where the live value is still that."""
    if mode == "Retain" or live.get(key) != value:
        return
    if mode == "Restore" and key not in found_tags:
        notes.append(f"Tags.{key}: no found value is recorded; left as it is")
        return
    back = found_tags.get(key) if mode == "Restore" else None
    if back is not None:
        if back != value:
            tag[key] = back
    else:
        untag.append(key)


def live_status(live: Mapping[str, Any]) -> str:
    """RuleBasedMatching's status on the live domain ("" when it has none)."""
    return str((live.get(LOCKED) or {}).get("Status", ""))


def without(plan_: Plan, member: str) -> Plan:
    """The plan with `member` left out of its UpdateDomain (after the service refused it)."""
    calls: list[Call] = []
    for call in plan_.calls:
        if call.operation == "UpdateDomain" and member in call.request:
            request = {k: v for k, v in call.request.items() if k != member}
            if len(request) == 1:
                continue
            call = Call("UpdateDomain", request)
        calls.append(call)
    forget = tuple(path for path in plan_.forget if setting_of(path) != member)
    return replace(plan_, calls=tuple(calls), left=(*plan_.left, member), lock="", forget=forget)

"""Pure planning: validated properties (new, old) → the Customer Profiles calls to make.

Rules (the resource contract):
- Create (and a replacement) sends every given setting and the tags in one UpdateDomain.
- Update sends only what changed, undoes what the new properties removed, and diffs tags against
  the old properties only: TagResource for added or changed keys, UntagResource for removed keys.
  With no setting to send it reads the domain (GetDomain) for the response Data instead.
- Delete undoes what the properties set; `OnDelete: Retain` undoes nothing.
- Undoing: a key or queue is cleared with `""`; Matching, RuleBasedMatching and DataStore that the
  resource enabled are disabled; DefaultExpirationDays cannot be cleared and stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain_provider.models import SETTINGS, DomainProperties, setting

TOGGLES = ("Matching", "RuleBasedMatching", "DataStore")
CLEARABLE = ("DefaultEncryptionKey", "DeadLetterQueueUrl")


@dataclass(frozen=True)
class Plan:
    """The calls for one event, in the order they are made."""

    domain_name: str
    update: dict[str, Any] | None = None
    """UpdateDomain's request (DomainName included), or None for no UpdateDomain."""
    read: bool = False
    """GetDomain instead of UpdateDomain, only to answer with the domain's Data."""
    tag: dict[str, str] = field(default_factory=dict)
    untag: tuple[str, ...] = ()

    @property
    def calls(self) -> list[str]:
        """The API operations this plan makes, in order."""
        calls = ["UpdateDomain"] if self.update is not None else []
        calls += ["GetDomain"] if self.read else []
        calls += ["TagResource"] if self.tag else []
        calls += ["UntagResource"] if self.untag else []
        return calls

    def summary(self) -> str:
        """One line that says what will change, for the log."""
        if not self.calls:
            return f"domain {self.domain_name}: nothing to change"
        parts = []
        if self.update is not None:
            members = [_describe(k, v) for k, v in self.update.items() if k != "DomainName"]
            parts.append(f"UpdateDomain({', '.join(members) or 'no settings'})")
        if self.read:
            parts.append("GetDomain")
        if self.tag:
            parts.append(f"TagResource({', '.join(sorted(self.tag))})")
        if self.untag:
            parts.append(f"UntagResource({', '.join(self.untag)})")
        return f"domain {self.domain_name}: " + " then ".join(parts)


def _describe(member: str, value: Any) -> str:
    if value == "":
        return f"{member} cleared"
    if value == {"Enabled": False}:
        return f"{member} disabled"
    if member == "Tags":
        return f"Tags added ({', '.join(sorted(value))})"
    return f"{member} set"


def plan_create(new: DomainProperties) -> Plan:
    """Create, or the new domain of a replacement: everything given, in one UpdateDomain."""
    request: dict[str, Any] = {"DomainName": new.DomainName}
    request.update(_given(new))
    if new.Tags:
        request["Tags"] = dict(new.Tags)
    return Plan(domain_name=new.DomainName, update=request)


def plan_update(new: DomainProperties, old: DomainProperties | None) -> Plan:
    """Update of the same domain: changes, undoes, tag diff. Unknown old properties: as Create,
    with tags through TagResource and nothing untagged."""
    if old is None:
        return Plan(
            domain_name=new.DomainName,
            update={"DomainName": new.DomainName, **_given(new)},
            tag=dict(new.Tags),
        )
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
    return Plan(
        domain_name=new.DomainName,
        update={"DomainName": new.DomainName, **changes} if changes else None,
        read=not changes,
        tag=tag,
        untag=untag,
    )


def plan_delete(properties: DomainProperties) -> Plan:
    """Delete: undo what the properties set (nothing with `OnDelete: Retain`)."""
    if properties.OnDelete == "Retain":
        return Plan(domain_name=properties.DomainName)
    undo: dict[str, Any] = {}
    for name in SETTINGS:
        value = setting(properties, name)
        if value is not None:
            undo.update(_undo(name, value))
    return Plan(
        domain_name=properties.DomainName,
        update={"DomainName": properties.DomainName, **undo} if undo else None,
        untag=tuple(properties.Tags),
    )


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

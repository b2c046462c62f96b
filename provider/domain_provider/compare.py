"""Pure comparison of validated properties with the live domain (a GetDomain answer).

Rules ("compare only what the properties say"):
- Only the settings, members and tag keys the properties give are compared, recursively: the
  service fills defaults for what they omit, and the live domain carries read-only members
  (`RuleBasedMatching.Status`, `DataStore.Readiness`) that the properties never name.
- `""` for `DefaultEncryptionKey` / `DeadLetterQueueUrl` means "none" and equals an absent live
  value; `Enabled: false` equals an absent `Enabled` (a domain that never had `Matching`,
  `AutoMerging`, `RuleBasedMatching` or `DataStore` has it off).
- List order counts only where the API gives it meaning. `RuleBasedMatching.MatchingRules` is
  ordered: a rule's index is its level ("a single rule level", and the MaxAllowedRuleLevel*
  members refer to those levels). Every other list is a multiset:
  - each `Rule` lists attributes that must all match ("a single rule level ... how profiles
    match"): a conjunction, order-free;
  - `AttributeTypesSelector.Address` / `PhoneNumber` / `EmailAddress` choose which attribute types
    "represent" the type: a selection, order-free;
  - `Consolidation.MatchingAttributesList`: profiles merge when they "meet at least one of the
    requirements": a disjunction of criteria, order-free; each inner list is a conjunction of
    attributes, order-free too.
- A difference names the member that differs (members.py: a leaf, a whole list, or an object the
  API requires whole, such as `Matching.JobSchedule`); tags as `Tags.<key>`; live `None` when
  the domain has none. The planner and the drift check compare with the same rule.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain_provider.members import ABSENT, live_value, members
from domain_provider.models import DomainProperties

CLEARABLE = ("DefaultEncryptionKey", "DeadLetterQueueUrl")
ORDERED_LISTS = frozenset({"RuleBasedMatching.MatchingRules"})


@dataclass(frozen=True)
class Difference:
    """One property path whose live value is not what the properties say."""

    path: str
    expected: Any
    live: Any
    """The live value, None when the domain has none."""


def differences(properties: DomainProperties, live: Mapping[str, Any]) -> tuple[Difference, ...]:
    """Every member (members.py) whose live value is not what the properties say: settings in
    UpdateDomain's order, then tags in the properties' order."""
    found: list[Difference] = []
    for path, wanted in members(properties).items():
        now = live_value(live, path)
        if member_differs(path, wanted, now):
            found.append(Difference(path, wanted, None if now is ABSENT else now))
    live_tags = live.get("Tags") or {}
    for key, value in properties.Tags.items():
        if live_tags.get(key) != value:
            found.append(Difference(f"Tags.{key}", value, live_tags.get(key)))
    return tuple(found)


def member_differs(path: str, wanted: Any, live: Any) -> bool:
    """Whether a member's live value (`live`, ABSENT when the domain has none) differs from
    `wanted` (a value, or ABSENT: the domain should have none)."""
    now = None if live is ABSENT else live
    if wanted is ABSENT:
        return now is not None and not _means_none(path, now)
    return not _same(path, wanted, now)


def _same(path: str, wanted: Any, live: Any) -> bool:
    """Whether `live` holds what `wanted` says, under the rules above."""
    if live is None:
        return _means_none(path, wanted)
    if isinstance(wanted, Mapping):
        return isinstance(live, Mapping) and all(
            _same(f"{path}.{key}", value, live.get(key)) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        if not isinstance(live, list) or len(wanted) != len(live):
            return False
        if path in ORDERED_LISTS:
            return all(_same(f"{path}[]", w, v) for w, v in zip(wanted, live, strict=True))
        return Counter(_canonical(item) for item in wanted) == Counter(
            _canonical(item) for item in live
        )
    if isinstance(wanted, bool) or isinstance(live, bool):
        return wanted is live  # True is not 1
    return bool(wanted == live)


def _means_none(path: str, wanted: Any) -> bool:
    """A value that an absent live member stands for: a cleared key or queue, a disabled toggle."""
    leaf = path.rsplit(".", 1)[-1]
    return (leaf in CLEARABLE and wanted == "") or (leaf == "Enabled" and wanted is False)


def _canonical(value: Any) -> str:
    """An order-free form of a multiset element: every list in it is a multiset too."""
    if isinstance(value, list):
        return json.dumps(sorted(_canonical(item) for item in value))
    if isinstance(value, Mapping):
        return json.dumps({key: _canonical(item) for key, item in sorted(value.items())})
    return json.dumps(value)

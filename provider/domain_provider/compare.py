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
- A difference names the most specific path that differs (a leaf, `Matching.AutoMerging.Enabled`),
  except that a list that differs is reported whole; tags as `Tags.<key>`, with live `None` when
  the key is missing on the domain.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from domain_provider.models import SETTINGS, DomainProperties, setting

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
    """Every difference between the properties and the live domain: settings in UpdateDomain's
    order, then tags in the properties' order."""
    found: list[Difference] = []
    for name in SETTINGS:
        wanted = setting(properties, name)
        if wanted is not None:
            found += _compare(name, wanted, live.get(name))
    live_tags = live.get("Tags") or {}
    for key, value in properties.Tags.items():
        if live_tags.get(key) != value:
            found.append(Difference(f"Tags.{key}", value, live_tags.get(key)))
    return tuple(found)


def setting_differs(name: str, wanted: Any, live: Any) -> bool:
    """Whether one top-level setting (`wanted` as UpdateDomain takes it) differs from the live
    domain's value for it (`live`, None when the domain has none)."""
    return any(True for _ in _compare(name, wanted, live))


def _compare(path: str, wanted: Any, live: Any) -> Iterator[Difference]:
    if isinstance(wanted, Mapping):
        if live is not None and not isinstance(live, Mapping):
            yield Difference(path, wanted, live)
            return
        members = live or {}
        for key, value in wanted.items():
            yield from _compare(f"{path}.{key}", value, members.get(key))
    elif isinstance(wanted, list):
        if not _same(path, wanted, live):
            yield Difference(path, wanted, live)
    elif not _same(path, wanted, live):
        yield Difference(path, wanted, live)


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

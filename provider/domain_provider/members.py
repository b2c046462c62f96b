"""Members: the unit the provider takes up, records, changes and puts back (pure).

Rules (the contract's "The ledger"):
- A *member* is a leaf the properties name (`DefaultExpirationDays`,
  `Matching.AutoMerging.Enabled`), a whole list (`RuleBasedMatching.MatchingRules`), or an
  object whose members the API requires together (`WHOLE`: `JobSchedule`, `ConflictResolution`,
  `S3Exporting`, `Consolidation`, `AttributeTypesSelector`), named by its dotted path. Tag keys
  are members too, kept apart (`Tags.<key>`).
- A member's live value is read from GetDomain's answer as the service returned it; `ABSENT`
  when the domain has none. Members newer than the model, and the service's own
  (`RuleBasedMatching.Status`, `DataStore.Readiness`), are never members: they pass through.
- `merged(setting, edits)` builds the setting UpdateDomain takes whole: the live one, with only
  the edited members changed. An edit to `ABSENT` removes the member, except an `Enabled` (a
  removed one reads as off, and the API requires most), which is sent as `False`; a nested
  object left with nothing but that (`Matching.AutoMerging` whose every member was absent) is
  removed, as it was found; a merge that would leave an object without a member the API
  requires is refused (None), so the caller keeps the live value and says so.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any, Final

from domain_provider.models import SETTINGS, DomainProperties, setting


class _Absent:
    """The value of a member the domain does not have."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


ABSENT: Final = _Absent()

WHOLE = frozenset(
    {
        "Matching.JobSchedule",
        "Matching.AutoMerging.Consolidation",
        "Matching.AutoMerging.ConflictResolution",
        "Matching.ExportingConfig.S3Exporting",
        "RuleBasedMatching.AttributeTypesSelector",
        "RuleBasedMatching.ConflictResolution",
        "RuleBasedMatching.ExportingConfig.S3Exporting",
    }
)
"""Objects the API requires whole: each is one member (botocore: required members together)."""

REQUIRED: Mapping[str, tuple[str, ...]] = {
    "Matching": ("Enabled",),
    "Matching.AutoMerging": ("Enabled",),
    "RuleBasedMatching": ("Enabled",),
}
"""The required members of the objects a merge may edit inside (botocore's UpdateDomain input
shapes; tests/test_members.py checks this against the model). Each is an `Enabled`."""

SCALARS = ("DefaultExpirationDays", "DefaultEncryptionKey", "DeadLetterQueueUrl")
"""The settings that are one member each."""

SERVICE_ONLY: Mapping[str, str] = {"RuleBasedMatching": "Status", "DataStore": "Readiness"}
"""Members GetDomain returns that UpdateDomain does not take."""


def members(properties: DomainProperties | None) -> dict[str, Any]:
    """Every member the properties name, by path, with the value they give (settings in
    UpdateDomain's order; tags apart)."""
    found: dict[str, Any] = {}
    if properties is None:
        return found
    for name in SETTINGS:
        value = setting(properties, name)
        if value is not None:
            found.update(flatten(name, value))
    return found


def flatten(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping) and path not in WHOLE:
        for key, item in value.items():
            yield from flatten(f"{path}.{key}", item)
    else:
        yield path, value


def setting_of(path: str) -> str:
    """The top-level setting a member belongs to."""
    return path.split(".", 1)[0]


def live_value(live: Mapping[str, Any] | None, path: str) -> Any:
    """The member's value in a GetDomain answer (or a setting, with a relative path); ABSENT
    when the domain has none."""
    node: Any = live
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node or node[key] is None:
            return ABSENT
        node = node[key]
    return node


def updatable(name: str, value: Any) -> Any:
    """A live setting as UpdateDomain takes it: without the service's own members."""
    if isinstance(value, Mapping) and name in SERVICE_ONLY:
        return {k: v for k, v in value.items() if k != SERVICE_ONLY[name]}
    return value


def merged(name: str, live: Any, edits: Mapping[str, Any]) -> Any:
    """Setting `name` as the live value (`live`, ABSENT when the domain has none) with `edits`
    (member path → new value or ABSENT) applied; None when the result would lack a member the
    API requires."""
    if name in SCALARS:
        return edits[name]
    result: dict[str, Any] = copy.deepcopy(updatable(name, live)) if live is not ABSENT else {}
    disabled: set[str] = set()
    for path, value in edits.items():
        _put(result, path.split(".")[1:], value, name, disabled)
    _prune(result, name, disabled)
    return result if _complete(result, name) else None


def _put(node: dict[str, Any], keys: list[str], value: Any, path: str, disabled: set[str]) -> None:
    head, rest = keys[0], keys[1:]
    if rest:
        child = node.get(head)
        if not isinstance(child, dict):
            if value is ABSENT:
                return
            child = node[head] = {}
        _put(child, rest, value, f"{path}.{head}", disabled)
    elif value is ABSENT:
        if head == "Enabled":
            node[head] = False  # a removed Enabled reads as off: say so
            disabled.add(path)
        else:
            node.pop(head, None)
    else:
        node[head] = copy.deepcopy(value)


def _prune(node: dict[str, Any], path: str, disabled: set[str]) -> None:
    """Drop nested objects a removal left empty (an empty ExportingConfig means none), or with
    nothing but an `Enabled` put back as absent."""
    for key in list(node):
        child, here = node[key], f"{path}.{key}"
        if isinstance(child, dict) and here not in WHOLE:
            _prune(child, here, disabled)
            if not child or (here in disabled and child == {"Enabled": False}):
                del node[key]


def _complete(node: Mapping[str, Any], path: str) -> bool:
    if any(member not in node for member in REQUIRED.get(path, ())):
        return False
    return all(
        _complete(child, f"{path}.{key}")
        for key, child in node.items()
        if isinstance(child, Mapping) and f"{path}.{key}" not in WHOLE
    )

"""Drift: does each managed domain still hold what its stack's properties say?

CloudFormation does not detect drift on custom resources; this does, read-only. For every item in
the ledger (or the domains named), `GetDomain` and compare with the recorded properties exactly as
the planner does (`compare.differences`). A domain's status, named as CloudFormation names
resource drift:
- IN_SYNC: no difference;
- MODIFIED: a property differs (each reported by path, with the expected and live values);
- DELETED: the managed domain no longer exists (drift too);
- NOT_CHECKED: it could not be compared (no properties in its item, not in the ledger, GetDomain
  refused), with the reason.

The check is used two ways: the command a person runs (drift_command.py:
`python -m domain_provider.drift`) and the scheduled check (drift_schedule.py). Ledger errors
propagate as the ledger's named errors (ProviderError).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from domain_provider.aws import read_domain
from domain_provider.compare import Difference, differences
from domain_provider.errors import ProviderError
from domain_provider.ids import domain_arn
from domain_provider.ledger import Ledger, LedgerItem

Status = Literal["IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"]
EXIT_DRIFTED, EXIT_UNCHECKED = 1, 2


@dataclass(frozen=True)
class DomainCheck:
    """What the check found for one domain."""

    domain_name: str
    status: Status
    stack_id: str = ""
    logical_resource_id: str = ""
    differences: tuple[Difference, ...] = ()
    reason: str = ""
    """Why it is NOT_CHECKED or DELETED."""

    @property
    def drifted(self) -> bool:
        return self.status in ("MODIFIED", "DELETED")

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain_name,
            "status": self.status,
            "stack_id": self.stack_id,
            "logical_resource_id": self.logical_resource_id,
            "differences": [
                {"path": d.path, "expected": d.expected, "live": d.live} for d in self.differences
            ],
            **({"reason": self.reason} if self.reason else {}),
        }


def check(ledger: Ledger, profiles: Any, names: Sequence[str] = ()) -> tuple[DomainCheck, ...]:
    """Check the named domains (all the ledger's, by name, when none is named). Reads only: the
    ledger's Scan or GetItem, then one GetDomain per domain. Ledger errors propagate."""
    if not names:
        items = sorted(ledger.items(), key=lambda item: item.domain_name)
        return tuple(check_item(item, profiles) for item in items)
    checks = []
    for name in names:
        item = ledger.get(name)
        if item is None:
            reason = f"not in the ledger table {ledger.table_name!r}: no resource manages it"
            checks.append(DomainCheck(name, "NOT_CHECKED", reason=reason))
        else:
            checks.append(check_item(item, profiles))
    return tuple(checks)


def check_item(item: LedgerItem, profiles: Any) -> DomainCheck:
    """Compare one ledger item's properties with its live domain."""
    unchecked = DomainCheck(
        item.domain_name, "NOT_CHECKED", item.owner_stack_id, item.owner_logical_resource_id
    )
    if item.problem:
        return replace(unchecked, reason=f"its ledger item cannot be used: {item.problem}")
    if item.properties is None:
        return replace(unchecked, reason=item.unreadable)
    try:
        live = read_domain(profiles, item.domain_name, _arn(item))
    except ProviderError as error:
        return replace(unchecked, reason=str(error))
    if live is None:
        return replace(unchecked, status="DELETED", reason="the domain no longer exists")
    found = differences(item.properties, live)
    return replace(unchecked, status="MODIFIED" if found else "IN_SYNC", differences=found)


def _arn(item: LedgerItem) -> str | None:
    """The domain's ARN in its owner stack's account, for an access-denied Reason."""
    try:
        return domain_arn(item.owner_stack_id, item.domain_name)
    except ValueError:
        return None


def exit_code(checks: Sequence[DomainCheck]) -> int:
    """1 when anything drifted, else 2 when anything could not be checked, else 0."""
    if any(each.drifted for each in checks):
        return EXIT_DRIFTED
    return EXIT_UNCHECKED if any(each.status == "NOT_CHECKED" for each in checks) else 0


def counts(checks: Sequence[DomainCheck]) -> dict[str, int]:
    """The published metrics: drifted domains, drifted properties, domains not checked."""
    return {
        "DriftedDomains": sum(each.drifted for each in checks),
        "DriftedProperties": sum(len(each.differences) for each in checks),
        "UncheckedDomains": sum(each.status == "NOT_CHECKED" for each in checks),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """The command (drift_command.py), for `python -m domain_provider.drift`."""
    from domain_provider.drift_command import main as command

    return command(argv)


if __name__ == "__main__":
    sys.exit(main())

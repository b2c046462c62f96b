"""What an event does, as a value: the `Plan` the planner makes (its calls, ids, the lock's
member, what it leaves and why) and each `Call` of it. No logic beyond describing itself for the
log; planner.py makes plans, the lifecycle and aws.py read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from domain_provider.operations import Operation

MUTATING: frozenset[str] = frozenset({"UpdateDomain", "TagResource", "UntagResource"})
Kind = Literal["create", "replacement", "update", "full-update", "delete", "release", "nothing"]


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
    kind: Kind = "nothing"
    domain_name: str | None = None
    """The domain the event acts on; None when it touches no domain."""
    arn: str = ""
    calls: tuple[Call, ...] = ()
    lock: str = ""
    """The live status of RuleBasedMatching when the plan changes it while the service locks it
    (IN_PROGRESS), else ""."""
    left: tuple[str, ...] = ()
    """Settings left as they are: the service locks them, or the change would leave them without
    a member the API requires (logged as a warning); members of them are never forgotten."""
    warnings: tuple[str, ...] = ()
    """Members left as they are, and why (logged as a warning)."""
    note: str = ""
    """Why there is nothing to do, or what kind of change this is, for the log."""
    hint: str = ""
    """Appended to the action of an AWS error's Reason (Delete: how to go on)."""
    held_id: str = ""
    """The id answered when it fails before any change but may hold a claim it took (a Create's
    claim-held id; empty: the unchanged id)."""
    forget: tuple[str, ...] = ()
    """Members an Update no longer names, whose Found records the ledger drops once the change
    succeeded (a member of a setting left as it is keeps its record: it is still what was
    found)."""
    forget_tags: tuple[str, ...] = ()
    """Tag keys an Update no longer names, forgotten the same way."""

    def carries(self, member: str) -> bool:
        """Whether an UpdateDomain of the plan sends `member`."""
        return any(c.operation == "UpdateDomain" and member in c.request for c in self.calls)

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(call.operation for call in self.calls)

    def summary(self) -> str:
        """One line that says what will change, for the log."""
        if not self.calls:
            return f"domain {self.domain_name}: nothing to change" + (
                f" ({self.note})" if self.note else ""
            )
        return f"domain {self.domain_name}: " + " then ".join(c.describe() for c in self.calls)

    @property
    def activity(self) -> str:
        """What the event is doing, for a timeout's Reason."""
        what = " + ".join(self.operations) or "reading"
        return f"{what} on domain {self.domain_name!r}"


def _describe(member: str, value: Any) -> str:
    if value == "":
        return f"{member} cleared"
    if value == {"Enabled": False}:
        return f"{member} disabled"
    if member == "Tags":
        return f"Tags added ({', '.join(sorted(value))})"
    return f"{member} set"

"""Per-event state, created by the handler for each event and handed to those who need it.

It answers four questions, from any thread (the work, and the timeout timer):
- what is being done (`activity`) and what the SDK is retrying (`holdup`), for a timeout Reason;
- whether the domain may have changed (`changed`, or a mutating call in flight) or the ledger
  may hold this event's claim (`claim_held`), which decides the physical id of a failure;
- whether the event is answered: once it is, no further AWS request may be sent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class Progress:
    """What one event's work has done so far."""

    success_id: str = ""
    """The physical id to answer once the domain may have changed."""
    unchanged_id: str = ""
    """The physical id to answer when nothing can have changed."""
    held_id: str = ""
    """The physical id to answer when nothing changed but a claim this event took may be held
    (empty: the unchanged id)."""
    activity: str = "the request"
    holdup: str = ""
    """The last error the SDK is retrying in the current call, if any."""
    changed: bool = False
    """A mutating call succeeded, or an attempt may have landed (a 5xx, a lost connection)."""
    in_flight: str = ""
    """The mutating operation being called now, if any (its outcome is unknown until it ends)."""
    claim_held: bool = False
    """The ledger may hold a claim this event took (a Create's or a replacement's), not released:
    a failure then answers `held_id`, whose Delete releases it."""
    _answered: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def answered(self) -> bool:
        return self._answered

    def take_answer(self) -> bool:
        """Mark the event answered; True only for the first caller (who then sends it)."""
        with self._lock:
            if self._answered:
                return False
            self._answered = True
            return True

    def failure_id(self) -> str:
        """The physical id of a FAILED answer sent now: the domain's once it may have changed
        (its Delete puts back and releases), the claim-held id while only a claim may be held,
        else the unchanged id."""
        if self.changed or self.in_flight:
            return self.success_id or self.unchanged_id
        if self.claim_held:
            return self.held_id or self.unchanged_id
        return self.unchanged_id

"""Named errors: the class says what went wrong, the message is the CloudFormation Reason.

Rules:
- A Reason is at most 256 characters with the most useful part first (CloudFormation shows the
  head; crhelper would keep the tail).
- Every Reason's words are written here, once: the errors that need facts (a domain's name, its
  owner, a lock's status) compose their own Reason from them (`DomainNotFound(name, region)`).
- A Reason reads `action (detail)`: the action a person can take, then the service's own words.
"""

from __future__ import annotations

from typing import Any

REASON_LIMIT = 256
ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
"""The error codes AWS services use for a denied call (Customer Profiles, DynamoDB, S3, ...)."""


def clip(text: str, limit: int = REASON_LIMIT) -> str:
    """Keep the head of `text` within `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_repr(value: Any, limit: int = 40) -> str:
    """A value as a Reason quotes it: repr, clipped."""
    return clip(repr(value), limit)


class ProviderError(Exception):
    """Base of every error the provider answers FAILED with; `str()` is the Reason.

    The Reason is `action` then, in parentheses, `detail` (the service's own words): a hint added
    to the action never falls off the end behind a long service message.
    """

    def __init__(self, action: str, detail: str = "") -> None:
        self.action, self.detail = action, detail
        super().__init__(clip(f"{action} ({detail})" if detail else action))

    def with_hint(self, hint: str) -> ProviderError:
        """The same error with `hint` appended to its action."""
        clone = type(self).__new__(type(self))
        ProviderError.__init__(clone, f"{self.action}{hint}", self.detail)
        return clone


class InvalidProperties(ProviderError):
    """The properties break a limit or rule; no AWS call was made."""


class DomainNotFound(ProviderError):
    """The domain does not exist in this account and region."""

    def __init__(self, name: str, region: str) -> None:
        super().__init__(
            f"DomainName: domain {name!r} does not exist in {region}; create it first "
            "(AWS::CustomerProfiles::Domain) and pass its name, or fix DomainName"
        )


class AccessDenied(ProviderError):
    """The provider's role lacks a permission; the Reason names it and the ARN."""

    def __init__(self, permission: str, resource: str, detail: str = "") -> None:
        super().__init__(
            f"Access denied: the provider's role needs {permission} on {resource}; "
            "grant it and retry",
            detail,
        )


class RequestRejected(ProviderError):
    """Customer Profiles refused the request (BadRequestException)."""


class ServiceUnavailable(ProviderError):
    """Throttling, 5xx or network failures outlasted the SDK's retries; the outcome is unknown."""


class DomainClaimed(ProviderError):
    """Another resource owns the domain in the ledger; nothing was changed."""

    def __init__(self, domain_name: str, owner_logical_id: str, owner_stack_id: str) -> None:
        super().__init__(
            f"DomainName: {domain_name!r} is managed by {owner_logical_id} in stack "
            f"{owner_stack_id}; to hand it over, remove it there (or set OnDelete: Retain "
            "there, then remove it) and retry"
        )


class RuleBasedMatchingLocked(ProviderError):
    """RuleBasedMatching cannot change while the service processes it."""

    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(
            f"RuleBasedMatching: cannot change while the service processes it (status {status}); "
            "it stays locked while IN_PROGRESS and for a day after it becomes ACTIVE: retry then",
            detail,
        )


class LedgerUnavailable(ProviderError):
    """The ledger table cannot be read or written (missing, denied, throttled past retries)."""

"""Named errors: the class says what went wrong, the message is the CloudFormation Reason.

A Reason is at most 256 characters with the most useful part first (CloudFormation shows the head;
crhelper would keep the tail).
"""

from __future__ import annotations

from typing import Any

REASON_LIMIT = 256


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
        return type(self)(f"{self.action}{hint}", self.detail)


class InvalidProperties(ProviderError):
    """The properties break a limit or rule; no AWS call was made."""


class DomainNotFound(ProviderError):
    """The domain does not exist in this account and region."""


class AccessDenied(ProviderError):
    """The provider's role lacks a permission; the Reason names it and the ARN."""


class RequestRejected(ProviderError):
    """Customer Profiles refused the request (BadRequestException)."""


class ServiceUnavailable(ProviderError):
    """Throttling, 5xx or network failures outlasted the SDK's retries; the outcome is unknown."""


class DomainClaimed(ProviderError):
    """Another resource owns the domain in the ledger; nothing was changed."""


class RuleBasedMatchingLocked(ProviderError):
    """RuleBasedMatching cannot change while the service processes it."""


class LedgerUnavailable(ProviderError):
    """The ledger table cannot be read or written (missing, denied, throttled past retries)."""


class DestinationRefused(ProviderError):
    """A queue, key or export bucket outside what the provider stack trusts; nothing was changed."""


class UntrustedAccount(DestinationRefused):
    """The queue or key is in an account that is neither this one nor in TrustedAccountIds."""

    @classmethod
    def of(cls, path: str, what: str, account: str, own: str) -> UntrustedAccount:
        return cls(
            f"{path}: the {what} is in account {account}, which the provider does not trust; add "
            f"{account} to the provider stack's TrustedAccountIds parameter, or use a {what} of "
            f"account {own}"
        )


class ExportBucketNotAllowed(DestinationRefused):
    """The export bucket matches none of AllowedExportBuckets (its owner is not in its name)."""

    @classmethod
    def of(cls, path: str, bucket: str, allowed: tuple[str, ...]) -> ExportBucketNotAllowed:
        listed = "empty: no export bucket" if not allowed else f"{len(allowed)} allowed"
        return cls(
            f"{path}: bucket {bucket!r} is not in the provider stack's AllowedExportBuckets "
            f"parameter ({listed}); add it there (a name or a wildcard) to export to it"
        )


class InvalidDestination(DestinationRefused):
    """The queue URL or key is not one whose account can be read (or is of another partition)."""

    @classmethod
    def of(cls, path: str, expected: str, value: str) -> InvalidDestination:
        return cls(f"{path}: must be {expected}, got {short_repr(value, 120)}")

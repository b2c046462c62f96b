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
        return self._with_action(f"{self.action}{hint}")

    def led_by(self, way_out: str) -> ProviderError:
        """The same error with `way_out` before its action (the most useful part first)."""
        return self._with_action(f"{way_out}{self.action}")

    def _with_action(self, action: str) -> ProviderError:
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        ProviderError.__init__(clone, action, self.detail)
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
    """Customer Profiles refused the request (BadRequestException); `operation` is the call."""

    operation: str = ""


class ServiceUnavailable(ProviderError):
    """Throttling, 5xx or network failures outlasted the SDK's retries; the outcome is unknown."""


class DomainClaimed(ProviderError):
    """Another live resource owns the domain in the ledger; nothing was changed. The Reason
    says first how to hand the domain over, then names the owner as far as it fits (the full
    StackId goes to the log)."""

    def __init__(
        self, domain_name: str, owner_logical_id: str, owner_stack_id: str, why: str = ""
    ) -> None:
        stack = owner_stack_id.split(":stack/", 1)[-1].split("/", 1)[0]
        super().__init__(
            f"DomainName: {domain_name!r} is managed by another resource; to hand it over, "
            f"remove it there (or set OnDelete: Retain there first) and retry. Owner: "
            f"{owner_logical_id} in stack {stack}" + (f" ({why})" if why else "")
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
    """The ledger table cannot be read or written (missing, denied, throttled past retries).
    `may_have_landed`: a write whose outcome is unknown (a 5xx or a lost connection after it was
    sent), so the claim it carried may be held."""

    may_have_landed: bool = False


class LedgerMissing(LedgerUnavailable):
    """The ledger table does not exist (a lost ledger: the provider stack was re-created
    without it)."""


class LedgerItemInvalid(ProviderError):
    """The domain's ledger item is not what this provider writes: never applied."""

    def __init__(self, domain_name: str, table: str, problem: str) -> None:
        super().__init__(
            f"Release or repair the ledger item of {domain_name!r} (python -m "
            "domain_provider.ledger, as the break-glass role), or delete the stack retaining this "
            f"resource: {problem}",
            f"table {table}",
        )


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

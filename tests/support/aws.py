"""The fake AWS environment (no account, no network) and the domain the sample events name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tools.local.environment import FAKE_ENVIRONMENT, UNSET

if TYPE_CHECKING:
    from tools.local.customer_profiles import CustomerProfilesBackend

__all__ = ["ARN", "DOMAIN", "FAKE_ENVIRONMENT", "UNSET", "state"]


DOMAIN = "crm-profiles"
ARN = f"arn:aws:profile:us-east-1:123456789012:domains/{DOMAIN}"


def state(profiles: CustomerProfilesBackend, name: str = DOMAIN) -> dict[str, Any]:
    """The domain as GetDomain answers (the read is recorded among the double's calls)."""
    return profiles.handle("GetDomain", {"DomainName": name})

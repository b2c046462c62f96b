"""The fake AWS environment (no account, no network) and the domain the sample events name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.doubles.customer_profiles import CustomerProfilesBackend

FAKE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain",
}
"""Set before any AWS import: without a region, crhelper's CfnResource() stores an init failure."""
UNSET = ("AWS_PROFILE", "AWS_RETRY_MODE")

DOMAIN = "crm-profiles"
ARN = f"arn:aws:profile:us-east-1:123456789012:domains/{DOMAIN}"


def state(profiles: CustomerProfilesBackend, name: str = DOMAIN) -> dict[str, Any]:
    """The domain as GetDomain answers (the read is recorded among the double's calls)."""
    return profiles.handle("GetDomain", {"DomainName": name})

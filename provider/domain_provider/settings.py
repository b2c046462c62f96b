"""The function's environment, read once per container into one typed object.

Rules:
- Nobody else reads the provider's own environment variables: the ledger gets its table from
  here, the trust checks their accounts and buckets, the scheduled check its rule's name.
- Lists are comma-separated; blanks and empty items are ignored (the template joins list
  parameters with commas, and an empty parameter is "").
- `DOMAIN_PROVIDER_LOCAL_ENDPOINTS=true` is the one test setting: local runs and tests answer
  at a local ResponseURL. The template never sets it (a test checks).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

LEDGER_TABLE_ENV = "LEDGER_TABLE_NAME"
TRUSTED_ACCOUNTS_ENV = "TRUSTED_ACCOUNT_IDS"
EXPORT_BUCKETS_ENV = "ALLOWED_EXPORT_BUCKETS"
SCHEDULE_RULE_ENV = "DRIFT_SCHEDULE_RULE_NAME"
LOCAL_ENDPOINTS_ENV = "DOMAIN_PROVIDER_LOCAL_ENDPOINTS"


@dataclass(frozen=True)
class Settings:
    """What the provider stack tells its function."""

    ledger_table: str = ""
    """The ledger's table name ("" when the function has none)."""
    trusted_account_ids: frozenset[str] = frozenset()
    """Accounts besides the function's own whose queues and keys a domain may use."""
    allowed_export_buckets: tuple[str, ...] = ()
    """Bucket names or wildcards (`*`, `?`) that Matching/RuleBasedMatching may export to."""
    schedule_rule_name: str = ""
    """The provider's own drift-check rule: only its scheduled events run the check."""
    local_endpoints: bool = False
    """Tests and local runs only: trust a local ResponseURL."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            ledger_table=environ.get(LEDGER_TABLE_ENV, "").strip(),
            trusted_account_ids=frozenset(_items(environ.get(TRUSTED_ACCOUNTS_ENV, ""))),
            allowed_export_buckets=tuple(_items(environ.get(EXPORT_BUCKETS_ENV, ""))),
            schedule_rule_name=environ.get(SCHEDULE_RULE_ENV, "").strip(),
            local_endpoints=environ.get(LOCAL_ENDPOINTS_ENV, "").strip().lower() == "true",
        )


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@cache
def settings() -> Settings:
    """The container's settings (tests clear the cache after changing the environment)."""
    return Settings.from_environment(os.environ)

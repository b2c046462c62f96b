"""The function's environment, read once per container into one typed object.

Rules:
- Nobody else reads the provider's own environment variables: the ledger gets its table from
  here, the trust checks their accounts and buckets, the scheduled check its rule's name.
- Lists are comma-separated; blanks and empty items are ignored (the template joins list
  parameters with commas, and an empty parameter is "").
- `DOMAIN_PROVIDER_LOCAL_ENDPOINTS=true` is the one test setting. With it, the function also
  answers an `https` ResponseURL on this machine's loopback host (127.0.0.1, localhost, ::1), on
  any port, besides CloudFormation's own response bucket (trust.py); nothing else changes. Only a
  run that answers to a real local server needs it (tools/bench.py's cold-start containers); the
  tests and `make run` answer at the real bucket's address through a patched connection
  (tools/local/cloudformation.py) and leave it unset. The template never sets it
  (tests/test_trust.py checks), so a deployed function never answers a local URL.
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
    """The test setting DOMAIN_PROVIDER_LOCAL_ENDPOINTS=true: also answer a loopback https URL."""

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

"""The planner tests' plain values: a domain, its ARN, a live domain with nothing set, and a plan
made from a request type, properties, the live domain and the ledger's Found."""

from __future__ import annotations

from typing import Any

from domain_provider.planner import plan, target
from domain_provider.plans import Plan
from tests.support.requests import request_of

NAME = "crm"
ARN = f"arn:aws:profile:us-east-1:123456789012:domains/{NAME}"
EMPTY = {"DomainName": NAME, "DefaultExpirationDays": 365}


def props(**members: Any) -> dict[str, Any]:
    return {"DomainName": NAME, **members}


def planned(
    request_type: str,
    new: dict[str, Any],
    live: dict[str, Any] | None = None,
    old: dict[str, Any] | None = None,
    found: dict[str, Any] | None = None,
    found_tags: dict[str, str | None] | None = None,
    physical_id: str = NAME,
) -> Plan:
    request = request_of(request_type, props(**new), props(**(old or {})), physical_id)
    base = target(request)
    live = live if live is not None else EMPTY
    return plan(request, base, live, found or {}, found_tags or {})

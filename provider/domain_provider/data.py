"""The response Data for `Fn::GetAtt`: flat strings, each where the service returned it."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def domain_data(domain: dict[str, Any], arn: str) -> dict[str, str]:
    """Data from an UpdateDomain or GetDomain response; `DomainArn` comes from the stack's ARN."""
    values: dict[str, Any] = {
        "DomainName": domain.get("DomainName"),
        "DomainArn": arn,
        "DefaultExpirationDays": domain.get("DefaultExpirationDays"),
        "MatchingEnabled": domain.get("Matching", {}).get("Enabled"),
        "RuleBasedMatchingEnabled": domain.get("RuleBasedMatching", {}).get("Enabled"),
        "RuleBasedMatchingStatus": domain.get("RuleBasedMatching", {}).get("Status"),
        "DataStoreEnabled": domain.get("DataStore", {}).get("Enabled"),
        "CreatedAt": domain.get("CreatedAt"),
        "LastUpdatedAt": domain.get("LastUpdatedAt"),
    }
    return {key: _flat(value) for key, value in values.items() if value is not None}


def _flat(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)

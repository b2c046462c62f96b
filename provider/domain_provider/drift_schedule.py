"""The scheduled drift check: an EventBridge "Scheduled Event" to the provider's function.

It runs the check (drift.py) on every domain in the ledger, logs one JSON line per drifted
property, and publishes `DriftedDomains`, `DriftedProperties` and `UncheckedDomains` (Count) as
CloudWatch EMF on stdout (no API call). A ledger that cannot be read fails the invocation (the
function's Errors metric).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from domain_provider.clients import customer_profiles_client
from domain_provider.drift import check, counts
from domain_provider.errors import ProviderError
from domain_provider.ledger import ledger
from domain_provider.logs import logger

NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_NAMESPACE = "CustomerProfilesDomainProvider"


def scheduled_check(event: Mapping[str, Any]) -> dict[str, int]:
    """Check every domain in the ledger; log each drifted property; publish the metrics."""
    logger.set_correlation_id(event.get("id"))
    try:
        checks = check(ledger(), customer_profiles_client())
    except ProviderError as error:
        logger.error("Drift check failed", reason=str(error))
        raise
    for each in checks:
        owner = {
            "domain": each.domain_name,
            "stack_id": each.stack_id,
            "logical_resource_id": each.logical_resource_id,
        }
        for d in each.differences:
            logger.warning(
                "Drift", extra={**owner, "path": d.path, "expected": d.expected, "live": d.live}
            )
        if each.status == "DELETED":
            logger.warning("Drift: the managed domain no longer exists", extra=owner)
        elif each.status == "NOT_CHECKED":
            logger.error("Drift not checked", extra={**owner, "reason": each.reason})
    summary = counts(checks)
    logger.info("Drift check done", extra={"domains": len(checks), **summary})
    metrics = Metrics(namespace=os.environ.get(NAMESPACE_ENV, DEFAULT_NAMESPACE))
    for name, value in summary.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    metrics.flush_metrics()
    return summary

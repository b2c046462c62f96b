"""Drift: does each managed domain still hold what its stack's properties say?

CloudFormation does not detect drift on custom resources; this does, read-only. For every item in
the ledger (or the domains named), `GetDomain` and compare with the recorded properties exactly as
the planner does (`compare.differences`). A domain's status, named as CloudFormation names
resource drift:
- IN_SYNC: no difference;
- MODIFIED: a property differs (each reported by path, with the expected and live values);
- DELETED: the managed domain no longer exists (drift too);
- NOT_CHECKED: it could not be compared (no properties in its item, not in the ledger, GetDomain
  refused), with the reason.

`python -m domain_provider.drift [DOMAIN ...] [--table T] [--json]` prints a table (or JSON) and
exits 1 when anything drifted, else 2 when anything (or the ledger itself) could not be checked,
else 0. The table comes from `--table` or LEDGER_TABLE_NAME, credentials and region the usual
boto3 way.

On a schedule (an EventBridge "Scheduled Event" to the provider's function), `scheduled_check`
runs the same check, logs one JSON line per drifted property, and publishes `DriftedDomains`,
`DriftedProperties` and `UncheckedDomains` (Count) as CloudWatch EMF on stdout (no API call).
A ledger that cannot be read fails the invocation (the function's Errors metric).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from domain_provider.aws import customer_profiles_client, dynamodb_client, read_domain
from domain_provider.compare import Difference, differences
from domain_provider.errors import ProviderError
from domain_provider.ledger import LEDGER_TABLE_ENV, Ledger, LedgerItem
from domain_provider.logs import logger
from domain_provider.request import domain_arn

Status = Literal["IN_SYNC", "MODIFIED", "DELETED", "NOT_CHECKED"]
NAMESPACE_ENV = "POWERTOOLS_METRICS_NAMESPACE"
DEFAULT_NAMESPACE = "CustomerProfilesDomainProvider"
EXIT_DRIFTED, EXIT_UNCHECKED = 1, 2


@dataclass(frozen=True)
class DomainCheck:
    """What the check found for one domain."""

    domain_name: str
    status: Status
    stack_id: str = ""
    logical_resource_id: str = ""
    differences: tuple[Difference, ...] = ()
    reason: str = ""
    """Why it is NOT_CHECKED or DELETED."""

    @property
    def drifted(self) -> bool:
        return self.status in ("MODIFIED", "DELETED")

    def as_json(self) -> dict[str, Any]:
        return {
            "domain": self.domain_name,
            "status": self.status,
            "stack_id": self.stack_id,
            "logical_resource_id": self.logical_resource_id,
            "differences": [
                {"path": d.path, "expected": d.expected, "live": d.live} for d in self.differences
            ],
            **({"reason": self.reason} if self.reason else {}),
        }


def check(ledger: Ledger, profiles: Any, names: Sequence[str] = ()) -> tuple[DomainCheck, ...]:
    """Check the named domains (all the ledger's, by name, when none is named). Reads only: the
    ledger's Scan or GetItem, then one GetDomain per domain. Ledger errors propagate."""
    if not names:
        items = sorted(ledger.items(), key=lambda item: item.domain_name)
        return tuple(check_item(item, profiles) for item in items)
    checks = []
    for name in names:
        item = ledger.get(name)
        if item is None:
            reason = f"not in the ledger table {ledger.table_name!r}: no resource manages it"
            checks.append(DomainCheck(name, "NOT_CHECKED", reason=reason))
        else:
            checks.append(check_item(item, profiles))
    return tuple(checks)


def check_item(item: LedgerItem, profiles: Any) -> DomainCheck:
    """Compare one ledger item's properties with its live domain."""
    unchecked = DomainCheck(
        item.domain_name, "NOT_CHECKED", item.owner_stack_id, item.owner_logical_resource_id
    )
    if item.properties is None:
        return replace(unchecked, reason=item.unreadable)
    try:
        live = read_domain(profiles, item.domain_name, _arn(item))
    except ProviderError as error:
        return replace(unchecked, reason=str(error))
    if live is None:
        return replace(unchecked, status="DELETED", reason="the domain no longer exists")
    found = differences(item.properties, live)
    return replace(unchecked, status="MODIFIED" if found else "IN_SYNC", differences=found)


def _arn(item: LedgerItem) -> str | None:
    """The domain's ARN in its owner stack's account, for an access-denied Reason."""
    try:
        return domain_arn(item.owner_stack_id, item.domain_name)
    except ValueError:
        return None


def exit_code(checks: Sequence[DomainCheck]) -> int:
    """1 when anything drifted, else 2 when anything could not be checked, else 0."""
    if any(each.drifted for each in checks):
        return EXIT_DRIFTED
    return EXIT_UNCHECKED if any(each.status == "NOT_CHECKED" for each in checks) else 0


def counts(checks: Sequence[DomainCheck]) -> dict[str, int]:
    """The published metrics: drifted domains, drifted properties, domains not checked."""
    return {
        "DriftedDomains": sum(each.drifted for each in checks),
        "DriftedProperties": sum(len(each.differences) for each in checks),
        "UncheckedDomains": sum(each.status == "NOT_CHECKED" for each in checks),
    }


# The scheduled check ----------------------------------------------------------------------------


def scheduled_check(event: Mapping[str, Any]) -> dict[str, int]:
    """Check every domain in the ledger; log each drifted property; publish the metrics."""
    logger.set_correlation_id(event.get("id"))
    table = os.environ.get(LEDGER_TABLE_ENV, "")
    if not table:
        raise RuntimeError(f"{LEDGER_TABLE_ENV} is not set: no ledger to check")
    try:
        checks = check(Ledger(dynamodb_client(), table), customer_profiles_client())
    except (ClientError, BotoCoreError) as error:
        logger.error("Drift check failed", reason=ledger_reason(error, table))
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


def ledger_reason(error: Exception, table: str) -> str:
    """Why the ledger could not be read, as an action."""
    if not isinstance(error, ClientError):
        return f"cannot reach the ledger table {table!r}: {error}"
    code = error.response.get("Error", {}).get("Code", "")
    if code == "ResourceNotFoundException":
        return f"the ledger table {table!r} does not exist; pass --table or set {LEDGER_TABLE_ENV}"
    if code in ("AccessDeniedException", "AccessDenied"):
        return f"access denied: allow dynamodb:{error.operation_name} on the ledger table {table!r}"
    return f"reading the ledger table {table!r} failed: {error}"


# The command ------------------------------------------------------------------------------------

COLUMNS = ("DOMAIN", "STACK", "LOGICAL ID", "PATH", "EXPECTED", "LIVE")


def render_table(checks: Sequence[DomainCheck], table: str) -> str:
    """One row per drifted property (or deleted domain); then the domains not checked (with the
    reason) and those in sync; then a summary line."""
    rows = [COLUMNS]
    for each in checks:
        owner = (each.domain_name, _stack_name(each.stack_id), each.logical_resource_id)
        rows += [(*owner, d.path, _shown(d.expected), _shown(d.live)) for d in each.differences]
        if each.status == "DELETED":
            rows.append((*owner, "(the domain)", "exists", "no such domain"))
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if len(rows) == 1:
        lines = []
    lines += [f"Not checked: {c.domain_name}: {c.reason}" for c in _having(checks, "NOT_CHECKED")]
    in_sync = [c.domain_name for c in _having(checks, "IN_SYNC")]
    lines += [f"In sync: {', '.join(in_sync)}"] if in_sync else []
    total = counts(checks)
    lines.append(
        f"{len(checks)} domain(s) in ledger table {table!r}: {total['DriftedDomains']} drifted "
        f"({total['DriftedProperties']} properties), {len(in_sync)} in sync, "
        f"{total['UncheckedDomains']} not checked"
    )
    return "\n".join(lines)


def _having(checks: Sequence[DomainCheck], status: Status) -> list[DomainCheck]:
    return [each for each in checks if each.status == status]


def _shown(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value, separators=(",", ":"))


def _stack_name(stack_id: str) -> str:
    """`crm-profiles` from `arn:aws:cloudformation:…:stack/crm-profiles/<uuid>`."""
    _, _, rest = stack_id.partition(":stack/")
    return rest.split("/", 1)[0] if rest else stack_id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m domain_provider.drift",
        description="Report managed Customer Profiles domains that no longer match their stack.",
        epilog="Exit status: 0 in sync, 1 drifted, 2 could not check.",
    )
    parser.add_argument("domains", nargs="*", metavar="DOMAIN", help="default: every ledger item")
    parser.add_argument(
        "--table", default=os.environ.get(LEDGER_TABLE_ENV), help=f"default: ${LEDGER_TABLE_ENV}"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    table: str = args.table or ""
    if not table:
        return _not_checked(f"no ledger table: pass --table or set {LEDGER_TABLE_ENV}", args.json)
    try:
        checks = check(Ledger(dynamodb_client(), table), customer_profiles_client(), args.domains)
    except (ClientError, BotoCoreError) as error:
        return _not_checked(ledger_reason(error, table), args.json, table)
    if args.json:
        report = {"table": table, **counts(checks), "domains": [c.as_json() for c in checks]}
        print(json.dumps(report, indent=2, default=str))
    else:
        print(render_table(checks, table))
    return exit_code(checks)


def _not_checked(reason: str, as_json: bool, table: str = "") -> int:
    if as_json:
        print(json.dumps({"table": table, "error": reason, "domains": []}, indent=2))
    else:
        print(f"Drift not checked: {reason}", file=sys.stderr)
    return EXIT_UNCHECKED


if __name__ == "__main__":
    sys.exit(main())

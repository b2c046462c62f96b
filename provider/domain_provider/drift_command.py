"""The drift command: `python -m domain_provider.drift [DOMAIN ...] [--table T] [--json]`.

It prints a table (or JSON) of the check (drift.py) and exits 1 when anything drifted, else 2
when anything (or the ledger itself) could not be checked, else 0. The table comes from
`--table` or LEDGER_TABLE_NAME, credentials and region the usual boto3 way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from domain_provider.clients import customer_profiles_client, dynamodb_client
from domain_provider.drift import EXIT_UNCHECKED, DomainCheck, Status, check, counts, exit_code
from domain_provider.errors import ProviderError
from domain_provider.ledger import Ledger
from domain_provider.settings import LEDGER_TABLE_ENV, settings

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
    if total["DriftedDomains"]:
        lines.append(RECONCILE)
    return "\n".join(lines)


RECONCILE = (
    "To put a drifted domain back through its stack, change the resource's ReconcileToken "
    "(any new string) and deploy"
)


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
        "--table", default=settings().ledger_table, help=f"default: ${LEDGER_TABLE_ENV}"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    table: str = args.table or ""
    if not table:
        return _not_checked(f"no ledger table: pass --table or set {LEDGER_TABLE_ENV}", args.json)
    try:
        checks = check(Ledger(dynamodb_client(), table), customer_profiles_client(), args.domains)
    except ProviderError as error:
        reason = f"{error.action}; check --table or {LEDGER_TABLE_ENV} ({error.detail})"
        return _not_checked(reason, args.json, table)
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

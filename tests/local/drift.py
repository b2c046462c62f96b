"""`make drift`: the drift report on this machine, no AWS account.

Seeds the Customer Profiles double and a ledger table in moto's DynamoDB with three managed
domains, then changes one "in the console" and deletes another, and runs
`python -m domain_provider.drift` (in process, same arguments) against them:
- crm-profiles (events/create.json's properties): auto-merging turned off, the dead-letter queue
  swapped, the `team` tag changed: MODIFIED;
- crm-profiles-eu (events/update-replace.json's): untouched: IN_SYNC;
- crm-profiles-old: its domain deleted: DELETED.
Exits 0 when the report found exactly that (the command itself exits 1: drift), else 1.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tests.support.aws import FAKE_ENVIRONMENT

DRIFTED, IN_SYNC, GONE = "crm-profiles", "crm-profiles-eu", "crm-profiles-old"
ARN = "arn:aws:profile:us-east-1:123456789012:domains/"
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/"


def main(argv: list[str] | None = None) -> int:
    os.environ.update(FAKE_ENVIRONMENT)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

    from moto import mock_aws

    from domain_provider import drift
    from domain_provider.aws import dynamodb_client
    from domain_provider.ledger import LEDGER_TABLE_ENV
    from tests.doubles.customer_profiles import backend
    from tests.support.cloudformation import load_event
    from tests.support.ledger import create_ledger_table, manage

    with mock_aws():
        double = backend()
        os.environ[LEDGER_TABLE_ENV] = create_ledger_table(dynamodb_client())
        owners = {
            DRIFTED: ("create.json", "crm-profiles", "DomainSettings"),
            IN_SYNC: ("update-replace.json", "crm-profiles-eu", "EuDomainSettings"),
        }
        for name, (event, stack, logical_id) in owners.items():
            double.handle("CreateDomain", {"DomainName": name, "DefaultExpirationDays": 365})
            raw = load_event(event)["ResourceProperties"]
            manage(double, dynamodb_client(), raw, stack_id=STACK + stack, logical_id=logical_id)
        double.handle("CreateDomain", {"DomainName": GONE, "DefaultExpirationDays": 365})
        legacy = {"DomainName": GONE, "DefaultExpirationDays": "30"}
        manage(double, dynamodb_client(), legacy, stack_id=STACK + "crm-legacy", logical_id="Old")
        _change_in_the_console(double)
        print(
            f"Ledger table {os.environ[LEDGER_TABLE_ENV]!r}; in the console, {DRIFTED}: "
            f"auto-merging off, another dead-letter queue, tag team=marketing; {GONE} deleted.\n",
            file=sys.stderr,
        )
        status = drift.main(argv or [])
        meaning = "0 in sync, 1 drifted, 2 could not check"
        print(f"\nExit status {status} ({meaning})", file=sys.stderr)
        return 0 if status == drift.EXIT_DRIFTED else 1


def _change_in_the_console(double: Any) -> None:
    matching = double.handle("GetDomain", {"DomainName": DRIFTED})["Matching"]
    matching["AutoMerging"]["Enabled"] = False
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/someone-elses-dlq"
    double.handle(
        "UpdateDomain", {"DomainName": DRIFTED, "Matching": matching, "DeadLetterQueueUrl": queue}
    )
    double.handle("TagResource", {"resourceArn": ARN + DRIFTED, "tags": {"team": "marketing"}})
    double.handle("DeleteDomain", {"DomainName": GONE})
    double.calls.clear()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

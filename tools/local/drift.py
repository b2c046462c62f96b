"""`make drift`: the drift report on this machine, no AWS account.

Three stacks configure three domains through the real Lambda handler, which writes the ledger
(a table in moto's DynamoDB) as it does in AWS; then one domain is changed "in the console" and
another deleted, and the command runs
`python -m domain_provider.drift` (in process, same arguments) against them:
- crm-profiles (events/create.json's properties): auto-merging turned off, the dead-letter queue
  swapped, the `team` tag changed: MODIFIED;
- crm-profiles-eu (events/update-replace.json's): untouched: IN_SYNC;
- crm-profiles-old: its domain deleted: DELETED.
It prints what it seeded (on stderr) before the report, and exits with the drift command's own
status, as `make drift` does: 1 here, since two domains drifted (0 in sync, 2 could not check).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tools.local.environment import FAKE_ENVIRONMENT

DRIFTED, IN_SYNC, GONE = "crm-profiles", "crm-profiles-eu", "crm-profiles-old"
ARN = "arn:aws:profile:us-east-1:123456789012:domains/"
STACK = "arn:aws:cloudformation:us-east-1:123456789012:stack/"


def main(argv: list[str] | None = None) -> int:
    os.environ.update(FAKE_ENVIRONMENT)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

    from moto import mock_aws

    from domain_provider import drift
    from domain_provider.ledger import LEDGER_TABLE_ENV
    from tools.local.cloudformation import invoke, load_event, response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    with mock_aws():
        double = backend()
        os.environ[LEDGER_TABLE_ENV] = create_ledger_table()
        owners: dict[str, tuple[Any, str, str]] = {
            DRIFTED: ("create.json", "crm-profiles", "DomainSettings"),
            IN_SYNC: ("update-replace.json", "crm-profiles-eu", "EuDomainSettings"),
        }
        legacy = load_event("create.json")
        legacy["ResourceProperties"] = {"DomainName": GONE, "DefaultExpirationDays": "30"}
        owners[GONE] = (legacy, "crm-legacy", "Old")
        with response_bucket() as bucket:
            for name, (event, stack, logical_id) in owners.items():
                double.handle("CreateDomain", {"DomainName": name, "DefaultExpirationDays": 365})
                create = load_event(event) if isinstance(event, str) else event
                create.update(RequestType="Create", LogicalResourceId=logical_id)
                create["StackId"] = f"{STACK}{stack}/5b6a1c10-8f3e-11ef-9d2a-0a1b2c3d4e5f"
                create["ResourceProperties"]["DomainName"] = name
                create.pop("PhysicalResourceId", None)
                answer = invoke(create, bucket)
                assert answer["Status"] == "SUCCESS", answer["Reason"]
        _change_in_the_console(double)
        print(
            f"Ledger table {os.environ[LEDGER_TABLE_ENV]!r}; in the console, {DRIFTED}: "
            f"auto-merging off, another dead-letter queue, tag team=marketing; {GONE} deleted.\n",
            file=sys.stderr,
        )
        status = drift.main(argv or [])
        meaning = "0 in sync, 1 drifted, 2 could not check"
        print(f"\nExit status {status} ({meaning})", file=sys.stderr)
        return status


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

"""`make ledger ARGS="list"`: the ledger command on this machine, no AWS account.

The ledger (a table in moto's DynamoDB) holds three items, and the command runs
`python -m domain_provider.ledger` (in process, same arguments, `list` by default) against them:
- crm-profiles: owned by DomainSettings in stack crm-profiles, a live resource that holds the
  domain (CloudFormation's DescribeStackResource answers UPDATE_COMPLETE with its name);
- crm-profiles-old: owned by Old in stack crm-legacy, which CloudFormation (moto's) has never
  heard of: a stale claim;
- crm-profiles-eu: owned by EuDomainSettings in stack crm-profiles-eu (also unknown: stale), an
  item whose Found record of `Matching.AutoMerging.Enabled` is not JSON: it
  does not validate, and `list` names the problem.
Try `ARGS="show crm-profiles"`, `ARGS="release crm-profiles-old --owner <its owner>"` (released:
stale), the same for crm-profiles (refused: live; `--force` releases it), `--json` on any.
Exits with the command's status: 0 done, 1 refused, 2 could not run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from tools.local.environment import FAKE_ENVIRONMENT

LIVE, STALE, INVALID = "crm-profiles", "crm-profiles-old", "crm-profiles-eu"
STACK = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/5b6a1c10-8f3e-11ef-9d2a-0a1b2c3d4e5f"
)
LIVE_OWNER = (STACK.format("crm-profiles"), "DomainSettings")
HOOK = "ledger-story-live-owner"


def main(argv: list[str] | None = None) -> int:
    os.environ.update(FAKE_ENVIRONMENT)
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

    import boto3
    from moto import mock_aws

    from domain_provider import ledger
    from domain_provider.clients import cloudformation_client
    from domain_provider.members import ABSENT
    from tools.local.ledger import create_ledger_table, ledger_item, put_ledger_item

    with mock_aws():
        os.environ[ledger.LEDGER_TABLE_ENV] = table = create_ledger_table()
        client = boto3.client("dynamodb")
        expiring = {"DomainName": LIVE, "DefaultExpirationDays": "366"}
        found = {"DefaultExpirationDays": 365, "DeadLetterQueueUrl": ABSENT}
        put_ledger_item(
            client,
            ledger_item(
                LIVE,
                {**expiring, "Tags": [{"Key": "team", "Value": "crm"}]},
                stack_id=LIVE_OWNER[0],
                logical_id=LIVE_OWNER[1],
                found=found,
                found_tags={"team": None},
            ),
        )
        put_ledger_item(
            client,
            ledger_item(
                STALE,
                {"DomainName": STALE, "DefaultExpirationDays": "30"},
                stack_id=STACK.format("crm-legacy"),
                logical_id="Old",
                found={"DefaultExpirationDays": 365},
            ),
        )
        invalid = ledger_item(
            INVALID,
            {"DomainName": INVALID},
            stack_id=STACK.format("crm-profiles-eu"),
            logical_id="EuDomainSettings",
            found={"DefaultExpirationDays": 7},
        )
        invalid["Found:Matching.AutoMerging.Enabled"] = {"S": "yes"}
        put_ledger_item(client, invalid)
        print(
            f"Ledger table {table!r}: {LIVE} owned by a live resource, {STALE} by a deleted "
            f"stack (stale), {INVALID}'s item invalid.\n",
            file=sys.stderr,
        )
        events = cloudformation_client().meta.events
        events.register(
            "before-call.cloudformation.DescribeStackResource", _live_owner, unique_id=HOOK
        )
        try:
            status = ledger.main(argv or ["list"])
        finally:
            events.unregister("before-call.cloudformation.DescribeStackResource", unique_id=HOOK)
    print(f"\nExit status {status} (0 done, 1 refused, 2 could not run)", file=sys.stderr)
    return status


def _live_owner(params: dict[str, Any], **_: Any) -> Any:
    """CloudFormation's answer for the live owner (moto has no stack that holds a domain);
    None lets moto answer for every other owner."""
    from types import SimpleNamespace

    body = params["body"]
    if (body["StackName"], body["LogicalResourceId"]) != LIVE_OWNER:
        return None
    detail = {
        "StackId": LIVE_OWNER[0],
        "LogicalResourceId": LIVE_OWNER[1],
        "ResourceStatus": "UPDATE_COMPLETE",
        "PhysicalResourceId": LIVE,
    }
    return SimpleNamespace(status_code=200), {"StackResourceDetail": detail}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

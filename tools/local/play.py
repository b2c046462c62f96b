"""Run the provider on this machine: no AWS account, no Docker.

`python -m tools.local.play` plays a stack's life through the real Lambda handler against the
Customer Profiles double and moto's DynamoDB (the ledger), on a domain that was configured before
the stack (its own key, identity resolution on, a `team` tag): Create adopts it, Update changes
it, a replacement moves to another domain, the Deletes put both back. It prints each
CloudFormation response and the domain's state after it, and at the end the first domain as it was
found and as it is now, side by side.

`python -m tools.local.play --event events/create.json` invokes the handler with one event file,
as `sam local invoke -e` would, and prints the response it sent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tools.local.environment import FAKE_ENVIRONMENT

DOMAINS = ("crm-profiles", "crm-profiles-eu")
PRECONFIGURED = {
    "DefaultEncryptionKey": "arn:aws:kms:us-east-1:123456789012:key/0000aaaa-someone-else",
    "Matching": {"Enabled": True},
}
PRECONFIGURED_TAGS = {"team": "someone-else"}
HIDDEN = ("CreatedAt", "LastUpdatedAt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", type=Path, help="invoke the handler with this event file only")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENVIRONMENT)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

    from moto import mock_aws

    from domain_provider.ledger import LEDGER_TABLE_ENV
    from tools.local.cloudformation import invoke, load_event, response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    with mock_aws(), response_bucket() as bucket:
        os.environ[LEDGER_TABLE_ENV] = create_ledger_table()
        double = backend()
        for domain in DOMAINS:
            double.handle("CreateDomain", {"DomainName": domain, "DefaultExpirationDays": 365})
        if args.event:
            double.calls.clear()
            event = json.loads(args.event.read_text())
            response = invoke(event, bucket)
            _show(f"{event['RequestType']} ({args.event})", response, double, event)
            return 0 if response["Status"] == "SUCCESS" else 1
        first = DOMAINS[0]
        double.handle("UpdateDomain", {"DomainName": first, **PRECONFIGURED})
        arn = f"arn:aws:profile:us-east-1:123456789012:domains/{first}"
        double.handle("TagResource", {"resourceArn": arn, "tags": PRECONFIGURED_TAGS})
        found = _state(double, first)
        steps: list[tuple[str, str | None]] = [
            ("Create: adopt a domain configured before the stack", "create.json"),
            ("Update: drop the key and rule-based matching, retag", "update.json"),
            ("Update: DomainName changed, a replacement", "update-replace.json"),
            (
                "Delete of the old domain (CloudFormation's cleanup): put back as found",
                "delete.json",
            ),
            ("Delete of the new domain (stack deletion)", None),
        ]
        failed = 0
        for title, name in steps:
            event = load_event(name) if name else _delete_replacement(load_event)
            double.calls.clear()
            response = invoke(event, bucket)
            failed += response["Status"] != "SUCCESS"
            _show(title, response, double, event)
        _side_by_side(first, found, _state(double, first))
        return 1 if failed else 0


def _delete_replacement(load_event: Any) -> dict[str, Any]:
    event: dict[str, Any] = load_event("delete.json")
    replaced = load_event("update-replace.json")
    event["ResourceProperties"] = replaced["ResourceProperties"]
    event["PhysicalResourceId"] = replaced["ResourceProperties"]["DomainName"]
    return event


def _state(double: Any, name: str) -> dict[str, Any]:
    state: dict[str, Any] = double.handle("GetDomain", {"DomainName": name})
    double.calls.pop()
    return {key: value for key, value in state.items() if key not in HIDDEN}


def _show(title: str, response: dict[str, Any], double: Any, event: dict[str, Any]) -> None:
    name = response["PhysicalResourceId"]
    print(f"\n=== {title}")
    print(f"AWS calls: {', '.join(double.operations()) or 'none'}")
    print("Response to CloudFormation:")
    for key in ("Status", "Reason", "PhysicalResourceId", "Data"):
        print(f"  {key}: {json.dumps(response[key])}")
    domain_name = name if name in double.domains else event["ResourceProperties"].get("DomainName")
    if domain_name in double.domains:
        print(f"Domain {domain_name} now:")
        for key, value in _state(double, domain_name).items():
            print(f"  {key}: {json.dumps(value, default=str)}")


def _side_by_side(name: str, found: dict[str, Any], now: dict[str, Any]) -> None:
    print(f"\n=== Domain {name}: as the stack found it | as the stack left it")
    for key in sorted(set(found) | set(now)):
        before, after = (
            json.dumps(state[key]) if key in state else "none" for state in (found, now)
        )
        off = {"none", '{"Enabled": false}'}
        mark = "same" if before == after else "both off" if {before, after} <= off else "DIFFERENT"
        print(f"  {key}: {before} | {after}  ({mark})")


if __name__ == "__main__":
    sys.exit(main())

"""Run the provider on this machine: no AWS account, no Docker.

`python -m tests.local.play` plays a stack's life through the real Lambda handler against the
Customer Profiles double (Create → Update → replacement → Delete of both domains) and prints each
CloudFormation response and the domain's state after it.

`python -m tests.local.play --event events/create.json` invokes the handler with one event file,
as `sam local invoke -e` would, and prints the response it sent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.support.aws import FAKE_ENVIRONMENT

DOMAINS = ("crm-profiles", "crm-profiles-eu")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", type=Path, help="invoke the handler with this event file only")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENVIRONMENT)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))

    from moto import mock_aws

    from tests.doubles.customer_profiles import backend
    from tests.support.cloudformation import invoke, load_event, response_bucket

    with mock_aws(), response_bucket() as bucket:
        double = backend()
        for domain in DOMAINS:
            double.handle("CreateDomain", {"DomainName": domain, "DefaultExpirationDays": 365})
        double.calls.clear()
        if args.event:
            event = json.loads(args.event.read_text())
            response = invoke(event, bucket)
            _show(f"{event['RequestType']} ({args.event})", response, double, event)
            return 0 if response["Status"] == "SUCCESS" else 1
        steps: list[tuple[str, str | None]] = [
            ("Create", "create.json"),
            ("Update: clear the key, disable rule-based matching, retag", "update.json"),
            ("Update: DomainName changed, a replacement", "update-replace.json"),
            ("Delete of the old domain (CloudFormation's cleanup)", "delete.json"),
            ("Delete of the new domain (stack deletion)", None),
        ]
        failed = 0
        for title, name in steps:
            event = load_event(name) if name else _delete_replacement(load_event)
            double.calls.clear()
            response = invoke(event, bucket)
            failed += response["Status"] != "SUCCESS"
            _show(title, response, double, event)
        return 1 if failed else 0


def _delete_replacement(load_event: Any) -> dict[str, Any]:
    event: dict[str, Any] = load_event("delete.json")
    replaced = load_event("update-replace.json")
    event["ResourceProperties"] = replaced["ResourceProperties"]
    event["PhysicalResourceId"] = replaced["ResourceProperties"]["DomainName"]
    return event


def _show(title: str, response: dict[str, Any], double: Any, event: dict[str, Any]) -> None:
    name = response["PhysicalResourceId"]
    print(f"\n=== {title}")
    print(f"AWS calls: {', '.join(double.operations()) or 'none'}")
    print("Response to CloudFormation:")
    for key in ("Status", "Reason", "PhysicalResourceId", "Data"):
        print(f"  {key}: {json.dumps(response[key])}")
    domain_name = name if name in double.domains else event["ResourceProperties"].get("DomainName")
    if domain_name in double.domains:
        state = double.handle("GetDomain", {"DomainName": domain_name})
        double.calls.pop()
        state.pop("CreatedAt"), state.pop("LastUpdatedAt")
        print(f"Domain {domain_name} now:")
        for key, value in state.items():
            print(f"  {key}: {json.dumps(value, default=str)}")


if __name__ == "__main__":
    sys.exit(main())

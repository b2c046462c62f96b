"""Run the provider on this machine: no AWS account, no Docker.

`python -m tools.local.play` plays a stack's life through the real Lambda handler against the
Customer Profiles double and moto's DynamoDB (the ledger), on a domain that was configured before
the stack (its own key, identity resolution on, a `team` tag): Create adopts it, Update changes
it, someone changes the matching job's schedule in the console, a replacement moves to another
domain, the Deletes put both back. It prints each CloudFormation response and the domain's state
after it, and at the end the first domain as it was found and as it is now, member by member,
side by side: everything the stack set is back as found, except the schedule changed in the
console since, which the Delete keeps.

`python -m tools.local.play --event events/create.json` invokes the handler with one event file,
as `sam local invoke -e` would, and prints the response it sent. Every file in `events/` works,
the scheduled one too: it runs the drift check against the local ledger (the provider's own rule
being the one the event names, as the provider stack would set it); nothing is answered.

For each event it prints the AWS calls the provider's two clients made, in order, named as IAM
names them: `profile:` for Customer Profiles, `dynamodb:` for the ledger (a botocore hook on each
client records them; a retried call counts once, as the contract counts calls).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
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
CONSOLE_SCHEDULE = {"DayOfTheWeek": "FRIDAY", "Time": "05:00"}
"""The matching job's schedule someone sets in the console while the stack manages it."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", type=Path, help="invoke the handler with this event file only")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENVIRONMENT)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "provider"))
    event: dict[str, Any] | None = json.loads(args.event.read_text()) if args.event else None

    from moto import mock_aws

    from domain_provider.request import is_scheduled_event
    from domain_provider.settings import LEDGER_TABLE_ENV, SCHEDULE_RULE_ENV, settings
    from tools.local.cloudformation import invoke, load_event, response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    scheduled = event is not None and is_scheduled_event(event)
    if event is not None and scheduled:
        os.environ[SCHEDULE_RULE_ENV] = schedule_rule_name(event)  # as the provider stack sets it
    with mock_aws(), response_bucket() as bucket:
        os.environ[LEDGER_TABLE_ENV] = create_ledger_table()
        settings.cache_clear()  # the environment just set is the container's
        calls = record_calls()
        double = backend()
        for domain in DOMAINS:
            double.handle("CreateDomain", {"DomainName": domain, "DefaultExpirationDays": 365})
        if event is not None and scheduled:
            return _scheduled(event, args.event, calls)
        if event is not None:
            calls.clear()
            response = invoke(event, bucket)
            _show(f"{event['RequestType']} ({args.event})", response, double, event, calls)
            return 0 if response["Status"] == "SUCCESS" else 1
        first = DOMAINS[0]
        double.handle("UpdateDomain", {"DomainName": first, **PRECONFIGURED})
        arn = f"arn:aws:profile:us-east-1:123456789012:domains/{first}"
        double.handle("TagResource", {"resourceArn": arn, "tags": PRECONFIGURED_TAGS})
        found = _state(double, first)
        steps: list[tuple[str, str | None]] = [
            ("Create: adopt a domain configured before the stack", "create.json"),
            ("Update: drop the key and rule-based matching, retag", "update.json"),
            ("Console: someone moves the matching job to Friday", "console"),
            ("Update: DomainName changed, a replacement", "update-replace.json"),
            (
                "Delete of the old domain (CloudFormation's cleanup): put back as found",
                "delete.json",
            ),
            ("Delete of the new domain (stack deletion)", None),
        ]
        failed = 0
        for title, name in steps:
            if name == "console":
                live = _state(double, first)["Matching"]
                matching = {**live, "JobSchedule": CONSOLE_SCHEDULE}
                double.handle("UpdateDomain", {"DomainName": first, "Matching": matching})
                print(f"\n=== {title}\nMatching.JobSchedule: {json.dumps(CONSOLE_SCHEDULE)}")
                continue
            event = load_event(name) if name else _delete_replacement(load_event)
            calls.clear()
            response = invoke(event, bucket)
            failed += response["Status"] != "SUCCESS"
            _show(title, response, double, event, calls)
        _side_by_side(first, found, _state(double, first))
        return 1 if failed else 0


def schedule_rule_name(event: dict[str, Any]) -> str:
    """The name of the EventBridge rule a scheduled event names first in its `resources`
    (`arn:aws:events:<region>:<account>:rule/<name>`)."""
    resources = event.get("resources") or [""]
    return str(resources[0]).rpartition(":rule/")[2]


def record_calls() -> list[str]:
    """The provider's calls from now on, in order, as `profile:GetDomain` or
    `dynamodb:UpdateItem`: a `before-call` hook on each of the container's two clients (once per
    call, however often the SDK retries it). The list is cleared by the caller."""
    from domain_provider.clients import customer_profiles_client, dynamodb_client

    calls: list[str] = []
    for client in (customer_profiles_client(), dynamodb_client()):
        prefix = client.meta.service_model.signing_name
        client.meta.events.register("before-call", _recorder(calls, prefix))
    return calls


def _recorder(calls: list[str], prefix: str) -> Callable[..., None]:
    def before_call(model: Any, **_: Any) -> None:
        calls.append(f"{prefix}:{model.name}")

    return before_call


def _scheduled(event: dict[str, Any], path: Path, calls: list[str]) -> int:
    """Deliver a scheduled event to the handler: the drift check runs, nothing is answered."""
    from domain_provider.handler import handler
    from tools.local.cloudformation import LambdaContext

    print(f"\n=== Scheduled drift check ({path})", flush=True)
    calls.clear()
    handler(event, LambdaContext())  # its metrics (EMF) go to stdout, as in Lambda
    print(f"AWS calls: {', '.join(calls) or 'none'}")
    print("Response to CloudFormation: none (a scheduled event is not answered)")
    return 0


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


def _show(
    title: str, response: dict[str, Any], double: Any, event: dict[str, Any], calls: list[str]
) -> None:
    name = response["PhysicalResourceId"]
    print(f"\n=== {title}")
    print(f"AWS calls: {', '.join(calls) or 'none'}")
    print("Response to CloudFormation:")
    for key in ("Status", "Reason", "PhysicalResourceId", "Data"):
        print(f"  {key}: {json.dumps(response[key])}")
    domain_name = name if name in double.domains else event["ResourceProperties"].get("DomainName")
    if domain_name in double.domains:
        print(f"Domain {domain_name} now:")
        for key, value in _state(double, domain_name).items():
            print(f"  {key}: {json.dumps(value, default=str)}")


def _side_by_side(name: str, found: dict[str, Any], now: dict[str, Any]) -> None:
    """Member by member (members.py): the domain as found and as left."""
    print(f"\n=== Domain {name}: as the stack found it | as the stack left it, member by member")
    before, after = _members(found), _members(now)
    for path in sorted(set(before) | set(after)):
        was, is_ = (
            json.dumps(state[path]) if path in state else "none" for state in (before, after)
        )
        if was == is_:
            mark = "same"
        elif {was, is_} <= {"none", "false"}:
            mark = "both off"
        elif path == "Matching.JobSchedule" and after.get(path) == CONSOLE_SCHEDULE:
            mark = "kept: changed in the console since the stack set it"
        else:
            mark = "DIFFERENT"
        print(f"  {path}: {was} | {is_}  ({mark})")


def _members(state: dict[str, Any]) -> dict[str, Any]:
    from domain_provider.members import flatten, updatable

    found: dict[str, Any] = {}
    for key, value in state.items():
        if key == "Tags":
            found.update({f"Tags.{tag}": tagged for tag, tagged in value.items()})
        elif key not in ("DomainName", "Stats"):
            found.update(flatten(key, updatable(key, value)))
    return found


if __name__ == "__main__":
    sys.exit(main())

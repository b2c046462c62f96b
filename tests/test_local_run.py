"""The README's first command: a stack's life played locally, and one event invoked alone
(`make invoke`, whose code path is `python -m tools.local.play --event FILE`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import python
from tools.local.play import schedule_rule_name

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"


def play(*args: str) -> subprocess.CompletedProcess[str]:
    return python("-m", "tools.local.play", *args, timeout=120)


def calls_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("AWS calls: ")]


def test_make_run_plays_create_update_replacement_and_delete_with_no_aws_account():
    run = play()

    assert run.returncode == 0, run.stderr
    steps = [line for line in run.stdout.splitlines() if line.startswith("=== ")]
    assert [step.split(":")[0] for step in steps] == [
        "=== Create",
        "=== Update",
        "=== Console",
        "=== Update",
        "=== Delete of the old domain (CloudFormation's cleanup)",
        "=== Delete of the new domain (stack deletion)",
        "=== Domain crm-profiles",
    ]
    assert run.stdout.count('Status: "SUCCESS"') == 5
    found_and_left = run.stdout.split("=== Domain crm-profiles: as the stack found it")[1]
    rows = found_and_left.strip().splitlines()[1:]
    assert len(rows) == 7, rows
    kept = "(kept: changed in the console since the stack set it)"
    assert all(row.endswith(("(same)", "(both off)", kept)) for row in rows), rows
    assert '  Tags.team: "someone-else" | "someone-else"  (same)' in rows
    assert "  Matching.Enabled: true | true  (same)" in rows
    assert (
        '  Matching.JobSchedule: none | {"DayOfTheWeek": "FRIDAY", "Time": "05:00"}  ' + kept
    ) in rows, "a console change inside a managed setting survives the Delete"
    assert 'PhysicalResourceId: "crm-profiles-eu"' in run.stdout
    assert "X-Amz-Signature" not in run.stdout + run.stderr


def test_make_run_lists_the_ledger_calls_beside_customer_profiles_calls_in_order():
    run = play()

    assert run.returncode == 0, run.stderr
    assert calls_lines(run.stdout) == [
        "AWS calls: dynamodb:UpdateItem, profile:GetDomain, dynamodb:UpdateItem, "
        "profile:UpdateDomain",
        "AWS calls: profile:GetDomain, dynamodb:UpdateItem, profile:UpdateDomain, "
        "profile:TagResource, profile:UntagResource, dynamodb:UpdateItem",
        "AWS calls: dynamodb:UpdateItem, profile:GetDomain, dynamodb:UpdateItem, "
        "profile:UpdateDomain",
        "AWS calls: dynamodb:GetItem, profile:GetDomain, profile:UpdateDomain, "
        "profile:TagResource, profile:UntagResource, dynamodb:DeleteItem",
        "AWS calls: dynamodb:GetItem, profile:GetDomain, profile:UpdateDomain, "
        "profile:UntagResource, dynamodb:DeleteItem",
    ]


# What `make invoke EVENT=events/<file>` prints as the provider's calls, against the local double
# (the sample domains exist, the ledger is empty): every file in events/ must be listed here.
INVOKED = {
    "create.json": (  # the claim, the read, the record, the change
        "Create",
        "dynamodb:UpdateItem, profile:GetDomain, dynamodb:UpdateItem, profile:UpdateDomain",
    ),
    "update.json": (  # the last write forgets the members it dropped
        "Update",
        "profile:GetDomain, dynamodb:UpdateItem, profile:UpdateDomain, profile:TagResource, "
        "dynamodb:UpdateItem",
    ),
    "update-replace.json": (  # a replacement is configured as a Create
        "Update",
        "dynamodb:UpdateItem, profile:GetDomain, dynamodb:UpdateItem, profile:UpdateDomain",
    ),
    "delete.json": ("Delete", "dynamodb:GetItem"),  # no ledger item: nothing to put back
    "delete-after-failed-create.json": ("Delete", "none"),  # a made-up id: no call at all
    "scheduled-drift-check.json": ("Scheduled drift check", "dynamodb:Scan"),  # empty ledger
}


def test_every_event_file_has_an_invoke_test():
    assert sorted(path.name for path in EVENTS.glob("*.json")) == sorted(INVOKED)


@pytest.mark.parametrize("name", sorted(INVOKED))
def test_make_invoke_runs_each_event_file_like_sam_local_invoke(name):
    title, calls = INVOKED[name]

    run = play("--event", f"events/{name}")

    assert run.returncode == 0, run.stderr[-3000:]
    assert f"=== {title} (events/{name})" in run.stdout
    assert calls_lines(run.stdout) == [f"AWS calls: {calls}"]
    if title.startswith("Scheduled"):
        assert "Response to CloudFormation: none" in run.stdout
        emf = [json.loads(line) for line in run.stdout.splitlines() if line.startswith('{"_aws"')]
        assert [(line["DriftedDomains"], line["UncheckedDomains"]) for line in emf] == [([0], [0])]
    else:
        assert 'Status: "SUCCESS"' in run.stdout


def test_the_scheduled_invoke_names_the_events_own_rule_as_the_providers():
    event = json.loads((EVENTS / "scheduled-drift-check.json").read_text())

    rule = "customer-profiles-drift-0b9e4e80-8f3e-11ef-a1b2-0a1b2c3d4e5f"
    assert schedule_rule_name(event) == rule
    event["resources"] = ["arn:aws:events:us-east-1:123456789012:rule/another-rule"]
    assert schedule_rule_name(event) == "another-rule"


def test_make_invoke_runs_the_check_of_a_schedule_under_another_rule_name(tmp_path):
    event = json.loads((EVENTS / "scheduled-drift-check.json").read_text())
    event["resources"] = ["arn:aws:events:us-east-1:123456789012:rule/provider-b-DriftCheck-X"]
    (tmp_path / "other.json").write_text(json.dumps(event))

    run = play("--event", str(tmp_path / "other.json"))

    assert run.returncode == 0, run.stderr[-3000:]
    assert calls_lines(run.stdout) == ["AWS calls: dynamodb:Scan"]


def test_make_invoke_exits_non_zero_when_the_response_is_failed(tmp_path):
    event = (EVENTS / "create.json").read_text().replace('"02:00"', '"25:00"')
    (tmp_path / "bad.json").write_text(event)

    run = play("--event", str(tmp_path / "bad.json"))

    assert run.returncode == 1
    assert "Matching.JobSchedule.Time: must be HH:MM (24h), got '25:00'" in run.stdout
    assert calls_lines(run.stdout) == ["AWS calls: none"]  # invalid: no call at all

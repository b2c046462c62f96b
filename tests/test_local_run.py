"""The README's first command: a stack's life played locally, and one event invoked alone."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.processes import python

ROOT = Path(__file__).resolve().parents[1]


def play(*args: str) -> subprocess.CompletedProcess[str]:
    return python("-m", "tools.local.play", *args, timeout=120)


def test_make_run_plays_create_update_replacement_and_delete_with_no_aws_account():
    run = play()

    assert run.returncode == 0, run.stderr
    steps = [line for line in run.stdout.splitlines() if line.startswith("=== ")]
    assert [step.split(":")[0] for step in steps] == [
        "=== Create",
        "=== Update",
        "=== Update",
        "=== Delete of the old domain (CloudFormation's cleanup)",
        "=== Delete of the new domain (stack deletion)",
        "=== Domain crm-profiles",
    ]
    assert run.stdout.count('Status: "SUCCESS"') == 5
    assert "AWS calls: GetDomain, UpdateDomain, TagResource, UntagResource" in run.stdout
    found_and_left = run.stdout.split("=== Domain crm-profiles: as the stack found it")[1]
    rows = found_and_left.strip().splitlines()[1:]
    assert len(rows) == 7, rows
    assert all(row.endswith(("(same)", "(both off)")) for row in rows), rows
    assert '  Tags: {"team": "someone-else"} | {"team": "someone-else"}  (same)' in rows
    assert 'PhysicalResourceId: "crm-profiles-eu"' in run.stdout
    assert "X-Amz-Signature" not in run.stdout + run.stderr


def test_make_invoke_runs_one_event_file_like_sam_local_invoke():
    run = play("--event", "events/create.json")

    assert run.returncode == 0, run.stderr
    assert "=== Create (events/create.json)" in run.stdout
    assert "AWS calls: GetDomain, UpdateDomain" in run.stdout


def test_make_invoke_exits_non_zero_when_the_response_is_failed(tmp_path):
    event = (ROOT / "events/create.json").read_text().replace('"02:00"', '"25:00"')
    (tmp_path / "bad.json").write_text(event)

    run = play("--event", str(tmp_path / "bad.json"))

    assert run.returncode == 1
    assert "Matching.JobSchedule.Time: must be HH:MM (24h), got '25:00'" in run.stdout

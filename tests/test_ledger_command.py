"""The ledger command (`python -m domain_provider.ledger`, contract: "The ledger"): `list` and
`show`, --json, the exit status when it could not run, and the module itself. `release` is
tests/test_ledger_release.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from domain_provider.ledger_command import main
from tests.support.ledger_command import (
    DOMAIN,
    INVALID,
    OLD_STACK,
    OWNER,
    STALE,
    domains,
    run,
)
from tests.support.stacks import holding, stack_resources
from tools.local.ledger import LEDGER_TABLE, LOGICAL_ID, STACK_ID, put_ledger_item

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def failing(client: Any, operation: str, code: str) -> Iterator[None]:
    """The ledger's client answers `code` (HTTP 400) to `operation` while the block runs."""

    def refuse(**_: Any) -> Any:
        from botocore.awsrequest import AWSResponse

        response = AWSResponse("https://dynamodb", 400, {}, None)
        return response, {"Error": {"Code": code, "Message": "not authorized"}}

    event = f"before-call.dynamodb.{operation}"
    client.meta.events.register(event, refuse, unique_id=HOOK)
    try:
        yield
    finally:
        client.meta.events.unregister(event, unique_id=HOOK)


HOOK = "tests-ledger-command-failing"


# list ---------------------------------------------------------------------------------------------


def test_list_shows_every_item_with_its_owner_format_found_members_and_problem(seeded, capsys):
    status, listed = run(capsys, "list")

    assert status == 0
    assert listed["table"] == LEDGER_TABLE
    rows = {each["domain"]: each for each in listed["items"]}
    assert list(rows) == [DOMAIN, INVALID, STALE]
    assert rows[DOMAIN] == {
        "domain": DOMAIN,
        "stack_id": STACK_ID,
        "logical_resource_id": LOGICAL_ID,
        "format": "3",
        "found_members": 4,
        "problem": "",
    }
    assert (rows[STALE]["stack_id"], rows[STALE]["logical_resource_id"]) == (OLD_STACK, "Old")
    assert rows[INVALID]["problem"].startswith("Found:Matching.AutoMerging.Enabled is not JSON")


def test_list_as_a_table_names_the_invalid_item_s_problem(seeded, capsys):
    assert main(["list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["DOMAIN", "STACK", "LOGICAL", "ID", "FORMAT", "FOUND", "PROBLEM"]
    assert lines[1].split() == [DOMAIN, "crm-profiles", LOGICAL_ID, "3", "4"]
    assert lines[2].split()[:5] == [INVALID, "crm-profiles", LOGICAL_ID, "3", "2"]
    assert "Found:Matching.AutoMerging.Enabled is not JSON" in lines[2]
    assert lines[3].split() == [STALE, "crm-legacy", "Old", "3", "0"]
    assert lines[4] == f"3 item(s) in ledger table {LEDGER_TABLE!r}, 1 invalid"


def test_an_empty_ledger_lists_nothing(ledger, capsys):
    assert run(capsys, "list") == (0, {"table": LEDGER_TABLE, "items": []})


def test_list_and_show_only_read(seeded, calls, capsys):
    main(["list"])
    main(["show", DOMAIN])
    main(["show", INVALID, "--json"])

    assert calls == ["Scan", "GetItem", "GetItem"]


# show ---------------------------------------------------------------------------------------------


def test_show_decodes_the_whole_item_member_by_member(seeded, capsys):
    status, shown = run(capsys, "show", DOMAIN)

    assert status == 0
    assert shown["found"] == [
        {"member": "DeadLetterQueueUrl", "absent": True},
        {"member": "DefaultExpirationDays", "value": 365},
    ]
    assert shown["found_tags"] == [{"key": "env", "value": "prod"}, {"key": "team", "absent": True}]
    assert shown["properties"]["DefaultExpirationDays"] == 366
    assert (shown["stack_id"], shown["logical_resource_id"], shown["problem"]) == (
        STACK_ID,
        LOGICAL_ID,
        "",
    )


def test_show_as_text_says_absent_where_the_domain_held_nothing(seeded, capsys):
    assert main(["show", DOMAIN]) == 0

    text = capsys.readouterr().out
    assert f"Owner:    {LOGICAL_ID} in stack {STACK_ID}\n" in text
    assert "  DeadLetterQueueUrl: absent\n  DefaultExpirationDays: 365\n" in text
    assert '  tag env: "prod"\n  tag team: absent\n' in text
    assert '"DefaultExpirationDays": 366' in text
    assert "Problem" not in text


def test_show_names_an_invalid_item_s_problem_and_its_unreadable_record(seeded, capsys):
    status, shown = run(capsys, "show", INVALID)

    assert status == 0
    assert shown["problem"].startswith("Found:Matching.AutoMerging.Enabled is not JSON")
    assert {"member": "Matching.AutoMerging.Enabled", "unreadable": "yes"} in shown["found"]


def test_show_reads_an_item_0_2_0_wrote(ledger, capsys):
    item = json.loads((ROOT / "tests/fixtures/ledger-0.2.0/create.json").read_text())
    put_ledger_item(ledger, item)

    status, shown = run(capsys, "show", DOMAIN)

    assert status == 0
    assert shown["format"] == "2"
    assert shown["legacy_found"]["DefaultExpirationDays"] == 365
    assert shown["found_members"] == len(shown["legacy_found"]) + len(shown["found_tags"])


@pytest.mark.parametrize("verb", [["show", "nobody"], ["release", "nobody", "--owner", OWNER]])
def test_a_domain_without_an_item_is_refused(seeded, capsys, verb):
    status, refused = run(capsys, *verb)

    assert status == 1
    assert refused["refused"] == f"no item for 'nobody' in the ledger table {LEDGER_TABLE!r}"


# could not run ------------------------------------------------------------------------------------


def test_an_access_denial_says_to_run_as_the_break_glass_role(seeded, capsys):
    with (
        failing(seeded, "DeleteItem", "AccessDeniedException"),
        stack_resources(holding("DELETE_COMPLETE")),
    ):
        status = main(["release", DOMAIN, "--owner", OWNER])

    assert status == 2
    message = capsys.readouterr().err
    assert message.startswith(
        f"Could not run: access denied: dynamodb:DeleteItem on the ledger table {LEDGER_TABLE}; "
        "run it as the "
        "provider stack's break-glass role (parameter LedgerBreakGlassRoleArn)"
    )
    assert "Update the provider stack to set LedgerBreakGlassRoleArn" in message
    assert "delete the owner's stack retaining the resource" in message
    assert message.endswith("DeleteItem operation: not authorized)\n")
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (
            "AccessDeniedException",
            f"access denied: dynamodb:Scan on the ledger table {LEDGER_TABLE}; run",
        ),
        ("ProvisionedThroughputExceededException", f"The ledger table {LEDGER_TABLE} could not"),
        ("ResourceNotFoundException", f"The ledger table {LEDGER_TABLE} does not exist"),
    ],
)
def test_a_ledger_that_cannot_be_read_exits_2(seeded, capsys, code, says):
    with failing(seeded, "Scan", code):
        status, failed = run(capsys, "list")

    assert status == 2
    assert failed["error"].startswith(says)


def test_no_such_table_exits_2(ledger, capsys):
    status, failed = run(capsys, "list", "--table", "not-the-ledger")

    assert status == 2
    assert failed["error"].startswith("The ledger table not-the-ledger does not exist")


def test_no_table_at_all_exits_2(aws, capsys, monkeypatch):
    monkeypatch.delenv("LEDGER_TABLE_NAME", raising=False)

    assert main(["list"]) == 2
    assert capsys.readouterr().err == (
        "Could not run: no ledger table: pass --table or set LEDGER_TABLE_NAME\n"
    )


# the module ---------------------------------------------------------------------------------------


def python(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, *args],
        cwd=ROOT,
        env={**environment, "PYTHONPATH": f"{ROOT / 'provider'}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_module_runs_the_command_and_its_help_gives_the_exit_statuses():
    run = python("-m", "domain_provider.ledger", "--help")

    assert run.returncode == 0, run.stderr
    assert "Exit status: 0 done, 1 refused" in run.stdout
    assert "2 could not run" in run.stdout


def test_importing_the_ledger_does_not_import_the_command():
    code = "import sys, domain_provider.ledger as l; print(l.__name__ + '_command' in sys.modules)"
    run = python("-c", code)

    assert run.stdout.strip() == "False", run.stderr


def test_make_ledger_lists_the_seeded_items_with_no_aws_account():
    run = python("-m", "tools.local.ledger_story")

    assert run.returncode == 0, run.stderr
    rows = [line.split()[:3] for line in run.stdout.splitlines()[1:4]]
    assert rows == [
        ["crm-profiles", "crm-profiles", "DomainSettings"],
        ["crm-profiles-eu", "crm-profiles-eu", "EuDomainSettings"],
        ["crm-profiles-old", "crm-legacy", "Old"],
    ]
    assert "is not JSON" in run.stdout.splitlines()[2]
    operations = (ROOT / "docs/operations.md").read_text()
    assert f"```text\n{run.stdout}```" in operations, "docs/operations.md's list is make ledger's"


@pytest.mark.parametrize(
    ("args", "status", "says"),
    [
        (["release", "crm-profiles-old", "--owner", f"{OLD_STACK}/Old"], 0, "owner stale"),
        (["release", "crm-profiles", "--owner", OWNER], 1, "is live"),
    ],
)
def test_make_ledger_releases_the_stale_owner_and_refuses_the_live_one(args, status, says):
    run = python("-m", "tools.local.ledger_story", *args)

    assert run.returncode == status, run.stderr
    assert says in run.stdout + run.stderr

"""The ledger command (`python -m domain_provider.ledger`): every verb, --json, each exit status;
`release` is one conditional delete on the named owner and judges that owner as the provider
judges a claim it meets (a CloudFormation double answers DescribeStackResource)."""

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
from domain_provider.members import ABSENT
from tests.support.stacks import holding, stack_resources
from tools.local.ledger import LEDGER_TABLE, LOGICAL_ID, STACK_ID, ledger_item, put_ledger_item

ROOT = Path(__file__).resolve().parents[1]
DOMAIN, STALE, INVALID = "crm-profiles", "crm-profiles-old", "crm-profiles-eu"
OWNER = f"{STACK_ID}/{LOGICAL_ID}"
OLD_STACK = STACK_ID.replace("stack/crm-profiles/", "stack/crm-legacy/")
PROPERTIES = {"DomainName": DOMAIN, "DefaultExpirationDays": "366"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """The command with --json: its exit status and what it printed."""
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def domains(client: Any) -> list[str]:
    """The domains the ledger holds an item for."""
    items = client.scan(TableName=LEDGER_TABLE, ConsistentRead=True)["Items"]
    return sorted(item["DomainName"]["S"] for item in items)


@pytest.fixture
def seeded(ledger: Any) -> Any:
    """Three items: DOMAIN (its Found with an absent member and tags), STALE (another stack's),
    INVALID (a Found record that is not JSON); the ledger's client."""
    found = {"DefaultExpirationDays": 365, "DeadLetterQueueUrl": ABSENT}
    put_ledger_item(
        ledger,
        ledger_item(DOMAIN, PROPERTIES, found=found, found_tags={"team": None, "env": "prod"}),
    )
    put_ledger_item(
        ledger,
        ledger_item(STALE, {"DomainName": STALE}, stack_id=OLD_STACK, logical_id="Old"),
    )
    invalid = ledger_item(INVALID, {"DomainName": INVALID}, found={"DefaultExpirationDays": 7})
    invalid["Found:Matching.AutoMerging.Enabled"] = {"S": "yes"}
    put_ledger_item(ledger, invalid)
    return ledger


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


@pytest.fixture
def calls(seeded: Any) -> Iterator[list[str]]:
    """The DynamoDB operations the command calls."""
    made: list[str] = []

    def record(model: Any, **_: Any) -> None:
        made.append(model.name)

    seeded.meta.events.register("before-call.dynamodb", record)
    yield made
    seeded.meta.events.unregister("before-call.dynamodb", record)


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


# release ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda stack, logical: "ValidationError", id="stack-gone"),
        pytest.param(holding("DELETE_COMPLETE"), id="deleted"),
        pytest.param(holding("DELETE_SKIPPED"), id="deleted-retaining-it"),
        pytest.param(holding("UPDATE_COMPLETE", "another-domain"), id="another-physical-id"),
    ],
)
def test_a_stale_owner_is_released_after_one_describe_stack_resource(seeded, capsys, answer):
    with stack_resources(answer) as asked:
        status, released = run(capsys, "release", DOMAIN, "--owner", OWNER)

    assert status == 0
    assert (released["released"], released["owner_state"], released["forced"]) == (
        True,
        "stale",
        False,
    )
    assert asked == [(STACK_ID, LOGICAL_ID)]
    assert domains(seeded) == [INVALID, STALE]


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(holding(), id="holds-the-domain"),
        pytest.param(holding("UPDATE_IN_PROGRESS", "another-domain"), id="in-progress"),
        pytest.param(lambda stack, logical: "Throttling", id="unreadable"),
    ],
)
def test_a_live_owner_is_refused_without_force(seeded, capsys, answer):
    with stack_resources(answer):
        status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)

    assert status == 1
    assert (
        f"the owner of {DOMAIN!r}, {LOGICAL_ID} in stack {STACK_ID}, is live"
        in (refused["refused"])
    )
    assert "--force" in refused["refused"]
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_force_releases_a_live_owner(seeded, live_owner, capsys):
    status, released = run(capsys, "release", DOMAIN, "--owner", OWNER, "--force")

    assert status == 0
    assert (released["owner_state"], released["forced"]) == ("live", True)
    assert live_owner == [(STACK_ID, LOGICAL_ID)]
    assert domains(seeded) == [INVALID, STALE]


def test_release_as_text_names_the_owner_and_why(seeded, capsys):
    with stack_resources(holding("DELETE_SKIPPED")):
        assert main(["release", DOMAIN, "--owner", OWNER]) == 0

    assert capsys.readouterr().out == (
        f"Released {DOMAIN!r} from {LOGICAL_ID} in stack {STACK_ID} "
        "(owner stale: its resource is DELETE_SKIPPED)\n"
    )


def test_another_owner_than_the_one_named_is_refused_before_any_write(seeded, calls, capsys):
    with stack_resources(holding("DELETE_COMPLETE")) as asked:
        status, refused = run(capsys, "release", DOMAIN, "--owner", f"{OLD_STACK}/Old", "--force")

    assert status == 1
    assert refused["refused"].startswith(f"{DOMAIN!r} is held by {LOGICAL_ID} in stack {STACK_ID}")
    assert (calls, asked) == (["GetItem"], [])
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_release_without_owner_says_which_owner_to_name(seeded, capsys):
    status, refused = run(capsys, "release", DOMAIN)

    assert status == 1
    assert refused["refused"].endswith(f"--owner {OWNER}")
    assert domains(seeded) == [DOMAIN, INVALID, STALE]


def test_the_release_is_conditional_on_the_owner_at_the_time_of_the_delete(seeded, capsys):
    """The item changes hands between the command's read and its delete: nothing is deleted."""

    def hand_over(**_: Any) -> None:
        put_ledger_item(seeded, ledger_item(DOMAIN, PROPERTIES, stack_id=OLD_STACK, logical_id="B"))

    seeded.meta.events.register("before-call.dynamodb.DeleteItem", hand_over)
    with stack_resources(holding("DELETE_COMPLETE")):
        status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)
    seeded.meta.events.unregister("before-call.dynamodb.DeleteItem", hand_over)

    assert status == 1
    assert refused["refused"] == f"the item of {DOMAIN!r} changed while being released; look again"
    item = seeded.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})["Item"]
    assert item["Owner"]["M"]["LogicalResourceId"] == {"S": "B"}


def test_an_owner_of_another_account_is_stale_without_a_call(ledger, capsys):
    elsewhere = STACK_ID.replace("123456789012", "210987654321")
    put_ledger_item(ledger, ledger_item(DOMAIN, PROPERTIES, stack_id=elsewhere))

    with stack_resources(holding()) as asked:
        status, released = run(capsys, "release", DOMAIN, "--owner", f"{elsewhere}/{LOGICAL_ID}")

    assert (status, released["owner_state"], asked) == (0, "stale", [])
    assert domains(ledger) == []


@pytest.mark.parametrize(
    "owner",
    [
        pytest.param({"S": OWNER}, id="a-string"),
        pytest.param({"M": {"StackId": {"S": STACK_ID}}}, id="no-logical-id"),
        pytest.param(None, id="missing"),
    ],
)
def test_an_item_with_a_malformed_owner_is_released_only_with_force(ledger, capsys, owner):
    item = ledger_item(DOMAIN, PROPERTIES)
    if owner is None:
        del item["Owner"]
    else:
        item["Owner"] = owner
    put_ledger_item(ledger, item)

    status, refused = run(capsys, "release", DOMAIN, "--owner", OWNER)
    assert status == 1
    assert "malformed Owner" in refused["refused"]
    assert domains(ledger) == [DOMAIN]

    with stack_resources(holding()) as asked:
        status, released = run(capsys, "release", DOMAIN, "--force")
    assert (status, released["owner_state"], asked) == (0, "malformed", [])
    assert domains(ledger) == []


def test_a_malformed_owner_that_changes_meanwhile_is_not_released(ledger, capsys):
    item = ledger_item(DOMAIN, PROPERTIES)
    item["Owner"] = {"S": "hand-written"}
    put_ledger_item(ledger, item)

    def repaired(**_: Any) -> None:
        put_ledger_item(ledger, ledger_item(DOMAIN, PROPERTIES))

    ledger.meta.events.register("before-call.dynamodb.DeleteItem", repaired)
    status, _ = run(capsys, "release", DOMAIN, "--force")
    ledger.meta.events.unregister("before-call.dynamodb.DeleteItem", repaired)

    assert status == 1
    assert domains(ledger) == [DOMAIN]


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

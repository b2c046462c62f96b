"""Upgrades keep working: items written by 0.2.0 (whole settings in `Found`) are read as Found for
each member. Two proofs:
- fixtures of the items 0.2.0 writes (tests/fixtures/ledger-0.2.0/, captured by running 0.2.0's
  own handler with `PYTHONPATH=provider:. .venv/bin/python -m tests.test_upgrade`), read and
  put back by this version;
- 0.2.0 itself, taken from the repository's history (commit V020), Creates and Updates a domain,
  then this version Updates and Deletes it: the domain ends as found. Skipped only where the
  clone lacks that commit (a shallow clone)."""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from domain_provider.ledger import LedgerItem
from domain_provider.members import ABSENT
from tests.support.aws import DOMAIN, state
from tools.local.cloudformation import LambdaContext, invoke, load_event
from tools.local.ledger import LEDGER_TABLE

ROOT = Path(__file__).resolve().parents[1]
V020 = "c6da5687f0804222f91ed0e375e326150133dac9"
"""The commit of 0.2.0 (the repository has no tags)."""
FIXTURES = ROOT / "tests" / "fixtures" / "ledger-0.2.0"
THEIR_KEY = "arn:aws:kms:us-east-1:123456789012:key/found-before-the-stack"
PACKAGE = "domain_provider_020"


def old_provider(into: Path) -> Any:
    """0.2.0's `domain_provider` from the history, importable as `domain_provider_020`; its
    handler module. Skips when the clone does not have the commit."""
    git = shutil.which("git") or "git"
    archive = subprocess.run(  # noqa: S603 - fixed argv
        [git, "-C", str(ROOT), "archive", V020, "provider/domain_provider"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"the clone lacks 0.2.0's commit {V020[:7]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    package = into / PACKAGE
    (into / "provider" / "domain_provider").rename(package)
    for source in package.glob("*.py"):
        text = re.sub(r"\bdomain_provider\b", PACKAGE, source.read_text())
        source.write_text(text)
    sys.path.insert(0, str(into))
    return importlib.import_module(f"{PACKAGE}.handler")


@contextlib.contextmanager
def answered_by(old: Any, cfn: Any) -> Iterator[None]:
    """0.2.0's answers reach the same response bucket as this version's."""
    with mock.patch(f"{PACKAGE}.response.HTTPSConnection", cfn.connection):
        yield


def run_old(old: Any, event: dict[str, Any], cfn: Any) -> dict[str, Any]:
    before = len(cfn.puts)
    with answered_by(old, cfn):
        old.handler(copy.deepcopy(event), LambdaContext())
    assert len(cfn.puts) == before + 1
    body: dict[str, Any] = cfn.last
    return body


def item_of(ledger: Any) -> dict[str, Any]:
    answer = ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})
    item: dict[str, Any] = answer["Item"]
    return item


def preconfigured(profiles: Any) -> dict[str, Any]:
    """The domain as it was before any stack: another team's key, identity resolution on."""
    profiles.handle(
        "UpdateDomain",
        {"DomainName": DOMAIN, "DefaultEncryptionKey": THEIR_KEY, "Matching": {"Enabled": True}},
    )
    profiles.calls.clear()
    return settled(profiles)


def settled(profiles: Any) -> dict[str, Any]:
    domain = {**state(profiles), "LastUpdatedAt": None}
    profiles.calls.pop()
    return domain


def test_0_2_0_creates_and_updates_then_this_version_updates_and_deletes_back_to_found(
    profiles, cfn, ledger, tmp_path
):
    old = old_provider(tmp_path)
    found = preconfigured(profiles)
    create, update = load_event("create.json"), load_event("update.json")
    assert run_old(old, create, cfn)["Status"] == "SUCCESS"
    assert run_old(old, update, cfn)["Status"] == "SUCCESS"
    assert "Found" in item_of(ledger), "0.2.0's format: whole settings"
    assert "Format" not in item_of(ledger)

    again = copy.deepcopy(update)
    again["OldResourceProperties"] = copy.deepcopy(update["ResourceProperties"])
    again["ResourceProperties"]["DefaultExpirationDays"] = "400"
    assert invoke(again, cfn)["Status"] == "SUCCESS"
    delete = load_event("delete.json")
    delete["ResourceProperties"] = again["ResourceProperties"]
    assert invoke(delete, cfn)["Status"] == "SUCCESS"

    now = settled(profiles)
    assert now["DefaultEncryptionKey"] == THEIR_KEY
    assert now["DefaultExpirationDays"] == found["DefaultExpirationDays"]
    assert now["Matching"] == {"Enabled": True}
    assert now["DataStore"] == {"Enabled": False}
    assert "DeadLetterQueueUrl" not in now
    assert "Item" not in ledger.get_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": DOMAIN}})


@pytest.mark.parametrize("name", ["create", "update"])
def test_an_item_0_2_0_wrote_reads_as_found_for_each_member(name):
    item = LedgerItem.from_item(json.loads((FIXTURES / f"{name}.json").read_text()))

    assert item.found["DefaultEncryptionKey"] == THEIR_KEY
    assert item.found["Matching.Enabled"] is True
    assert item.found["Matching.JobSchedule"] is ABSENT
    assert item.found["DataStore.Enabled"] is ABSENT
    assert item.found_tags["team"] is None
    assert item.properties is not None


def test_this_version_puts_a_domain_back_from_the_item_0_2_0_wrote(profiles, cfn, ledger):
    found = preconfigured(profiles)
    invoke(load_event("create.json"), cfn)
    invoke(load_event("update.json"), cfn)
    ledger.put_item(TableName=LEDGER_TABLE, Item=json.loads((FIXTURES / "update.json").read_text()))

    assert invoke(load_event("delete.json"), cfn)["Status"] == "SUCCESS"

    now = settled(profiles)
    assert now["DefaultEncryptionKey"] == THEIR_KEY
    assert now["DefaultExpirationDays"] == found["DefaultExpirationDays"]
    assert now["Matching"] == {"Enabled": True}
    assert "Tags" not in now


def capture() -> None:
    """Write the fixtures: 0.2.0's items after its Create and its Update of a preconfigured
    domain (from the repository's root: `PYTHONPATH=provider:. python -m tests.test_upgrade`)."""
    import tempfile

    import boto3
    from moto import mock_aws

    from tools.local.cloudformation import response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    with tempfile.TemporaryDirectory() as folder, mock_aws(), response_bucket() as cfn:
        old = old_provider(Path(folder))
        client = boto3.client("dynamodb")
        create_ledger_table(client)
        profiles = backend()
        profiles.handle("CreateDomain", {"DomainName": DOMAIN, "DefaultExpirationDays": 365})
        preconfigured(profiles)
        FIXTURES.mkdir(parents=True, exist_ok=True)
        for name in ("create", "update"):
            assert run_old(old, load_event(f"{name}.json"), cfn)["Status"] == "SUCCESS"
            text = json.dumps(item_of(client), indent=2, sort_keys=True)
            (FIXTURES / f"{name}.json").write_text(text + "\n")


if __name__ == "__main__":
    import os

    from tools.local.environment import FAKE_ENVIRONMENT

    os.environ.update(FAKE_ENVIRONMENT, LEDGER_TABLE_NAME=LEDGER_TABLE)
    capture()

"""Drift (contract: "Drift"): the scheduled check (EventBridge's event, the logged drift and the
metrics), never a write by the check or the command, and `make drift` with no AWS account;
against the Customer Profiles double and moto's DynamoDB (the ledger)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from domain_provider.handler import handler
from domain_provider.ledger import LEDGER_TABLE_ENV
from domain_provider.request import is_scheduled_event
from tests.support.drift import CREATE, DOMAIN, OTHER, report, update
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import LambdaContext, load_event
from tools.local.customer_profiles import MODEL
from tools.local.ledger import (
    ledger_item,
    manage,
    put_ledger_item,
)

# The scheduled check ----------------------------------------------------------------------------


@pytest.fixture
def scheduled() -> dict[str, Any]:
    """EventBridge's scheduled event, as the template's rule sends it."""
    return load_event("scheduled-drift-check.json")


def emf_lines(out: str) -> list[dict[str, Any]]:
    """The CloudWatch embedded-metric-format documents printed to stdout."""
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def metric_values(emf: dict[str, Any]) -> dict[str, float]:
    """Each metric's value in one EMF document (Powertools writes each as a one-item list)."""
    names = [m["Name"] for m in emf["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    return {name: sum(emf[name]) for name in names}


def test_the_sample_schedule_event_is_eventbridges_and_not_cloudformations(scheduled):
    assert EventBridgeModel.model_validate(scheduled).detail_type == "Scheduled Event"
    assert is_scheduled_event(scheduled)
    assert not any(is_scheduled_event(load_event(name)) for name in ("create.json", "delete.json"))


def test_the_scheduled_check_logs_each_drifted_property_and_publishes_the_metrics(
    profiles, ledger, capsys, json_logs, scheduled
):
    manage(profiles, ledger, CREATE)
    update(DefaultExpirationDays=30, DataStore={"Enabled": False})(profiles)
    put_ledger_item(ledger, ledger_item(OTHER, properties=None))

    handler(scheduled, LambdaContext())

    (emf,) = emf_lines(capsys.readouterr().out)
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "CustomerProfilesDomainProvider"
    assert directive["Dimensions"] == [["service"]]
    assert [(m["Name"], m["Unit"]) for m in directive["Metrics"]] == [
        ("DriftedDomains", "Count"),
        ("DriftedProperties", "Count"),
        ("UncheckedDomains", "Count"),
    ]
    assert metric_values(emf) == {
        "DriftedDomains": 1,
        "DriftedProperties": 2,
        "UncheckedDomains": 1,
    }
    assert emf["service"] == "customer-profiles-domain"
    logs = parse_json_logs(json_logs)
    drift = [
        (line["domain"], line["path"], line["expected"], line["live"])
        for line in logs
        if line["message"] == "Drift"
    ]
    assert drift == [
        (DOMAIN, "DefaultExpirationDays", 366, 30),
        (DOMAIN, "DataStore.Enabled", True, False),
    ]
    assert {line["correlation_id"] for line in logs} == {scheduled["id"]}
    assert profiles.operations() == ["GetDomain"]


def test_the_metrics_namespace_follows_the_environment(
    profiles, ledger, capsys, monkeypatch, scheduled
):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Team/Drift")

    handler(scheduled, LambdaContext())

    (emf,) = emf_lines(capsys.readouterr().out)
    assert emf["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Team/Drift"
    assert set(metric_values(emf).values()) == {0}


def test_a_ledger_that_cannot_be_read_fails_the_scheduled_invocation(
    profiles, ledger, capsys, json_logs, monkeypatch, scheduled
):
    monkeypatch.setenv(LEDGER_TABLE_ENV, "missing")

    with pytest.raises(Exception, match="ResourceNotFoundException"):
        handler(scheduled, LambdaContext())

    (failure,) = [line for line in parse_json_logs(json_logs) if line["level"] == "ERROR"]
    assert failure["reason"].startswith("The ledger table missing does not exist")
    assert emf_lines(capsys.readouterr().out) == []


# Never a write ----------------------------------------------------------------------------------

READS = ("Get", "List", "Search", "Describe", "Detect")
DYNAMODB_READS = {"Scan", "GetItem", "Query", "BatchGetItem", "DescribeTable"}


@pytest.fixture
def writes_refused(profiles, ledger) -> Iterator[list[str]]:
    """Every write refused, by Customer Profiles and by DynamoDB; the writes attempted."""
    attempted: list[str] = []

    def refuse(model: Any, **_: Any) -> None:
        if model.name not in DYNAMODB_READS:
            attempted.append(model.name)
            raise PermissionError(f"dynamodb:{model.name} refused")

    manage(profiles, ledger, CREATE)
    update(DefaultExpirationDays=30)(profiles)
    for operation in MODEL.operation_names:
        if not operation.startswith(READS):
            profiles.fail(operation, "AccessDeniedException", times=1000)
    ledger.meta.events.register("before-call.dynamodb", refuse)
    yield attempted
    ledger.meta.events.unregister("before-call.dynamodb", refuse)


def test_the_command_only_reads(profiles, writes_refused, capsys):
    status, found = report(capsys)

    assert status == 1
    assert found["DriftedProperties"] == 1
    assert profiles.operations() == ["GetDomain"]
    assert writes_refused == []


def test_the_scheduled_check_only_reads(profiles, writes_refused, capsys, scheduled):
    handler(scheduled, LambdaContext())

    (emf,) = emf_lines(capsys.readouterr().out)
    assert metric_values(emf)["DriftedDomains"] == 1
    assert profiles.operations() == ["GetDomain"]
    assert writes_refused == []


def test_make_drift_reports_the_seeded_drift_with_no_aws_account():
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    run = subprocess.run(
        [sys.executable, "-m", "tools.local.drift"],
        cwd=Path(__file__).resolve().parents[1],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert run.returncode == 1, run.stderr  # the drift command's own status: drifted
    rows = [line.split()[:4] for line in run.stdout.splitlines()[1:5]]
    assert rows == [
        ["crm-profiles", "crm-profiles", "DomainSettings", "DeadLetterQueueUrl"],
        ["crm-profiles", "crm-profiles", "DomainSettings", "Matching.AutoMerging.Enabled"],
        ["crm-profiles", "crm-profiles", "DomainSettings", "Tags.team"],
        ["crm-profiles-old", "crm-legacy", "Old", "(the"],
    ]
    assert "In sync: crm-profiles-eu" in run.stdout
    assert "Exit status 1" in run.stderr
    operations = (Path(__file__).resolve().parents[1] / "docs/operations.md").read_text()
    assert f"```text\n{run.stdout}```" in operations, "docs/operations.md's report is make drift's"

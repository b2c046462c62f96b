"""Drift as the tests make it: a managed domain's properties, and what someone changes in the
console."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from domain_provider.drift_command import main
from tools.local.cloudformation import load_event
from tools.local.customer_profiles import CustomerProfilesBackend

CREATE = load_event("create.json")["ResourceProperties"]
DOMAIN = CREATE["DomainName"]
OTHER = "crm-profiles-eu"


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    """Run the command with --json: its exit status and its report."""
    status = main([*args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def console(operation: str, request: dict[str, Any]) -> Callable[[CustomerProfilesBackend], None]:
    """Someone changes the domain outside the stack (their call is not recorded as ours)."""

    def change(double: CustomerProfilesBackend) -> None:
        double.handle(operation, request)
        double.calls.pop()

    return change


def update(**settings: Any) -> Callable[[CustomerProfilesBackend], None]:
    return console("UpdateDomain", {"DomainName": DOMAIN, **settings})

"""The walk is straight (issue 14; architecture.md, "What good looks like when you walk it"): an
event, followed call by call from the handler (tools/walk.py), takes every step from a module
that drives it (handler → cfn → lifecycle) and comes back to it; no step calls another step
sideways, and nothing calls up into a driver. A step module is visited again only where the
contract orders two visits: the ledger (the claim, then the record), aws (GetDomain, then the
change), the planner (the target, then the plan), the request (is it scheduled, then parse)."""

from __future__ import annotations

from typing import Any

import pytest

from tools import walk
from tools.local.cloudformation import load_event

DRIVERS = set(walk.DRIVERS)
TWICE = {"ledger", "aws", "planner", "request"}
"""The step modules the contract's sequence visits twice in one event."""


def walked(event: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("LEDGER_TABLE_NAME", "")  # walk() names its own table; restored after
    walk.CALLS.clear()
    return walk.walk("domain_provider", event)


@pytest.mark.parametrize("name", ["create.json", "update.json", "delete.json"])
def test_every_step_is_called_by_a_driver_and_nothing_calls_up(name, monkeypatch, aws):
    walked(load_event(name), monkeypatch)

    assert walk.CALLS, "the walk saw the event's calls"
    assert {caller for caller, _ in walk.CALLS} <= DRIVERS, walk.CALLS
    assert not [edge for edge in walk.CALLS if walk._is_up(*edge)], "a call up into a driver"


@pytest.mark.parametrize("name", ["create.json", "update.json", "delete.json"])
def test_an_event_comes_back_to_a_step_only_where_the_contract_orders_a_second_visit(
    name, monkeypatch, aws
):
    stops = walked(load_event(name), monkeypatch)

    returned = walk.returns_by_module(stops)
    again = {module: count for module, count in returned.items() if module not in DRIVERS}
    assert set(again) <= TWICE, again
    assert all(count == 1 for module, count in again.items() if module != "ledger"), again
    assert again.get("ledger", 0) <= 2, "the ledger: its table, the claim, the record"


def test_a_create_walks_the_contracts_sequence_from_the_lifecycle(monkeypatch, aws):
    stops = walked(load_event("create.json"), monkeypatch)

    lifecycle = stops.index("lifecycle")
    steps = [stop for stop in stops[lifecycle:] if stop not in DRIVERS]
    assert steps == [
        "planner",  # the target: which domain, which ids
        "ledger",  # the ledger of the function
        "ledger",  # the claim
        "aws",  # GetDomain
        "destinations",  # where the domain may send data and keys
        "ledger",  # Found and the properties recorded
        "planner",  # the plan
        "aws",  # the change
        "response",  # the answer
    ], stops
    assert walk.returns(stops) <= 18, "a third of 0.2.0's 53 at this granularity"

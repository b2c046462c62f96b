"""Behaviour under load and faults (contract): the calls each event makes stay within the
contract's maxima, and the same event delivered twice gives the same answer and end state.
Real-shaped events → the real handler → the Customer Profiles double and moto's DynamoDB (the
ledger)."""

from __future__ import annotations

import pytest

from tests.support.aws import state
from tests.support.lifecycle import delete_of, preconfigure
from tools.local.cloudformation import invoke, load_event, rollback_of

# Calls per event, within the contract's maxima ----------------------------------------------------

MAXIMA = {
    "Create": {"GetDomain": 1, "UpdateItem": 2, "UpdateDomain": 1},
    "Update": {
        "GetDomain": 1,
        "UpdateItem": 2,
        "UpdateDomain": 1,
        "TagResource": 1,
        "UntagResource": 1,
    },
    "Delete": {
        "GetItem": 1,
        "GetDomain": 1,
        "UpdateDomain": 1,
        "TagResource": 1,
        "UntagResource": 1,
        "DeleteItem": 1,
    },
}


def test_every_event_stays_within_the_contracts_call_maxima(profiles, cfn, ledger):
    made: list[str] = []
    ledger.meta.events.register("before-call.dynamodb", lambda model, **_: made.append(model.name))
    preconfigure(profiles)
    events = [
        load_event("create.json"),
        load_event("update.json"),
        rollback_of(load_event("update.json")),
        load_event("update-replace.json"),
        load_event("delete.json"),
        delete_of(load_event("update-replace.json")),
    ]
    for event in events:
        made.clear()
        profiles.calls.clear()

        assert invoke(event, cfn)["Status"] == "SUCCESS"

        calls = [*profiles.operations(), *made]
        allowed = MAXIMA[event["RequestType"]]
        over = {name for name in calls if calls.count(name) > allowed.get(name, 0)}
        assert not over, (event["RequestType"], calls)


@pytest.mark.parametrize(
    "name", ["create.json", "update.json", "update-replace.json", "delete.json"]
)
def test_the_same_event_twice_gives_the_same_answer_and_state(profiles, cfn, name):
    if name != "create.json":
        invoke(load_event("create.json"), cfn)
    first = invoke(load_event(name), cfn)
    domain = state(profiles)

    again = invoke(load_event(name), cfn)

    assert {**again, "Data": {}} == {**first, "Data": {}}
    assert {**state(profiles), "LastUpdatedAt": None} == {**domain, "LastUpdatedAt": None}

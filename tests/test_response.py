"""The response body: within CloudFormation's 4096 bytes whatever it is given, shortening only the
Reason, Data or a made-up id; the ids CloudFormation must see echoed are never changed."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain_provider.ids import ANSWER_ROOM, MADE_UP_LIMIT, RESPONSE_LIMIT, echo_room, made_up_id
from domain_provider.response import response_body

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/crm/5b6a1c10-8f3e-11ef-9d2a"
IDS = (STACK_ID, "9f3e2d1c-6b5a-4f8e-9d7c-1a2b3c4d5e6f", "DomainSettings")
DATA = {f"Key{index}": "v" * 40 for index in range(9)}


def size(body: dict[str, object]) -> int:
    return len(json.dumps(body))


def test_an_ordinary_answer_is_sent_whole():
    body = response_body("SUCCESS", "", "crm-profiles", IDS, DATA)

    assert body["Data"] == DATA
    assert body["PhysicalResourceId"] == "crm-profiles"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == IDS


def test_the_made_up_id_keeps_its_natural_form_for_cloudformations_own_ids():
    assert made_up_id("DomainSettings", IDS[1]) == f"create-failed:DomainSettings:{IDS[1]}"
    assert made_up_id("L" * 200, IDS[1]) == f"create-failed:{'L' * 200}:{IDS[1]}"


@pytest.mark.parametrize(
    ("logical_id", "request_id"),
    [("L" * 5000, IDS[1]), ("DomainSettings", "R" * 5000), ("Ĺ" * 240, IDS[1]), ("L" * 219, "r")],
)
def test_a_made_up_id_from_long_ids_is_short_deterministic_and_distinct(logical_id, request_id):
    made_up = made_up_id(logical_id, request_id)

    assert made_up.startswith("create-failed:")
    assert len(json.dumps(made_up)) <= MADE_UP_LIMIT + 2
    assert made_up == made_up_id(logical_id, request_id)
    assert made_up != made_up_id(logical_id, request_id + "x")
    assert made_up != made_up_id(logical_id + "x", request_id)


def test_data_is_dropped_before_an_echoed_id_could_be_touched():
    ids = (STACK_ID, "R" * 3000, "DomainSettings")
    assert echo_room(ids, "") >= ANSWER_ROOM, "an event the parser accepts"
    data = {key: "v" * 100 for key in DATA}

    body = response_body("SUCCESS", "", "crm-profiles", ids, data)

    assert size(body) <= RESPONSE_LIMIT
    assert body["Data"] == {}
    assert body["RequestId"] == "R" * 3000


def test_a_long_made_up_id_is_shortened_when_it_would_not_fit():
    ids = (STACK_ID, "R" * 1800, "L" * 1800)
    natural = f"create-failed:{'L' * 1800}:{'R' * 1800}"

    body = response_body("FAILED", "Matching.Enabled: must be true or false", natural, ids, {})

    assert size(body) <= RESPONSE_LIMIT
    assert body["PhysicalResourceId"].startswith("create-failed:")
    assert len(body["PhysicalResourceId"]) <= MADE_UP_LIMIT
    assert body["Reason"] == "Matching.Enabled: must be true or false"
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == ids


def test_a_reason_that_does_not_fit_keeps_its_head():
    ids = (STACK_ID, "R" * 1800, "L" * 1900)
    reason = "DomainName: " + "\u2603" * 300  # each escapes to 6 bytes of JSON

    body = response_body("FAILED", reason, "crm-profiles", ids, {})

    assert size(body) <= RESPONSE_LIMIT
    assert body["Reason"].startswith("DomainName: \u2603")
    assert body["Reason"].endswith("…")
    assert body["PhysicalResourceId"] == "crm-profiles", "a real domain's id is never shortened"


def test_a_physical_id_that_is_not_made_up_is_never_shortened():
    physical = "p" * 1024

    body = response_body("FAILED", "x" * 256, physical, (STACK_ID, "R" * 2000, "L"), {})

    assert body["PhysicalResourceId"] == physical
    assert size(body) <= RESPONSE_LIMIT


@given(
    logical_id=st.text(min_size=1, max_size=1500),
    request_id=st.text(min_size=1, max_size=1500),
    physical=st.one_of(st.just(""), st.text(min_size=1, max_size=1024)),
    reason=st.text(max_size=400),
    failed=st.booleans(),
)
def test_every_answer_to_an_event_the_parser_accepts_fits_and_echoes_its_ids(
    logical_id, request_id, physical, reason, failed
):
    ids = (STACK_ID, request_id, logical_id)
    if len(physical.encode("utf-8", "surrogatepass")) > 1024 or echo_room(ids, physical) < (
        ANSWER_ROOM
    ):
        return  # the parser drops such an event: it is never answered
    answered = physical or (made_up_id(logical_id, request_id) if failed else "crm-profiles")

    body = response_body("FAILED" if failed else "SUCCESS", reason, answered, ids, DATA)

    assert size(body) <= RESPONSE_LIMIT
    assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == ids
    assert body["PhysicalResourceId"] == answered

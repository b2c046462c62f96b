"""Faults through the real handler and the double: a stack never hangs, never loses a setting.

Each test delivers real-shaped events to the real handler; the double injects throttling, 5xx,
slowness and denials; the response bucket fails or hangs the PUT. Deadlines are asserted with
generous bounds (the answer arrives before the Lambda's deadline), never as speed numbers.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from http.client import BadStatusLine
from typing import Any
from unittest import mock

import pytest
from botocore.retries import standard

from domain_provider.clients import customer_profiles_client
from tests.support.aws import ARN, DOMAIN
from tests.support.lambdas import deliver
from tests.support.logs import parse_json_logs
from tools.local.cloudformation import (
    answer_in_container,
    invoke,
    load_event,
    rollback_of,
)
from tools.local.customer_profiles import CustomerProfilesBackend


def state(profiles: CustomerProfilesBackend, name: str = DOMAIN) -> dict[str, Any]:
    """The domain, without the time of its last change (which every call moves)."""
    return {**profiles.handle("GetDomain", {"DomainName": name}), "LastUpdatedAt": None}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore's retries without their jittered sleeps: every retry is still made and counted."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the SDK's attempts (AWS_MAX_ATTEMPTS) for a fresh container client."""

    def set_attempts(count: int) -> None:
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", str(count))
        customer_profiles_client.cache_clear()

    yield set_attempts
    customer_profiles_client.cache_clear()


# Throttling storms and 5xx ---------------------------------------------------------------------


def test_a_storm_of_throttling_and_5xx_on_every_call_that_fits_in_time_succeeds(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    expected = load_event("update.json")
    profiles.fail("UpdateDomain", "ThrottlingException")
    profiles.fail("UpdateDomain", "InternalServerException")
    profiles.fail("TagResource", "InternalServerException", times=2)
    profiles.fail("UntagResource", "ThrottlingException", times=2)
    profiles.calls.clear()

    body = invoke(expected, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    assert (
        profiles.operations()
        == ["GetDomain"] + ["UpdateDomain"] * 3 + ["TagResource"] * 3 + ["UntagResource"] * 3
    )
    domain = state(profiles)
    assert domain["DefaultExpirationDays"] == 730
    assert domain["Tags"] == {"team": "customer-data", "env": "prod"}


@pytest.mark.usefixtures("no_backoff")
def test_a_storm_that_outlasts_the_lambda_answers_failed_before_the_deadline(
    profiles, cfn, attempts
):
    attempts(8)  # the production default: 8 attempts of 0.45 s do not fit in a 3 s Lambda
    profiles.fail("UpdateDomain", "ThrottlingException", times=100, delay=0.45)

    deadline, _ = deliver(load_event("create.json"), cfn, timeout=3.0)

    assert len(cfn.puts) == 1, "the late result after the timeout is never a second answer"
    assert cfn.puts[0].at < deadline
    body = cfn.last
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        "Timed out: UpdateDomain on domain 'crm-profiles' did not finish before the Lambda's "
        "deadline (still retrying after ThrottlingException)"
    )
    assert "raise the provider function's Timeout" in body["Reason"]
    assert body["PhysicalResourceId"] == DOMAIN, "it may have been applied: Delete must reset"


@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("code", ["ThrottlingException", "InternalServerException"])
def test_retries_that_run_out_within_the_lambda_fail_with_the_error(profiles, cfn, attempts, code):
    attempts(5)
    profiles.fail("TagResource", code, times=100)
    invoke(load_event("create.json"), cfn)
    profiles.calls.clear()

    body = invoke(load_event("update.json"), cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("TagResource on domain 'crm-profiles' failed after 5 ")
    assert code in body["Reason"]
    assert "retry the stack operation" in body["Reason"]
    assert profiles.operations() == ["GetDomain", "UpdateDomain"] + ["TagResource"] * 5


# A call that would outlast the Lambda ----------------------------------------------------------


def test_a_call_that_would_outlast_the_lambda_answers_failed_before_the_deadline(profiles, cfn):
    profiles.slow("UpdateDomain", 3.5)

    deadline, returned = deliver(load_event("create.json"), cfn, timeout=3.0)

    assert len(cfn.puts) == 1
    assert cfn.puts[0].at < deadline - 1.0 < returned
    assert cfn.last["Status"] == "FAILED"
    assert cfn.last["Reason"].startswith(
        "Timed out: UpdateDomain on domain 'crm-profiles' did not finish before the Lambda's "
        "deadline (a slow answer)"
    )


def test_no_call_is_made_once_the_timeout_answer_is_sent(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    profiles.calls.clear()
    profiles.slow("UpdateDomain", 3.5)

    deliver(load_event("update.json"), cfn, timeout=3.0)

    assert cfn.last["Reason"].startswith("Timed out: UpdateDomain + TagResource + UntagResource")
    assert profiles.operations() == ["GetDomain", "UpdateDomain"], "rollback may run elsewhere"


def test_no_retry_of_the_call_in_flight_reaches_aws_once_the_timeout_answer_is_sent(profiles, cfn):
    # The first attempt is throttled only after the timer (5 s into an 8 s Lambda) has answered
    # FAILED; without the before-send hook the SDK's next attempt would land the settings behind
    # that answer. (The reads before it have 5 s: ample on a loaded machine.)
    profiles.fail("UpdateDomain", "ThrottlingException", times=1, delay=5.6)

    deliver(load_event("create.json"), cfn, timeout=8.0)

    assert cfn.last["Status"] == "FAILED"
    assert "(a slow answer)" in cfn.last["Reason"]
    assert profiles.operations() == ["GetDomain", "UpdateDomain"], "the SDK's retry was refused"
    assert state(profiles).get("Matching") is None, "nothing landed behind the FAILED answer"


def test_no_timeout_is_logged_after_success_while_the_response_put_is_slow(
    profiles, cfn, json_logs
):
    real_connection = cfn.connection

    def slow_connection(host: str, timeout: float | None = None, **kwargs: Any) -> Any:
        connection = real_connection(host, timeout)
        original = connection.request

        def request(*args: Any, **kwargs: Any) -> None:
            # The PUT outlasts the timer (5 s into an 8 s Lambda), whenever the work ended.
            time.sleep(max(started + 5.5 - time.monotonic(), 0.0))
            original(*args, **kwargs)

        connection.request = request
        return connection

    started = time.monotonic()
    with mock.patch("domain_provider.response.HTTPSConnection", slow_connection):
        deliver(load_event("create.json"), cfn, timeout=8.0)
    time.sleep(0.3)  # a timer that was not cancelled would have fired by now

    assert [put.body["Status"] for put in cfn.puts] == ["SUCCESS"]
    messages = [line["message"] for line in parse_json_logs(json_logs)]
    assert not [message for message in messages if message.startswith("Timed out")]


def test_a_slow_create_that_applied_after_the_timeout_is_reset_by_the_delete(profiles, cfn):
    profiles.slow("UpdateDomain", 3.5)
    deliver(load_event("create.json"), cfn, timeout=3.0)
    assert state(profiles)["Matching"]["Enabled"] is True, "the slow call did land"
    delete = load_event("delete.json")
    delete["PhysicalResourceId"] = cfn.last["PhysicalResourceId"]
    delete["ResourceProperties"] = load_event("create.json")["ResourceProperties"]

    body = invoke(delete, cfn)

    assert body["Status"] == "SUCCESS", body["Reason"]
    domain = state(profiles)
    assert domain["Matching"] == {"Enabled": False}
    assert "DefaultEncryptionKey" not in domain
    assert "Tags" not in domain


# The response PUT failing or hanging -----------------------------------------------------------


@pytest.mark.parametrize("failure", [ConnectionResetError, TimeoutError, BadStatusLine])
def test_a_failing_response_put_is_retried_until_it_lands(profiles, cfn, failure):
    cfn.fail_next, cfn.fail_with = 2, failure

    body = invoke(load_event("create.json"), cfn)

    assert body["Status"] == "SUCCESS"
    assert cfn.attempts == 3


def test_a_response_put_that_never_lands_ends_by_the_deadline(profiles, cfn):
    cfn.fail_next = 10_000

    deadline, returned = deliver(load_event("delete.json"), cfn, timeout=2.5)

    assert cfn.puts == []
    assert 1 < cfn.attempts < 10, "retried with backoff, not in a tight loop"
    assert returned <= deadline


def test_a_hanging_response_put_ends_by_the_deadline(profiles, cfn):
    cfn.hang_for = 60.0

    deadline, returned = deliver(load_event("delete.json"), cfn, timeout=2.5)

    assert cfn.puts == []
    assert returned <= deadline


# The same event twice --------------------------------------------------------------------------


def test_a_timed_out_create_delivered_again_gives_the_same_answer_and_state(profiles, cfn):
    profiles.slow("UpdateDomain", 3.5)
    deliver(load_event("create.json"), cfn, timeout=3.0)
    first, domain = cfn.last, state(profiles)

    again = invoke(load_event("create.json"), cfn)

    assert again["PhysicalResourceId"] == first["PhysicalResourceId"] == DOMAIN
    assert again["Status"] == "SUCCESS", "the retry succeeds where the first timed out"
    assert state(profiles) == domain


def test_a_failed_create_delivered_twice_answers_the_same(profiles, cfn):
    profiles.fail("UpdateDomain", "AccessDeniedException", times=2)

    first = invoke(load_event("create.json"), cfn)
    again = invoke(load_event("create.json"), cfn)

    assert first == again
    assert first["Status"] == "FAILED"
    assert first["PhysicalResourceId"].startswith("create-failed:")


# An Update that fails half-way, and its rollback ---------------------------------------------


def test_an_update_that_fails_half_way_fails_and_its_rollback_restores_everything(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    before = state(profiles)
    profiles.fail("TagResource", "AccessDeniedException")
    update = load_event("update.json")

    body = invoke(update, cfn)

    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith(
        f"Access denied: the provider's role needs profile:TagResource on {ARN}"
    )
    assert state(profiles)["DefaultExpirationDays"] == 730, "UpdateDomain was applied"

    rollback = invoke(rollback_of(update), cfn)

    assert rollback["Status"] == "SUCCESS", rollback["Reason"]
    assert state(profiles) == before


def test_an_update_whose_untag_fails_is_rolled_back_to_the_old_tags(profiles, cfn):
    invoke(load_event("create.json"), cfn)
    before = state(profiles)
    profiles.fail("UntagResource", "AccessDeniedException")
    update = load_event("update.json")

    assert invoke(update, cfn)["Status"] == "FAILED"
    assert invoke(rollback_of(update), cfn)["Status"] == "SUCCESS"
    assert state(profiles) == before


# Many resources at once ------------------------------------------------------------------------

CONTAINERS = 50


def many_creates(count: int) -> list[dict[str, Any]]:
    events = []
    for index in range(count):
        event = load_event("create.json")
        name = f"crm-load-{index:02d}"
        event["ResourceProperties"]["DomainName"] = name
        event["LogicalResourceId"] = f"Domain{index:02d}"
        event["RequestId"] = f"00000000-0000-4000-8000-{index:012d}"
        event["ResponseURL"] = event["ResponseURL"].replace("DomainSettings", f"Domain{index:02d}")
        events.append(event)
    return events


@pytest.mark.slow
def test_fifty_containers_at_once_against_a_throttling_service_all_answer(profiles):
    """Each event in its own process (a Lambda container: its own helper, client and retry
    state) forked from a server that imported the handler; all share one double over HTTP."""
    from moto.server import ThreadedMotoServer

    events = many_creates(CONTAINERS)
    for event in events:
        name = event["ResourceProperties"]["DomainName"]
        profiles.handle("CreateDomain", {"DomainName": name, "DefaultExpirationDays": 365})
    profiles.calls.clear()
    profiles.throttle_above(15)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = "http://{}:{}".format(*server.get_host_and_port())
    # The ledger: the same server's DynamoDB, which holds the in-process table (one backend).
    environ = {
        "AWS_MAX_ATTEMPTS": "8",
        "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
        "LEDGER_TABLE_NAME": os.environ["LEDGER_TABLE_NAME"],
    }
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["domain_provider.handler", "tools.local.cloudformation"])
    try:
        with context.Pool(CONTAINERS, maxtasksperchild=1) as pool:
            bodies = pool.starmap(
                answer_in_container,
                [(event, endpoint, 600.0, environ) for event in events],
                chunksize=1,
            )
    finally:
        server.stop()
        profiles.throttle_above(None)

    assert [body["RequestId"] for body in bodies] == [event["RequestId"] for event in events]
    for event, body in zip(events, bodies, strict=True):
        name = event["ResourceProperties"]["DomainName"]
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert body["PhysicalResourceId"] == name
        domain = state(profiles, name)
        assert domain["DefaultExpirationDays"] == 366
        assert domain["Tags"] == {"team": "crm", "cost-center": "1234"}
    assert profiles.operations().count("UpdateDomain") > CONTAINERS, "the storm was real"

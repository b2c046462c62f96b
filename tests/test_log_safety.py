"""The pre-signed ResponseURL and the function's credentials never reach a log, at any level, on
any path; nor a Reason.

The main proof runs a whole container in a subprocess with crhelper's logging setup removed (so
nothing here relies on its side effects) and every log level turned up
(POWERTOOLS_LOG_LEVEL=DEBUG, POWERTOOLS_LOGGER_LOG_EVENT=true, botocore at DEBUG, where it logs
signed headers and canonical requests) and walks every error path; all of its stdout and stderr is
then searched for the URL, its query, its signature, and the session token and secret key.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from domain_provider.logs import ResponseUrlRedactor, guard_logs
from tools.local.cloudformation import load_event

ROOT = Path(__file__).resolve().parents[1]
URL = load_event("create.json")["ResponseURL"]
QUERY = URL.split("?", 1)[1]
SIGNATURE = QUERY.rsplit("X-Amz-Signature=", 1)[1]
CREDENTIAL = QUERY.split("X-Amz-Credential=", 1)[1].split("&", 1)[0]
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDlogsafetytoken+abc/def=="
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYlogsafetyKEY"
SECRETS = (URL, QUERY, SIGNATURE, CREDENTIAL, TOKEN, SECRET_KEY)
UNTRUSTED_HOST = "attacker.example.net"


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def every_path(results: str) -> None:
    """Run in the subprocess: one container, every success and error path; bodies to `results`."""
    import boto3
    import crhelper.log_helper
    from moto import mock_aws

    crhelper.log_helper.setup = lambda *args, **kwargs: None  # no help from crhelper's setup
    from domain_provider import handler as module
    from domain_provider import lifecycle
    from domain_provider.ledger import LEDGER_TABLE_ENV
    from tools.local.cloudformation import LambdaContext, response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    levels = {name: logging.getLogger(name).level for name in ("boto3", "botocore", "urllib3")}
    boto3.set_stream_logger("botocore", logging.DEBUG)
    bodies: list[dict[str, Any]] = []

    def deliver(name: str, timeout: float = 10.0, **changes: Any) -> None:
        event = {**load_event(name), **changes}
        module.handler(event, LambdaContext(timeout=timeout))

    with mock_aws(), response_bucket() as bucket:
        from domain_provider.clients import dynamodb_client

        os.environ[LEDGER_TABLE_ENV] = create_ledger_table(dynamodb_client())
        profiles = backend()
        profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
        deliver("create.json")
        profiles.fail("TagResource", "AccessDeniedException")
        deliver("update.json")
        profiles.fail("UpdateDomain", "ThrottlingException", times=3)
        deliver("create.json")
        deliver("create.json", ResourceProperties={"DomainName": "x", "DefaultExpirationDays": "y"})
        with mock.patch.object(lifecycle, "plan", side_effect=RuntimeError(f"boom {URL}")):
            deliver("create.json")
        profiles.slow("UpdateDomain", 2.5)
        deliver("create.json", timeout=2.0)
        bucket.fail_next = 2
        deliver("delete.json")
        bucket.fail_next, bucket.fail_with = 1, __import__("http.client").client.BadStatusLine
        deliver("delete.json")
        bucket.fail_next = 1000
        deliver("delete.json", timeout=1.5)
        bucket.fail_next = 0
        deliver("delete.json", ResponseURL=URL + "\r\n")  # control characters: dropped
        deliver("delete.json", ResponseURL=f"https://{UNTRUSTED_HOST}:8443/collect?{QUERY}")
        deliver("delete.json", LogicalResourceId=None, RequestType="Unknown")
        bodies = [put.body for put in bucket.puts]
    Path(results).write_text(json.dumps({"bodies": bodies, "levels": levels}))


@pytest.fixture(scope="module")
def walk(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """(everything the container wrote to stdout and stderr, what it recorded)."""
    results = tmp_path_factory.mktemp("logs") / "bodies.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "provider"), str(ROOT)]),
        "POWERTOOLS_LOG_LEVEL": "DEBUG",
        "POWERTOOLS_LOGGER_LOG_EVENT": "true",
        "AWS_MAX_ATTEMPTS": "3",
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    script = f"from tests.test_log_safety import every_path; every_path({str(results)!r})"
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr, json.loads(results.read_text())


@pytest.fixture(scope="module")
def container(walk: tuple[str, dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """(everything the container wrote to stdout and stderr, the bodies it PUT)."""
    output, recorded = walk
    return output, recorded["bodies"]


def test_the_provider_quiets_the_aws_libraries_itself_without_crhelpers_setup(walk):
    _, recorded = walk

    assert recorded["levels"] == {"boto3": 30, "botocore": 30, "urllib3": 30}, "WARNING"


def test_no_log_line_at_debug_on_any_path_carries_the_url_or_its_signature(container):
    output, _ = container

    assert leaks(output) == []


def test_the_logs_were_really_at_debug_and_covered_the_error_paths(container):
    output, _ = container

    assert '"level":"DEBUG"' in output, "Powertools at DEBUG"
    assert "botocore.endpoint [DEBUG]" in output, "botocore at DEBUG"
    assert "X-Amz-Security-Token': b'[redacted]'" in output, "signed headers were logged"
    assert "x-amz-security-token:[redacted]" in output, "so were canonical requests"
    assert '"message":"Event"' in output
    assert "[redacted]" in output
    for line in ("Response PUT failed", "Could not send the response before the deadline"):
        assert line in output
    assert "Timed out" in output
    assert f"(host '{UNTRUSTED_HOST}')" in output, "an untrusted URL is dropped naming its host"
    assert "boom" in output


def test_no_reason_carries_the_url(container):
    _, bodies = container

    assert len(bodies) == 9, (
        "every event answered, the PUT failures included, but the two URLs dropped"
    )
    assert {body["Status"] for body in bodies} == {"SUCCESS", "FAILED"}
    assert leaks(json.dumps(bodies)) == []
    assert URL.split("/")[2] not in json.dumps(bodies), "not even the URL's head"
    assert any(body["Reason"].startswith("Unexpected error: RuntimeError: boom") for body in bodies)


@pytest.mark.parametrize(
    "log",
    [
        lambda log: log.debug("url %s", URL),
        lambda log: log.debug({"ResponseURL": URL}),
        lambda log: log.info("event", extra={"event": {"nested": [URL]}}),
        lambda log: log.info("urls", extra={"urls": [URL, (URL,)]}),
        lambda log: log.error("failed", exc_info=RuntimeError(URL)),
        lambda log: log.warning("signature only: X-Amz-Signature=%s", SIGNATURE),
        lambda log: log.debug("X-Amz-Security-Token: %s", TOKEN),
        lambda log: log.debug("CanonicalRequest:\nhost:x\nx-amz-security-token:%s\n", TOKEN),
        lambda log: log.debug("headers=%r", {"X-Amz-Security-Token": TOKEN.encode()}),
        lambda log: log.debug("%r", f"PUT /?X-Amz-Security-Token={TOKEN}&a=b HTTP/1.1".encode()),
        lambda log: log.debug("%s", f"X-Amz-Security-Token%3D{TOKEN.replace('/', '%2F')}"),
        lambda log: log.info("headers", extra={"headers": {"X-Amz-Security-Token": TOKEN}}),
        lambda log: log.info("headers", extra={"headers": {"Authorization": f"x {SIGNATURE}"}}),
        lambda log: log.debug("the environment: %s", {"AWS_SESSION_TOKEN": TOKEN}),
        lambda log: log.debug("just the token %s and the key %s", TOKEN, SECRET_KEY),
    ],
)
def test_the_redactor_rewrites_every_shape_of_record(log, caplog, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    caplog.set_level(logging.DEBUG)
    guard_logs(URL)

    log(logging.getLogger("any.library"))

    text = caplog.text + " ".join(str(vars(record)) for record in caplog.records)
    assert leaks(text) == []


def test_the_redactor_guards_the_last_resort_handler():
    guard_logs(URL)

    assert any(isinstance(f, ResponseUrlRedactor) for f in logging.lastResort.filters)  # type: ignore[union-attr]

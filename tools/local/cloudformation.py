"""CloudFormation's side of the protocol, for tests and the local run.

- `load_event` reads a real-shaped event from `events/`.
- `ResponseBucket` stands in for the pre-signed S3 URL: it replaces the HTTPS connection the
  provider PUTs its answer with, records each body, and can fail or hang on demand.
- `invoke` delivers one event to the real Lambda handler and returns the body it PUT.

The sample events answer at CloudFormation's real response bucket
(`cloudformation-custom-resource-response-useast1.s3.amazonaws.com`), which the provider trusts;
the patched connection keeps the PUT on this machine. Only an answer to a truly local server (the
benchmark's) needs the test setting `DOMAIN_PROVIDER_LOCAL_ENDPOINTS=true` (settings.py), which
the template never sets.
"""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

EVENTS = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> dict[str, Any]:
    """An event file from `events/` (a fresh copy each time)."""
    return json.loads((EVENTS / name).read_text())  # type: ignore[no-any-return]


def rollback_of(update: dict[str, Any]) -> dict[str, Any]:
    """The Update CloudFormation sends to roll `update` back: old and new properties swapped."""
    rollback = copy.deepcopy(update)
    rollback["ResourceProperties"] = update["OldResourceProperties"]
    rollback["OldResourceProperties"] = update["ResourceProperties"]
    return rollback


@dataclass
class LambdaContext:
    """The parts of the Lambda context crhelper, Powertools and the provider read; the clock is
    real. The function runs where the sample events' stacks are (aws, us-east-1, 123456789012)
    unless told otherwise; `qualifier` invokes it through a version or alias."""

    timeout: float = 30.0
    function_name: str = "customer-profiles-domain-provider"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)
    partition: str = "aws"
    region: str = "us-east-1"
    account: str = "123456789012"
    qualifier: str = ""

    @property
    def invoked_function_arn(self) -> str:
        arn = f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:"
        return arn + self.function_name + (f":{self.qualifier}" if self.qualifier else "")

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout - (time.monotonic() - self.started)) * 1000)


@dataclass
class Put:
    host: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: str
    at: float = field(default_factory=time.monotonic)
    """When it arrived (time.monotonic()), to compare with the Lambda's deadline."""


class ResponseBucket:
    """Receives the provider's PUTs to the pre-signed ResponseURL."""

    def __init__(self) -> None:
        self.puts: list[Put] = []
        self.attempts = 0
        self.fail_next = 0
        self.hang_for = 0.0
        self.fail_with: type[Exception] = ConnectionResetError
        """What a failing PUT raises (an OSError, or e.g. http.client.BadStatusLine)."""

    @property
    def last(self) -> dict[str, Any]:
        assert self.puts, "the provider sent no response"
        return self.puts[-1].body

    def connection(self, host: str, timeout: float | None = None, **_: Any) -> _Connection:
        return _Connection(self, host, timeout)


class _Connection:
    def __init__(self, bucket: ResponseBucket, host: str, timeout: float | None) -> None:
        self.bucket, self.host, self.timeout = bucket, host, timeout
        self.status = 0

    def request(self, method: str, path: str, body: str, headers: dict[str, str]) -> None:
        assert method == "PUT"
        self.bucket.attempts += 1
        if self.bucket.hang_for:
            time.sleep(min(self.bucket.hang_for, self.timeout or self.bucket.hang_for))
            raise TimeoutError("timed out")
        if self.bucket.fail_next:
            self.bucket.fail_next -= 1
            raise self.bucket.fail_with("connection reset by peer")
        self.bucket.puts.append(Put(self.host, path, headers, json.loads(body), body))
        self.status = 200

    def getresponse(self) -> _Connection:
        return self

    def close(self) -> None:
        pass


@contextmanager
def response_bucket() -> Iterator[ResponseBucket]:
    """Catch the provider's response PUTs for the duration of the block."""
    bucket = ResponseBucket()
    with mock.patch("domain_provider.response.HTTPSConnection", bucket.connection):
        yield bucket


def invoke(
    event: dict[str, Any],
    bucket: ResponseBucket,
    timeout: float = 30.0,
    context: LambdaContext | None = None,
) -> dict[str, Any]:
    """Deliver `event` to the Lambda handler; the body of the response it PUT."""
    from domain_provider.handler import handler

    before = len(bucket.puts)
    handler(copy.deepcopy(event), context or LambdaContext(timeout=timeout))
    assert len(bucket.puts) == before + 1, f"expected one response, got {len(bucket.puts) - before}"
    return bucket.last


def answer_in_container(
    event: dict[str, Any],
    endpoint: str,
    timeout: float = 60.0,
    environ: dict[str, str] | None = None,
) -> Any:
    """One Lambda container (the calling process): deliver `event` with Customer Profiles served
    at `endpoint` (e.g. moto's server) and `environ` set; the body it PUT. For a fresh process
    per container."""
    import os

    os.environ.update(environ or {}, AWS_ENDPOINT_URL_CUSTOMER_PROFILES=endpoint)
    with response_bucket() as bucket:
        return invoke(event, bucket, timeout)

"""The container's AWS clients, and what every call through them shares: pure plumbing below
the steps (the lifecycle's AWS layer, aws.py, and the ledger, ledger.py, both use it).

Rules:
- Clients are created once per container, lazily, with the SDK's own retry mode (throttling and
  5xx are retried with backoff). `boto3.client` shares the default session's loaders. A cold
  container builds its Customer Profiles client on a thread while its first ledger call waits
  on the network (`built_beside`), never two clients at once. Every client verifies TLS
  against the container's one trust store (trust_store.py), loaded once.
- What the SDK's attempts meet is written into the event's `Progress` (`watched`): the last
  error being retried, and whether the domain may have changed (a mutating call succeeded, or
  an attempt got a 5xx or lost its connection after sending; a 4xx, throttling, or a connection
  that never opened changed nothing).
- Once the event is answered, no request reaches AWS: not the next call, and not the SDK's next
  attempt of the call in flight (a `before-send` hook refuses it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError

from domain_provider.errors import ProviderError
from domain_provider.progress import Progress
from domain_provider.trust_store import share

NEVER_SENT = (ConnectTimeoutError, EndpointConnectionError)
HOOK_IDS = ("domain-provider-answered", "domain-provider-attempts")  # one per event name
T = TypeVar("T")
BUILDING = threading.Lock()
"""Held while a client is built: never two at once from the default session (botocore does
not support it), whichever thread asks."""


class Answered(Exception):
    """Raised by the `before-send` hook: the event is answered, so this attempt is not sent."""


def _config() -> Config:
    return Config(
        retries={
            "mode": os.environ.get("AWS_RETRY_MODE", "standard"),
            "total_max_attempts": int(os.environ.get("AWS_MAX_ATTEMPTS", "8")),
        },
        connect_timeout=5,
        read_timeout=30,
    )


@cache
def customer_profiles_client() -> Any:
    """The container's client. Retry mode and attempts follow AWS_RETRY_MODE / AWS_MAX_ATTEMPTS."""
    return _built("customer-profiles")


def _built(service: str) -> Any:
    """A new client of `service` on the default session, one build at a time (BUILDING), its
    connections on the container's trust store."""
    with BUILDING:
        return share(boto3.client(service, config=_config()))


def built_beside(client: Callable[[], T], service: str) -> Callable[[], T]:
    """A waiter for `client` (a cached client factory of this module, of `service`), built on
    a thread when it is not built yet: a cold container's first ledger call waits on the network
    while its Customer Profiles client is built (about 6 ms of a cold Create at loopback, the
    whole build over a network). The caller makes the default session first (by building its
    own client), so the thread only builds a client from it, and the factories build one client
    at a time (BUILDING). What building it raised, the waiter raises as a ProviderError (the
    lifecycle then releases a claim it took); a built factory is returned as it is."""
    if client.cache_info().currsize:  # type: ignore[attr-defined]
        return client
    built: list[T] = []
    failed: list[BaseException] = []

    def build() -> None:
        try:
            built.append(client())
        except BaseException as error:  # raised by the waiter, on the event's thread
            failed.append(error)

    thread = threading.Thread(target=build, daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if failed:
            error = failed[0]
            raise ProviderError(
                f"The {service} client could not be built ({type(error).__name__}); check the "
                "provider function's configuration and retry",
                str(error),
            ) from error
        return built[0]

    return wait


@cache
def dynamodb_client() -> Any:
    """The container's DynamoDB client, for the ledger (same retry settings)."""
    return _built("dynamodb")


@cache
def cloudformation_client() -> Any:
    """The container's CloudFormation client: made only when a stack must be asked."""
    return _built("cloudformation")


@contextmanager
def watched(client: Any, progress: Progress) -> Iterator[None]:
    """While the block runs, the client's attempts report to `progress` and stop once the
    event is answered."""

    def refuse_if_answered(**_: Any) -> None:
        if progress.answered:
            raise Answered("the event is answered already")

    def on_attempt(response: Any = None, caught_exception: Any = None, **_: Any) -> None:
        if caught_exception is not None:
            progress.holdup = type(caught_exception).__name__
            if progress.in_flight and not isinstance(caught_exception, NEVER_SENT):
                progress.changed = True
        elif response is not None and response[0].status_code >= 400:
            status = response[0].status_code
            progress.holdup = response[1].get("Error", {}).get("Code") or f"HTTP {status}"
            if progress.in_flight and status >= 500:
                progress.changed = True

    events = client.meta.events
    events.register_first("before-send", refuse_if_answered, unique_id=HOOK_IDS[0])
    events.register("needs-retry", on_attempt, unique_id=HOOK_IDS[1])
    try:
        yield
    finally:
        events.unregister("before-send", unique_id=HOOK_IDS[0])
        events.unregister("needs-retry", unique_id=HOOK_IDS[1])


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore error ("" for a network or SDK error)."""
    if not isinstance(error, ClientError):
        return ""
    return str(error.response.get("Error", {}).get("Code", ""))

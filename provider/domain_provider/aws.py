"""The one thin AWS layer: runs a plan's calls, translating errors by code into named errors.

Rules:
- Clients are created once per container, lazily, with the SDK's own retry mode (throttling and
  5xx are retried with backoff). `boto3.client` shares the default session's loaders. A cold
  container builds its Customer Profiles client on a thread while its first ledger call waits
  on the network (`built_beside`), never two clients at once. Every client verifies TLS
  against the container's one trust store (trust_store.py), loaded once.
- A Reason is written as an action a person can take, then the service's own words.
- What the SDK's attempts meet is written into the event's `Progress`: the last error being
  retried, and whether the domain may have changed (a mutating call succeeded, or an attempt got a
  5xx or lost its connection after sending; a 4xx, throttling, or a connection that never opened
  changed nothing).
- Once the event is answered, no request reaches AWS: not the next call, and not the SDK's next
  attempt of the call in flight (a `before-send` hook refuses it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    HTTPClientError,
)
from botocore.exceptions import ConnectionError as SdkConnectionError

from domain_provider.errors import (
    ACCESS_DENIED_CODES,
    AccessDenied,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    ServiceUnavailable,
)
from domain_provider.logs import logger
from domain_provider.planner import MUTATING, Call, Plan
from domain_provider.progress import Progress
from domain_provider.trust_store import share

RETRYABLE = {"ThrottlingException", "InternalServerException", "ServiceUnavailable"}
NEVER_SENT = (ConnectTimeoutError, EndpointConnectionError)
NETWORK = (HTTPClientError, SdkConnectionError)
HOOK_IDS = ("domain-provider-answered", "domain-provider-attempts")  # one per event name
T = TypeVar("T")


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
    return share(boto3.client("customer-profiles", config=_config()))


def built_beside(client: Callable[[], T]) -> Callable[[], T]:
    """A waiter for `client` (a cached client factory of this module), built on a thread when
    it is not built yet: a cold container's first ledger call waits on the network while its
    Customer Profiles client is built (about 6 ms of a cold Create at loopback, the whole build
    over a network). The caller makes the default session first (by building its own client),
    so the thread only builds a client from it. The waiter raises what building it raised."""
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
            raise failed[0]
        return built[0]

    return wait


@cache
def dynamodb_client() -> Any:
    """The container's DynamoDB client, for the ledger (same retry settings)."""
    return share(boto3.client("dynamodb", config=_config()))


def read_domain(
    client: Any, name: str, arn: str | None = None, progress: Progress | None = None
) -> dict[str, Any] | None:
    """The domain as GetDomain answers it, or None when it does not exist; other errors are
    translated. `arn` names the domain in an access-denied Reason (default: the account as `*`);
    with `progress`, the read reports its attempts and is refused once the event is answered."""
    if arn is None:
        arn = f"arn:{client.meta.partition}:profile:{client.meta.region_name}:*:domains/{name}"
    progress = progress or Progress()
    try:
        with watched(client, progress):
            return _call(client, Call("GetDomain", {"DomainName": name}), progress)
    except (ClientError, BotoCoreError) as error:
        failure = translate("GetDomain", error, name, arn)
        if isinstance(failure, DomainNotFound):
            return None
        raise failure from error


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


def apply(client: Any, plan: Plan, progress: Progress) -> dict[str, Any] | None:
    """Make the plan's calls in order; the domain as the last UpdateDomain/GetDomain returned
    it. Stops, without raising, once the event is answered."""
    domain = None
    with watched(client, progress):
        for call in plan.calls:
            if progress.answered:
                logger.warning(
                    "The event is answered already; not calling", operation=call.operation
                )
                break
            try:
                response = _call(client, call, progress)
            except Answered:
                logger.warning(
                    "The event is answered already; not retrying", operation=call.operation
                )
                break
            except (ClientError, BotoCoreError) as error:
                raise translate(call.operation, error, plan.domain_name or "", plan.arn) from error
            if call.operation in ("UpdateDomain", "GetDomain"):
                domain = response
    return domain


def _call(client: Any, call: Call, progress: Progress) -> dict[str, Any]:
    progress.holdup = ""
    progress.in_flight = call.operation if call.operation in MUTATING else ""
    try:
        response: dict[str, Any] = getattr(client, xform_name(call.operation))(**call.request)
    finally:
        progress.in_flight = ""
    progress.changed |= call.operation in MUTATING
    response.pop("ResponseMetadata", None)
    return response


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore error ("" for a network or SDK error)."""
    if not isinstance(error, ClientError):
        return ""
    return str(error.response.get("Error", {}).get("Code", ""))


def translate(operation: str, error: Exception, name: str, arn: str) -> ProviderError:
    """A botocore error as the named error whose message is the Reason."""
    if isinstance(error, NETWORK):
        return ServiceUnavailable(
            f"{operation} on domain {name!r} could not reach Customer Profiles; "
            "retry the stack operation",
            str(error),
        )
    if not isinstance(error, ClientError):
        return ProviderError(f"{operation} on domain {name!r} failed", str(error))
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", "") or str(error)
    if code in ACCESS_DENIED_CODES:
        return AccessDenied(f"profile:{operation}", arn, message)
    if code == "ResourceNotFoundException":
        return DomainNotFound(name, arn.split(":")[3] if arn.count(":") >= 3 else "this region")
    if code == "BadRequestException":
        rejected = RequestRejected(f"{operation} on domain {name!r} was rejected: {message}")
        rejected.operation = operation
        return rejected
    metadata = error.response.get("ResponseMetadata", {})
    if code in RETRYABLE or metadata.get("HTTPStatusCode", 0) >= 500:
        return ServiceUnavailable(
            f"{operation} on domain {name!r} failed after "
            f"{metadata.get('RetryAttempts', 0) + 1} attempts with {code}; "
            "retry the stack operation",
            message,
        )
    return ProviderError(f"{operation} on domain {name!r} failed with {code}", message)


ROLLING_BACK = (
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "IMPORT_ROLLBACK_IN_PROGRESS",
)


@cache
def cloudformation_client() -> Any:
    """The container's CloudFormation client: made only when a stack must be asked."""
    return share(boto3.client("cloudformation", config=_config()))


def stack_rolling_back(stack_id: str, progress: Progress) -> bool | None:
    """Whether the stack is rolling back (one DescribeStacks); None when it cannot be read (or
    the event is answered already)."""
    client = cloudformation_client()
    try:
        with watched(client, progress):
            stacks = client.describe_stacks(StackName=stack_id).get("Stacks", [])
    except Answered:
        return None
    except (ClientError, BotoCoreError) as error:
        logger.warning("Could not read the stack's status", error=error_code(error) or str(error))
        return None
    return bool(stacks) and stacks[0].get("StackStatus") in ROLLING_BACK


@dataclass(frozen=True)
class StackResource:
    """What CloudFormation says of a resource (DescribeStackResource by the stack's unique id)."""

    exists: bool
    """False: no such stack, or no such logical id in it (CloudFormation's ValidationError)."""
    status: str = ""
    physical_id: str = ""
    unreadable: str = ""
    """Why it could not be read (throttled, denied): then nothing is known."""


def describe_stack_resource(stack_id: str, logical_id: str, progress: Progress) -> StackResource:
    """One DescribeStackResource; its errors become what they tell (never raised)."""
    client = cloudformation_client()
    try:
        with watched(client, progress):
            detail = client.describe_stack_resource(
                StackName=stack_id, LogicalResourceId=logical_id
            )["StackResourceDetail"]
    except ClientError as error:
        if error_code(error) == "ValidationError":  # the stack or the logical id does not exist
            return StackResource(exists=False)
        return StackResource(exists=True, unreadable=error_code(error) or str(error))
    except (Answered, BotoCoreError) as error:
        return StackResource(exists=True, unreadable=type(error).__name__)
    return StackResource(
        exists=True,
        status=str(detail.get("ResourceStatus", "")),
        physical_id=str(detail.get("PhysicalResourceId", "")),
    )

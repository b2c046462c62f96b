"""The one thin AWS layer: Customer Profiles calls and their errors, translated by error code.

Rules:
- The client is created once per container, lazily, with the SDK's own retry mode (throttling
  and 5xx are retried with backoff).
- A Reason is written as an action a person can take, then the service's own words.
- `DomainApi.changed` says whether the domain may have changed: a mutating call succeeded, or an
  attempt got a 5xx or lost its connection after sending. A 4xx, throttling, or a connection
  that never opened changed nothing.
- Once the event is answered (`stop()`), no further call is made: CloudFormation may already be
  rolling back in another container.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

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
    AccessDenied,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    ServiceUnavailable,
)
from domain_provider.logs import logger
from domain_provider.planner import Plan

RETRYABLE = {"ThrottlingException", "InternalServerException", "ServiceUnavailable"}
NEVER_SENT = (ConnectTimeoutError, EndpointConnectionError)
NETWORK = (HTTPClientError, SdkConnectionError)
READ_ONLY = {"GetDomain"}


class RetryWatch:
    """What the SDK's attempts at the current call met: the last error (for a timeout Reason)
    and whether any attempt may have reached the service (a 5xx, or a connection lost after the
    request was sent)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the previous call's attempts."""
        self.last_error = ""
        self.maybe_applied = False

    def __call__(self, response: Any = None, caught_exception: Any = None, **_: Any) -> None:
        if caught_exception is not None:
            self.last_error = type(caught_exception).__name__
            self.maybe_applied |= not isinstance(caught_exception, NEVER_SENT)
        elif response is not None and response[0].status_code >= 400:
            status = response[0].status_code
            self.last_error = response[1].get("Error", {}).get("Code") or f"HTTP {status}"
            self.maybe_applied |= status >= 500


retries = RetryWatch()


def sdk_config() -> Config:
    """Retry mode and attempts follow AWS_RETRY_MODE / AWS_MAX_ATTEMPTS; short timeouts."""
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
    """The container's Customer Profiles client (`sdk_config`)."""
    client = boto3.client("customer-profiles", config=sdk_config())
    client.meta.events.register("needs-retry.customer-profiles", retries)
    return client


@cache
def dynamodb_client() -> Any:
    """The container's DynamoDB client, for the ledger (`sdk_config`)."""
    return boto3.client("dynamodb", config=sdk_config())


def read_domain(client: Any, name: str, arn: str | None = None) -> dict[str, Any] | None:
    """The domain as GetDomain answers it, or None when it does not exist. Other errors are
    translated as DomainApi's; `arn` (default: the account left as `*`) names the domain in an
    access-denied Reason."""
    if arn is None:
        arn = f"arn:{client.meta.partition}:profile:{client.meta.region_name}:*:domains/{name}"
    try:
        return DomainApi(client, arn)._call("GetDomain", {"DomainName": name})
    except DomainNotFound:
        return None


def domain_arn(stack_id: str, domain_name: str) -> str:
    """The domain's ARN, built from the stack's ARN (same partition, region and account)."""
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    return f"arn:{partition}:profile:{region}:{account}:domains/{domain_name}"


class DomainApi:
    """Customer Profiles operations on one domain, raising ProviderError subclasses."""

    def __init__(self, client: Any, arn: str, stop: Callable[[], bool] = lambda: False) -> None:
        self._client = client
        self._stop = stop
        self.arn = arn
        self.name = arn.rsplit("/", 1)[-1]
        self.region = arn.split(":")[3]
        self.changed = False

    def holdup(self) -> str:
        """The last error the SDK is retrying, if any."""
        return retries.last_error

    def apply(self, plan: Plan) -> dict[str, Any] | None:
        """Make the plan's calls in order; the domain as UpdateDomain/GetDomain returned it."""
        domain = None
        for operation, request in self._requests(plan):
            if self._stop():
                logger.warning("The event is answered already; not calling", operation=operation)
                break
            response = self._call(operation, request)
            if operation in ("UpdateDomain", "GetDomain"):
                domain = response
        return domain

    def _requests(self, plan: Plan) -> Iterator[tuple[str, dict[str, Any]]]:
        if plan.update is not None:
            yield "UpdateDomain", plan.update
        elif plan.read:
            yield "GetDomain", {"DomainName": plan.domain_name}
        if plan.tag:
            yield "TagResource", {"resourceArn": self.arn, "tags": plan.tag}
        if plan.untag:
            yield "UntagResource", {"resourceArn": self.arn, "tagKeys": list(plan.untag)}

    def _call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        retries.reset()
        method = getattr(self._client, xform_name(operation))
        try:
            response: dict[str, Any] = method(**request)
        except (ClientError, BotoCoreError) as error:
            self.changed |= retries.maybe_applied
            raise self._translate(operation, error) from error
        self.changed |= operation not in READ_ONLY
        response.pop("ResponseMetadata", None)
        return response

    def _translate(self, operation: str, error: Exception) -> ProviderError:
        if isinstance(error, NETWORK):
            return ServiceUnavailable(
                f"{operation} on domain {self.name!r} could not reach Customer Profiles; "
                "retry the stack operation",
                str(error),
            )
        if not isinstance(error, ClientError):
            return ProviderError(f"{operation} on domain {self.name!r} failed", str(error))
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "") or str(error)
        if code in ("AccessDeniedException", "AccessDenied"):
            return AccessDenied(
                f"Access denied: the provider's role needs profile:{operation} on {self.arn}; "
                "grant it and retry",
                message,
            )
        if code == "ResourceNotFoundException":
            return DomainNotFound(
                f"DomainName: domain {self.name!r} does not exist in {self.region}; create it "
                "first (AWS::CustomerProfiles::Domain) and pass its name, or fix DomainName"
            )
        if code == "BadRequestException":
            return RequestRejected(f"{operation} on domain {self.name!r} was rejected: {message}")
        metadata = error.response.get("ResponseMetadata", {})
        if code in RETRYABLE or metadata.get("HTTPStatusCode", 0) >= 500:
            return ServiceUnavailable(
                f"{operation} on domain {self.name!r} failed after "
                f"{metadata.get('RetryAttempts', 0) + 1} attempts with {code}; "
                "retry the stack operation",
                message,
            )
        return ProviderError(f"{operation} on domain {self.name!r} failed with {code}", message)

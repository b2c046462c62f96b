"""The one thin AWS layer: Customer Profiles calls and their errors, translated by error code.

The client is created once per container, lazily, with the SDK's own retry mode (throttling and
5xx are retried with backoff); a Reason is written as an action a person can take.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from domain_provider.errors import (
    AccessDenied,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    ServiceUnavailable,
    Throttled,
)
from domain_provider.planner import Plan

RETRYABLE = {"ThrottlingException", "InternalServerException", "ServiceUnavailable"}


class RetryWatch:
    """What the SDK's attempts at the current call met: the last error (for a timeout Reason)
    and whether any attempt may have reached the service (a 5xx or a lost connection)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the previous call's attempts."""
        self.last_error = ""
        self.maybe_applied = False

    def __call__(self, response: Any = None, caught_exception: Any = None, **_: Any) -> None:
        if caught_exception is not None:
            self.last_error, self.maybe_applied = type(caught_exception).__name__, True
        elif response is not None and response[0].status_code >= 400:
            status = response[0].status_code
            self.last_error = response[1].get("Error", {}).get("Code") or f"HTTP {status}"
            self.maybe_applied |= status >= 500


retries = RetryWatch()


@cache
def customer_profiles_client() -> Any:
    """The container's client. Retry mode and attempts follow AWS_RETRY_MODE / AWS_MAX_ATTEMPTS."""
    config = Config(
        retries={
            "mode": os.environ.get("AWS_RETRY_MODE", "standard"),
            "total_max_attempts": int(os.environ.get("AWS_MAX_ATTEMPTS", "8")),
        },
        connect_timeout=5,
        read_timeout=30,
    )
    client = boto3.client("customer-profiles", config=config)
    client.meta.events.register("needs-retry.customer-profiles", retries)
    return client


def domain_arn(stack_id: str, domain_name: str) -> str:
    """The domain's ARN, built from the stack's ARN (same partition, region and account)."""
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    return f"arn:{partition}:profile:{region}:{account}:domains/{domain_name}"


class DomainApi:
    """Customer Profiles operations on one domain, raising ProviderError subclasses."""

    def __init__(self, client: Any, arn: str) -> None:
        self._client = client
        self.arn = arn
        self.region = arn.split(":")[3]

    def holdup(self) -> str:
        """The last error the SDK is retrying, if any."""
        return retries.last_error

    def apply(self, plan: Plan) -> dict[str, Any] | None:
        """Make the plan's calls in order; the domain as UpdateDomain/GetDomain returned it."""
        domain = None
        if plan.update is not None:
            domain = self._call("UpdateDomain", self._client.update_domain, **plan.update)
        elif plan.read:
            domain = self._call("GetDomain", self._client.get_domain, DomainName=plan.domain_name)
        if plan.tag:
            self._call(
                "TagResource", self._client.tag_resource, resourceArn=self.arn, tags=plan.tag
            )
        if plan.untag:
            self._call(
                "UntagResource",
                self._client.untag_resource,
                resourceArn=self.arn,
                tagKeys=list(plan.untag),
            )
        return domain

    def _call(self, operation: str, method: Any, **request: Any) -> dict[str, Any]:
        retries.reset()
        try:
            response: dict[str, Any] = method(**request)
        except ClientError as error:
            raise self._translate(operation, error) from error
        except BotoCoreError as error:
            raise ServiceUnavailable(
                f"{operation} on {self.arn} could not reach Customer Profiles; "
                "retry the stack operation",
                str(error),
            ) from error
        response.pop("ResponseMetadata", None)
        return response

    def _translate(self, operation: str, error: Any) -> ProviderError:
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "") or str(error)
        name = self.arn.rsplit("/", 1)[-1]
        if code in ("AccessDeniedException", "AccessDenied"):
            return AccessDenied(
                f"Access denied: the provider's role needs profile:{operation} on {self.arn}; "
                "grant it and retry",
                message,
            )
        if code == "ResourceNotFoundException":
            return DomainNotFound(
                f"DomainName: domain {name!r} does not exist in {self.region}; create it first "
                "(AWS::CustomerProfiles::Domain) and pass its name, or fix DomainName"
            )
        if code == "BadRequestException":
            return RequestRejected(f"{operation} on domain {name!r} was rejected: {message}")
        attempts = error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) + 1
        if (
            code in RETRYABLE
            or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
        ):
            applied_nothing = code == "ThrottlingException" and not retries.maybe_applied
            return (Throttled if applied_nothing else ServiceUnavailable)(
                f"{operation} on domain {name!r} failed after {attempts} attempts with {code}; "
                "retry the stack operation",
                message,
            )
        return ProviderError(f"{operation} on domain {name!r} failed with {code}", message)

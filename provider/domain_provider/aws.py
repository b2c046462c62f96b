"""The one thin AWS layer: runs a plan's calls, translating errors by code into named errors.

Rules:
- Every call goes through the container's clients (clients.py), watched by the event's
  `Progress`; once the event is answered, no call is made and no attempt retried.
- A Reason is written as an action a person can take, then the service's own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as SdkConnectionError

from domain_provider.clients import Answered, cloudformation_client, error_code, watched
from domain_provider.errors import (
    ACCESS_DENIED_CODES,
    AccessDenied,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    ServiceUnavailable,
)
from domain_provider.logs import logger
from domain_provider.plans import MUTATING, Plan
from domain_provider.progress import Progress

RETRYABLE = {"ThrottlingException", "InternalServerException", "ServiceUnavailable"}
NETWORK = (HTTPClientError, SdkConnectionError)


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
            return _call(client, "GetDomain", {"DomainName": name}, progress)
    except (ClientError, BotoCoreError) as error:
        failure = translate("GetDomain", error, name, arn)
        if isinstance(failure, DomainNotFound):
            return None
        raise failure from error


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
                response = _call(client, call.operation, call.request, progress)
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


def _call(
    client: Any, operation: str, request: Mapping[str, Any], progress: Progress
) -> dict[str, Any]:
    progress.holdup = ""
    progress.in_flight = operation if operation in MUTATING else ""
    try:
        response: dict[str, Any] = getattr(client, xform_name(operation))(**request)
    finally:
        progress.in_flight = ""
    progress.changed |= operation in MUTATING
    response.pop("ResponseMetadata", None)
    return response


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

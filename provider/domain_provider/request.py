"""The CloudFormation event, parsed once into a typed `Request` (envelope + properties).

Rules (the contract's "The event itself"):
- CloudFormation's fields are checked before anything else: `RequestType`, `ResponseURL`,
  `StackId`, `RequestId`, `LogicalResourceId`, `ResourceProperties`, and `PhysicalResourceId`
  (Update, Delete) / `OldResourceProperties` (Update). A missing or malformed one gives a
  `Malformed` whose Reason names the field; it is answered at its own ResponseURL only.
- An unknown `RequestType` is malformed, named in the Reason.
- The resource's properties are validated here too, but invalid properties are not malformed:
  a Delete must still succeed over them, so the Request carries the Reason instead.
- Nothing below this module reads the event dict.

The envelope is a small model of our own rather than Powertools' parser models: importing those
pulls in the parser package (measured: more cold start than the model saves), and our Reasons
name CloudFormation's field names, not Python aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import ValidationError

from domain_provider.errors import short_repr
from domain_provider.models import DomainProperties, parse_properties
from domain_provider.reasons import format_validation_error

RequestType = Literal["Create", "Update", "Delete"]
REQUEST_TYPES: tuple[RequestType, ...] = ("Create", "Update", "Delete")
STACK_ID = re.compile(
    r"^arn:(?P<partition>[\w-]+):cloudformation:(?P<region>[\w-]+):(?P<account>\d{12}):stack/.+"
)


@dataclass(frozen=True)
class Request:
    """One CloudFormation event, checked and typed."""

    request_type: RequestType
    response_url: str
    stack_id: str
    request_id: str
    logical_id: str
    physical_id: str | None
    """The event's PhysicalResourceId (None on Create)."""
    properties: DomainProperties | None
    """The validated ResourceProperties, or None when they do not validate (see `invalid`)."""
    invalid: str | None
    """The Reason the properties do not validate, else None."""
    old: DomainProperties | None
    """The validated OldResourceProperties of an Update; None when absent or invalid."""

    @property
    def region(self) -> str:
        """The stack's region (the StackId is checked to be a stack ARN)."""
        return self.stack_id.split(":", 5)[3]

    def domain_arn(self, domain_name: str) -> str:
        """A domain's ARN in the stack's partition, region and account (no AWS call)."""
        return domain_arn(self.stack_id, domain_name)

    @property
    def failed_create_id(self) -> str:
        """The deterministic id of a Create that configured nothing."""
        return failed_create_id(self.logical_id, self.request_id)


FAILED_CREATE_PREFIX = "create-failed:"


def failed_create_id(logical_id: str, request_id: str) -> str:
    """The made-up physical id of a Create that configured nothing; ':' keeps it off domain
    names, so the Delete that follows knows there is nothing to undo."""
    return f"{FAILED_CREATE_PREFIX}{logical_id}:{request_id}"


def domain_arn(stack_id: str, domain_name: str) -> str:
    """The domain's ARN from a stack's ARN: same partition, region and account (ValueError when
    `stack_id` is no ARN)."""
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    return f"arn:{partition}:profile:{region}:{account}:domains/{domain_name}"


@dataclass(frozen=True)
class Malformed:
    """An event that is not a well-formed CloudFormation request: answered FAILED at its own
    ResponseURL when it has a usable one, else logged and dropped."""

    reason: str
    response_url: str | None
    """The event's own ResponseURL if it is usable, else None."""
    stack_id: str
    request_id: str
    logical_id: str
    physical_id: str


def is_scheduled_event(event: Any) -> bool:
    """An EventBridge schedule's event (never a CloudFormation one: those have no `source`)."""
    return (
        isinstance(event, dict)
        and event.get("source") == "aws.events"
        and event.get("detail-type") == "Scheduled Event"
    )


def parse_request(event: Any) -> Request | Malformed:
    """The event as a Request, or Malformed naming the first field that is wrong."""
    if not isinstance(event, dict):
        return _malformed({}, f"the event must be a JSON object, got {type(event).__name__}")
    problem = _envelope_problem(event)
    if problem:
        return _malformed(event, problem)
    request_type: RequestType = event["RequestType"]
    properties, invalid = _validated(event["ResourceProperties"])
    old = None
    if request_type == "Update":
        old, _ = _validated(event["OldResourceProperties"])
    return Request(
        request_type=request_type,
        response_url=event["ResponseURL"],
        stack_id=event["StackId"],
        request_id=event["RequestId"],
        logical_id=event["LogicalResourceId"],
        physical_id=event.get("PhysicalResourceId") if request_type != "Create" else None,
        properties=properties,
        invalid=invalid,
        old=old,
    )


def _validated(raw: Any) -> tuple[DomainProperties | None, str | None]:
    try:
        return parse_properties(raw), None
    except ValidationError as error:
        return None, format_validation_error(error)
    except (TypeError, ValueError) as error:  # a validator met a value it cannot even compare
        return None, f"Properties: cannot be read: {error}"


def _envelope_problem(event: dict[str, Any]) -> str | None:
    """The first thing wrong with CloudFormation's own fields, as a Reason."""
    if not usable_url(event.get("ResponseURL")):
        return "ResponseURL: " + _wrong(event, "ResponseURL", "an https URL")
    request_type = event.get("RequestType")
    if request_type not in REQUEST_TYPES:
        if "RequestType" not in event:
            return "RequestType: required in a CloudFormation event"
        return (
            f"RequestType: unknown request type {short_repr(request_type)}; "
            "expected Create, Update or Delete"
        )
    for name in ("StackId", "RequestId", "LogicalResourceId"):
        if not _text(event.get(name)):
            return f"{name}: " + _wrong(event, name, "a non-empty string")
    if not STACK_ID.match(event["StackId"]):
        return f"StackId: must be a CloudFormation stack ARN, got {short_repr(event['StackId'])}"
    if request_type != "Create" and not _text(event.get("PhysicalResourceId")):
        return "PhysicalResourceId: " + _wrong(event, "PhysicalResourceId", "a non-empty string")
    needed = ["ResourceProperties"] + (
        ["OldResourceProperties"] if request_type == "Update" else []
    )
    for name in needed:
        if not isinstance(event.get(name), dict):
            return f"{name}: " + _wrong(event, name, "an object")
    return None


def _wrong(event: dict[str, Any], name: str, kind: str) -> str:
    if name not in event:
        return "required in a CloudFormation event"
    return f"must be {kind}, got {short_repr(event[name])}"


def _text(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def usable_url(value: Any) -> bool:
    """Whether `value` is an https URL a response can be PUT to."""
    if not _text(value):
        return False
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.hostname)


def _malformed(event: dict[str, Any], reason: str) -> Malformed:
    def text(name: str) -> str:
        value = event.get(name)
        return value if isinstance(value, str) else ""

    url = text("ResponseURL")
    logical_id, request_id = text("LogicalResourceId"), text("RequestId")
    physical_id = text("PhysicalResourceId") or (
        failed_create_id(logical_id, request_id)
        if logical_id and request_id
        else f"{FAILED_CREATE_PREFIX}malformed-event"
    )
    return Malformed(
        reason=reason,
        response_url=url if usable_url(url) else None,
        stack_id=text("StackId"),
        request_id=request_id,
        logical_id=logical_id,
        physical_id=physical_id,
    )

"""The CloudFormation event, parsed once into a typed `Request` (envelope + properties).

Rules (the contract's "The event itself"):
- The function's own `Identity` (partition, account, region) is read once per event from the
  Lambda context's `invoked_function_arn` and carried in the Request: every ARN is built from it,
  never from the event's StackId. A context without a function ARN is dropped.
- CloudFormation's fields are checked before anything else, against that identity (trust.py):
  1. `ResponseURL`: only CloudFormation's own response bucket for the function's region and
     partition is ever answered; any other URL gives a `Malformed` without a URL: logged at ERROR
     with its host (never its query) and dropped.
  2. Ids CloudFormation never sends: a `PhysicalResourceId` over 1 KB, or a `StackId`,
     `RequestId` and `LogicalResourceId` too long to echo within the 4096-byte response (with
     room for a physical id and a Reason, ids.ANSWER_ROOM): logged and dropped, since an
     answer that does not echo them verbatim would not be matched anyway.
  3. `RequestType`, `StackId` (a stack of the function's own partition, account and region),
     `RequestId`, `LogicalResourceId`, `ResourceProperties`, and `PhysicalResourceId` (Update,
     Delete) / `OldResourceProperties` (Update): a missing or wrong one gives a `Malformed` whose
     Reason names the field; it is answered FAILED at its own (trusted) ResponseURL only.
- An unknown `RequestType` is malformed, named in the Reason.
- The resource's properties are validated here too, but invalid properties are not malformed:
  a Delete must still succeed over them, so the Request carries the Reason instead.
- A scheduled EventBridge event runs the drift check only when it comes from the provider's own
  rule (`from_own_schedule`); any other is logged at WARNING and ignored.
- Nothing below this module reads the event dict.

The envelope is a small model of our own rather than Powertools' parser models: importing those
pulls in the parser package (measured: more cold start than the model saves), and our Reasons
name CloudFormation's field names, not Python aliases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from domain_provider.errors import short_repr
from domain_provider.identity import Identity
from domain_provider.ids import ANSWER_ROOM, FAILED_CREATE_PREFIX, echo_room, made_up_id
from domain_provider.logs import logger
from domain_provider.models import DomainProperties, parse_properties
from domain_provider.reasons import format_validation_error
from domain_provider.settings import settings
from domain_provider.trust import from_own_schedule as _from_own_schedule
from domain_provider.trust import response_url_problem, stack_problem

RequestType = Literal["Create", "Update", "Delete"]
REQUEST_TYPES: tuple[RequestType, ...] = ("Create", "Update", "Delete")
PHYSICAL_ID_LIMIT = 1024
"""CloudFormation's limit on a physical resource id, in bytes."""
ECHOED = ("StackId", "RequestId", "LogicalResourceId")


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
    identity: Identity
    """The function's own partition, account and region (the StackId is checked to match)."""
    service_timeout: float | None = None
    """The resource's ServiceTimeout (CloudFormation's, seconds): the answer must come before it
    runs out, counted from the invocation's start; None when the resource sets none."""


@dataclass(frozen=True)
class Malformed:
    """An event that is not a well-formed CloudFormation request: answered FAILED at its own
    ResponseURL when that one is trusted, else logged and dropped."""

    reason: str
    response_url: str | None
    """The event's own ResponseURL if it is trusted and the ids fit an answer, else None."""
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


def from_own_schedule(event: Any, context: Any) -> bool:
    """Whether a scheduled event comes from the provider's own rule (its ARN, in the function's
    account and region, in `resources`); any other is logged at WARNING, to be ignored."""
    identity = Identity.of_function(getattr(context, "invoked_function_arn", None))
    if (
        identity is not None
        and isinstance(event, dict)
        and _from_own_schedule(event, identity, settings())
    ):
        return True
    logger.warning(
        "Scheduled event ignored: not from the provider's own drift-check rule",
        rule=settings().schedule_rule_name or "(none configured)",
    )
    return False


def parse_request(event: Any, context: Any) -> Request | Malformed:
    """The event as a Request, or Malformed naming the first field that is wrong. `context` is
    the Lambda context: the function's identity is read from its `invoked_function_arn`."""
    identity = Identity.of_function(getattr(context, "invoked_function_arn", None))
    if identity is None:
        reason = "the Lambda context carries no function ARN: the function's account is unknown"
        return _malformed(event if isinstance(event, dict) else {}, reason, trusted=False)
    if not isinstance(event, dict):
        reason = f"the event must be a JSON object, got {type(event).__name__}"
        return _malformed({}, reason, trusted=False)
    untrusted = response_url_problem(event.get("ResponseURL"), identity, settings())
    if untrusted:
        return _malformed(event, f"ResponseURL: {untrusted}", trusted=False)
    too_long = _echo_problem(event)
    if too_long:
        return _malformed(event, too_long, trusted=False)
    problem = _envelope_problem(event, identity)
    if problem:
        return _malformed(event, problem, trusted=True)
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
        identity=identity,
        service_timeout=service_timeout(event["ResourceProperties"]),
    )


def service_timeout(properties: dict[str, Any]) -> float | None:
    """CloudFormation's ServiceTimeout (whole seconds, 1 to 3600, sent as a string), else None
    (CloudFormation itself refuses a template with another value)."""
    value = properties.get("ServiceTimeout")
    text = str(value).strip() if isinstance(value, str | int) else ""
    if not text.isdigit() or not 1 <= int(text) <= MAX_SERVICE_TIMEOUT:
        return None
    return float(text)


MAX_SERVICE_TIMEOUT = 3600


def _validated(raw: Any) -> tuple[DomainProperties | None, str | None]:
    try:
        return parse_properties(raw), None
    except ValidationError as error:
        return None, format_validation_error(error)
    except (TypeError, ValueError) as error:  # a validator met a value it cannot even compare
        return None, f"Properties: cannot be read: {error}"


def _echo_problem(event: dict[str, Any]) -> str | None:
    """Ids CloudFormation never sends: too long to echo in an answer (a Reason, never an id)."""
    physical = _text_of(event, "PhysicalResourceId")
    size = len(physical.encode("utf-8", "surrogatepass"))
    if size > PHYSICAL_ID_LIMIT:
        return f"PhysicalResourceId: {size} bytes, over CloudFormation's 1 KB limit"
    ids = (
        _text_of(event, "StackId"),
        _text_of(event, "RequestId"),
        _text_of(event, "LogicalResourceId"),
    )
    if echo_room(ids, physical) < ANSWER_ROOM:
        longest = max(ECHOED, key=lambda name: len(_text_of(event, name)))
        return (
            f"{longest}: {len(_text_of(event, longest))} characters, too long to echo within "
            "CloudFormation's 4096-byte response"
        )
    return None


def _envelope_problem(event: dict[str, Any], identity: Identity) -> str | None:
    """The first thing wrong with CloudFormation's own fields, as a Reason."""
    request_type = event.get("RequestType")
    if request_type not in REQUEST_TYPES:
        if "RequestType" not in event:
            return "RequestType: required in a CloudFormation event"
        return (
            f"RequestType: unknown request type {short_repr(request_type)}; "
            "expected Create, Update or Delete"
        )
    for name in ECHOED:
        if not _text(event.get(name)):
            return f"{name}: " + _wrong(event, name, "a non-empty string")
    wrong_stack = stack_problem(event["StackId"], identity)
    if wrong_stack:
        return f"StackId: {wrong_stack}, got {short_repr(event['StackId'], 120)}"
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


def _text_of(event: dict[str, Any], name: str) -> str:
    value = event.get(name)
    return value if isinstance(value, str) else ""


def _malformed(event: dict[str, Any], reason: str, *, trusted: bool) -> Malformed:
    """`trusted`: the event's ResponseURL passed the trust checks and its ids fit an answer."""
    logical_id, request_id = _text_of(event, "LogicalResourceId"), _text_of(event, "RequestId")
    physical_id = _text_of(event, "PhysicalResourceId") or (
        made_up_id(logical_id, request_id)
        if logical_id and request_id
        else f"{FAILED_CREATE_PREFIX}malformed-event"
    )
    return Malformed(
        reason=reason,
        response_url=_text_of(event, "ResponseURL") if trusted else None,
        stack_id=_text_of(event, "StackId"),
        request_id=request_id,
        logical_id=logical_id,
        physical_id=physical_id,
    )

"""A stateful Customer Profiles backend for moto: `mock_aws()` covers it beside STS, SQS, KMS, S3.

moto has no Customer Profiles backend. This one plugs into moto's own machinery: botocore
serializes and sends each request, moto's stubber routes it here, moto's rest-json parser reads it
with botocore's model and its serializer writes the answer. Importing this module registers it.

Semantics, as the service documents them:
- UpdateDomain: members present replace; `""` clears DefaultEncryptionKey / DeadLetterQueueUrl;
  Tags only add; an enabled RuleBasedMatching gets a Status (PENDING; a test drives it on to
  IN_PROGRESS and ACTIVE with `rule_based_matching_status`), and a change to RuleBasedMatching
  is refused (BadRequestException) while the status is IN_PROGRESS or `locked_after_active`.
- Requests are validated server-side against the model's limits (lengths, patterns, enums, ranges,
  list sizes, required members) and the API page's SOURCE → SourceName rule: BadRequestException.
- Every call is recorded (`calls`); faults can be injected per operation (`fail`, `slow`) and a
  rate limit can throttle bursts (`throttle_above`).
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore import xform_name
from moto import backend_index
from moto.core.base_backend import BackendDict, BaseBackend
from moto.core.exceptions import ServiceException
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult, BaseResponse, EmptyResult

SERVICE = "customer-profiles"
MODEL = botocore.session.get_session().get_service_model(SERVICE)
CLEARABLE = ("DefaultEncryptionKey", "DeadLetterQueueUrl")
SETTINGS = ("DefaultExpirationDays", *CLEARABLE, "Matching", "RuleBasedMatching", "DataStore")


class ProfilesError(ServiceException):
    """An error the service answers with; the code names a modelled exception (HTTP status)."""


def error(code: str, message: str) -> ProfilesError:
    return ProfilesError(code, message)


@dataclass
class Fault:
    operation: str
    code: str | None
    times: int
    delay: float = 0.0
    message: str | None = None


@dataclass
class Domain:
    name: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    tags: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        answer = {"DomainName": self.name, **self.settings}
        answer.update(CreatedAt=self.created_at, LastUpdatedAt=self.updated_at)
        if self.tags:
            answer["Tags"] = dict(self.tags)
        return answer


class CustomerProfilesBackend(BaseBackend):
    """One account and region of Customer Profiles domains."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.domains: dict[str, Domain] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.faults: list[Fault] = []
        self.rate_limit: float | None = None
        self.locked_after_active = False
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def _url_module(self) -> Any:
        return sys.modules[__name__]

    # Test controls -------------------------------------------------------------------------------

    def fail(
        self,
        operation: str,
        code: str,
        times: int = 1,
        delay: float = 0.0,
        message: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `operation` (or "*") with error `code` (and
        `message`), each after `delay` seconds (a slow, failing service)."""
        self.faults.append(Fault(operation, code, times, delay, message))

    def slow(self, operation: str, seconds: float, times: int = 1) -> None:
        """Delay the next `times` calls of `operation` by `seconds` before answering."""
        self.faults.append(Fault(operation, None, times, seconds))

    def rule_based_matching_status(
        self, domain_name: str, status: str, locked_after_active: bool = False
    ) -> None:
        """Move the domain's rule-based matching to `status` (PENDING, IN_PROGRESS, ACTIVE), as the
        service does while it processes it; `locked_after_active`: the day after ACTIVE, when the
        service still refuses changes."""
        with self._lock:
            rules = self._domain(domain_name).settings.setdefault("RuleBasedMatching", {})
            rules["Status"] = status
            self.locked_after_active = locked_after_active

    def throttle_above(self, calls_per_second: float | None) -> None:
        """Answer ThrottlingException to calls beyond this rate (a one-second sliding window)."""
        self.rate_limit = calls_per_second

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]

    # Service ------------------------------------------------------------------------------------

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.calls.append((operation, params))
            fault = self._take_fault(operation)
            throttled = self._over_rate()
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.code:
            raise error(fault.code, fault.message or f"Injected {fault.code} for {operation}")
        if throttled:
            raise error("ThrottlingException", "Rate exceeded")
        validate(operation, params)
        with self._lock:
            method = getattr(self, "_" + xform_name(operation))
            return method(params)  # type: ignore[no-any-return]

    def _take_fault(self, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.operation in (operation, "*") and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _over_rate(self) -> bool:
        if self.rate_limit is None:
            return False
        now = time.monotonic()
        while self._recent and now - self._recent[0] > 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.rate_limit:
            return True
        self._recent.append(now)
        return False

    def _domain(self, name: str) -> Domain:
        if name not in self.domains:
            raise error("ResourceNotFoundException", f"Domain {name} not found")
        return self.domains[name]

    def _domain_for_arn(self, arn: str) -> Domain:
        prefix = f"arn:{self.partition}:profile:{self.region_name}:{self.account_id}:domains/"
        if not arn.startswith(prefix):
            raise error("ResourceNotFoundException", f"Resource {arn} not found")
        return self._domain(arn[len(prefix) :])

    def _create_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params["DomainName"]
        if name in self.domains:
            raise error("BadRequestException", f"Domain {name} already exists")
        now = datetime.now(UTC)
        domain = Domain(name, {}, now, now)
        _apply_settings(domain, params)
        domain.tags.update(params.get("Tags", {}))
        self.domains[name] = domain
        return domain.describe()

    def _get_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._domain(params["DomainName"]).describe()

    def _update_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain(params["DomainName"])
        status = domain.settings.get("RuleBasedMatching", {}).get("Status")
        locked = status == "IN_PROGRESS" or (status == "ACTIVE" and self.locked_after_active)
        if "RuleBasedMatching" in params and locked:
            raise error(
                "BadRequestException",
                f"RuleBasedMatching cannot be updated while its status is {status}",
            )
        _apply_settings(domain, params)
        domain.tags.update(params.get("Tags", {}))
        domain.updated_at = datetime.now(UTC)
        return domain.describe()

    def _delete_domain(self, params: dict[str, Any]) -> dict[str, Any]:
        self._domain(params["DomainName"])
        del self.domains[params["DomainName"]]
        return {"Message": f"Domain {params['DomainName']} deleted"}

    def _tag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain_for_arn(params["resourceArn"])
        if len({**domain.tags, **params["tags"]}) > 50:
            raise error("BadRequestException", "A resource can have at most 50 tags")
        domain.tags.update(params["tags"])
        return {}

    def _untag_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        domain = self._domain_for_arn(params["resourceArn"])
        for key in params["tagKeys"]:
            domain.tags.pop(key, None)
        return {}


def _apply_settings(domain: Domain, params: dict[str, Any]) -> None:
    for name in SETTINGS:
        if name not in params:
            continue
        value = params[name]
        if name in CLEARABLE and value == "":
            domain.settings.pop(name, None)
        elif name == "RuleBasedMatching":
            status = "PENDING" if value.get("Enabled") else None
            domain.settings[name] = {**value, **({"Status": status} if status else {})}
        else:
            domain.settings[name] = value


# Server-side validation, from botocore's model ---------------------------------------------------


def validate(operation: str, params: dict[str, Any]) -> None:
    """BadRequestException for the first model limit (or page rule) that `params` breaks."""
    problems: list[str] = []
    _check(MODEL.operation_model(operation).input_shape, params, "", problems)
    for key in ("Matching", "RuleBasedMatching"):
        section = params.get(key) or {}
        resolution = section.get("ConflictResolution") or section.get("AutoMerging", {}).get(
            "ConflictResolution"
        )
        model = (resolution or {}).get("ConflictResolvingModel")
        if model == "SOURCE" and not resolution.get("SourceName"):
            problems.append(f"{key}: SourceName is required for ConflictResolvingModel SOURCE")
    if problems:
        raise error("BadRequestException", f"{len(problems)} validation error(s): {problems[0]}")


def _check(shape: Any, value: Any, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name
    where = path or shape.name
    if kind == "structure":
        for name in shape.required_members:
            if name not in value:
                problems.append(f"{where}.{name}: required")
        for name, member in shape.members.items():
            if name in value:
                _check(member, value[name], f"{path}.{name}" if path else name, problems)
    elif kind in ("list", "map"):
        size = len(value)
        if size < meta.get("min", 0) or size > meta.get("max", size):
            problems.append(f"{where}: size {size} outside [{meta.get('min')}, {meta.get('max')}]")
        items = value if kind == "list" else list(value.values())
        for index, item in enumerate(items):
            _check(
                shape.member if kind == "list" else shape.value, item, f"{where}[{index}]", problems
            )
        if kind == "map":
            for key in value:
                _check(shape.key, key, f"{where} key", problems)
    elif kind == "string":
        if len(value) < meta.get("min", 0) or len(value) > meta.get("max", len(value)):
            problems.append(
                f"{where}: length {len(value)} outside [{meta.get('min')}, {meta.get('max')}]"
            )
        if "pattern" in meta and not re.search(meta["pattern"], value):
            problems.append(f"{where}: {value!r} does not match {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.enum}")
    elif kind in ("integer", "long", "double", "float"):
        low, high = meta.get("min", value), meta.get("max", value)
        if not low <= value <= high:
            problems.append(f"{where}: {value} outside [{meta.get('min')}, {meta.get('max')}]")


# moto wiring -------------------------------------------------------------------------------------


class CustomerProfilesResponse(BaseResponse):
    """Routes parsed requests to the backend; moto serializes the answers with botocore's model."""

    def __init__(self) -> None:
        super().__init__(service_name=SERVICE)
        self.automated_parameter_parsing = True

    def _answer(self) -> ActionResult:
        operation = self._get_action()
        params = {**self.params, **self.uri_match}
        result = backends[self.current_account][self.region].handle(operation, params)
        return ActionResult(result) if result else EmptyResult()

    create_domain = get_domain = update_domain = delete_domain = _answer
    tag_resource = untag_resource = _answer


url_bases = [r"https?://profile\.(.+)\.amazonaws\.com"]
url_paths = {
    "{0}/domains/(?P<DomainName>[^/]+)$": CustomerProfilesResponse.dispatch,
    "{0}/tags/(?P<resourceArn>.+)$": CustomerProfilesResponse.dispatch,
}

backends = BackendDict(CustomerProfilesBackend, SERVICE)
customerprofiles_backends = backends  # the name moto's get_backend() looks up


def backend(
    account_id: str = DEFAULT_ACCOUNT_ID, region: str = "us-east-1"
) -> CustomerProfilesBackend:
    """The backend that holds this account's and region's domains."""
    return backends[account_id][region]


def _register() -> None:
    """Make moto route `profile.<region>.amazonaws.com` here, as for its own services."""
    sys.modules.setdefault("moto.customerprofiles", sys.modules[__name__])
    pattern = ("customerprofiles", re.compile(url_bases[0]))
    if pattern[0] not in {name for name, _ in backend_index.backend_url_patterns}:
        backend_index.backend_url_patterns.append(pattern)


_register()

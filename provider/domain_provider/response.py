"""The whole answer: an event's Outcome, its `Fn::GetAtt` Data, the body, the bounded PUT.

Rules:
- Data is flat strings, every attribute on every SUCCESS of a Create or Update, "" where the
  service returned nothing; `DomainArn` comes from the function's own identity (no call).
- The body stays within CloudFormation's 4096-byte limit whatever it is given, by shortening only
  what is ours to shorten, in this order: Data is dropped, a made-up failed-create id takes its
  short form (ids.py), the Reason keeps as much of its head as fits. The ids CloudFormation must
  see echoed (StackId, RequestId, LogicalResourceId, a physical id it sent) are never changed:
  the request parser drops an event whose ids leave too little room (ids.echo_room).
- A Reason keeps its head, never the ResponseURL or a signature.
- The PUT is bounded by a deadline (crhelper retries forever), retried with backoff on network
  and 5xx failures, final on a 4xx or an unusable URL; failures are logged by kind, never with
  the URL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from domain_provider.errors import clip
from domain_provider.ids import FAILED_CREATE_PREFIX, RESPONSE_LIMIT, short_form, size
from domain_provider.logs import logger, redactor
from domain_provider.trust_store import answer_context


@dataclass(frozen=True)
class Outcome:
    """A successful event's answer: its physical id, and the domain its `Fn::GetAtt` Data is
    made of when answered (`domain_data`; none: no Data)."""

    physical_id: str
    domain: Mapping[str, Any] | None = None
    arn: str = ""


def domain_data(domain: Mapping[str, Any], arn: str) -> dict[str, str]:
    """Data from an UpdateDomain or GetDomain response: every attribute, "" where the service
    returned nothing (a `Fn::GetAtt` of a missing key would fail the stack's update)."""
    values: dict[str, Any] = {
        "DomainName": domain.get("DomainName"),
        "DomainArn": arn,
        "DefaultExpirationDays": domain.get("DefaultExpirationDays"),
        "MatchingEnabled": domain.get("Matching", {}).get("Enabled"),
        "RuleBasedMatchingEnabled": domain.get("RuleBasedMatching", {}).get("Enabled"),
        "RuleBasedMatchingStatus": domain.get("RuleBasedMatching", {}).get("Status"),
        "DataStoreEnabled": domain.get("DataStore", {}).get("Enabled"),
        "CreatedAt": domain.get("CreatedAt"),
        "LastUpdatedAt": domain.get("LastUpdatedAt"),
    }
    return {key: "" if value is None else _flat(value) for key, value in values.items()}


def _flat(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def response_body(
    status: str,
    reason: str,
    physical_id: str,
    ids: tuple[str, str, str],
    data: dict[str, str],
) -> dict[str, Any]:
    """CloudFormation's response: `ids` are the StackId, RequestId and LogicalResourceId."""
    stack_id, request_id, logical_id = ids
    body: dict[str, Any] = {
        "Status": status,
        "Reason": clip(redactor.redact(reason)),
        "PhysicalResourceId": physical_id,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "NoEcho": False,
        "Data": data,
    }
    if size(body) > RESPONSE_LIMIT:
        body["Data"] = {}
    if size(body) > RESPONSE_LIMIT and physical_id.startswith(FAILED_CREATE_PREFIX):
        body["PhysicalResourceId"] = short_form(physical_id, logical_id)
    over = size(body) - RESPONSE_LIMIT
    if over > 0:
        body["Reason"] = _fitted(body["Reason"], size(body["Reason"]) - over)
    return body


def _fitted(reason: str, room: int) -> str:
    """The longest head of `reason` (marked "…") whose JSON takes at most `room` bytes."""
    low, high = 0, len(reason)
    while low < high:  # the longest head that fits
        middle = (low + high + 1) // 2
        if size(reason[:middle] + "…") <= room:
            low = middle
        else:
            high = middle - 1
    return reason[:low] + "…" if low else ""


def answer(
    url: str,
    what: tuple[str, str, str],
    outcome: Outcome | None,
    ids: tuple[str, str, str],
    deadline: float,
) -> bool:
    """Answer CloudFormation once: `what` (Status, Reason, PhysicalResourceId) and a SUCCESS's
    `outcome` Data, for the event's `ids` (StackId, RequestId, LogicalResourceId), as the body
    within its limit, logged (never the URL), then PUT to `url` before `deadline`. Whether
    CloudFormation took it."""
    status, reason, physical_id = what
    data = {}
    if outcome is not None and outcome.domain is not None:
        try:
            data = domain_data(outcome.domain, outcome.arn)
        except Exception as error:  # the answer must go out: FAILED, as the lifecycle would
            logger.exception("Could not make the Fn::GetAtt Data")
            status, reason = "FAILED", f"Unexpected error: {type(error).__name__}: {error}"
    body = response_body(status, reason, physical_id, ids, data)
    logger.info(
        "Answering CloudFormation",
        status=body["Status"],
        reason=body["Reason"],
        physical_resource_id=body["PhysicalResourceId"],
    )
    return put_response(url, body, deadline)


def put_response(url: str, body: dict[str, Any], deadline: float) -> bool:
    """PUT the response to the pre-signed URL, retrying until `deadline` (time.monotonic()).

    Never raises: a network or HTTP-protocol failure is retried with backoff, a 4xx or a
    malformed URL is final; each failure is logged by its kind, never with the URL."""
    payload = json.dumps(body)
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    headers = {"content-type": "", "content-length": str(len(payload))}
    attempt = 0
    while True:
        attempt += 1
        timeout = deadline - time.monotonic() - 0.2
        if timeout <= 0:
            logger.error("Could not send the response before the deadline", attempts=attempt - 1)
            return False
        try:
            connection = HTTPSConnection(
                parts.netloc, timeout=min(timeout, 10.0), context=answer_context()
            )
            connection.request("PUT", path, body=payload, headers=headers)
            status = connection.getresponse().status
            connection.close()
        except (OSError, HTTPException) as error:
            logger.warning("Response PUT failed", attempt=attempt, error=type(error).__name__)
        except ValueError as error:  # http.client.InvalidURL: retrying cannot help
            logger.error("Response URL is unusable", error=type(error).__name__)
            return False
        else:
            if status < 300:
                return True
            logger.error("Response PUT was refused", attempt=attempt, http_status=status)
            if status < 500:
                return False
        time.sleep(min(0.5 * 2 ** (attempt - 1), 4.0, max(deadline - time.monotonic() - 0.2, 0)))

"""The whole answer: an event's Outcome, its `Fn::GetAtt` Data, the body, the bounded PUT.

Rules:
- Data is flat strings, every attribute on every SUCCESS of a Create or Update, "" where the
  service returned nothing; `DomainArn` comes from the function's own identity (no call).
- The body stays within CloudFormation's 4096-byte limit whatever it is given, by shortening only
  what is ours to shorten, in this order: Data is dropped, a made-up failed-create id takes its
  short form, the Reason keeps as much of its head as fits. The ids CloudFormation must see echoed
  (StackId, RequestId, LogicalResourceId, a physical id it sent) are never changed: the request
  parser drops an event whose ids leave too little room (`echo_room`).
- A Reason keeps its head, never the ResponseURL or a signature.
- A made-up failed-create id (`made_up_id`) is deterministic: the same event gets the same id. It
  starts with `create-failed:` (a ':' is never in a domain name, so the Delete that follows knows
  nothing was configured) and is at most MADE_UP_LIMIT characters: a long logical id or request
  id is replaced by its head and a digest of the whole.
- The PUT is bounded by a deadline (crhelper retries forever), retried with backoff on network
  and 5xx failures, final on a 4xx or an unusable URL; failures are logged by kind, never with
  the URL.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from domain_provider.errors import clip
from domain_provider.logs import logger, redactor
from domain_provider.trust_store import answer_context

RESPONSE_LIMIT = 4096
"""CloudFormation's limit on a response body, in bytes."""
FAILED_CREATE_PREFIX = "create-failed:"
MADE_UP_LIMIT = 255
"""The longest made-up id (CloudFormation's own logical ids are at most 255 characters)."""
ANSWER_ROOM = MADE_UP_LIMIT + 257
"""Bytes an answer needs beside the echoed ids: a physical id of ours (a domain name, a made-up
id) and the head of a Reason."""


def made_up_id(logical_id: str, request_id: str) -> str:
    """The physical id of a Create that configured nothing (see the rules above)."""
    natural = f"{FAILED_CREATE_PREFIX}{logical_id}:{request_id}"
    if len(natural) <= MADE_UP_LIMIT and _size(natural) <= MADE_UP_LIMIT + 2:
        return natural
    return _short_form(natural, logical_id)


def _short_form(made_up: str, head: str) -> str:
    digest = hashlib.sha256(made_up.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    head = "".join(c for c in head[:64] if c.isascii() and c.isalnum())
    return f"{FAILED_CREATE_PREFIX}{head}:{digest}"


def echo_room(ids: tuple[str, str, str], physical_id: str) -> int:
    """Bytes left for the rest of an answer that echoes `ids` (StackId, RequestId,
    LogicalResourceId) and, unless "", the event's own `physical_id`."""
    return RESPONSE_LIMIT - _size(_skeleton(ids, physical_id))


def _skeleton(ids: tuple[str, str, str], physical_id: str) -> dict[str, Any]:
    stack_id, request_id, logical_id = ids
    return {
        "Status": "FAILED",
        "Reason": "",
        "PhysicalResourceId": physical_id,
        "StackId": stack_id,
        "RequestId": request_id,
        "LogicalResourceId": logical_id,
        "NoEcho": False,
        "Data": {},
    }


def _size(value: Any) -> int:
    return len(json.dumps(value))


@dataclass(frozen=True)
class Outcome:
    """A successful event's answer."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


def domain_data(domain: dict[str, Any], arn: str) -> dict[str, str]:
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
    if _size(body) > RESPONSE_LIMIT:
        body["Data"] = {}
    if _size(body) > RESPONSE_LIMIT and physical_id.startswith(FAILED_CREATE_PREFIX):
        body["PhysicalResourceId"] = _short_form(physical_id, logical_id)
    over = _size(body) - RESPONSE_LIMIT
    if over > 0:
        body["Reason"] = _fitted(body["Reason"], _size(body["Reason"]) - over)
    return body


def _fitted(reason: str, size: int) -> str:
    """The longest head of `reason` (marked "…") whose JSON takes at most `size` bytes."""
    low, high = 0, len(reason)
    while low < high:  # the longest head that fits
        middle = (low + high + 1) // 2
        if _size(reason[:middle] + "…") <= size:
            low = middle
        else:
            high = middle - 1
    return reason[:low] + "…" if low else ""


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

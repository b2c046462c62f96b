"""The whole answer: an event's Outcome, its `Fn::GetAtt` Data, the body, the bounded PUT.

Rules:
- Data is flat strings, each where the service returned it; `DomainArn` comes from the
  function's own identity (no call).
- The body stays under CloudFormation's 4096-byte limit (Data is dropped first), and its Reason
  keeps its head, never the ResponseURL or a signature.
- The PUT is bounded by a deadline (crhelper retries forever), retried with backoff on network
  and 5xx failures, final on a 4xx or an unusable URL; failures are logged by kind, never with
  the URL.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from domain_provider.errors import clip
from domain_provider.logs import logger, redactor

RESPONSE_LIMIT = 4096


@dataclass(frozen=True)
class Outcome:
    """A successful event's answer."""

    physical_id: str
    data: dict[str, str] = field(default_factory=dict)


def domain_data(domain: dict[str, Any], arn: str) -> dict[str, str]:
    """Data from an UpdateDomain or GetDomain response."""
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
    return {key: _flat(value) for key, value in values.items() if value is not None}


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
    if len(json.dumps(body)) > RESPONSE_LIMIT:
        body["Data"] = {}
    return body


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
            connection = HTTPSConnection(parts.netloc, timeout=min(timeout, 10.0))
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

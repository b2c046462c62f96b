"""The ids this resource answers with and the room an answer has for them: pure rules, no
calls (the request parser, the planner, the answer and drift share them).

Rules:
- A made-up failed-create id (`made_up_id`) is deterministic: the same event gets the same id. It
  starts with `create-failed:` (a ':' is never in a domain name, so the Delete that follows knows
  nothing was configured) and is at most MADE_UP_LIMIT characters: a long logical id or request
  id is replaced by its head and a digest of the whole (`short_form`).
- A claim-held id (`claim_held_id`) names the domain whose claim a failed Create may hold; the
  Delete that follows reads it back (`claimed_domain`).
- An answer echoes the event's ids verbatim within CloudFormation's 4096-byte limit: the request
  parser drops an event whose ids leave less than ANSWER_ROOM (`echo_room`).
- A ledger item's owner names its domain's ARN from the owner's StackId (`domain_arn`); an
  event's ARNs come from the function's identity.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

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
    if len(natural) <= MADE_UP_LIMIT and size(natural) <= MADE_UP_LIMIT + 2:
        return natural
    return short_form(natural, logical_id)


def short_form(made_up: str, head: str) -> str:
    digest = hashlib.sha256(made_up.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    head = "".join(c for c in head[:64] if c.isascii() and c.isalnum())
    return f"{FAILED_CREATE_PREFIX}{head}:{digest}"


def echo_room(ids: tuple[str, str, str], physical_id: str) -> int:
    """Bytes left for the rest of an answer that echoes `ids` (StackId, RequestId,
    LogicalResourceId) and, unless "", the event's own `physical_id`."""
    return RESPONSE_LIMIT - size(_skeleton(ids, physical_id))


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


def size(value: Any) -> int:
    return len(json.dumps(value))


CLAIM_HELD_PREFIX = "create-failed-claim-held:"


def claim_held_id(domain_name: str, logical_id: str, request_id: str) -> str:
    """The made-up physical id of a Create that changed nothing but may hold the domain's claim
    (its fate unknown, or its release failed): the Delete that follows releases that claim if
    this resource holds it, and touches nothing else. Deterministic, at most 255 characters
    (short_form for long ids)."""
    tail = made_up_id(logical_id, request_id).removeprefix(FAILED_CREATE_PREFIX)
    held = f"{CLAIM_HELD_PREFIX}{domain_name}:{tail}"
    if len(held) <= MADE_UP_LIMIT:
        return held
    tail = made_up_id("", f"{logical_id}:{request_id}" + "x" * MADE_UP_LIMIT)
    return f"{CLAIM_HELD_PREFIX}{domain_name}:{tail.removeprefix(FAILED_CREATE_PREFIX)}"


def claimed_domain(physical_id: str) -> str | None:
    """The domain named in a claim-held id (domain names have no ':'), else None."""
    if not physical_id.startswith(CLAIM_HELD_PREFIX):
        return None
    return physical_id.removeprefix(CLAIM_HELD_PREFIX).split(":", 1)[0] or None


def domain_arn(stack_id: str, domain_name: str) -> str:
    """The domain's ARN from a stack's ARN: same partition, region and account (ValueError when
    `stack_id` is no ARN). For a ledger item's owner, whose StackId was checked when written;
    an event's ARNs come from `Request.domain_arn` (the function's identity)."""
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    return f"arn:{partition}:profile:{region}:{account}:domains/{domain_name}"

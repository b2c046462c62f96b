"""Requests as the handler sees them: a real-shaped event, parsed by the handler's own parser."""

from __future__ import annotations

from typing import Any

from domain_provider.request import Malformed, Request, parse_request
from tools.local.cloudformation import LambdaContext

STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/crm/5b6a1c10-8f3e-11ef-9d2a-0a1b2c3d4e5f"
)
REQUEST_ID = "9f3e2d1c-6b5a-4f8e-9d7c-1a2b3c4d5e6f"
LOGICAL_ID = "DomainSettings"
RESPONSE_URL = (
    "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=s"
)


def event_of(
    request_type: str,
    properties: dict[str, Any],
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> dict[str, Any]:
    """A CloudFormation event carrying `properties` (and `old` on an Update)."""
    event: dict[str, Any] = {
        "RequestType": request_type,
        "ResponseURL": RESPONSE_URL,
        "StackId": STACK_ID,
        "RequestId": REQUEST_ID,
        "LogicalResourceId": LOGICAL_ID,
        "ResourceType": "Custom::CustomerProfilesDomain",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:1:function:f",
            **properties,
        },
    }
    if request_type != "Create":
        event["PhysicalResourceId"] = physical_id or properties.get("DomainName", "")
    if request_type == "Update":
        event["OldResourceProperties"] = old if old is not None else {}
    return event


def request_of(
    request_type: str,
    properties: dict[str, Any],
    old: dict[str, Any] | None = None,
    physical_id: str | None = None,
) -> Request:
    """The parsed Request of `event_of(...)`."""
    request = parse_request(event_of(request_type, properties, old, physical_id), LambdaContext())
    assert not isinstance(request, Malformed), request.reason
    return request

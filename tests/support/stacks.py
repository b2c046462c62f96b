"""Stacks in moto's CloudFormation, for the tests that ask a stack's status."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any


def create_stack(name: str = "crm-profiles") -> str:
    """A stack in moto's CloudFormation (inside `mock_aws`); its StackId."""
    import boto3

    client = boto3.client("cloudformation")
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    answer = client.create_stack(StackName=name, TemplateBody=json.dumps(template))
    return str(answer["StackId"])


def rolling_back(stack_id: str) -> None:
    """Put the stack in UPDATE_ROLLBACK_IN_PROGRESS, as CloudFormation does during a rollback."""
    from moto.cloudformation.models import cloudformation_backends

    cloudformation_backends["123456789012"]["us-east-1"].stacks[
        stack_id
    ].status = "UPDATE_ROLLBACK_IN_PROGRESS"


Answer = Callable[[str, str], "dict[str, Any] | str"]


@contextmanager
def stack_resources(answer: Answer) -> Iterator[list[tuple[str, str]]]:
    """A double of CloudFormation's DescribeStackResource, for what moto's CloudFormation cannot
    show (a resource in progress, DELETE_SKIPPED, a live resource of a stack it never made):
    `answer(stack_id, logical_id)` gives the StackResourceDetail, or an error code to raise. The
    (stack, logical id) pairs asked are recorded."""
    from botocore.exceptions import ClientError

    from domain_provider.clients import cloudformation_client

    asked: list[tuple[str, str]] = []

    def describe(params: dict[str, Any], **_: Any) -> Any:
        body = params["body"]  # the query protocol's serialized request
        asked.append((body["StackName"], body["LogicalResourceId"]))
        detail = answer(body["StackName"], body["LogicalResourceId"])
        if isinstance(detail, str):
            error = {"Error": {"Code": detail, "Message": detail}}
            raise ClientError(error, "DescribeStackResource")
        return SimpleNamespace(status_code=200), {"StackResourceDetail": detail}

    events = cloudformation_client().meta.events
    events.register("before-call.cloudformation.DescribeStackResource", describe, unique_id=HOOK)
    try:
        yield asked
    finally:
        events.unregister("before-call.cloudformation.DescribeStackResource", unique_id=HOOK)


HOOK = "tests-stack-resources"


def holding(status: str = "UPDATE_COMPLETE", physical_id: str = "crm-profiles") -> Answer:
    """Every owner asked about is a resource in `status` with `physical_id`."""
    return lambda stack_id, logical_id: {
        "StackId": stack_id,
        "LogicalResourceId": logical_id,
        "ResourceStatus": status,
        "PhysicalResourceId": physical_id,
    }

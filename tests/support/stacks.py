"""Stacks in moto's CloudFormation, for the tests that ask a stack's status."""

from __future__ import annotations

import json


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

"""template.yaml as deployed: the stack for given parameters, and the account, keys and
roles its policies are asked about."""

from __future__ import annotations

from typing import Any

from tests.support.intrinsics import Stack, load
from tests.support.processes import ROOT

TEMPLATE = load(ROOT / "template.yaml")
PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
DOMAINS = f"arn:{PARTITION}:profile:{REGION}:{ACCOUNT}:domains"
KEY = f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab"
TRUSTED, STRANGER = "111122223333", "444455556666"


def stack(**parameters: str) -> Stack:
    return Stack(TEMPLATE, {"AllowedDomainNames": "crm", **parameters})


def role_statements(deployed: Stack) -> list[dict[str, Any]]:
    role = deployed.resources()["ProviderRole"]["Properties"]
    return [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]

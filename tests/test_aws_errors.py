"""Every AWS error the provider can meet becomes a named error whose message is an action."""

from __future__ import annotations

import pytest

from domain_provider.aws import apply
from domain_provider.clients import customer_profiles_client
from domain_provider.errors import (
    AccessDenied,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    ServiceUnavailable,
)
from domain_provider.plans import Call, Plan
from domain_provider.progress import Progress

ARN = "arn:aws:profile:us-east-1:123456789012:domains/crm-profiles"


@pytest.mark.parametrize(
    ("operation", "code", "error", "words"),
    [
        (
            "UpdateDomain",
            "AccessDeniedException",
            AccessDenied,
            f"needs profile:UpdateDomain on {ARN}; grant it and retry",
        ),
        ("TagResource", "AccessDeniedException", AccessDenied, "profile:TagResource"),
        (
            "UpdateDomain",
            "ResourceNotFoundException",
            DomainNotFound,
            "DomainName: domain 'crm-profiles' does not exist in us-east-1; create it first",
        ),
        (
            "UpdateDomain",
            "BadRequestException",
            RequestRejected,
            "UpdateDomain on domain 'crm-profiles' was rejected: Injected BadRequestException",
        ),
        (
            "UpdateDomain",
            "ThrottlingException",
            ServiceUnavailable,
            "failed after 3 attempts with ThrottlingException",
        ),
        (
            "UpdateDomain",
            "InternalServerException",
            ServiceUnavailable,
            "failed after 3 attempts with InternalServerException",
        ),
    ],
)
def test_aws_errors_become_named_errors_with_actionable_reasons(
    profiles, operation, code, error, words
):
    profiles.fail(operation, code, times=5)
    calls = (
        Call("UpdateDomain", {"DomainName": "crm-profiles"}),
        Call("TagResource", {"resourceArn": ARN, "tags": {"a": "b"}}),
    )
    plan = Plan("crm-profiles", "crm-profiles", "update", "crm-profiles", ARN, calls)

    with pytest.raises(error) as raised:
        apply(customer_profiles_client(), plan, Progress())

    assert isinstance(raised.value, ProviderError)
    assert words in str(raised.value)
    assert len(str(raised.value)) <= 256

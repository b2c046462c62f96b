"""Test environment: a region and fake credentials before any AWS import, moto for every test
that touches AWS, and CloudFormation's response bucket."""

from __future__ import annotations

import os

from tools.local.environment import FAKE_ENVIRONMENT, UNSET

os.environ.update(FAKE_ENVIRONMENT, AWS_MAX_ATTEMPTS="3", POWERTOOLS_DEV="false")
for name in UNSET:
    os.environ.pop(name, None)

import io  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

# The ledger command's tests' fixtures (test_ledger_command.py, test_ledger_release.py).
from tests.support.ledger_command import calls, seeded  # noqa: E402, F401
from tools.local.cloudformation import ResponseBucket, response_bucket  # noqa: E402
from tools.local.customer_profiles import CustomerProfilesBackend, backend  # noqa: E402
from tools.local.ledger import LEDGER_TABLE, create_ledger_table  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test reads the environment it sets (the container reads it once)."""
    from domain_provider.settings import settings

    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def aws() -> Iterator[None]:
    """Every AWS call in the test goes to moto (Customer Profiles to the double)."""
    from domain_provider.clients import customer_profiles_client, dynamodb_client

    with mock_aws():
        customer_profiles_client.cache_clear()
        dynamodb_client.cache_clear()
        yield
        customer_profiles_client.cache_clear()
        dynamodb_client.cache_clear()


@pytest.fixture
def ledger(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The ledger table in moto's DynamoDB, named in the environment; the container's client."""
    from domain_provider.clients import dynamodb_client
    from domain_provider.ledger import LEDGER_TABLE_ENV

    client = dynamodb_client()
    create_ledger_table(client)
    monkeypatch.setenv(LEDGER_TABLE_ENV, LEDGER_TABLE)
    return client


@pytest.fixture
def profiles(ledger: Any) -> CustomerProfilesBackend:
    """The Customer Profiles double, holding the domains the sample events name."""
    double = backend()
    for name in ("crm-profiles", "crm-profiles-eu"):
        double.handle("CreateDomain", {"DomainName": name, "DefaultExpirationDays": 365})
    double.calls.clear()
    return double


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK retries without waiting (the attempts are what matters here)."""
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def cloudformation_stack(aws: None) -> str:
    """A stack in moto's CloudFormation; its StackId."""
    from tests.support.stacks import create_stack

    return create_stack()


@pytest.fixture
def live_owner(aws: None) -> Iterator[list[tuple[str, str]]]:
    """Every claim's owner is a live resource holding its domain (a CloudFormation double: moto
    has no stack for the sample events' StackId); the owners asked about."""
    from tests.support.stacks import holding, stack_resources

    with stack_resources(holding()) as asked:
        yield asked


@pytest.fixture
def cfn() -> Iterator[ResponseBucket]:
    """CloudFormation's pre-signed response URL: records what the provider PUTs."""
    with response_bucket() as bucket:
        yield bucket


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """What the Powertools handler writes, as text (its stream is bound once, at import)."""
    from domain_provider.logs import logger

    handler: Any = logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)

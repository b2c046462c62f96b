"""The ledger table in moto's own DynamoDB backend, and items in the provider's format.

`create_ledger_table` makes the table with the template's key schema; `put_ledger_item` writes one
domain's item as the provider does (see `domain_provider.ledger`); `manage` leaves a domain of the
Customer Profiles double and its item as the provider would have.
"""

from __future__ import annotations

import json
from typing import Any

from domain_provider.members import ABSENT
from domain_provider.models import SETTINGS, parse_properties, setting

LEDGER_TABLE = "customer-profiles-domain-ledger"
NO_EXTRA_DATA = "/nonexistent/botocore-data"
"""A data path with nothing in it: botocore's own data only, whatever AWS_DATA_PATH says ('' would
search the working directory)."""
STACK_ID = (
    "arn:aws:cloudformation:us-east-1:123456789012:stack/crm-profiles/"
    "5b6a1c10-8f3e-11ef-9d2a-0a1b2c3d4e5f"
)
LOGICAL_ID = "DomainSettings"


def create_ledger_table(client: Any = None, name: str = LEDGER_TABLE) -> str:
    """The ledger table (partition key `DomainName`, on demand); its name. Without `client`, an
    administrator's own (a session apart from the provider's, whose models may be trimmed)."""
    if client is None:
        import boto3
        import botocore.session

        full_models = botocore.session.get_session()
        full_models.set_config_variable("data_path", NO_EXTRA_DATA)  # botocore's own models
        client = boto3.session.Session(botocore_session=full_models).client("dynamodb")
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "DomainName", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "DomainName", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def ledger_item(
    domain_name: str,
    properties: dict[str, Any] | str | None = None,
    *,
    stack_id: str = STACK_ID,
    logical_id: str = LOGICAL_ID,
    found: dict[str, Any] | None = None,
    found_tags: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """An item in the low-level format (3): `found` by member path (value or ABSENT).
    `properties`: raw ResourceProperties (validated and
    stored as the provider stores them), a string stored as it is, or None for no Properties."""
    item: dict[str, Any] = {
        "DomainName": {"S": domain_name},
        "Owner": {"M": {"StackId": {"S": stack_id}, "LogicalResourceId": {"S": logical_id}}},
        "Format": {"N": "3"},
    }
    for path, value in (found or {}).items():
        item[f"Found:{path}"] = {"NULL": True} if value is ABSENT else {"S": json.dumps(value)}
    for key, value in (found_tags or {}).items():
        item[f"FoundTag:{key}"] = {"NULL": True} if value is None else {"S": value}
    if isinstance(properties, dict):
        validated = parse_properties(properties).model_dump(mode="json", exclude_none=True)
        item["Properties"] = {"S": json.dumps(validated)}
    elif isinstance(properties, str):
        item["Properties"] = {"S": properties}
    return item


def put_ledger_item(client: Any, item: dict[str, Any], table: str = LEDGER_TABLE) -> None:
    """Write `item` (from `ledger_item`) into the table."""
    client.put_item(TableName=table, Item=item)


def manage(
    double: Any,
    client: Any,
    raw: dict[str, Any],
    stack_id: str = STACK_ID,
    logical_id: str = LOGICAL_ID,
) -> None:
    """Configure the double's domain as the provider would for `raw` (ResourceProperties), write
    its ledger item (owned by `stack_id`, `logical_id`), and forget those calls."""
    properties = parse_properties(raw)
    settings = {name: setting(properties, name) for name in SETTINGS}
    request = {name: value for name, value in settings.items() if value is not None}
    tags = {"Tags": properties.Tags} if properties.Tags else {}
    double.handle("UpdateDomain", {"DomainName": properties.DomainName, **request, **tags})
    put_ledger_item(
        client, ledger_item(properties.DomainName, raw, stack_id=stack_id, logical_id=logical_id)
    )
    double.calls.clear()

"""Events to be trusted or not: a StackId of a partition, region and account, the handler run
once on an event, and the lines the provider logs when it drops one."""

from __future__ import annotations

import copy
from typing import Any

from domain_provider.handler import handler
from tools.local.cloudformation import LambdaContext, ResponseBucket
from tools.local.ledger import LEDGER_TABLE

ACCOUNT = "123456789012"
# Every partition botocore knows, one of its regions, and its DNS suffix (botocore's data).
PARTITIONS = [
    ("aws", "us-east-1", "amazonaws.com"),
    ("aws-cn", "cn-north-1", "amazonaws.com.cn"),
    ("aws-us-gov", "us-gov-west-1", "amazonaws.com"),
    ("aws-iso", "us-iso-east-1", "c2s.ic.gov"),
    ("aws-iso-b", "us-isob-east-1", "sc2s.sgov.gov"),
    ("aws-iso-e", "eu-isoe-west-1", "cloud.adc-e.uk"),
    ("aws-iso-f", "us-isof-south-1", "csp.hci.ic.gov"),
    ("aws-eusc", "eusc-de-east-1", "amazonaws.eu"),
]


def stack_id(partition: str = "aws", region: str = "us-east-1", account: str = ACCOUNT) -> str:
    return f"arn:{partition}:cloudformation:{region}:{account}:stack/crm/5b6a1c10-8f3e-11ef"


def deliver(event: Any, bucket: ResponseBucket, context: LambdaContext | None = None) -> list[Any]:
    """The real handler, once; the bodies it PUT (none when it dropped the event)."""
    before = len(bucket.puts)
    handler(copy.deepcopy(event), context or LambdaContext())
    return [put.body for put in bucket.puts[before:]]


def ledger_items(ledger: Any) -> list[dict[str, Any]]:
    return ledger.scan(TableName=LEDGER_TABLE)["Items"]  # type: ignore[no-any-return]

"""The function's own identity: partition, account and region, from its invoked ARN.

Rules:
- Read from `context.invoked_function_arn`, the one place Lambda itself vouches for; the ARN may
  carry a version or alias qualifier (`arn:aws:lambda:us-east-1:123456789012:function:name:live`).
- Every ARN the provider builds comes from here, never from an event's StackId.
- A partition's DNS suffix comes from botocore's partition data (`partitions.json`, the file its
  endpoint rules read; the artifact trims `endpoints.json` but ships this one whole), read through
  the default session's loader, so the first client finds it already parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

FUNCTION_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):lambda:(?P<region>[a-z]+(?:-[a-z]+)+-\d+):"
    r"(?P<account>\d{12}):function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?"
)


@dataclass(frozen=True)
class Identity:
    """Where the function runs: its partition, account and region."""

    partition: str
    account: str
    region: str

    @classmethod
    def of_function(cls, arn: Any) -> Identity | None:
        """The identity in a Lambda function ARN (qualified or not); None when it is not one."""
        match = FUNCTION_ARN.fullmatch(arn) if isinstance(arn, str) else None
        if match is None:
            return None
        return cls(match["partition"], match["account"], match["region"])

    @property
    def dns_suffix(self) -> str | None:
        """The partition's DNS suffix (`amazonaws.com`, `amazonaws.com.cn`, …); None for a
        partition botocore does not know."""
        return partition_dns_suffixes().get(self.partition)

    def arn(self, service: str, resource: str) -> str:
        """An ARN of this partition, region and account."""
        return f"arn:{self.partition}:{service}:{self.region}:{self.account}:{resource}"

    def domain_arn(self, domain_name: str) -> str:
        """A Customer Profiles domain's ARN (no AWS call)."""
        return self.arn("profile", f"domains/{domain_name}")


@cache
def partition_dns_suffixes() -> dict[str, str]:
    """Each partition's DNS suffix, from botocore's partition data (parsed once, and shared with
    the clients boto3 builds)."""
    import boto3  # already imported by the AWS layer; here only for its session's loader

    loader = boto3._get_default_session()._session.get_component("data_loader")
    return {
        partition["id"]: partition["outputs"]["dnsSuffix"]
        for partition in loader.load_data("partitions")["partitions"]
    }

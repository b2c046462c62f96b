"""A typed CDK construct for the Custom::CustomerProfilesDomain resource.

The properties are UpdateDomain's request names (see docs/deploy.md); this construct only
types them and wires the ServiceToken, the provider does all validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aws_cdk import CustomResource, Fn, Reference
from constructs import Construct

DEFAULT_PROVIDER_STACK = "customer-profiles-domain-provider"


@dataclass(frozen=True)
class CustomerProfilesDomainProps:
    """Settings applied to an existing domain; None leaves a setting out."""

    domain_name: str
    default_expiration_days: int | None = None
    default_encryption_key: str | None = None
    dead_letter_queue_url: str | None = None
    matching: Mapping[str, Any] | None = None
    rule_based_matching: Mapping[str, Any] | None = None
    data_store: Mapping[str, Any] | None = None
    tags: Mapping[str, str] | None = None
    on_delete: Literal["Reset", "Retain"] = "Reset"
    # Default: the export of the provider stack deployed under its default name.
    service_token: str | None = None

    def to_properties(self) -> dict[str, Any]:
        named = {
            "DomainName": self.domain_name,
            "DefaultExpirationDays": self.default_expiration_days,
            "DefaultEncryptionKey": self.default_encryption_key,
            "DeadLetterQueueUrl": self.dead_letter_queue_url,
            "Matching": self.matching,
            "RuleBasedMatching": self.rule_based_matching,
            "DataStore": self.data_store,
            "Tags": self.tags,
            "OnDelete": self.on_delete,
        }
        return {name: value for name, value in named.items() if value is not None}


class CustomerProfilesDomain(Construct):
    """Applies Customer Profiles domain settings through the provider stack's ServiceToken."""

    def __init__(self, scope: Construct, construct_id: str, props: CustomerProfilesDomainProps):
        super().__init__(scope, construct_id)
        service_token = props.service_token or Fn.import_value(
            f"{DEFAULT_PROVIDER_STACK}-ServiceToken"
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=service_token,
            resource_type="Custom::CustomerProfilesDomain",
            properties=props.to_properties(),
        )

    @property
    def domain_name(self) -> str:
        """The physical id: the domain's name (`Ref`)."""
        return self.resource.ref

    @property
    def domain_arn(self) -> Reference:
        return self.resource.get_att("DomainArn")

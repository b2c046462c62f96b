#!/usr/bin/env python3
"""CDK example: a Customer Profiles domain with its own key and dead-letter queue, and the
Custom::CustomerProfilesDomain resource turning on Matching, RuleBasedMatching and DataStore.

The settings resource comes from the construct library in cdk/ (`pip install
cdk-customer-profiles-domain`, or the wheel `make cdk` builds): typed structs and enums, and the
provider found by its stack's export.

In this folder, once per account and region, `npx aws-cdk bootstrap` first (the synthesized
template checks the bootstrap stack's version: the BootstrapVersion parameter and the
CheckBootstrapVersion rule), then `npx aws-cdk deploy`. The provider stack must be deployed in the
same account and region.
"""

from __future__ import annotations

from aws_cdk import App, Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_customerprofiles as customerprofiles
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from cdk_customer_profiles_domain import (
    AttributeMatchingModel,
    AttributeTypesSelector,
    CustomerProfilesDomain,
    DataStore,
    DayOfTheWeek,
    JobSchedule,
    Matching,
    MatchingRule,
    OnDelete,
    ProviderServiceToken,
    RuleBasedMatching,
)
from constructs import Construct

PROFILE_SERVICE = iam.ServicePrincipal("profile.amazonaws.com")


class CustomerProfilesDomainExampleStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, domain_name: str) -> None:
        super().__init__(scope, construct_id)
        domain = customerprofiles.CfnDomain(
            self, "Domain", domain_name=domain_name, default_expiration_days=366
        )
        domain_arn = (
            f"arn:{Aws.PARTITION}:profile:{Aws.REGION}:{Aws.ACCOUNT_ID}:domains/{domain_name}"
        )
        # Only this account's domain may make the service use the key and the queue
        # (aws:SourceAccount / aws:SourceArn: confused deputy prevention).
        for_this_domain = {
            "ArnEquals": {"aws:SourceArn": domain_arn},
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
        }

        key = kms.Key(self, "DomainKey", enable_key_rotation=True)
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[PROFILE_SERVICE],
                actions=["kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt"],
                resources=["*"],
                conditions=for_this_domain,
            )
        )

        queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            retention_period=Duration.days(14),
            enforce_ssl=True,
        )
        queue_policy = queue.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[PROFILE_SERVICE],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions=for_this_domain,
            )
        )
        cfn_queue = queue.node.default_child
        assert isinstance(cfn_queue, sqs.CfnQueue)
        cfn_queue.add_metadata(
            "checkov",
            {
                "skip": [
                    {
                        "id": "CKV_AWS_27",
                        "comment": "Encrypted at rest with SQS managed keys (SQS_MANAGED).",
                    }
                ]
            },
        )

        settings = CustomerProfilesDomain(
            self,
            "DomainSettings",
            domain_name=domain.ref,
            default_encryption_key=key.key_arn,
            dead_letter_queue_url=queue.queue_url,
            matching=Matching(
                enabled=True,
                job_schedule=JobSchedule(day_of_the_week=DayOfTheWeek.SUNDAY, time="02:00"),
            ),
            rule_based_matching=RuleBasedMatching(
                enabled=True,
                matching_rules=[MatchingRule(rule=["EmailAddress"])],
                attribute_types_selector=AttributeTypesSelector(
                    attribute_matching_model=AttributeMatchingModel.ONE_TO_ONE,
                    email_address=["PersonalEmailAddress", "BusinessEmailAddress"],
                ),
            ),
            data_store=DataStore(enabled=True),
            tags={"team": "crm"},
            # The default: on Delete, put the domain back as the stack found it.
            on_delete=OnDelete.RESTORE,
            # The provider stack deployed under its default name; fromSsmParameter() for StackSets.
            provider=ProviderServiceToken.from_export("customer-profiles-domain-provider"),
            # CloudFormation's wait for the answer (the provider answers within two minutes).
            service_timeout=Duration.minutes(5),
        )
        # The queue policy must exist before the service is told to use the queue (the key's
        # policy is part of the key, which the settings reference already).
        assert queue_policy.policy_dependable is not None
        settings.node.add_dependency(queue_policy.policy_dependable)
        CfnOutput(self, "DomainArn", value=settings.domain_arn)


def main() -> None:
    app = App()
    CustomerProfilesDomainExampleStack(
        app,
        "CustomerProfilesDomainExample",
        domain_name=app.node.try_get_context("domainName") or "example-domain",
    )
    app.synth()


if __name__ == "__main__":
    main()

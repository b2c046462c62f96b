"""The construct library as a Python user meets it: installed from its wheel, synthesized.

Run by tests/test_cdk_python.py with the Python of a throwaway venv that has the wheel and
aws-cdk-lib and constructs from PyPI; exits non-zero (an AssertionError from the CDK's own
assertions) when the template is not what the props say. Covers what only the Python binding can
get wrong: structs as keyword classes, enums, Duration, the static ways in, attribute tokens.
"""

from __future__ import annotations

from aws_cdk import App, Duration, Stack
from aws_cdk.assertions import Match, Template
from cdk_customer_profiles_domain import (
    AttributeMatchingModel,
    AttributeTypesSelector,
    AutoMerging,
    ConflictResolution,
    ConflictResolvingModel,
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

TYPE = "Custom::CustomerProfilesDomain"


def main() -> None:
    stack = Stack(App(), "PythonUser")
    settings = CustomerProfilesDomain(
        stack,
        "Settings",
        domain_name="crm",
        default_expiration_days=366,
        matching=Matching(
            enabled=True,
            job_schedule=JobSchedule(day_of_the_week=DayOfTheWeek.MONDAY, time="03:30"),
            auto_merging=AutoMerging(
                enabled=True,
                conflict_resolution=ConflictResolution(
                    conflict_resolving_model=ConflictResolvingModel.SOURCE, source_name="crm"
                ),
                min_allowed_confidence_score_for_merging=0.8,
            ),
        ),
        rule_based_matching=RuleBasedMatching(
            enabled=True,
            matching_rules=[MatchingRule(rule=["EmailAddress"])],
            attribute_types_selector=AttributeTypesSelector(
                attribute_matching_model=AttributeMatchingModel.MANY_TO_MANY,
                address=["MailingAddress"],
            ),
        ),
        data_store=DataStore(enabled=False),
        tags={"team": "crm"},
        on_delete=OnDelete.RESET,
        reconcile_token="2026-12-05",  # noqa: S106 - a reconcile token, not a secret
        provider=ProviderServiceToken.from_ssm_parameter(),
        service_timeout=Duration.minutes(10),
    )
    CustomerProfilesDomain(
        stack,
        "Other",
        domain_name="other",
        provider=ProviderServiceToken.from_arn("arn:aws:lambda:eu-west-1:123456789012:function:p"),
    )
    CustomerProfilesDomain(stack, "Defaults", domain_name="defaults")

    template = Template.from_stack(stack)
    template.resource_count_is(TYPE, 3)
    template.has_resource_properties(
        TYPE,
        {
            "ServiceToken": {"Ref": Match.string_like_regexp("SsmParameterValue")},
            "ServiceTimeout": "600",
            "DomainName": "crm",
            "DefaultExpirationDays": 366,
            "Matching": {
                "Enabled": True,
                "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "03:30"},
                "AutoMerging": {
                    "Enabled": True,
                    "ConflictResolution": {"ConflictResolvingModel": "SOURCE", "SourceName": "crm"},
                    "MinAllowedConfidenceScoreForMerging": 0.8,
                },
            },
            "RuleBasedMatching": {
                "Enabled": True,
                "MatchingRules": [{"Rule": ["EmailAddress"]}],
                "AttributeTypesSelector": {
                    "AttributeMatchingModel": "MANY_TO_MANY",
                    "Address": ["MailingAddress"],
                },
            },
            "DataStore": {"Enabled": False},
            "Tags": {"team": "crm"},
            "OnDelete": "Reset",
            "ReconcileToken": "2026-12-05",
        },
    )
    template.has_parameter(
        "*",
        {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/customer-profiles-domain-provider/service-token",
        },
    )
    template.has_resource_properties(
        TYPE,
        {
            "DomainName": "other",
            "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:p",
        },
    )
    template.has_resource_properties(
        TYPE,
        {
            "DomainName": "defaults",
            "ServiceToken": {"Fn::ImportValue": "customer-profiles-domain-provider-ServiceToken"},
            "ServiceTimeout": "300",
            "OnDelete": Match.absent(),
        },
    )
    logical_id = stack.get_logical_id(settings.resource.node.default_child)
    for name in ("DomainArn", "RuleBasedMatchingStatus", "LastUpdatedAt"):
        token = getattr(settings, f"attr_{_snake(name)}")
        assert stack.resolve(token) == {"Fn::GetAtt": [logical_id, name]}, name
    assert stack.resolve(settings.domain_name) == {"Ref": logical_id}
    # A Python enum whose members the jsii runtime sends as the provider's values (above).
    assert [member.name for member in OnDelete] == ["RESTORE", "RESET", "RETAIN"]
    print("ok: the Python package synthesizes what its props say")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


if __name__ == "__main__":
    main()

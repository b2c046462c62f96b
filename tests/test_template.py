"""The artifact: template.yaml's parameters and resources as CloudFormation and the Serverless
Application Repository will read them: the transform and SAR's supported types and metadata,
the parameters' patterns, the function's settings, the ledger table, the log group and the drift
schedule. Its IAM is tests/test_template_iam.py.
"""

from __future__ import annotations

import re
import tomllib

import pytest

from domain_provider.settings import (
    EXPORT_BUCKETS_ENV,
    LEDGER_TABLE_ENV,
    LOCAL_ENDPOINTS_ENV,
    SCHEDULE_RULE_ENV,
    TRUSTED_ACCOUNTS_ENV,
)
from tests.support.intrinsics import PSEUDO, ParameterError, Stack, load
from tests.support.processes import ROOT
from tests.support.template import (
    ACCOUNT,
    DOMAINS,
    KEY,
    OTHER_KEY,
    PARTITION,
    REGION,
    STRANGER,
    TEMPLATE,
    TRUSTED,
    role_statements,
    stack,
)

# The types of this template, each on SAR's "List of Supported AWS Resources"
# (https://docs.aws.amazon.com/serverlessrepo/latest/devguide/list-supported-resources.html).
SAR_SUPPORTED = {
    "AWS::CloudWatch::Alarm",
    "AWS::DynamoDB::Table",
    "AWS::Events::Rule",
    "AWS::IAM::Role",
    "AWS::Lambda::Permission",
    "AWS::Logs::LogGroup",
    "AWS::Serverless::Function",
    "AWS::SSM::Parameter",
}
SAR_METADATA = TEMPLATE["Metadata"]["AWS::ServerlessRepo::Application"]


def test_template_uses_only_the_serverless_transform():
    assert TEMPLATE["Transform"] == "AWS::Serverless-2016-10-31"
    assert "Fn::ForEach" not in (ROOT / "template.yaml").read_text()


def test_every_resource_type_is_one_the_serverless_application_repository_supports():
    types = {resource["Type"] for resource in TEMPLATE["Resources"].values()}

    assert types - SAR_SUPPORTED == set()


def test_allowed_domain_names_must_be_given():
    with pytest.raises(ParameterError, match=r"\[AllowedDomainNames\] must have values"):
        Stack(TEMPLATE, {})


@pytest.mark.parametrize(
    "names", ["", "crm,", "crm test", f"{DOMAINS}/crm", "crm/x", "x" * 65, "crm,crm:x"]
)
def test_allowed_domain_names_refuse_what_is_not_a_name_or_pattern(names: str):
    with pytest.raises(ParameterError):
        stack(AllowedDomainNames=names)


@pytest.mark.parametrize(
    "keys",
    [
        "alias/crm",
        "crm-key",
        f"{KEY},arn:aws:s3:::bucket",
        f"{KEY},",
        f",{KEY}",
        f"{KEY},,{OTHER_KEY}",
        f"{KEY}, {OTHER_KEY}",
        ",",
        " ",
    ],
)
def test_allowed_key_arns_refuse_what_is_not_a_list_of_key_arns(keys: str):
    with pytest.raises(ParameterError):
        stack(AllowedKeyArns=keys)


def test_allowed_key_arns_default_is_the_empty_list_and_one_key_makes_one_resource():
    # The trailing comma of "KEY," used to resolve to a "" Resource, which IAM refuses.
    (default,) = [
        s for s in role_statements(stack()) if s.get("Sid") == "KeyPoliciesThroughCustomerProfiles"
    ]
    (one,) = [
        s
        for s in role_statements(stack(AllowedKeyArns=KEY))
        if s.get("Sid") == "KeyPoliciesThroughCustomerProfiles"
    ]

    assert default["Resource"] == f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/*"
    assert one["Resource"] == [KEY]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("TrustedAccountIds", "11112222333"),
        ("TrustedAccountIds", f"{TRUSTED},"),
        ("TrustedAccountIds", f"{TRUSTED},,{STRANGER}"),
        ("TrustedAccountIds", f"{TRUSTED} ,{STRANGER}"),
        ("TrustedAccountIds", "*"),
        ("AllowedExportBuckets", "exports,"),
        ("AllowedExportBuckets", ",exports"),
        ("AllowedExportBuckets", "Exports"),
        ("AllowedExportBuckets", "s3://exports"),
        ("AllowedExportBuckets", "exports/prefix"),
        ("ExistingLedgerTableName", "no spaces"),
        ("LedgerBreakGlassRoleArn", "arn:aws:iam::123456789012:user/admin"),
        ("LedgerBreakGlassRoleArn", "admin"),
        ("ServiceTokenParameterName", "no-leading-slash"),
    ],
)
def test_list_and_name_parameters_refuse_empty_items_and_malformed_values(
    parameter: str, value: str
):
    with pytest.raises(ParameterError):
        stack(**{parameter: value})


@pytest.mark.parametrize(
    ("trusted", "buckets"),
    [("", ""), (TRUSTED, "exports"), (f"{TRUSTED},{STRANGER}", "exports,crm-*-exports,a?c")],
)
def test_function_gets_the_trusted_accounts_and_export_buckets_comma_joined(
    trusted: str, buckets: str
):
    deployed = stack(TrustedAccountIds=trusted, AllowedExportBuckets=buckets)
    variables = deployed.resources()["ProviderFunction"]["Properties"]["Environment"]["Variables"]

    assert variables[TRUSTED_ACCOUNTS_ENV] == trusted
    assert variables[EXPORT_BUCKETS_ENV] == buckets


def test_existing_ledger_table_is_used_instead_of_creating_one():
    deployed = stack(ExistingLedgerTableName="customer-profiles-domain-provider-LedgerTable-1AB")
    created = deployed.resources()
    variables = created["ProviderFunction"]["Properties"]["Environment"]["Variables"]
    (ledger,) = [s for s in role_statements(deployed) if s.get("Sid") == "LedgerItems"]

    assert "LedgerTable" not in created
    assert variables[LEDGER_TABLE_ENV] == "customer-profiles-domain-provider-LedgerTable-1AB"
    assert ledger["Resource"] == (
        f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:"
        "table/customer-profiles-domain-provider-LedgerTable-1AB"
    )
    assert deployed.value(TEMPLATE["Outputs"]["LedgerTableName"]["Value"]) == (
        "customer-profiles-domain-provider-LedgerTable-1AB"
    )


def test_ledger_table_is_on_demand_encrypted_recoverable_and_kept():
    table = TEMPLATE["Resources"]["LedgerTable"]
    properties = table["Properties"]

    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == [{"AttributeName": "DomainName", "KeyType": "HASH"}]
    assert properties["AttributeDefinitions"] == [
        {"AttributeName": "DomainName", "AttributeType": "S"}
    ]
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_function_gets_the_ledger_name_and_the_metrics_namespace_the_alarm_watches():
    function = stack(DriftCheckSchedule="rate(1 day)").resources()["ProviderFunction"]
    alarm = stack(DriftCheckSchedule="rate(1 day)").resources()["DriftAlarm"]["Properties"]
    variables = function["Properties"]["Environment"]["Variables"]

    assert variables[LEDGER_TABLE_ENV] == "<LedgerTable>"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == alarm["Namespace"]
    assert alarm["Dimensions"] == [
        {"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}
    ]
    assert stack().value(TEMPLATE["Outputs"]["LedgerTableName"]["Value"]) == "<LedgerTable>"


def test_log_group_outlives_the_stack_like_the_ledger():
    for name in ("ProviderLogGroup", "LedgerTable"):
        resource = TEMPLATE["Resources"][name]
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain", name


@pytest.mark.parametrize(
    "parameters",
    [{}, {"DriftCheckSchedule": "rate(1 day)", "TrustedAccountIds": TRUSTED}],
)
def test_template_never_sets_the_local_endpoints_test_setting(parameters: dict[str, str]):
    variables = stack(**parameters).resources()["ProviderFunction"]["Properties"]["Environment"]

    assert LOCAL_ENDPOINTS_ENV not in variables["Variables"]
    assert LOCAL_ENDPOINTS_ENV not in (ROOT / "template.yaml").read_text()


def test_service_token_is_published_under_the_fixed_ssm_name_by_default():
    parameter = stack().resources()["ServiceTokenParameter"]["Properties"]

    assert parameter == {
        "Name": "/customer-profiles-domain-provider/service-token",
        "Type": "String",
        "Value": "<ProviderFunction.Arn>",
        "Description": parameter["Description"],
    }
    assert "ServiceTokenParameter" not in stack(ServiceTokenParameterName="").resources()


def test_no_drift_schedule_creates_no_rule_permission_or_alarm():
    created = stack().resources()

    assert not {"DriftCheckRule", "DriftCheckPermission", "DriftAlarm"} & set(created)


def test_drift_rule_is_named_from_the_stack_uuid_and_the_function_is_told_that_name():
    with_rule = stack(DriftCheckSchedule="rate(1 day)").resources()
    rule = with_rule["DriftCheckRule"]["Properties"]
    variables = with_rule["ProviderFunction"]["Properties"]["Environment"]["Variables"]
    uuid = PSEUDO["AWS::StackId"].rsplit("/", 1)[1]

    assert rule["Name"] == f"customer-profiles-drift-{uuid}"
    assert variables[SCHEDULE_RULE_ENV] == rule["Name"]
    # EventBridge: at most 64 of [.-_A-Za-z0-9]; a stack id's UUID is always 36 characters.
    assert len("customer-profiles-drift-") + 36 <= 64
    assert re.fullmatch(r"[.\-_A-Za-z0-9]{1,64}", rule["Name"])
    without = stack().resources()["ProviderFunction"]["Properties"]["Environment"]["Variables"]
    assert without[SCHEDULE_RULE_ENV] == ""


def test_drift_schedule_invokes_the_function_with_eventbridge_default_event():
    created = stack(DriftCheckSchedule="rate(1 day)").resources()
    rule = created["DriftCheckRule"]["Properties"]
    permission = created["DriftCheckPermission"]["Properties"]

    assert rule["ScheduleExpression"] == "rate(1 day)"
    assert rule["Targets"] == [{"Id": "provider", "Arn": "<ProviderFunction.Arn>"}]
    assert "EventPattern" not in rule
    assert permission == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": "<ProviderFunction>",
        "Principal": "events.amazonaws.com",
        "SourceArn": "<DriftCheckRule.Arn>",
    }


@pytest.mark.parametrize(
    ("schedule", "period", "periods"),
    [
        ("rate(1 minute)", 60, 1),
        ("rate(30 minutes)", 60, 30),
        ("rate(1440 minutes)", 60, 1440),
        ("rate(1 hour)", 3600, 1),
        ("rate(6 hours)", 3600, 6),
        ("rate(168 hours)", 3600, 168),
        ("rate(1 day)", 86400, 1),
        ("rate(7 days)", 86400, 7),
    ],
)
def test_drift_alarm_looks_back_over_one_schedule_period(schedule: str, period: int, periods: int):
    alarm = stack(DriftCheckSchedule=schedule).resources()["DriftAlarm"]["Properties"]

    assert (alarm["Period"], int(alarm["EvaluationPeriods"])) == (period, periods)
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Maximum",
        "GreaterThanOrEqualToThreshold",
        1,
    )
    # CloudWatch's limit on Period x EvaluationPeriods: a day under an hour, else seven days.
    assert period * periods <= (86400 if period < 3600 else 7 * 86400)


@pytest.mark.parametrize(
    "schedule",
    [
        "rate(0 days)",
        "rate(8 days)",
        "rate(169 hours)",
        "rate(1441 minutes)",
        "rate(1 days)",
        "rate(2 day)",
        "cron(0 2 * * ? *)",
        "rate(1 week)",
        " rate(1 day)",
    ],
)
def test_drift_schedule_refuses_what_the_alarm_cannot_watch(schedule: str):
    with pytest.raises(ParameterError):
        stack(DriftCheckSchedule=schedule)


def test_drift_alarm_notifies_the_topic_only_when_one_is_given():
    topic = f"arn:{PARTITION}:sns:{REGION}:{ACCOUNT}:drift"
    silent = stack(DriftCheckSchedule="rate(1 day)").resources()["DriftAlarm"]["Properties"]
    notifying = stack(DriftCheckSchedule="rate(1 day)", DriftAlarmTopicArn=topic).resources()

    assert "AlarmActions" not in silent
    assert notifying["DriftAlarm"]["Properties"]["AlarmActions"] == [topic]


def test_version_is_the_same_in_pyproject_sar_metadata_changelog_and_sar_example():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = re.search(r"^## \[?(\d+\.\d+\.\d+)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    example = load(ROOT / "examples" / "sar" / "template.yaml")
    (application,) = [
        r for r in example["Resources"].values() if r["Type"] == "AWS::Serverless::Application"
    ]

    assert changelog is not None
    assert {
        "pyproject.toml": pyproject,
        "template.yaml": SAR_METADATA["SemanticVersion"],
        "CHANGELOG.md": changelog.group(1),
        "examples/sar": application["Properties"]["Location"]["SemanticVersion"],
    } == dict.fromkeys(
        ("pyproject.toml", "template.yaml", "CHANGELOG.md", "examples/sar"), pyproject
    )


def test_sar_metadata_meets_the_repository_rules():
    # The limits of SAM's "Metadata section properties" page for AWS::ServerlessRepo::Application.
    assert re.fullmatch(r"[a-zA-Z0-9\-]{1,140}", SAR_METADATA["Name"])
    assert 1 <= len(SAR_METADATA["Description"]) <= 256
    assert re.fullmatch(r"[a-z0-9](([a-z0-9]|-(?!-))*[a-z0-9])?", SAR_METADATA["Author"])
    assert len(SAR_METADATA["Author"]) <= 127
    assert 1 <= len(SAR_METADATA["Labels"]) <= 10
    for label in SAR_METADATA["Labels"]:
        assert re.fullmatch(r"[a-zA-Z0-9+\-_:/@]{1,127}", label)
    assert SAR_METADATA["SpdxLicenseId"] == "Apache-2.0"
    assert SAR_METADATA["SourceCodeUrl"].startswith("https://")


def test_sar_license_and_readme_are_the_repository_files():
    license_text = (ROOT / SAR_METADATA["LicenseUrl"]).read_text()

    assert "Apache License" in license_text
    assert "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    assert (ROOT / SAR_METADATA["ReadmeUrl"]).is_file()

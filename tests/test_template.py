"""template.yaml as CloudFormation and the Serverless Application Repository will read it.

The role's policies are expanded for several parameter values (tests/support/intrinsics.py) and
asked, request by request, what they allow; the IAM actions are checked against the registry
schema of AWS::CustomerProfiles::Domain that cfn-lint bundles (AWS's own list of what its read
and update handlers call), so a change on AWS's side fails here by name.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import cfnlint  # type: ignore[import-untyped]
import pytest

from domain_provider.settings import (
    EXPORT_BUCKETS_ENV,
    LEDGER_TABLE_ENV,
    LOCAL_ENDPOINTS_ENV,
    SCHEDULE_RULE_ENV,
    TRUSTED_ACCOUNTS_ENV,
)
from tests.support.intrinsics import PSEUDO, ParameterError, Stack, allows, denies, load

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = load(ROOT / "template.yaml")
PARTITION, REGION, ACCOUNT = "aws", "us-east-1", "123456789012"
DOMAINS = f"arn:{PARTITION}:profile:{REGION}:{ACCOUNT}:domains"
DOMAIN_ACTIONS = (
    "profile:GetDomain",
    "profile:UpdateDomain",
    "profile:TagResource",
    "profile:UntagResource",
)
KEY = f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_KEY = f"arn:{PARTITION}:kms:{REGION}:{ACCOUNT}:key/0000abcd-12ab-34cd-56ef-1234567890ab"
TRUSTED, STRANGER = "111122223333", "444455556666"
TRUSTED_KEY = f"arn:{PARTITION}:kms:{REGION}:{TRUSTED}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STRANGER_KEY = f"arn:{PARTITION}:kms:{REGION}:{STRANGER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey", "kms:ListGrants")
KEY_POLICY_ACTIONS = ("kms:GetKeyPolicy", "kms:PutKeyPolicy")
VIA_PROFILE = {"kms:ViaService": f"profile.{REGION}.amazonaws.com"}
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


def stack(**parameters: str) -> Stack:
    return Stack(TEMPLATE, {"AllowedDomainNames": "crm", **parameters})


def role_statements(deployed: Stack) -> list[dict[str, Any]]:
    role = deployed.resources()["ProviderRole"]["Properties"]
    return [
        statement
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def registry_schema_permissions(type_name: str, handlers: tuple[str, ...]) -> set[str]:
    """The permissions the registry schema bundled with cfn-lint lists for these handlers."""
    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    schema_id = json.loads((schemas / "providers" / "us-east-1.json").read_text())[type_name]
    schema = json.loads((schemas / "resources" / f"{schema_id}.json").read_text())
    assert schema["typeName"] == type_name
    return {
        permission
        for handler in handlers
        for permission in schema["handlers"][handler]["permissions"]
    }


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
    ("names", "allowed", "refused"),
    [
        ("crm", ["crm"], ["crm-test", "crm2", "cr", "CRM"]),
        ("crm,crm-test", ["crm", "crm-test"], ["crm-prod", "crm-tes"]),
        ("crm-?", ["crm-a", "crm-1"], ["crm-ab", "crm", "crm-"]),
        ("crm-*", ["crm-a", "crm-prod", "crm-"], ["crm", "crmx", "other-crm-a"]),
        ("crm_a,crma,crm-a", ["crm_a", "crma", "crm-a"], ["crm", "crm_b"]),
        ("*", ["crm", "anything_at-all"], []),
    ],
)
def test_role_reaches_exactly_the_allowed_domains_of_this_account_and_region(
    names: str, allowed: list[str], refused: list[str]
):
    statements = role_statements(stack(AllowedDomainNames=names))

    for action in DOMAIN_ACTIONS:
        for name in allowed:
            assert allows(statements, action, f"{DOMAINS}/{name}"), (action, name)
            for elsewhere in (
                f"arn:{PARTITION}:profile:eu-west-1:{ACCOUNT}:domains/{name}",
                f"arn:{PARTITION}:profile:{REGION}:210987654321:domains/{name}",
                f"arn:aws-cn:profile:{REGION}:{ACCOUNT}:domains/{name}",
            ):
                assert not allows(statements, action, elsewhere), (action, elsewhere)
        for name in refused:
            assert not allows(statements, action, f"{DOMAINS}/{name}"), (action, name)


@pytest.mark.parametrize("names", ["crm", "crm,crm-test", "crm-?", "crm-*", "*"])
def test_each_allowed_name_becomes_one_domain_arn_pattern(names: str):
    statements = role_statements(stack(AllowedDomainNames=names))

    (domain_allow,) = [s for s in statements if s.get("Sid") == "AllowedDomains"]
    assert domain_allow["Resource"] == [
        f"arn:*:profile:*:*:domains/{name}" for name in names.split(",")
    ]
    for arn in domain_allow["Resource"]:
        assert re.fullmatch(r"arn:\*:profile:\*:\*:domains/[a-zA-Z0-9_*?-]{1,64}", arn)


def test_role_has_every_domain_action_the_registry_schema_lists_for_read_and_update():
    needed = registry_schema_permissions("AWS::CustomerProfiles::Domain", ("read", "update"))
    statements = role_statements(stack())

    reachable = {
        action
        for action in needed
        if allows(statements, action, f"{DOMAINS}/crm")
        or allows(statements, action, KEY, VIA_PROFILE)
    }
    missing = sorted(
        action for action in needed - reachable if action.startswith(("profile:", "kms:"))
    )

    assert missing == [], f"the role lacks {missing}, which AWS's registry schema lists"


@pytest.mark.parametrize("action", KEY_ACTIONS + KEY_POLICY_ACTIONS)
@pytest.mark.parametrize("keys", ["", KEY])
def test_key_actions_are_allowed_only_through_customer_profiles(action: str, keys: str):
    statements = role_statements(stack(AllowedKeyArns=keys))

    assert allows(statements, action, KEY, VIA_PROFILE)
    assert not allows(statements, action, KEY)
    assert not allows(statements, action, KEY, {"kms:ViaService": "s3.us-east-1.amazonaws.com"})
    assert not allows(statements, "kms:Decrypt", KEY, VIA_PROFILE)


@pytest.mark.parametrize("keys", [KEY, f"{KEY},{TRUSTED_KEY}"])
def test_allowed_key_arns_limit_every_key_action_to_exactly_those_keys(keys: str):
    statements = role_statements(stack(AllowedKeyArns=keys, TrustedAccountIds=TRUSTED))

    for action in KEY_ACTIONS + KEY_POLICY_ACTIONS:
        for key in keys.split(","):
            assert allows(statements, action, key, VIA_PROFILE), (action, key)
        for key in {OTHER_KEY, TRUSTED_KEY, STRANGER_KEY} - set(keys.split(",")):
            assert not allows(statements, action, key, VIA_PROFILE), (action, key)


@pytest.mark.parametrize(
    ("trusted", "reached"),
    [
        ("", {KEY}),
        (TRUSTED, {KEY, TRUSTED_KEY}),
        (f"{TRUSTED},{STRANGER}", {KEY, TRUSTED_KEY, STRANGER_KEY}),
    ],
)
def test_without_allowed_key_arns_the_keys_are_this_accounts_and_the_trusted_accounts(
    trusted: str, reached: set[str]
):
    statements = role_statements(stack(TrustedAccountIds=trusted))

    for action in KEY_ACTIONS:
        for key in {KEY, TRUSTED_KEY, STRANGER_KEY}:
            assert allows(statements, action, key, VIA_PROFILE) == (key in reached), (action, key)
        for key in reached:
            for elsewhere in (
                key.replace(f":{REGION}:", ":eu-west-1:"),
                key.replace(f"arn:{PARTITION}:", "arn:aws-cn:"),
            ):
                assert not allows(statements, action, elsewhere, VIA_PROFILE), (action, elsewhere)


@pytest.mark.parametrize("trusted", ["", TRUSTED])
def test_key_policies_are_reached_only_on_this_accounts_keys(trusted: str):
    # KMS allows neither GetKeyPolicy nor PutKeyPolicy across accounts: no reason to grant them
    # on another account's key, and never on every key of the region.
    statements = role_statements(stack(TrustedAccountIds=trusted))

    for action in KEY_POLICY_ACTIONS:
        assert allows(statements, action, KEY, VIA_PROFILE)
        assert allows(statements, action, OTHER_KEY, VIA_PROFILE)
        assert not allows(statements, action, TRUSTED_KEY, VIA_PROFILE)
        assert not allows(statements, action, STRANGER_KEY, VIA_PROFILE)
        assert not allows(statements, action, KEY.replace(REGION, "eu-west-1"), VIA_PROFILE)


def test_no_key_statement_reaches_every_account():
    for trusted in ("", TRUSTED):
        for statement in role_statements(stack(TrustedAccountIds=trusted)):
            resources = statement.get("Resource", [])
            for resource in [resources] if isinstance(resources, str) else resources:
                assert not re.fullmatch(r"arn:[^:]*:kms:[^:]*:\*:.*", resource), statement


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


@pytest.mark.parametrize("names", ["crm-*", "*", "crm"])
def test_role_never_reaches_a_domains_sub_resources(names: str):
    statements = role_statements(stack(AllowedDomainNames=names))

    for action in DOMAIN_ACTIONS:
        for sub_resource in ("crm-a/object-types/x", "crm/integrations/y", "crm/x"):
            assert not allows(statements, action, f"{DOMAINS}/{sub_resource}"), (action, names)
    if names != "crm":
        assert allows(statements, "profile:TagResource", f"{DOMAINS}/crm-a")


LEDGER_TAG = {"aws:PrincipalTag/customer-profiles-domain-provider:ledger": "writer"}
PROVIDER_ROLE = (
    f"arn:{PARTITION}:iam::{ACCOUNT}:role/customer-profiles-domain-provider-ProviderRole-1A"
)
BREAK_GLASS = f"arn:{PARTITION}:iam::{ACCOUNT}:role/ledger-break-glass"
ADMIN = f"arn:{PARTITION}:iam::{ACCOUNT}:role/Admin"
LEDGER_ARN = f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/ledger"
# Every DynamoDB action that writes an item (the service authorization reference's "Write"
# actions on a table's items; TransactWriteItems is authorized as these, per item).
ITEM_WRITES = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
)


def table_policy(deployed: Stack) -> list[dict[str, Any]]:
    table = deployed.resources()["LedgerTable"]["Properties"]
    statements: list[dict[str, Any]] = table["ResourcePolicy"]["PolicyDocument"]["Statement"]
    return statements


def test_provider_role_carries_the_tag_the_table_policy_admits():
    role = stack().resources()["ProviderRole"]["Properties"]
    ((key, value),) = LEDGER_TAG.items()

    assert {"Key": key.removeprefix("aws:PrincipalTag/"), "Value": value} in role["Tags"]


@pytest.mark.parametrize("break_glass", ["", BREAK_GLASS])
def test_only_the_tagged_role_and_the_break_glass_role_write_ledger_items(break_glass: str):
    statements = table_policy(stack(LedgerBreakGlassRoleArn=break_glass))

    for action in ITEM_WRITES:
        provider = {"aws:PrincipalArn": PROVIDER_ROLE, **LEDGER_TAG}
        assert not denies(statements, action, LEDGER_ARN, provider), action
        # A re-created provider stack's new role, tagged alike.
        renewed = {"aws:PrincipalArn": PROVIDER_ROLE.replace("1A", "2B"), **LEDGER_TAG}
        assert not denies(statements, action, LEDGER_ARN, renewed), action
        glass = {"aws:PrincipalArn": BREAK_GLASS}
        assert denies(statements, action, LEDGER_ARN, glass) == (not break_glass), action
        for intruder in (
            {"aws:PrincipalArn": ADMIN},
            {
                "aws:PrincipalArn": ADMIN,
                "aws:PrincipalTag/customer-profiles-domain-provider:ledger": "reader",
            },
            {"aws:PrincipalArn": f"{BREAK_GLASS}-2"},
            {},
        ):
            assert denies(statements, action, LEDGER_ARN, intruder), (action, intruder)


def test_function_carries_the_tag_the_trust_models_policy_names():
    function = stack().resources()["ProviderFunction"]["Properties"]

    assert function["Tags"] == {"customer-profiles-domain-provider": "provider"}
    assert (
        '"aws:ResourceTag/customer-profiles-domain-provider": "provider"'
        in (ROOT / "docs" / "deploy.md").read_text()
    )


def test_table_policy_leaves_reads_and_the_tables_own_management_to_iam():
    statements = table_policy(stack(LedgerBreakGlassRoleArn=BREAK_GLASS))

    for action in (
        "dynamodb:GetItem",
        "dynamodb:Scan",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
        "dynamodb:PutResourcePolicy",  # CloudFormation updates the policy itself
        "dynamodb:DeleteTable",
    ):
        assert not denies(statements, action, LEDGER_ARN, {"aws:PrincipalArn": ADMIN}), action


def test_table_policy_does_not_name_the_role_so_role_and_table_do_not_refer_to_each_other():
    text = json.dumps(TEMPLATE["Resources"]["LedgerTable"])

    assert "ProviderRole" not in text
    assert "ProviderFunction" not in text


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


def test_role_reaches_only_the_ledger_items_and_stack_status_beyond_domains_keys_and_logs():
    statements = role_statements(stack())
    others = [
        s
        for s in statements
        if s["Effect"] == "Allow"
        and s.get("Sid")
        not in {
            "AllowedDomains",
            "KeysThroughCustomerProfiles",
            "KeyPoliciesThroughCustomerProfiles",
        }
    ]

    grants = {
        (action, resource)
        for s in others
        for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        for resource in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    }
    assert grants == {
        ("logs:CreateLogStream", "<ProviderLogGroup.Arn>"),
        ("logs:PutLogEvents", "<ProviderLogGroup.Arn>"),
        ("dynamodb:GetItem", "<LedgerTable.Arn>"),
        ("dynamodb:UpdateItem", "<LedgerTable.Arn>"),
        ("dynamodb:DeleteItem", "<LedgerTable.Arn>"),
        ("dynamodb:Scan", "<LedgerTable.Arn>"),
        (
            "cloudformation:DescribeStacks",
            f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/*/*",
        ),
    }


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

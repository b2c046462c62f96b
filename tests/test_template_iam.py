"""The artifact: template.yaml's IAM, as CloudFormation will read it (contract: "Where the
domain may send data and keys", "The ledger").

The role's policies and the ledger table's resource policy are expanded for several parameter
values (tests/support/intrinsics.py) and asked, request by request, what they allow; the IAM
actions are checked against the registry schema of AWS::CustomerProfiles::Domain that cfn-lint
bundles (AWS's own list of what its read and update handlers call), so a change on AWS's side
fails here by name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cfnlint  # type: ignore[import-untyped]
import pytest

from tests.support.intrinsics import Stack, allows, denies
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

DOMAIN_ACTIONS = (
    "profile:GetDomain",
    "profile:UpdateDomain",
    "profile:TagResource",
    "profile:UntagResource",
)
TRUSTED_KEY = f"arn:{PARTITION}:kms:{REGION}:{TRUSTED}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
STRANGER_KEY = f"arn:{PARTITION}:kms:{REGION}:{STRANGER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey", "kms:ListGrants")
KEY_POLICY_ACTIONS = ("kms:GetKeyPolicy", "kms:PutKeyPolicy")
VIA_PROFILE = {"kms:ViaService": f"profile.{REGION}.amazonaws.com"}


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
        (
            "cloudformation:DescribeStackResource",
            f"arn:{PARTITION}:cloudformation:{REGION}:{ACCOUNT}:stack/*/*",
        ),
    }

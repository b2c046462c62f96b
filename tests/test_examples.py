"""The examples users copy: CloudFormation, SAM, SAR and CDK (synthesized with no AWS account).

Given each example template, when it is read (the CDK app synthesized in memory by
tools/synth_examples.py on .venv-tools, where aws-cdk-lib and cfn-lint live, with the construct
library's Python package that `make cdk` built), then its
Custom::CustomerProfilesDomain uses the provider's ServiceToken (the stack export, or the
output of the provider installed from the Serverless Application Repository), names only
UpdateDomain request members (plus the provider's OnDelete and ReconcileToken and CloudFormation's
ServiceToken and ServiceTimeout), turns Matching, RuleBasedMatching and DataStore
on, and the key and queue it hands to the service are open to profile.amazonaws.com for this
account and domain only. cfn-lint and checkov run on the same templates in `make lint-templates`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import botocore.session
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS_PYTHON = ROOT / ".venv-tools" / "bin" / "python"
CDK_SITE = ROOT / "cdk" / "dist" / "python-site"
CUSTOM_TYPE = "Custom::CustomerProfilesDomain"
PROVIDER_KEYS = {"ServiceToken", "ServiceTimeout", "OnDelete", "ReconcileToken"}
EXAMPLES = ("cloudformation", "sam", "sar", "cdk")
# The SAR example installs its own provider (no export) and hands the domain no key or queue.
WITH_EXPORT_KEY_AND_QUEUE = ("cloudformation", "sam", "cdk")
APPLICATION_TYPE = "AWS::Serverless::Application"

pytestmark = pytest.mark.tools

Template = dict[str, Any]


@pytest.fixture(scope="module")
def templates() -> dict[str, Template]:
    if not TOOLS_PYTHON.exists():
        pytest.fail(f"{TOOLS_PYTHON} is missing: run `make tools` (make test does)")
    if not CDK_SITE.is_dir():
        pytest.fail(f"{CDK_SITE} is missing: run `make cdk` (make test does)")
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(  # noqa: S603 - fixed argv
        [str(TOOLS_PYTHON), str(ROOT / "tools" / "synth_examples.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    loaded: dict[str, Template] = json.loads(result.stdout)
    return loaded


def update_domain_members() -> set[str]:
    model = botocore.session.get_session().get_service_model("customer-profiles")
    return set(model.operation_model("UpdateDomain").input_shape.members)


def resources_of_type(template: Template, type_name: str) -> dict[str, Template]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == type_name
    }


def settings_of(template: Template) -> Template:
    (resource,) = resources_of_type(template, CUSTOM_TYPE).values()
    properties: Template = resource["Properties"]
    return properties


def profile_service_statements(template: Template) -> list[Template]:
    statements: list[Template] = []
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        document = properties.get("KeyPolicy") or properties.get("PolicyDocument") or {}
        statements.extend(
            statement
            for statement in document.get("Statement", [])
            if statement.get("Principal", {}).get("Service") == "profile.amazonaws.com"
        )
    return statements


@pytest.mark.parametrize("example", WITH_EXPORT_KEY_AND_QUEUE)
def test_settings_use_the_exported_service_token(
    templates: dict[str, Template], example: str
) -> None:
    token = settings_of(templates[example])["ServiceToken"]

    exported = token["Fn::ImportValue"]
    name = exported if isinstance(exported, str) else exported["Fn::Sub"]
    assert name.endswith("-ServiceToken")


def test_sar_example_uses_the_installed_provider_scoped_to_its_own_domain(
    templates: dict[str, Template],
) -> None:
    template = templates["sar"]
    ((provider_id, provider),) = resources_of_type(template, APPLICATION_TYPE).items()
    (domain_id,) = resources_of_type(template, "AWS::CustomerProfiles::Domain")

    assert settings_of(template)["ServiceToken"] == {
        "Fn::GetAtt": [provider_id, "Outputs.ServiceToken"]
    }
    allowed = provider["Properties"]["Parameters"]["AllowedDomainNames"]
    assert allowed == template["Resources"][domain_id]["Properties"]["DomainName"]


@pytest.mark.parametrize("example", EXAMPLES)
def test_settings_name_only_update_domain_members(
    templates: dict[str, Template], example: str
) -> None:
    names = set(settings_of(templates[example]))

    assert names - PROVIDER_KEYS <= update_domain_members()
    assert "DomainName" in names


@pytest.mark.parametrize("example", EXAMPLES)
def test_settings_turn_on_matching_rule_based_matching_and_data_store(
    templates: dict[str, Template], example: str
) -> None:
    settings = settings_of(templates[example])

    for toggle in ("Matching", "RuleBasedMatching", "DataStore"):
        assert settings[toggle]["Enabled"] is True, toggle


@pytest.mark.parametrize("example", EXAMPLES)
def test_settings_configure_the_domain_the_template_creates(
    templates: dict[str, Template], example: str
) -> None:
    template = templates[example]
    (domain_id,) = resources_of_type(template, "AWS::CustomerProfiles::Domain")

    assert settings_of(template)["DomainName"] == {"Ref": domain_id}


@pytest.mark.parametrize("example", WITH_EXPORT_KEY_AND_QUEUE)
def test_key_and_queue_open_to_the_service_for_this_account_and_domain_only(
    templates: dict[str, Template], example: str
) -> None:
    statements = profile_service_statements(templates[example])

    actions = {
        action
        for statement in statements
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }
    assert actions == {"kms:GenerateDataKey", "kms:CreateGrant", "kms:Decrypt", "sqs:SendMessage"}
    for statement in statements:
        keys = {key for operator in statement["Condition"].values() for key in operator}
        assert {"aws:SourceAccount", "aws:SourceArn"} <= keys, statement


def test_cdk_template_checks_the_bootstrap_version_so_bootstrap_comes_first(
    templates: dict[str, Template],
) -> None:
    template = templates["cdk"]

    assert "BootstrapVersion" in template["Parameters"]
    assert "CheckBootstrapVersion" in template["Rules"]
    readme = (ROOT / "README.md").read_text()
    assert readme.index("cdk bootstrap") < readme.index("cdk deploy")


def test_cdk_example_bounds_cloudformation_s_wait_above_the_provider_s_answer_time(
    templates: dict[str, Template],
) -> None:
    settings = settings_of(templates["cdk"])

    # The provider answers within its function's 120 s; CloudFormation's default wait is an hour.
    assert 130 <= int(settings["ServiceTimeout"]) <= 3600


def test_cdk_example_restores_the_domain_on_delete(templates: dict[str, Template]) -> None:
    assert settings_of(templates["cdk"])["OnDelete"] == "Restore"


def test_cdk_example_requirements_name_the_wheel_make_cdk_builds() -> None:
    requirements = (ROOT / "examples" / "cdk" / "requirements.txt").read_text().splitlines()
    (wheel,) = (line for line in requirements if line.endswith(".whl"))
    version = json.loads((ROOT / "cdk" / "package.json").read_text())["version"]

    assert wheel.endswith(f"cdk_customer_profiles_domain-{version}-py3-none-any.whl")
    assert (ROOT / "examples" / "cdk" / wheel).resolve().is_file(), "run `make cdk`"

"""examples/stacksets/template.yaml: the provider for CloudFormation StackSets, generated from
template.yaml.

Service-managed StackSets refuse a template with a transform, and moto's StackSets accept one
(they never run it), so the no-transform property is tested on the file itself. The rollout is
then played on moto as far as moto goes: a self-managed stack set whose instances in two regions
really create the provider's resources (moto runs the template), and a service-managed one
deployed to an organizational unit (moto only records those instances).

Where moto's fidelity stops (docs/deploy.md, "Rollout"): it names an instance's stack
`StackSet:<name>` (AWS: `StackSet-<name>-<uuid>`), and the colon then breaks the Lambda lookup of
`DriftCheckPermission`, so the moto rollout runs without a drift schedule; it never checks the
parameters' patterns, the IAM policies or the table's resource policy; and it evaluates no
bucket policy across accounts (S3 bucket names are global in moto, but each account reads only
its own buckets), so a service-managed stack set, whose instances are stacks in the member
accounts, fails there on reading the code: the organisational-unit rollout is played with a
self-managed stack set in one account instead.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from domain_provider.settings import LOCAL_ENDPOINTS_ENV
from tests.support.intrinsics import Stack, load, parse

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "examples" / "stacksets" / "template.yaml"
STACKSETS = load(GENERATED)
SAM = load(ROOT / "template.yaml")
SAM_PYTHON = ROOT / ".venv-sam" / "bin" / "python"
LEDGER = "customer-profiles-domain-provider-ledger"
SERVICE_TOKEN = "/customer-profiles-domain-provider/service-token"
ACCOUNT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")
PREFIX, KEY = "acme-cp-provider-code", "customer-profiles-domain-provider/0.3.0.zip"
CODE = {"CodeBucketPrefix": PREFIX, "CodeKey": KEY}
LONGEST_REGION = "ap-southeast-5"  # 14 characters, as long as any region name


def parameter_list(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def test_generated_template_has_no_transform_and_no_sam_resource():
    text = GENERATED.read_text()

    assert "Transform" not in STACKSETS
    assert not [
        r for r in STACKSETS["Resources"].values() if r["Type"].startswith("AWS::Serverless")
    ]
    assert "Fn::Transform" not in text
    assert "AWS::Include" not in text
    assert "AWS::LanguageExtensions" not in text
    assert "AWS::ServerlessRepo::Application" not in STACKSETS.get("Metadata", {})
    assert LOCAL_ENDPOINTS_ENV not in text  # the test-only setting, never deployed


def test_generated_template_keeps_every_parameter_of_template_yaml_and_adds_the_code_location():
    sam, generated = SAM["Parameters"], STACKSETS["Parameters"]

    assert {name: generated[name] for name in sam} == sam
    assert set(generated) - set(sam) == {"CodeBucketPrefix", "CodeKey"}


@pytest.mark.parametrize(
    "parameters",
    [
        {"AllowedDomainNames": "crm"},
        {
            "AllowedDomainNames": "crm-*,crm",
            "TrustedAccountIds": "111122223333",
            "AllowedExportBuckets": "exports-*",
            "LedgerBreakGlassRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ledger-break-glass",
            "DriftCheckSchedule": "rate(6 hours)",
            "AllowedKeyArns": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234",
        },
        {"AllowedDomainNames": "*", "ExistingLedgerTableName": LEDGER},
    ],
)
def test_generated_template_deploys_what_template_yaml_deploys_but_code_and_table_name(
    parameters: dict[str, str],
):
    sam = Stack(SAM, parameters).resources()
    generated = Stack(STACKSETS, {**parameters, **CODE}).resources()

    assert set(sam) == set(generated)
    for logical_id in set(sam) - {"ProviderFunction", "LedgerTable"}:
        assert generated[logical_id]["Properties"] == sam[logical_id]["Properties"], logical_id
    function, sam_function = (r["ProviderFunction"]["Properties"] for r in (generated, sam))
    for name in ("Environment", "Role", "Handler", "Runtime", "Architectures", "LoggingConfig"):
        assert function[name] == sam_function[name], name
    assert function["Code"] == {"S3Bucket": f"{PREFIX}-us-east-1", "S3Key": KEY}
    if "LedgerTable" in generated:
        table = generated["LedgerTable"]
        assert table["Properties"] == {"TableName": LEDGER, **sam["LedgerTable"]["Properties"]}
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_adopting_the_retained_table_by_its_fixed_name_creates_none():
    adopted = Stack(
        STACKSETS, {"AllowedDomainNames": "crm", "ExistingLedgerTableName": LEDGER, **CODE}
    )
    variables = adopted.resources()["ProviderFunction"]["Properties"]["Environment"]["Variables"]

    assert "LedgerTable" not in adopted.resources()
    assert variables["LEDGER_TABLE_NAME"] == LEDGER


def test_code_bucket_prefix_keeps_every_regions_bucket_name_within_s3s_limit():
    pattern = STACKSETS["Parameters"]["CodeBucketPrefix"]["AllowedPattern"]
    longest = "a" * 48

    assert re.fullmatch(pattern, longest)
    assert not re.fullmatch(pattern, longest + "a")
    assert len(f"{longest}-{LONGEST_REGION}") <= 63
    for refused in ("Acme", "acme_code", "-acme", "ac"):
        assert not re.fullmatch(pattern, refused), refused


@pytest.mark.tools
def test_committed_template_is_what_the_generator_writes_now():
    if not SAM_PYTHON.exists():
        pytest.fail(f"{SAM_PYTHON} is missing: run `make tools` (make test does)")
    result = subprocess.run(  # noqa: S603 - fixed argv
        [str(SAM_PYTHON), str(ROOT / "tools" / "stacksets.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("domain_provider/handler.py", "def handler(event, context):\n    pass\n")
    return buffer.getvalue()


def upload_code(regions: tuple[str, ...]) -> None:
    """The per-region code buckets `<prefix>-<region>`, each holding the zip at the same key."""
    for region in regions:
        s3 = boto3.client("s3", region_name=region)
        location = {} if region == "us-east-1" else {"LocationConstraint": region}
        s3.create_bucket(
            Bucket=f"{PREFIX}-{region}",
            **({"CreateBucketConfiguration": location} if location else {}),
        )
        s3.put_object(Bucket=f"{PREFIX}-{region}", Key=KEY, Body=code_zip())


def function_code(region: str, name: str) -> dict[str, Any]:
    """Where moto's Lambda read the function's code from (not in GetFunction's answer)."""
    from moto.awslambda.models import lambda_backends

    # By listing: moto's lookup by name trips on the colon of its stack names (module docstring).
    functions = lambda_backends[ACCOUNT][region].list_functions()
    (function,) = [f for f in functions if f.function_name == name]
    code: dict[str, Any] = function.code
    return code


@mock_aws
def test_self_managed_stack_set_creates_the_provider_in_two_regions_from_their_own_buckets():
    upload_code(REGIONS)
    cloudformation = boto3.client("cloudformation", region_name="us-east-1")
    cloudformation.create_stack_set(
        StackSetName="customer-profiles-domain-provider",
        TemplateBody=GENERATED.read_text(),
        Parameters=parameter_list({"AllowedDomainNames": "crm,crm-test", **CODE}),
        Capabilities=["CAPABILITY_IAM"],
        PermissionModel="SELF_MANAGED",
    )

    cloudformation.create_stack_instances(
        StackSetName="customer-profiles-domain-provider", Accounts=[ACCOUNT], Regions=list(REGIONS)
    )

    instances = cloudformation.list_stack_instances(
        StackSetName="customer-profiles-domain-provider"
    )["Summaries"]
    assert sorted((i["Region"], i["Status"]) for i in instances) == [
        ("eu-west-1", "CURRENT"),
        ("us-east-1", "CURRENT"),
    ]
    for region in REGIONS:
        token = boto3.client("ssm", region_name=region).get_parameter(Name=SERVICE_TOKEN)
        function_arn = token["Parameter"]["Value"]
        assert function_arn.startswith(f"arn:aws:lambda:{region}:{ACCOUNT}:function:")
        name = function_arn.rsplit(":function:", 1)[1]
        assert function_code(region, name)["S3Bucket"] == f"{PREFIX}-{region}"
        table = boto3.client("dynamodb", region_name=region).describe_table(TableName=LEDGER)
        assert table["Table"]["TableArn"] == f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{LEDGER}"


def test_generated_template_parses_as_cloudformation_reads_it():
    # The header comment and the long-form intrinsics only: what `aws cloudformation` sends.
    assert parse(GENERATED.read_text()) == STACKSETS

"""Print the example templates as one JSON object: {"cloudformation", "sam", "sar", "cdk"}.

Runs on the tools venv (.venv-tools: cfn-lint, aws-cdk-lib), called by tests/test_examples.py,
which checks the templates against botocore's UpdateDomain model on the dev venv. The CDK app is
synthesized in memory (aws_cdk.assertions.Template.from_stack): no AWS account, no cdk CLI. Its
construct library is the Python package `make cdk` built from cdk/, unpacked into
cdk/dist/python-site (put first on the path here: the tools venv itself is not changed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_cdk import App
from aws_cdk.assertions import Match, Template
from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parent.parent
CDK_SITE = ROOT / "cdk" / "dist" / "python-site"
if not (CDK_SITE / "cdk_customer_profiles_domain").is_dir():
    raise SystemExit(f"{CDK_SITE} has no construct library: run `make cdk` (make test does)")
sys.path[:0] = [str(CDK_SITE), str(ROOT / "examples" / "cdk")]

from app import CustomerProfilesDomainExampleStack  # noqa: E402


def yaml_template(path: Path) -> object:
    template, errors = decode(str(path))
    if errors:
        raise SystemExit(f"{path}: {errors}")
    return json.loads(json.dumps(template))


def cdk_template() -> object:
    stack = CustomerProfilesDomainExampleStack(App(), "Example", domain_name="example-domain")
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::CustomerProfilesDomain", 1)
    template.has_resource_properties(
        "Custom::CustomerProfilesDomain",
        {
            "ServiceToken": {"Fn::ImportValue": "customer-profiles-domain-provider-ServiceToken"},
            "ServiceTimeout": "300",
            "OnDelete": "Restore",
            "Matching": Match.object_like({"Enabled": True}),
            "RuleBasedMatching": Match.object_like({"Enabled": True}),
            "DataStore": {"Enabled": True},
        },
    )
    return template.to_json()


if __name__ == "__main__":
    json.dump(
        {
            "cloudformation": yaml_template(ROOT / "examples" / "cloudformation" / "domain.yaml"),
            "sam": yaml_template(ROOT / "examples" / "sam" / "template.yaml"),
            "sar": yaml_template(ROOT / "examples" / "sar" / "template.yaml"),
            "cdk": cdk_template(),
        },
        sys.stdout,
    )

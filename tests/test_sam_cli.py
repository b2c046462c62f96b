"""The README's deploy commands and docs/deploy.md's publish commands, run with the pinned SAM CLI
on the shipped files.

A copy of the project (template.yaml, samconfig.toml, provider/, tools/, LICENSE, README.md) is
taken through `sam validate --lint`, `sam build` (CPython 3.13 on PATH, arm64 wheels from PyPI),
`sam package`, `sam deploy --guided` then `sam deploy` (the change set reviewed and declined,
as `confirm_changeset = true` makes every deploy ask), `make package && sam deploy`, and
`sam publish`, with no extra flags.
AWS is a moto server on 127.0.0.1 (S3, CloudFormation, STS), reached as `localhost` because
moto reads a change set's TemplateURL by that name; the Serverless Application Repository, which
moto lacks, is a stub that records what `sam publish` sends.

Where the local run stops, and why (docs/deploy.md, "What I measured"): moto executes a change
set without Outputs, so SAM's managed bucket stack is created here with `create_stack` and SAM's
own template; and moto's CloudFormation does not run the SAM transform, check parameters or
evaluate conditions, so the change set is the last step that means anything here.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.support.intrinsics import load, parse

ROOT = Path(__file__).resolve().parent.parent
SAM = ROOT / ".venv-sam" / "bin" / "sam"
# pyproject.toml (the version the SBOM names) and examples/stacksets/ (copied beside the
# artifact): what `make package` reads besides the template and the code.
SHIPPED = (
    "template.yaml",
    "samconfig.toml",
    "LICENSE",
    "README.md",
    "pyproject.toml",
    "provider",
    "tools",
    "examples/stacksets",
)
STACK = "customer-profiles-domain-provider"
REGION = "us-east-1"
# The README's commands (its Deploy section's first block) and docs/deploy.md's (the same block,
# and "Publish ..."'s), run as they are.
DEPLOY = ["sam validate --lint", "sam build", "sam deploy --guided", "sam deploy"]
WITHOUT_PYTHON_313 = "make package && sam deploy"
PUBLISH = [
    "sam build",
    "sam package --output-template-file packaged.yaml",
    "sam publish --template packaged.yaml",
]
README_COMMANDS = {*DEPLOY, *PUBLISH}
# `sam deploy --guided`'s questions, in order: stack name, region, the template's parameters
# (AllowedDomainNames first, then ten with defaults), confirm changes, allow IAM role creation,
# disable rollback, save, config file, config environment; then, once the change set exists,
# "Deploy this changeset?".
GUIDED_ANSWERS = ["", "", "crm,crm-test", *[""] * 10, "", "", "", "", "", "", "N"]

pytestmark = [pytest.mark.tools, pytest.mark.network, pytest.mark.slow]


@functools.cache
def python313_bin() -> Path:
    """A folder holding a working CPython 3.13 as python3.13 (pyenv's, or on PATH), for
    `sam build`. pyenv's shims are skipped: they run 3.13 only when pyenv selects it."""
    found = shutil.which("python3.13")
    candidates = sorted(Path.home().glob(".pyenv/versions/3.13*/bin"), reverse=True)
    candidates += [Path(found).parent] if found else []
    for folder in candidates:
        probe = subprocess.run(  # noqa: S603 - fixed argv
            [str(folder / "python3.13"), "-c", "import sys; print(sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if folder.name != "shims" and probe.stdout.strip() == "(3, 13)":
            return folder
    pytest.fail("sam build needs CPython 3.13 on PATH (python3.13), or in pyenv")


@dataclass
class Sar:
    """The Serverless Application Repository's CreateApplication, recording each request."""

    requests: list[dict[str, Any]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        sar = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                sar.requests.append({"path": self.path, "body": body})
                answer = json.dumps(
                    {
                        "applicationId": f"arn:aws:serverlessrepo:{REGION}:123456789012:"
                        f"applications/{body['name']}",
                        "name": body["name"],
                        "author": body["author"],
                        "description": body["description"],
                    }
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler


@dataclass
class Aws:
    endpoint: str
    sar: Sar
    sar_endpoint: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    """moto on 127.0.0.1 with SAM's managed bucket stack, and a SAR stub."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    sar = Sar()
    stub = ThreadingHTTPServer(("127.0.0.1", 0), sar.handler())
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    local = Aws(
        endpoint=f"http://localhost:{server.get_host_and_port()[1]}",
        sar=sar,
        sar_endpoint=f"http://127.0.0.1:{stub.server_address[1]}",
    )
    try:
        create_sam_managed_stack(local)
        yield local
    finally:
        stub.shutdown()
        server.stop()


def create_sam_managed_stack(aws: Aws) -> None:
    """What `resolve_s3 = true` creates: moto executes change sets without Outputs, so here."""
    template = subprocess.run(  # noqa: S603 - fixed argv
        [
            str(SAM.parent / "python"),
            "-c",
            "from samcli.lib.bootstrap.bootstrap import _get_stack_template as t; print(t())",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with warnings.catch_warnings():  # moto skips the bucket's policy, which nothing here needs
        warnings.filterwarnings("ignore", "Tried to parse AWS::S3::BucketPolicy")
        aws.client("cloudformation").create_stack(
            StackName="aws-sam-cli-managed-default",
            TemplateBody=template,
            Tags=[{"Key": "ManagedStackSource", "Value": "AwsSamCli"}],
            Capabilities=["CAPABILITY_IAM"],
        )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAM.exists():
        pytest.fail(f"{SAM} is missing: run `make tools` (make test does)")
    copy = tmp_path_factory.mktemp("project")
    for name in SHIPPED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


def sam(project: Path, aws: Aws | None, command: str, answers: list[str] | None = None) -> str:
    """Run one of the README's sam commands in the project copy; its output (it must succeed)."""
    assert command in README_COMMANDS, f"{command!r} is not one of the README's commands"
    args = shlex.split(command)[1:]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "SAM_"))}
    env.update(
        PATH=f"{python313_bin()}{os.pathsep}{os.environ['PATH']}",
        AWS_DEFAULT_REGION=REGION,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        SAM_CLI_TELEMETRY="0",
    )
    if aws is not None:
        env.update(
            AWS_ENDPOINT_URL=aws.endpoint,
            AWS_ENDPOINT_URL_SERVERLESSAPPLICATIONREPOSITORY=aws.sar_endpoint,
        )
    result = subprocess.run(  # noqa: S603 - fixed argv
        [str(SAM), *args],
        cwd=project,
        input="\n".join(answers or []) + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (
        f"sam {' '.join(args)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(project: Path) -> Path:
    sam(project, None, "sam build")
    return project / ".aws-sam" / "build"


@pytest.fixture(scope="module")
def packaged(project: Path, built: Path, aws: Aws) -> dict[str, Any]:
    sam(project, aws, "sam package --output-template-file packaged.yaml")
    return load(project / "packaged.yaml")


@pytest.fixture(scope="module")
def guided(project: Path, built: Path, aws: Aws) -> str:
    return sam(project, aws, "sam deploy --guided", answers=GUIDED_ANSWERS)


def change_sets(aws: Aws) -> list[dict[str, Any]]:
    cloudformation = aws.client("cloudformation")
    summaries = cloudformation.list_change_sets(StackName=STACK)["Summaries"]
    return [
        cloudformation.describe_change_set(ChangeSetName=s["ChangeSetId"], StackName=STACK)
        for s in summaries
    ]


def readme_blocks(heading: str, page: str = "README.md") -> list[list[str]]:
    """The sh blocks of one section of a page, each as its commands (comments dropped)."""
    section = (ROOT / page).read_text().split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n##+ ", section, maxsplit=1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    return [[line.split("  #")[0].strip() for line in block.splitlines()] for block in blocks]


def test_readme_lists_exactly_the_commands_run_here():
    assert readme_blocks("## Deploy")[0] == DEPLOY
    assert f"`{WITHOUT_PYTHON_313}`" in (ROOT / "README.md").read_text()
    # The full guide says the same, and holds the publish commands (the README links to it).
    guide = "docs/deploy.md"
    assert readme_blocks("## Deploy with SAM", guide)[0] == DEPLOY
    assert readme_blocks("### Publish to the Serverless Application Repository", guide) == [PUBLISH]


def test_validate_lints_the_template_clean(project: Path):
    output = sam(project, None, "sam validate --lint")

    assert "is a valid SAM Template" in output


def test_build_leaves_the_arm64_python_313_artifact_and_its_template(built: Path):
    function = built / "ProviderFunction"
    template = load(built / "template.yaml")

    assert template["Resources"]["ProviderFunction"]["Properties"]["CodeUri"] == "ProviderFunction"
    assert (function / "domain_provider" / "handler.py").is_file()
    (extension,) = (function / "pydantic_core").glob("_pydantic_core.*.so")
    assert "cpython-313-aarch64-linux-gnu" in extension.name


def test_package_uploads_code_license_and_readme_to_the_managed_bucket(
    packaged: dict[str, Any], aws: Aws
):
    sar = packaged["Metadata"]["AWS::ServerlessRepo::Application"]
    code = packaged["Resources"]["ProviderFunction"]["Properties"]["CodeUri"]
    s3 = aws.client("s3")

    for url in (code, sar["LicenseUrl"], sar["ReadmeUrl"]):
        bucket, key = url.removeprefix("s3://").split("/", 1)
        assert bucket.startswith("aws-sam-cli-managed-default-samclisourcebucket")
        assert key.startswith(f"{STACK}/")
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] > 0
    assert packaged["Transform"] == "AWS::Serverless-2016-10-31"


def test_guided_deploy_asks_for_the_allowed_domains_and_saves_them(guided: str, project: Path):
    saved = tomllib.loads((project / "samconfig.toml").read_text())["default"]["deploy"]

    assert "Parameter AllowedDomainNames []:" in guided
    assert 'AllowedDomainNames="crm,crm-test"' in saved["parameters"]["parameter_overrides"]
    assert saved["parameters"]["capabilities"] == "CAPABILITY_IAM"


def test_guided_deploy_stops_at_the_reviewed_change_set(guided: str, aws: Aws):
    (change_set,) = change_sets(aws)
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in change_set["Parameters"]}

    assert "Changeset created successfully" in guided
    assert parameters["AllowedDomainNames"] == "crm,crm-test"
    assert re.search(r'Capabilities\s+: \["CAPABILITY_IAM"\]', guided)
    stack = aws.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"


def test_next_deploy_uses_the_saved_parameters(guided: str, project: Path, aws: Aws):
    sam(project, aws, "sam deploy", answers=["N"])

    latest = change_sets(aws)[-1]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in latest["Parameters"]}
    assert len(change_sets(aws)) == 2
    assert parameters["AllowedDomainNames"] == "crm,crm-test"


def test_make_package_then_deploy_uses_the_artifact_it_built(guided: str, project: Path, aws: Aws):
    # `make package` runs this script with the dev venv's Python; then the README's `sam deploy`.
    subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, str(project / "tools" / "package.py")],
        cwd=project,
        capture_output=True,
        check=True,
        timeout=600,
    )
    output = sam(project, aws, "sam deploy", answers=["N"])

    # It uploads what it finds beside the built template: the code, LICENSE and README.md.
    assert "Changeset created successfully" in output


def test_publish_sends_the_packaged_application_with_its_metadata(
    packaged: dict[str, Any], project: Path, aws: Aws
):
    output = sam(project, aws, "sam publish --template packaged.yaml")

    (request,) = aws.sar.requests
    body = request["body"]
    metadata = packaged["Metadata"]["AWS::ServerlessRepo::Application"]
    assert request["path"] == "/applications"
    assert (body["name"], body["author"], body["semanticVersion"]) == (
        metadata["Name"],
        metadata["Author"],
        metadata["SemanticVersion"],
    )
    assert (body["licenseUrl"], body["readmeUrl"]) == (
        metadata["LicenseUrl"],
        metadata["ReadmeUrl"],
    )
    assert body["spdxLicenseId"] == "Apache-2.0"
    published = parse(body["templateBody"])
    assert "AWS::ServerlessRepo::Application" not in published.get("Metadata", {})
    assert published["Resources"]["ProviderFunction"]["Properties"]["CodeUri"].startswith("s3://")
    assert "Created new application" in output

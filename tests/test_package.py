"""The Lambda artifact `make package` builds (.ci/package.py), without Docker or `sam build`.

The artifact targets Lambda: CPython 3.13 on arm64, so its compiled wheels (pydantic-core)
cannot be imported on this machine. The import test therefore builds a second artifact with the
same script and the same requirements, changing only --platform and --python-version to this
machine's, checks that both hold the same files but for the compiled extensions, and imports the
handler from that twin with site-packages turned off (python -S): what imports comes from the
artifact alone. pip fetches the wheels from PyPI (cached after the first run).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "package.py"
FUNCTION_ID = "ProviderFunction"
LAMBDA_TARGET = ("manylinux2014_aarch64", "3.13")
NOT_SHIPPED = {"tests", "test", "conftest.py", "__pycache__", "moto", "pytest", "hypothesis"}
LAMBDA_ZIP_LIMIT = 50 * 2**20
LAMBDA_UNZIPPED_LIMIT = 250 * 2**20

pytestmark = pytest.mark.network


def build(out: Path, platform_tag: str, python_version: str) -> Path:
    result = subprocess.run(  # noqa: S603 - fixed argv
        [
            *(sys.executable, str(SCRIPT), "--out", str(out)),
            *("--platform", platform_tag, "--python-version", python_version),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def files_of(tree: Path) -> set[str]:
    return {path.relative_to(tree).as_posix() for path in tree.rglob("*") if path.is_file()}


def without_extensions(files: set[str]) -> set[str]:
    return {name for name in files if not name.endswith(".so")}


@pytest.fixture(scope="module")
def lambda_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("lambda"), *LAMBDA_TARGET)


@pytest.fixture(scope="module")
def host_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert sys.platform == "linux", "the twin artifact uses manylinux wheels: run on Linux"
    host_target = (
        f"manylinux2014_{platform.machine()}",
        f"{sys.version_info[0]}.{sys.version_info[1]}",
    )
    return build(tmp_path_factory.mktemp("host"), *host_target)


def test_artifact_is_built_for_lambda_arm64_python_313(lambda_out: Path) -> None:
    extensions = {Path(name).name for name in files_of(lambda_out / FUNCTION_ID)}

    assert "_pydantic_core.cpython-313-aarch64-linux-gnu.so" in extensions


def test_artifact_holds_the_provider_and_no_test_code(lambda_out: Path) -> None:
    files = files_of(lambda_out / FUNCTION_ID)

    assert "domain_provider/handler.py" in files
    shipped_parts = {part for name in files for part in Path(name).parts}
    assert not shipped_parts & NOT_SHIPPED
    assert not [name for name in files if name.endswith(".pyc")]
    source = ROOT / "provider" / "domain_provider"
    expected = {
        f"domain_provider/{name}"
        for name in files_of(source)
        if not set(Path(name).parts) & NOT_SHIPPED and not name.endswith(".pyc")
    }
    assert {name for name in files if name.startswith("domain_provider/")} == expected


def test_zip_holds_the_tree_within_lambda_limits(lambda_out: Path) -> None:
    archive = lambda_out / f"{FUNCTION_ID}.zip"
    tree = lambda_out / FUNCTION_ID

    with zipfile.ZipFile(archive) as zf:
        assert set(zf.namelist()) == files_of(tree)
        unzipped = sum(info.file_size for info in zf.infolist())
    assert archive.stat().st_size < LAMBDA_ZIP_LIMIT
    assert unzipped < LAMBDA_UNZIPPED_LIMIT


def test_built_template_points_sam_deploy_at_the_artifact(lambda_out: Path) -> None:
    source = (ROOT / "template.yaml").read_text().splitlines()
    built = (lambda_out / "template.yaml").read_text().splitlines()

    changed = [(a, b) for a, b in zip(source, built, strict=True) if a != b]
    # The SAR metadata's files, relative to the built template, as `sam build` writes them.
    license_file, readme = (
        os.path.relpath(ROOT / name, lambda_out) for name in ("LICENSE", "README.md")
    )
    assert changed == [
        ("    LicenseUrl: LICENSE", f"    LicenseUrl: {license_file}"),
        ("    ReadmeUrl: README.md", f"    ReadmeUrl: {readme}"),
        ("      CodeUri: provider/", f"      CodeUri: {FUNCTION_ID}"),
    ]


def test_host_twin_holds_the_same_files_but_compiled_extensions(
    lambda_out: Path, host_out: Path
) -> None:
    lambda_files = files_of(lambda_out / FUNCTION_ID)
    host_files = files_of(host_out / FUNCTION_ID)

    assert without_extensions(lambda_files) == without_extensions(host_files)
    assert len(lambda_files) == len(host_files)


def test_handler_imports_from_the_artifact_alone(host_out: Path) -> None:
    tree = host_out / FUNCTION_ID
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import domain_provider.handler as module, boto3; "
        "assert callable(module.handler); "
        "assert boto3.__file__.startswith(sys.argv[1]), boto3.__file__; "
        "client = boto3.client('customer-profiles', region_name='us-east-1'); "
        "members = client.meta.service_model.operation_model('UpdateDomain').input_shape.members; "
        "assert 'DataStore' in members, 'bundled botocore predates DataStore'"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain-provider",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }

    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-S", "-c", probe, str(tree)],
        capture_output=True,
        text=True,
        env=env,
        cwd=host_out,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]

"""The Lambda artifact `make package` and `sam build` build (tools/package.py), without Docker.

The artifact targets Lambda: CPython 3.13 on arm64, so its compiled wheels (pydantic-core)
cannot be imported on this machine. The import tests therefore build a second artifact with the
same script and the same requirements, changing only --platform to this machine's (CPython 3.13
still), check that both hold the same files but for the compiled extensions, and import the
handler from that twin under CPython 3.13 with site-packages turned off (python -S): what
imports comes from the artifact alone, and from its bytecode: an audit hook records every
`compile` of a file of the artifact, and there must be none. pip fetches the wheels from PyPI
(cached after the first run).

The wheels are exactly the lock's (provider/requirements-lock.txt, hashes required): the builds
here run with a pip environment that would add another index and refuse PyPI, which the script
must ignore; a lock with one hash changed fails the build; two builds give the same zip, and
its SHA-256 and SBOM sit beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "package.py"
FUNCTION_ID = "ProviderFunction"
LAMBDA_PYTHON = "3.13"
LAMBDA_TARGET = ("manylinux2014_aarch64", LAMBDA_PYTHON)
BYTECODE_SUFFIX = ".cpython-313.pyc"
NOT_SHIPPED = {"tests", "test", "conftest.py", "moto", "pytest", "hypothesis"}
LAMBDA_ZIP_LIMIT = 50 * 2**20
LAMBDA_UNZIPPED_LIMIT = 250 * 2**20
# PEP 552: the pyc header's flags word; 0b01 = hash-based, source never checked.
UNCHECKED_HASH_FLAGS = 0b01
UNZIPPED_LATER = 3600.0  # s added to each source's date: unzipping on Lambda gives new dates
# Imports the handler from the artifact (argv[1]) and prints every file of it that was compiled
# from source instead of loaded from its bytecode (CPython raises the `compile` audit event for
# each source it compiles; loading a .pyc raises `marshal.loads` instead).
IMPORT_PROBE = """
import sys
tree = sys.argv[1]
compiled = []
def record(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].startswith(tree):
        compiled.append(args[1][len(tree) + 1:])
sys.addaudithook(record)
sys.path.insert(0, tree)
import domain_provider.handler as module, boto3
assert callable(module.handler)
assert boto3.__file__.startswith(tree), boto3.__file__
client = boto3.client("customer-profiles", region_name="us-east-1")
members = client.meta.service_model.operation_model("UpdateDomain").input_shape.members
assert "DataStore" in members, "bundled botocore predates DataStore"
print("\\n".join(compiled))
"""

pytestmark = pytest.mark.network

LOCK = ROOT / "provider" / "requirements-lock.txt"
# What this machine's pip configuration does, and worse: another index, local wheels, no PyPI.
# tools/package.py must ignore all of it (--isolated, --index-url).
HOSTILE_PIP = {
    "PIP_NO_INDEX": "1",
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/extra",
    "PIP_FIND_LINKS": "/nonexistent-wheels",
    "PIP_CONFIG_FILE": "/nonexistent-pip.conf",
}


def locked() -> dict[str, tuple[str, set[str]]]:
    """The lock: each package's pinned version and the hashes of its files."""
    pins: dict[str, tuple[str, set[str]]] = {}
    for block in re.split(r"\n(?=[a-z0-9])", LOCK.read_text()):
        match = re.match(r"([a-z0-9._-]+)==(\S+)", block)
        if match:
            name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
            pins[name] = (match.group(2), set(re.findall(r"--hash=sha256:([0-9a-f]{64})", block)))
    return pins


def test_lock_holds_no_index_or_link_option() -> None:
    # The index is the script's to name (--index-url); a lock line must not add another.
    options = ("--index-url", "--extra-index-url", "-i ", "-f ", "--find-links", "--no-index")
    lines = LOCK.read_text().splitlines()

    assert [line for line in lines if line.lstrip().startswith(options)] == []


def test_lock_pins_every_requirement_with_hashes() -> None:
    pins = locked()
    requirements = {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, version in re.findall(
            r"^([A-Za-z0-9._-]+)==(\S+)", (ROOT / "provider" / "requirements.txt").read_text(), re.M
        )
    }

    assert requirements
    assert {name: pins[name][0] for name in requirements} == requirements
    assert {name for name, (_, hashes) in pins.items() if not hashes} == set()
    # pydantic-core: the compiled wheel of the target (and the host twin's) is in the lock.
    assert len(pins["pydantic-core"][1]) > 2


def python313() -> str:
    """The CPython 3.13 the script compiles with (this one, python3.13 on PATH, or pyenv's)."""
    return str(runpy.run_path(str(SCRIPT))["find_python"](LAMBDA_PYTHON))


def run_build(out: Path, platform_tag: str, python_version: str, *extra: str) -> Any:
    return subprocess.run(  # noqa: S603 - fixed argv
        [
            *(sys.executable, str(SCRIPT), "--out", str(out)),
            *("--platform", platform_tag, "--python-version", python_version),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **HOSTILE_PIP},
        check=False,
    )


def build(out: Path, platform_tag: str, python_version: str) -> Path:
    result = run_build(out, platform_tag, python_version)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def files_of(tree: Path) -> set[str]:
    return {path.relative_to(tree).as_posix() for path in tree.rglob("*") if path.is_file()}


def without_extensions(files: set[str]) -> set[str]:
    return {name for name in files if not name.endswith(".so")}


def sources(files: set[str]) -> set[str]:
    return {name for name in files if "__pycache__" not in Path(name).parts}


def bytecode_of(source: str) -> str:
    path = Path(source)
    return (path.parent / "__pycache__" / f"{path.stem}{BYTECODE_SUFFIX}").as_posix()


def compiled_on_import(tree: Path, python: str) -> list[str]:
    """The artifact's files CPython `python` compiled while importing the handler from it, its
    sources dated after the build as an unzipped copy would be."""
    for path in tree.rglob("*.py"):
        later = path.stat().st_mtime + UNZIPPED_LATER
        os.utime(path, (later, later))
    env = {
        "PATH": os.environ.get("PATH", ""),
        "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain-provider",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only: nothing compiled is kept
    }
    result = subprocess.run(  # noqa: S603 - fixed argv
        [python, "-S", "-c", IMPORT_PROBE, str(tree)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split()


@pytest.fixture(scope="module")
def lambda_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("lambda"), *LAMBDA_TARGET)


@pytest.fixture(scope="module")
def host_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert sys.platform == "linux", "the twin artifact uses manylinux wheels: run on Linux"
    host_target = (f"manylinux2014_{platform.machine()}", LAMBDA_PYTHON)
    return build(tmp_path_factory.mktemp("host"), *host_target)


def test_build_is_reproducible_and_writes_the_zips_hash_beside_it(
    lambda_out: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    again = build(tmp_path_factory.mktemp("again"), *LAMBDA_TARGET)
    archive = lambda_out / f"{FUNCTION_ID}.zip"
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()

    assert (lambda_out / f"{FUNCTION_ID}.zip.sha256").read_text() == f"{digest}  {archive.name}\n"
    assert hashlib.sha256((again / archive.name).read_bytes()).hexdigest() == digest


def test_sbom_lists_exactly_the_locked_wheels_installed_with_their_hashes(
    lambda_out: Path,
) -> None:
    document = json.loads((lambda_out / f"{FUNCTION_ID}.cdx.json").read_text())
    pins = locked()
    archive = lambda_out / f"{FUNCTION_ID}.zip"
    installed = dict(
        path.name.removesuffix(".dist-info").replace("_", "-").lower().rsplit("-", 1)
        for path in (lambda_out / FUNCTION_ID).glob("*.dist-info")
    )

    assert (document["bomFormat"], document["specVersion"]) == ("CycloneDX", "1.6")
    assert document["metadata"]["component"]["hashes"] == [
        {"alg": "SHA-256", "content": hashlib.sha256(archive.read_bytes()).hexdigest()}
    ]
    components = {c["name"]: c for c in document["components"]}
    assert {name: c["version"] for name, c in components.items()} == {
        name: version for name, (version, _) in pins.items()
    }
    assert installed == {name: c["version"] for name, c in components.items()}
    for name, component in components.items():
        assert component["purl"] == f"pkg:pypi/{name}@{component['version']}"
        ((sha256,),) = [[h["content"] for h in component["hashes"] if h["alg"] == "SHA-256"]]
        assert sha256 in pins[name][1], name
        (reference,) = component["externalReferences"]
        assert reference["url"].startswith("https://files.pythonhosted.org/"), reference
    assert "aarch64" in components["pydantic-core"]["externalReferences"][0]["url"]


def test_a_lock_whose_hash_does_not_match_fails_the_build(tmp_path: Path) -> None:
    text = LOCK.read_text()
    _, hashes = locked()["six"]
    tampered = text
    for digest in hashes:
        tampered = tampered.replace(digest, "0" * 64)
    (tmp_path / "lock.txt").write_text(tampered)

    result = run_build(tmp_path / "out", *LAMBDA_TARGET, "--lock", str(tmp_path / "lock.txt"))

    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr, result.stderr[-2000:]


def test_built_folder_holds_the_stacksets_template_beside_the_zip(lambda_out: Path) -> None:
    assert (lambda_out / "stacksets.yaml").read_text() == (
        ROOT / "examples" / "stacksets" / "template.yaml"
    ).read_text()


def test_artifact_is_built_for_lambda_arm64_python_313(lambda_out: Path) -> None:
    extensions = {Path(name).name for name in files_of(lambda_out / FUNCTION_ID)}

    assert "_pydantic_core.cpython-313-aarch64-linux-gnu.so" in extensions


def test_artifact_holds_the_provider_and_no_test_code(lambda_out: Path) -> None:
    files = files_of(lambda_out / FUNCTION_ID)

    assert "domain_provider/handler.py" in files
    shipped_parts = {part for name in files for part in Path(name).parts}
    assert not shipped_parts & NOT_SHIPPED
    source = ROOT / "provider" / "domain_provider"
    expected = {
        f"domain_provider/{name}"
        for name in sources(files_of(source))
        if not set(Path(name).parts) & NOT_SHIPPED and not name.endswith(".pyc")
    }
    assert {name for name in sources(files) if name.startswith("domain_provider/")} == expected


def test_every_module_ships_python_313_bytecode_never_checked_against_its_source(
    lambda_out: Path,
) -> None:
    tree = lambda_out / FUNCTION_ID
    files = files_of(tree)
    modules = {name for name in files if name.endswith(".py")}
    pycs = {name for name in files if name.endswith(".pyc")}

    assert len(modules) > 100
    assert pycs == {bytecode_of(name) for name in modules}
    flags = {name: int.from_bytes((tree / name).read_bytes()[4:8], "little") for name in pycs}
    assert {name for name, value in flags.items() if value != UNCHECKED_HASH_FLAGS} == set()


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


def test_handler_imports_on_python_313_from_the_artifact_alone_compiling_nothing(
    host_out: Path,
) -> None:
    compiled = compiled_on_import(host_out / FUNCTION_ID, python313())

    assert compiled == []


@pytest.mark.parametrize("bytecode", ["missing", "checked against source dates"])
def test_import_probe_sees_compiling_when_the_bytecode_would_not_serve(
    host_out: Path, tmp_path: Path, bytecode: str
) -> None:
    tree = tmp_path / FUNCTION_ID
    shutil.copytree(host_out / FUNCTION_ID, tree, ignore=shutil.ignore_patterns("__pycache__"))
    python = python313()
    if bytecode == "checked against source dates":
        subprocess.run(  # noqa: S603 - fixed argv
            [python, "-m", "compileall", "-q", "--invalidation-mode", "timestamp", str(tree)],
            check=True,
        )

    compiled = compiled_on_import(tree, python)

    assert "domain_provider/handler.py" in compiled
    assert "botocore/client.py" in compiled


def test_sam_build_target_builds_the_same_folder_as_make_package(
    lambda_out: Path, tmp_path: Path
) -> None:
    artifacts = tmp_path / "artifacts"
    scratch = tmp_path / "scratch"  # sam build runs make in a copy of CodeUri
    shutil.copytree(ROOT / "provider", scratch, ignore=shutil.ignore_patterns("__pycache__"))

    make = shutil.which("make")  # from PATH, as sam build runs it
    assert make, "sam build's makefile method needs make on PATH"

    result = subprocess.run(  # noqa: S603 - fixed argv
        [make, "--makefile", str(ROOT / "provider" / "Makefile"), "build-ProviderFunction"],
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts), "PYTHON": sys.executable},
        cwd=scratch,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert files_of(artifacts) == files_of(lambda_out / FUNCTION_ID)

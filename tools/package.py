"""Build the Lambda artifact without Docker and without `sam build`.

Lays the result out as `sam build` does, so a plain `sam deploy` picks it up:

    <out>/template.yaml            the template, CodeUri pointing at the folder below
    <out>/<FunctionId>/            the wheels for the target platform + domain_provider
    <out>/<FunctionId>.zip         the same folder zipped (deterministic), size printed
    <out>/<FunctionId>.zip.sha256  the zip's SHA-256 (`sha256sum -c` reads it)
    <out>/<FunctionId>.cdx.json    its dependency list: a CycloneDX SBOM of the wheels installed
    <out>/stacksets.yaml           the provider template without any transform (StackSets)

`--function-dir DIR` builds only the folder, into DIR: what `sam build` runs (provider/Makefile,
`Metadata: BuildMethod: makefile` in template.yaml) with DIR = $ARTIFACTS_DIR.

The target defaults to Lambda's: CPython 3.13 on manylinux2014 aarch64 (arm64), binary wheels
only. `--platform`/`--python-version` build the same tree for another platform (the tests build
one for this machine, to import it).

The wheels come from `provider/requirements-lock.txt` (`make lock` writes it with uv for the
target platform: every package pinned, every file's hash) with `--require-hashes --no-deps`, from
the one index `--index-url` names (PyPI by default), pip's own configuration and PIP_*
variables ignored (`--isolated`): what is installed is exactly the lock, or nothing.

Beside the package, `models/` holds botocore's models of the services the provider calls, trimmed
to the operations it calls (domain_provider/operations.py): template.yaml points AWS_DATA_PATH at
it, and a client of such a model is built in a fraction of the time (a cold start builds two).
botocore's own endpoints.json keeps only the services the provider makes clients of (24 ms less
parsing at the first client), and its data only their folders and those of the services its
credential providers call (10 ms less listing at the first client; 24 MiB less).

Every module ships its bytecode, compiled by a CPython of the target version (`--python`, else
found on PATH or under pyenv) with `--invalidation-mode unchecked-hash`: Lambda's /var/task is
read-only, so without it each cold start compiles what it imports, and timestamp-checked
bytecode would be judged stale against the dates a zip gives its files. `--no-bytecode` skips it.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_ID = "ProviderFunction"
CODE_URI_LINE = "      CodeUri: provider/\n"
# Never copied: bytecode caches (compile_bytecode writes the shipped ones after pruning) and
# anything test-like; the dependencies' console scripts (bin/) go too.
EXCLUDED_NAMES = ("__pycache__", "*.pyc", "tests", "test", "conftest.py")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
LOCK = ROOT / "provider" / "requirements-lock.txt"
STACKSETS_TEMPLATE = ROOT / "examples" / "stacksets" / "template.yaml"
DEFAULT_INDEX = "https://pypi.org/simple"
CYCLONEDX_SPEC = "1.6"
# The function's code directory on Lambda: the source paths recorded in the bytecode (shown in
# tracebacks) are written as Lambda sees them, so the bytecode does not depend on the build dir.
LAMBDA_TASK_ROOT = "/var/task"


def install_requirements(
    target: Path, platform: str, python_version: str, index_url: str, lock: Path, report: Path
) -> None:
    """The lock's wheels for `platform` into `target`; pip's installation report into `report`
    (each wheel's URL and hash: the SBOM's source)."""
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            # No pip.conf, no PIP_* variable: no extra index or find-links can add a wheel.
            "--isolated",
            *("--index-url", index_url),
            "--require-hashes",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--only-binary=:all:",
            "--implementation",
            "cp",
            "--platform",
            platform,
            "--python-version",
            python_version,
            "--target",
            str(target),
            "--requirement",
            str(lock),
            *("--report", str(report)),
        ],
        check=True,
    )


def sbom(report: dict[str, Any], artifact: Path) -> dict[str, Any]:
    """A CycloneDX document of the artifact (`artifact`, its hash) and of every wheel pip
    installed into it (name, version, purl, the wheel's URL and SHA-256, its declared license)
    from pip's installation report. Deterministic: no timestamp, no random serial number."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    components = []
    for item in sorted(report["install"], key=lambda i: str(i["metadata"]["name"]).lower()):
        metadata, download = item["metadata"], item["download_info"]
        name = re.sub(r"[-_.]+", "-", metadata["name"]).lower()
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": f"pkg:pypi/{name}@{metadata['version']}",
            "name": name,
            "version": metadata["version"],
            "purl": f"pkg:pypi/{name}@{metadata['version']}",
            "hashes": [{"alg": "SHA-256", "content": download["archive_info"]["hashes"]["sha256"]}],
            "externalReferences": [{"type": "distribution", "url": download["url"]}],
        }
        if metadata.get("license_expression"):
            component["licenses"] = [{"expression": metadata["license_expression"]}]
        components.append(component)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": CYCLONEDX_SPEC,
        "version": 1,
        "metadata": {
            "component": {
                "type": "application",
                "bom-ref": "customer-profiles-domain-provider",
                "name": "customer-profiles-domain-provider",
                "version": version,
                "description": f"Lambda artifact {artifact.name}",
                "hashes": [{"alg": "SHA-256", "content": sha256_of(artifact)}],
            },
        },
        "components": components,
        "dependencies": [
            {
                "ref": "customer-profiles-domain-provider",
                "dependsOn": [component["bom-ref"] for component in components],
            }
        ],
    }


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prune(tree: Path) -> None:
    shutil.rmtree(tree / "bin", ignore_errors=True)
    for path in sorted(tree.rglob("*"), reverse=True):
        if any(path.match(pattern) for pattern in EXCLUDED_NAMES):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def copy_source(target: Path, source: Path) -> None:
    if not (source / "handler.py").is_file():
        raise SystemExit(f"{source}/handler.py is missing: nothing to package")
    shutil.copytree(
        source,
        target / "domain_provider",
        ignore=shutil.ignore_patterns(*EXCLUDED_NAMES),
    )


def trim_models(data: Path, source: Path, out: Path | None = None) -> Path:
    """Write botocore's models (from `data`, the artifact's own botocore/data) of the services
    the provider calls, with only the operations it calls (`source`/operations.py) and the shapes
    they reach, into `out` (default: `models` beside `data`'s botocore); botocore finds them
    first through AWS_DATA_PATH (template.yaml). The folder written."""
    listed = runpy.run_path(str(source / "operations.py"))
    out = out or data.parent.parent / listed["MODELS_DIR"]
    for service, operations in listed["OPERATIONS"].items():
        latest = _latest(data, service)
        trimmed = trimmed_model(_read_model(latest / "service-2"), operations)
        target = out / service / latest.name / "service-2.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(trimmed, separators=(",", ":"), sort_keys=True))
    return out


def trim_endpoints(data: Path, source: Path) -> None:
    """Rewrite botocore's own endpoint data (`data`/endpoints.json, 1.2 MB, parsed when the
    first client is built) with only the services the provider makes clients of
    (`source`/operations.py CLIENTS). In place, not through AWS_DATA_PATH: botocore treats an
    endpoints.json found elsewhere as customised and then resolves the legacy way."""
    listed = runpy.run_path(str(source / "operations.py"))
    prefixes = {
        _read_model(_latest(data, name) / "service-2")["metadata"]["endpointPrefix"]
        for name in listed["CLIENTS"]
    }
    endpoints = json.loads((data / "endpoints.json").read_text())
    for partition in endpoints["partitions"]:
        services = partition["services"]
        partition["services"] = {name: services[name] for name in sorted(prefixes & set(services))}
    (data / "endpoints.json").write_text(json.dumps(endpoints, separators=(",", ":")))


def trim_services(data: Path, source: Path) -> None:
    """Drop from botocore's own data (`data`) the folder of every service the provider never
    makes a client of (`source`/operations.py CLIENTS), keeping those botocore's own credential
    providers may call (CREDENTIAL_CLIENTS). Building a client's first model lists every folder
    of the data and looks into each (botocore's Loader.list_available_services, twice per
    container): 449 folders cost a cold start about 10 ms, and the artifact 24 MiB."""
    listed = runpy.run_path(str(source / "operations.py"))
    kept = {*listed["CLIENTS"], *listed["CREDENTIAL_CLIENTS"]}
    for folder in sorted(path for path in data.iterdir() if path.is_dir()):
        if folder.name not in kept:
            shutil.rmtree(folder)


def _latest(data: Path, service: str) -> Path:
    return data / service / sorted(path.name for path in (data / service).iterdir())[-1]


def _read_model(stem: Path) -> dict[str, Any]:
    plain, packed = stem.with_suffix(".json"), stem.with_suffix(".json.gz")
    if plain.is_file():
        return json.loads(plain.read_text())  # type: ignore[no-any-return]
    return json.loads(gzip.decompress(packed.read_bytes()))  # type: ignore[no-any-return]


def trimmed_model(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """`model` with only `operations` and the shapes their inputs, outputs and errors reach."""
    reached: set[str] = set()
    pending = []
    for name in operations:
        operation = model["operations"][name]
        pending += [operation[key]["shape"] for key in ("input", "output") if key in operation]
        pending += [error["shape"] for error in operation.get("errors", [])]
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        shape = model["shapes"][name]
        pending += [member["shape"] for member in shape.get("members", {}).values()]
        pending += [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]
    return {
        **model,
        "operations": {name: model["operations"][name] for name in operations},
        "shapes": {name: model["shapes"][name] for name in sorted(reached)},
    }


def cache_tag_of(interpreter: str) -> str | None:
    """The interpreter's bytecode tag (`sys.implementation.cache_tag`, e.g. "cpython-313": the
    name its .pyc carry); None when it does not run (e.g. an unselected pyenv shim)."""
    try:
        result = subprocess.run(  # noqa: S603 - the interpreter is ours to run
            [interpreter, "-c", "import sys; print(sys.implementation.cache_tag)"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def cpython_tag(version: str) -> str:
    return "cpython-" + version.replace(".", "")


def find_python(version: str) -> str:
    """A CPython `version` interpreter: this one, `python<version>` on PATH, or pyenv's."""
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        sys.executable,
        shutil.which(f"python{version}"),
        *(str(p) for p in sorted((pyenv_root / "versions").glob(f"{version}.*/bin/python3"))),
    ]
    for candidate in candidates:
        if candidate and cache_tag_of(candidate) == cpython_tag(version):
            return candidate
    raise SystemExit(
        f"no CPython {version} found to compile the bytecode: put python{version} on PATH, "
        "pass --python, or --no-bytecode"
    )


def check_python(python: str, version: str) -> None:
    if cache_tag_of(python) != cpython_tag(version):
        raise SystemExit(f"{python} is not CPython {version}: its bytecode would not load")


def compile_bytecode(tree: Path, python: str, python_version: str) -> None:
    """Write every module's __pycache__/*.cpython-XY.pyc, checked by nothing but its presence."""
    check_python(python, python_version)
    subprocess.run(  # noqa: S603 - fixed argv
        [
            python,
            "-m",
            "compileall",
            "-q",
            *("-j", "0"),
            *("--invalidation-mode", "unchecked-hash"),
            *("-s", str(tree), "-p", LAMBDA_TASK_ROOT),
            str(tree),
        ],
        check=True,
    )


def write_zip(tree: Path, archive: Path) -> int:
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(p for p in tree.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(tree).as_posix(), ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return archive.stat().st_size


def write_built_template(out: Path) -> None:
    text = (ROOT / "template.yaml").read_text()
    if text.count(CODE_URI_LINE) != 1:
        raise SystemExit(f"template.yaml must contain exactly one line {CODE_URI_LINE.strip()!r}")
    built = text.replace(CODE_URI_LINE, f"      CodeUri: {FUNCTION_ID}\n")
    # The SAR metadata's files, relative to the built template (as `sam build` rewrites them).
    for key, name in (("LicenseUrl", "LICENSE"), ("ReadmeUrl", "README.md")):
        relative = os.path.relpath(ROOT / name, out)
        built = built.replace(f"    {key}: {name}\n", f"    {key}: {relative}\n")
    (out / "template.yaml").write_text(built)


def build_function(
    tree: Path,
    platform: str,
    python_version: str,
    source: Path,
    python: str | None,
    index_url: str,
    lock: Path,
    report: Path,
) -> None:
    """The function's folder: wheels, domain_provider, and bytecode unless `python` is None;
    pip's installation report into `report`."""
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    install_requirements(tree, platform, python_version, index_url, lock, report)
    copy_source(tree, source)
    prune(tree)
    trim_models(tree / "botocore" / "data", source)
    trim_endpoints(tree / "botocore" / "data", source)
    trim_services(tree / "botocore" / "data", source)
    if python is not None:
        compile_bytecode(tree, python, python_version)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--platform", default="manylinux2014_aarch64")
    parser.add_argument("--python-version", default="3.13")
    parser.add_argument("--source", type=Path, default=ROOT / "provider" / "domain_provider")
    parser.add_argument("--python", help="CPython of --python-version that compiles the bytecode")
    parser.add_argument("--no-bytecode", action="store_true", help="ship sources only")
    parser.add_argument(
        "--index-url",
        default=DEFAULT_INDEX,
        help="the one package index the lock's wheels come from (default: PyPI)",
    )
    parser.add_argument("--lock", type=Path, default=LOCK, help="the hashed lock to install")
    parser.add_argument(
        "--function-dir",
        type=Path,
        help="build only the function's folder, into this directory (sam build's ARTIFACTS_DIR)",
    )
    parser.add_argument(
        "--find-python",
        action="store_true",
        help="print the CPython --python-version that would compile the bytecode, and exit",
    )
    args = parser.parse_args(argv)

    if args.find_python:
        print(args.python or find_python(args.python_version))
        return
    python = None if args.no_bytecode else args.python or find_python(args.python_version)
    if python is not None:
        check_python(python, args.python_version)  # before the download, not after
    source = args.source.resolve()
    target = (args.platform, args.python_version, source, python, args.index_url, args.lock)
    if args.function_dir:
        with tempfile.TemporaryDirectory() as scratch:
            build_function(args.function_dir.resolve(), *target, Path(scratch) / "report.json")
        return
    out: Path = args.out.resolve()
    tree = out / FUNCTION_ID
    out.mkdir(parents=True, exist_ok=True)
    report = out / f"{FUNCTION_ID}.pip-report.json"
    build_function(tree, *target, report)
    write_built_template(out)
    archive = out / f"{FUNCTION_ID}.zip"
    size = write_zip(tree, archive)
    (out / f"{archive.name}.sha256").write_text(f"{sha256_of(archive)}  {archive.name}\n")
    document = sbom(json.loads(report.read_text()), archive)
    (out / f"{FUNCTION_ID}.cdx.json").write_text(json.dumps(document, indent=2) + "\n")
    report.unlink()
    shutil.copyfile(STACKSETS_TEMPLATE, out / "stacksets.yaml")
    unzipped = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    print(
        f"{tree}: {unzipped / 2**20:.1f} MiB unzipped; "
        f"{archive}: {size / 2**20:.1f} MiB, sha256 {sha256_of(archive)}; "
        f"{len(document['components'])} wheels in {out / f'{FUNCTION_ID}.cdx.json'} "
        f"({args.platform}, CPython {args.python_version}, "
        f"{'no bytecode' if python is None else 'bytecode by ' + python})"
    )


if __name__ == "__main__":
    main()

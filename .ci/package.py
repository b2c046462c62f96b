"""Build the Lambda artifact without Docker and without `sam build`.

Lays the result out as `sam build` does, so a plain `sam deploy` picks it up:

    <out>/template.yaml            the template, CodeUri pointing at the folder below
    <out>/<FunctionId>/            the wheels for the target platform + domain_provider
    <out>/<FunctionId>.zip         the same folder zipped (deterministic), size printed

The target defaults to Lambda's: CPython 3.13 on manylinux2014 aarch64 (arm64), binary wheels
only. `--platform`/`--python-version` build the same tree for another platform (the tests build
one for this machine, to import it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTION_ID = "ProviderFunction"
CODE_URI_LINE = "      CodeUri: provider/\n"
# Never shipped: bytecode caches (Lambda compiles on import) and anything test-like; the
# dependencies' console scripts (bin/) go too.
EXCLUDED_NAMES = ("__pycache__", "*.pyc", "tests", "test", "conftest.py")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def install_requirements(target: Path, platform: str, python_version: str) -> None:
    subprocess.run(  # noqa: S603 - fixed argv, no shell
        [
            sys.executable,
            "-m",
            "pip",
            "install",
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
            str(ROOT / "provider" / "requirements.txt"),
        ],
        check=True,
    )


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


def build(out: Path, platform: str, python_version: str, source: Path) -> Path:
    tree = out / FUNCTION_ID
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    install_requirements(tree, platform, python_version)
    copy_source(tree, source)
    prune(tree)
    write_built_template(out)
    return tree


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / ".aws-sam" / "build")
    parser.add_argument("--platform", default="manylinux2014_aarch64")
    parser.add_argument("--python-version", default="3.13")
    parser.add_argument("--source", type=Path, default=ROOT / "provider" / "domain_provider")
    args = parser.parse_args(argv)

    out: Path = args.out.resolve()
    tree = build(out, args.platform, args.python_version, args.source.resolve())
    size = write_zip(tree, out / f"{FUNCTION_ID}.zip")
    unzipped = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
    print(
        f"{tree}: {unzipped / 2**20:.1f} MiB unzipped; "
        f"{out / f'{FUNCTION_ID}.zip'}: {size / 2**20:.1f} MiB "
        f"({args.platform}, CPython {args.python_version})"
    )


if __name__ == "__main__":
    main()

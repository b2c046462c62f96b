"""The CDK construct library's props are generated from the JSON Schema and kept in step.

Given the committed cdk/src/*.generated.ts, when tools/gen_construct_props.py regenerates them from
docs/schema/domain-properties.schema.json, then nothing changes (`make cdk-props` after a model
change), and every property and nested member of the schema has its camelCase member, its
PascalCase name in the render function, and every enum value.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA: dict[str, Any] = json.loads(
    (ROOT / "docs/schema/domain-properties.schema.json").read_text()
)
GENERATED = ROOT / "cdk" / "src"
PROPS = (GENERATED / "properties.generated.ts").read_text()
RENDER = (GENERATED / "render.generated.ts").read_text()


def check(root: Path) -> subprocess.CompletedProcess[str]:
    """`python -m tools.gen_construct_props --check` in a checkout at `root`."""
    return subprocess.run(
        [sys.executable, "-m", "tools.gen_construct_props", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def objects() -> dict[str, dict[str, Any]]:
    return {SCHEMA["title"]: SCHEMA, **SCHEMA["$defs"]}


def interface_body(name: str) -> str:
    match = re.search(rf"^export interface {name} \{{\n(.*?)^\}}", PROPS, re.MULTILINE | re.DOTALL)
    assert match, f"no interface {name}"
    return match.group(1)


def test_committed_files_are_what_the_generator_writes():
    done = check(ROOT)

    assert done.returncode == 0, done.stdout + done.stderr


def test_check_reports_a_stale_file(tmp_path):
    # A checkout whose generated props were edited by hand: the tools copied, the rest linked.
    shutil.copytree(ROOT / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("local"))
    for linked in ("provider", "docs"):
        (tmp_path / linked).symlink_to(ROOT / linked)
    shutil.copytree(GENERATED, tmp_path / "cdk" / "src")
    stale = tmp_path / "cdk" / "src" / "properties.generated.ts"
    stale.write_text(PROPS.replace("readonly domainName: string;", "readonly domainName?: string;"))

    done = check(tmp_path)

    assert done.returncode == 1
    assert "stale: cdk/src/properties.generated.ts; run `make cdk-props`" in done.stdout


def test_every_schema_object_is_a_struct_with_each_member_optional_unless_required():
    for name, node in objects().items():
        body = interface_body(name)
        for member in node["properties"]:
            optional = "" if member in node.get("required", []) else r"\?"
            camel = member[0].lower() + member[1:]
            assert re.search(rf"readonly {camel}{optional}: ", body), f"{name}.{member}"


def test_every_member_is_rendered_with_its_cloudformation_name():
    for name, node in objects().items():
        render = RENDER.split(f"export function render{name}(", 1)[1].split("\n}\n", 1)[0]
        for member in node["properties"]:
            assert f'out["{member}"] = ' in render, f"{name}.{member}"


def test_on_delete_is_an_enum_of_the_provider_values_defaulting_to_restore():
    on_delete = SCHEMA["properties"]["OnDelete"]

    for value in on_delete["enum"]:
        assert f'{value.upper()} = "{value}",' in PROPS
    assert "@default OnDelete.RESTORE" in interface_body("DomainProperties")
    assert on_delete["default"] == "Restore"


def test_tags_are_a_map_of_strings():
    assert "readonly tags?: { [key: string]: string };" in interface_body("DomainProperties")


def test_enums_are_upper_case_members_of_the_schema_values():
    assert 'ONE_TO_ONE = "ONE_TO_ONE",' in PROPS
    assert 'SUNDAY = "SUNDAY",' in PROPS
    assert "readonly dayOfTheWeek: DayOfTheWeek;" in interface_body("JobSchedule")
    assert "readonly s3BucketName: string;" in interface_body("S3Exporting")

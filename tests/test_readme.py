"""The README's property table agrees with the JSON Schema generated from the model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs/schema/domain-properties.schema.json").read_text())


def readme_rows() -> dict[str, str]:
    section = (ROOT / "README.md").read_text().split("## Properties", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|(.*)$", section, flags=re.MULTILINE)
    return dict(rows)


def limits(schema: dict[str, Any]) -> list[str]:
    """The numbers a reader must find in the row: lengths, ranges and list sizes."""
    branches = schema.get("anyOf", [schema])
    found = []
    for branch in branches:
        for key in ("minLength", "maxLength", "minimum", "maximum", "maxItems", "maxProperties"):
            if key in branch:
                found.append(str(branch[key]))
        found += [str(value) for value in branch.get("enum", [])]
    return found


def test_readme_lists_exactly_the_schema_properties():
    assert sorted(readme_rows()) == sorted(SCHEMA["properties"])


def test_readme_marks_required_properties_as_the_schema_does():
    rows = readme_rows()
    required = {name for name, row in rows.items() if row.split("|")[1].strip() == "yes"}

    assert required == set(SCHEMA["required"])


def test_readme_states_every_top_level_limit_of_the_schema():
    rows = readme_rows()
    missing = {
        name: [limit for limit in limits(schema) if limit not in rows[name]]
        for name, schema in SCHEMA["properties"].items()
    }

    assert {name: found for name, found in missing.items() if found} == {}

"""The docs keep their word.

- The README's two commands are the Makefile's targets, and CI's entry point runs the second.
- The reference page (docs/Custom-CustomerProfilesDomain.md) lists exactly the properties of the
  JSON Schema generated from the model (plus CloudFormation's two), marks the required ones as the
  schema does, states every top-level limit, and says what an update of each requires.
- Every relative link in README.md and docs/*.md reaches a file, and a heading where it names one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from domain_provider.models import IGNORED_PROPERTIES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs/schema/domain-properties.schema.json").read_text())
README = ROOT / "README.md"
REFERENCE = ROOT / "docs/Custom-CustomerProfilesDomain.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]


def sh_blocks(text: str) -> list[list[str]]:
    """Each ```sh block as its commands, comments dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [[line.split("#")[0].strip() for line in block.splitlines()] for block in blocks]


def test_readme_gives_the_two_commands_and_the_makefile_runs_them():
    assert ["make run", "make test"] in sh_blocks(README.read_text())
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run: .*\n\t\$\(BIN\)/python -m tools\.local\.play$", makefile, re.M)
    assert re.search(r"^test: lint-templates lint types unit$", makefile, re.M)
    assert (ROOT / ".ci/run").read_text().rstrip().endswith("\nmake test")


# The reference page's properties against the schema ----------------------------------------------


def reference_entries() -> dict[str, str]:
    """The Properties section's entries (`### Name` and what follows), by property name."""
    section = REFERENCE.read_text().split("\n## Properties\n", 1)[1].split("\n## ", 1)[0]
    entries = re.split(r"^### ", section, flags=re.MULTILINE)[1:]
    named = {entry.split("\n", 1)[0].strip(): entry for entry in entries}
    named.pop("Nested members")
    return named


def field(entry: str, name: str) -> str:
    found = re.search(rf"^- {name}: (.*)$", entry, flags=re.MULTILINE)
    assert found, f"no '- {name}:' in {entry[:60]!r}"
    return found.group(1)


def limits(schema: dict[str, Any]) -> list[str]:
    """The numbers a reader must find in the entry: lengths, ranges and list sizes."""
    branches = schema.get("anyOf", [schema])
    found = []
    for branch in branches:
        for key in ("minLength", "maxLength", "minimum", "maximum", "maxItems", "maxProperties"):
            if key in branch:
                found.append(str(branch[key]))
        found += [str(value) for value in branch.get("enum", [])]
    return found


def test_reference_lists_exactly_the_schema_properties_and_cloudformations():
    assert sorted(reference_entries()) == sorted([*SCHEMA["properties"], *IGNORED_PROPERTIES])


def test_reference_marks_required_properties_as_the_schema_does():
    entries = reference_entries()
    required = {name for name, entry in entries.items() if field(entry, "Required") == "Yes"}

    assert required == {*SCHEMA["required"], "ServiceToken"}


def test_reference_states_every_top_level_limit_of_the_schema():
    entries = reference_entries()
    missing = {
        name: [limit for limit in limits(schema) if limit not in entries[name]]
        for name, schema in SCHEMA["properties"].items()
    }

    assert {name: found for name, found in missing.items() if found} == {}


def test_reference_says_only_a_new_domain_name_replaces_the_resource():
    updates = {name: field(entry, "Update requires") for name, entry in reference_entries().items()}

    assert updates.pop("DomainName").startswith("Replacement")
    assert updates.pop("ServiceToken").startswith("Updates are not supported")
    assert set(updates.values()) == {"No interruption"}


# Links --------------------------------------------------------------------------------------------


def without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.DOTALL | re.MULTILINE)


def without_code(text: str) -> str:
    """The text outside fenced blocks and inline code: where links are."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(text))


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to
    hyphens; a repeated heading gets -1, -2, ..."""
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} (.+)$", without_code_blocks(page.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        numbered, count = slug, 0
        while numbered in found:
            count += 1
            numbered = f"{slug}-{count}"
        found.add(numbered)
    return found


def links(page: Path) -> list[str]:
    targets = re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", without_code(page.read_text()))
    return [target for target in targets if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", DOCS, ids=[str(page.relative_to(ROOT)) for page in DOCS])
def test_every_relative_link_reaches_a_file_and_heading(page: Path):
    broken = []
    for link in links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: no heading '{anchor}' in {target.relative_to(ROOT)}")

    assert broken == []


def test_the_link_check_sees_links_and_anchors():
    assert "hand-a-domain-over" in anchors(ROOT / "docs/operations.md")
    assert {"syntax", "properties", "return-values", "ondelete"} <= anchors(REFERENCE)
    assert "Custom-CustomerProfilesDomain.md" in " ".join(links(README))

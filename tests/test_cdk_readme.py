"""cdk/README.md says what CI runs and names only what the library exports.

Given the README's build commands, when they are compared with the Makefile's CDK recipes, then
they are the same commands in the same order (`cd cdk && ...` lines, the environment that
silences jsii's node warning aside), and every recipe of `make cdk` / `make cdk-test` that runs in
cdk/ is in the README. The names its snippets import are the library's exports, and the versions
it asks for are package.json's peer minimums.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "cdk" / "README.md").read_text()
MAKEFILE = (ROOT / "Makefile").read_text()
PACKAGE = json.loads((ROOT / "cdk" / "package.json").read_text())


def section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^ *```{language}\n(.*?)^ *```", text, flags=re.MULTILINE | re.DOTALL)


def makefile_commands_in_cdk() -> list[str]:
    """The commands the Makefile runs in cdk/: `cd $(CDK) && [VAR=... | $(JSII_QUIET)] cmd`."""
    commands = []
    for line in re.findall(r"^\tcd \$\(CDK\) && (.*)$", MAKEFILE, flags=re.MULTILINE):
        words = [w for w in line.split() if w != "$(JSII_QUIET)" and not re.match(r"\w+=", w)]
        commands.append(" ".join(words))
    return commands


def exported_names() -> set[str]:
    source = "".join(path.read_text() for path in (ROOT / "cdk" / "src").glob("*.ts"))
    return set(re.findall(r"^export (?:abstract )?(?:class|interface|enum) (\w+)", source, re.M))


def test_readme_build_commands_are_the_ones_ci_runs():
    (block,) = code_blocks(section("Build and test from source"), "sh")
    readme_commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]

    assert readme_commands == makefile_commands_in_cdk()
    assert readme_commands  # the Makefile's CDK section runs its commands in cdk/


def test_readme_imports_only_what_the_library_exports():
    exported = exported_names()
    python = " ".join(code_blocks(README, "python"))
    typescript = " ".join(code_blocks(README, "ts"))

    python_names = re.findall(r"from cdk_customer_profiles_domain import \((.*?)\)", python, re.S)
    ts_names = re.findall(r"import \{([^}]*)\} from 'cdk-customer-profiles-domain'", typescript)
    names = {n.strip() for group in python_names + ts_names for n in group.split(",") if n.strip()}
    assert names, "the README's snippets import the library"
    assert names <= exported, names - exported


def test_readme_states_the_peer_dependency_minimums():
    for package, spec in PACKAGE["peerDependencies"].items():
        minimum = spec.lstrip("^")
        assert f"`{package}` {minimum} or later" in README, package


def test_readme_names_every_attribute_accessor():
    domain = (ROOT / "cdk" / "src" / "domain.ts").read_text()
    accessors = re.findall(r"public readonly (attr\w+): string;", domain)

    assert len(accessors) == 9
    for accessor in accessors:
        assert f"`{accessor}`" in section("Use"), accessor

"""cdk/package.json builds against what Python users install.

Given the construct library's package.json, then jsii and jsii-pacmak are pinned exactly (and
locked), and aws-cdk-lib and constructs are peer dependencies whose minimums are at most the
versions .venv-tools pins from PyPI (the wheel's requirements come from them: a minimum PyPI does
not have yet makes the Python package uninstallable), built and tested against exactly those.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = json.loads((ROOT / "cdk" / "package.json").read_text())
LOCK = json.loads((ROOT / "cdk" / "package-lock.json").read_text())


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def tools_pins() -> dict[str, str]:
    pins = re.search(r"^TOOLS_PINS := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert pins
    return dict(pin.split("==") for pin in pins.group(1).split())


def test_jsii_and_jsii_pacmak_are_pinned_exactly_and_locked():
    for tool in ("jsii", "jsii-pacmak"):
        pinned = PACKAGE["devDependencies"][tool]
        assert re.fullmatch(r"\d+\.\d+\.\d+", pinned), tool
        assert LOCK["packages"][f"node_modules/{tool}"]["version"] == pinned


def test_peer_minimums_are_at_most_what_python_users_get_from_pypi():
    pins = tools_pins()
    for package in ("aws-cdk-lib", "constructs"):
        minimum = PACKAGE["peerDependencies"][package]
        assert minimum.startswith("^"), package
        assert version(minimum[1:]) <= version(pins[package]), package


def test_the_library_is_built_against_the_python_pin_of_aws_cdk_lib():
    assert PACKAGE["devDependencies"]["aws-cdk-lib"] == tools_pins()["aws-cdk-lib"]
    assert LOCK["packages"]["node_modules/aws-cdk-lib"]["version"] == tools_pins()["aws-cdk-lib"]

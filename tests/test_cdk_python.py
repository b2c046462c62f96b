"""The construct library's Python package, as a user installs it.

Given the wheel `make cdk` built (jsii-pacmak) in cdk/dist/python, when it is installed into a
throwaway venv together with aws-cdk-lib and constructs from PyPI (the versions .venv-tools
pins), then pip resolves its requirements (the aws-cdk-lib peer minimum is one PyPI has) and a
stack written in Python synthesizes the properties, enums, ways in and attributes its props say
(cdk/test/python/synth_check.py, with the CDK's own assertions).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ROOT / "cdk" / "dist" / "python"
CHECK = ROOT / "cdk" / "test" / "python" / "synth_check.py"

pytestmark = pytest.mark.network


def cdk_pins() -> list[str]:
    """aws-cdk-lib and constructs as the Makefile pins them for .venv-tools."""
    pins = re.search(r"^TOOLS_PINS := (.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert pins, "Makefile: TOOLS_PINS"
    return [pin for pin in pins.group(1).split() if pin.startswith(("aws-cdk-lib==", "constructs"))]


def run(
    argv: list[str], timeout: int, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603 - argv of this test's own
        argv, capture_output=True, text=True, check=False, timeout=timeout, env=env, cwd=cwd
    )
    assert done.returncode == 0, f"{argv}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_wheel_installs_from_pypi_and_synthesizes_in_python(tmp_path):
    wheels = sorted(WHEELS.glob("cdk_customer_profiles_domain-*.whl"))
    if len(wheels) != 1:
        pytest.fail(
            f"expected one wheel in {WHEELS}, found {wheels}: run `make cdk` (make test does)"
        )
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    python = venv / "bin" / "python"

    run(
        [str(python), "-m", "pip", "install", "-q", str(wheels[0]), *cdk_pins()],
        timeout=600,
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("PYTHONPATH", None)
    done = run([str(python), str(CHECK)], env=env, cwd=tmp_path, timeout=300)

    assert "ok: the Python package synthesizes what its props say" in done.stdout

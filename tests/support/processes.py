"""A fresh interpreter for a test: a cold container, or a run with another botocore."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(
    *args: str, first: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in the project's folder with no AWS_ variable of this process (the code
    sets its own fake ones), the provider and the tests importable, and `first` ahead of them."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    paths = [*([str(first)] if first else []), str(ROOT / "provider"), str(ROOT)]
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""The trimmed botocore models the artifact ships (AWS_DATA_PATH): the provider's whole life runs
on them, so no operation it calls is missing from domain_provider/operations.py."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore
import pytest
from botocore.loaders import Loader

from domain_provider.operations import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = runpy.run_path(str(ROOT / ".ci" / "package.py"))
DATA = Path(botocore.__file__).parent / "data"
# The double parses requests with botocore's full model (loaded at its import, before
# AWS_DATA_PATH is set); the provider's clients, made at the first event, get the trimmed ones.
# AWS_DATA_PATH is set as in Lambda, after the double loaded its full model (it validates
# CreateDomain too); the tables are made by an administrator's client that ignores it.
LIFE = """
import os, sys
import tests.doubles.customer_profiles  # the double validates with the full model, loaded now
os.environ["AWS_DATA_PATH"] = sys.argv[1]  # as in Lambda: every session from now on
from tests.local import drift, play
assert play.main([]) == 0, "make run"
assert drift.main([]) == 0, "make drift"
from domain_provider.aws import customer_profiles_client, dynamodb_client
assert not hasattr(dynamodb_client(), "create_table"), "the provider's client is the trimmed one"
assert not hasattr(customer_profiles_client(), "create_domain")
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = PACKAGE["trim_models"](
        DATA, ROOT / "provider" / "domain_provider", tmp_path_factory.mktemp("models")
    )
    return out


def test_each_trimmed_model_has_exactly_the_listed_operations_and_every_shape_they_reach(models):
    loader = Loader(extra_search_paths=[str(models)])
    for service, operations in OPERATIONS.items():
        model: dict[str, Any] = loader.load_service_model(service, "service-2")
        assert set(model["operations"]) == set(operations)
        for shape in model["shapes"].values():
            refs = [member["shape"] for member in shape.get("members", {}).values()]
            refs += [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]
            assert set(refs) <= set(model["shapes"]), service


def test_the_provider_makes_its_whole_life_and_the_drift_check_on_the_trimmed_models(models):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment["PYTHONPATH"] = os.pathsep.join([str(ROOT / "provider"), str(ROOT)])

    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", LIFE, str(models)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "has no attribute" not in done.stdout + done.stderr

"""The botocore data the artifact ships trimmed (docs/packaging.md): the models of the two services
the provider calls, through AWS_DATA_PATH, botocore's own endpoints.json, and its service folders.
The provider's whole life runs on them, and every client sends its requests where botocore's full
data does."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from botocore.config import Config
from botocore.loaders import Loader

from domain_provider.operations import CLIENTS, CREDENTIAL_CLIENTS, OPERATIONS
from tests.support.processes import python
from tools.local.ledger import NO_EXTRA_DATA

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = runpy.run_path(str(ROOT / "tools" / "package.py"))
SOURCE = ROOT / "provider" / "domain_provider"


@pytest.fixture(scope="module")
def trimmed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a folder holding a copy of botocore with the artifact's endpoints.json, the models
    folder), made by package.py's own functions from the installed botocore."""
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(Path(botocore.__file__).parent, site / "botocore")
    PACKAGE["trim_endpoints"](site / "botocore" / "data", SOURCE)
    PACKAGE["trim_services"](site / "botocore" / "data", SOURCE)
    models: Path = PACKAGE["trim_models"](site / "botocore" / "data", SOURCE, site / "models")
    return site, models


def run(site: Path, script: str, *args: str) -> str:
    """`script` in a fresh interpreter whose botocore is the trimmed copy; its stdout."""
    done = python("-c", script, *args, first=site)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout


def test_each_trimmed_model_has_exactly_the_listed_operations_and_every_shape_they_reach(trimmed):
    loader = Loader(extra_search_paths=[str(trimmed[1])])
    for service, operations in OPERATIONS.items():
        model: dict[str, Any] = loader.load_service_model(service, "service-2")
        assert set(model["operations"]) == set(operations)
        for shape in model["shapes"].values():
            refs = [member["shape"] for member in shape.get("members", {}).values()]
            refs += [shape[key]["shape"] for key in ("member", "key", "value") if key in shape]
            assert set(refs) <= set(model["shapes"]), service


# AWS_DATA_PATH is set as in Lambda, after the double loaded its full model (it validates
# CreateDomain too); the tables are made by an administrator's client that ignores it.
LIFE = """
import os, sys
import botocore
assert botocore.__file__.startswith(sys.argv[2]), botocore.__file__
import tools.local.customer_profiles  # the double validates with the full model, loaded now
os.environ["AWS_DATA_PATH"] = sys.argv[1]  # as in Lambda: every session from now on
from tools.local import drift, play
assert play.main([]) == 0, "make run"
assert drift.main([]) == 1, "make drift: the seeded drift, exit 1"
from domain_provider.clients import customer_profiles_client, dynamodb_client
assert not hasattr(dynamodb_client(), "create_table"), "the provider's client is the trimmed one"
assert not hasattr(customer_profiles_client(), "create_domain")
"""


def test_the_provider_makes_its_whole_life_and_the_drift_check_on_the_trimmed_data(trimmed):
    site, models = trimmed

    output = run(site, LIFE, str(models), str(site))

    assert "has no attribute" not in output


# Where each client sends its requests -------------------------------------------------------------

REGIONS = (
    "us-east-1",
    "eu-west-1",
    "ap-southeast-2",
    "ca-central-1",
    "cn-north-1",
    "us-gov-west-1",
)
FIRST_CALL: dict[str, tuple[str, dict[str, Any]]] = {
    "customer-profiles": ("get_domain", {"DomainName": "crm"}),
    "dynamodb": ("get_item", {"TableName": "ledger", "Key": {"DomainName": {"S": "crm"}}}),
    "cloudformation": ("describe_stacks", {"StackName": "crm"}),
}
WHERE = """
import json, sys
from tests.test_models import everywhere
print(json.dumps(everywhere(sys.argv[1])))
"""


class Sent(Exception):
    """Raised by the before-send hook: the request was built, and is not sent anywhere."""


def where_it_goes(data_path: str, service: str, region: str, fips: bool) -> list[str]:
    """[URL, SigV4 credential scope] of the client's first request (botocore's extra data found
    through `data_path`), or [the error's type, its words] if building it failed."""
    session = botocore.session.get_session()
    session.set_config_variable("data_path", data_path)
    client = session.create_client(
        service,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        config=Config(use_fips_endpoint=fips, retries={"max_attempts": 0}),
    )
    seen: list[list[str]] = []

    def capture(request: Any, **_: Any) -> None:
        scope = request.headers["Authorization"].decode().split("Credential=")[1].split(",")[0]
        seen.append([request.url, scope.split("/", 2)[2]])
        raise Sent

    client.meta.events.register("before-send", capture)
    operation, parameters = FIRST_CALL[service]
    try:
        getattr(client, operation)(**parameters)
    except Sent:
        return seen[0]
    except Exception as error:
        return [type(error).__name__, str(error)]
    raise AssertionError("nothing was about to be sent")


def everywhere(data_path: str) -> dict[str, list[str]]:
    """Where each client of the provider sends its first request, per region, with and without
    FIPS endpoints."""
    return {
        f"{service} {region} fips={fips}": where_it_goes(data_path, service, region, fips)
        for service in CLIENTS
        for region in REGIONS
        for fips in (False, True)
    }


def test_every_client_sends_its_requests_where_botocores_full_data_does(trimmed):
    site, models = trimmed

    shipped = json.loads(run(site, WHERE, str(models)))

    assert shipped == everywhere(NO_EXTRA_DATA)
    assert len(shipped) == len(CLIENTS) * len(REGIONS) * 2


def test_the_shipped_endpoints_json_holds_only_the_providers_services(trimmed):
    site, _ = trimmed
    endpoints = json.loads((site / "botocore" / "data" / "endpoints.json").read_text())

    services = {name for partition in endpoints["partitions"] for name in partition["services"]}

    assert services == {"profile", "dynamodb", "cloudformation"}


def test_the_shipped_data_holds_only_the_providers_and_the_credential_providers_folders(trimmed):
    site, _ = trimmed
    data = site / "botocore" / "data"

    folders = {path.name for path in data.iterdir() if path.is_dir()}

    assert folders == {*CLIENTS, *CREDENTIAL_CLIENTS}
    assert {path.name for path in data.iterdir() if path.is_file()} == {
        path.name for path in (Path(botocore.__file__).parent / "data").iterdir() if path.is_file()
    }, "botocore's own files (partitions, defaults, retries) all stay"

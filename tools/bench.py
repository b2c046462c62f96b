"""`make bench`: how lean the provider is, measured side by side in one run, as ratios.

- cold start on CPython 3.13 (the runtime's), from the artifact package.py builds (its
  x86_64 twin, which this machine can run), with and without its bytecode: a fresh process
  imports the handler and answers a first Create, against a plain crhelper handler doing the
  same from the same dependencies; paired runs, medians of the per-pair ratios;
- handler time per Create / Update / Delete against the local double (a warm container);
- AWS calls per event against the contract's minimum;
- artificial sleep per Delete, this provider vs crhelper's default configuration;
- peak memory (max RSS) of one container process that handles Create, Update and Delete;
- the deployment artifact's size, with and without bytecode.

Prints a Markdown table; docs/benchmarks.md records a run and explains the numbers.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import platform
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "provider"), str(ROOT)]
from tools.local.environment import FAKE_ENVIRONMENT  # noqa: E402 (after the path)
from tools.local.ledger import LEDGER_TABLE, create_ledger_table  # noqa: E402

ENV = {
    **FAKE_ENVIRONMENT,
    "LEDGER_TABLE_NAME": LEDGER_TABLE,
    "POWERTOOLS_LOG_LEVEL": "WARNING",  # the table is the output; INFO lines would bury it
    "PYTHONPATH": os.pathsep.join([str(ROOT / "provider"), str(ROOT)]),
    "PYTHONDONTWRITEBYTECODE": "",
}
os.environ.update(ENV)

FLOOR = "import boto3, crhelper; boto3.client('customer-profiles')"
# Peak RSS in KiB from /proc (VmHWM): ru_maxrss would carry over the forking parent's peak,
# since Linux keeps it across fork and exec, and this parent holds moto.
PEAK_RSS = (
    "next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))"
)
MAX_RSS = f"print({PEAK_RSS})"
PACKAGE = runpy.run_path(str(ROOT / "tools" / "package.py"))
RUNTIME_PYTHON = "3.13"

# The reference: a plain crhelper handler, as crhelper's README shows one, that sends the same
# one UpdateDomain request for a Create as the provider (the bench checks they are equal), so
# the double's time to answer is the same for both.
NAIVE_HANDLER = """
import boto3
from crhelper import CfnResource

helper = CfnResource()
client = boto3.client("customer-profiles")


def typed(value):
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    if value in ("true", "false"):
        return value == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


@helper.create
@helper.update
def apply(event, context):
    properties = dict(event["ResourceProperties"])
    del properties["ServiceToken"], properties["ServiceTimeout"]
    tags = {tag["Key"]: tag["Value"] for tag in properties.pop("Tags", [])}
    client.update_domain(**typed(properties), Tags=tags)
    return properties["DomainName"]


@helper.delete
def delete(event, context):
    pass


def handler(event, context):
    helper(event, context)
"""
# One cold container: argv = sys.path entries (os.pathsep-joined), handler module, event JSON.
# Prints the seconds from the first import to the handler imported, and to its first answer
# PUT. Before the clock starts, http.client (which both import anyway) is made to PUT over
# plain HTTP to the bench's local receiver; crhelper passes an SSL context, dropped here.
COLD_CONTAINER = """
import http.client, json, os, sys, time

class PlainConnection(http.client.HTTPConnection):
    def __init__(self, host, context=None, **kwargs):
        super().__init__(host, **kwargs)

http.client.HTTPSConnection = PlainConnection

class Context:
    function_name = "customer-profiles-domain-provider"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "cold"
    deadline = time.monotonic() + 120

    def get_remaining_time_in_millis(self):
        return int((self.deadline - time.monotonic()) * 1000)

sys.path[:0] = sys.argv[1].split(os.pathsep)
event = json.loads(sys.argv[3])
started = time.perf_counter()
module = __import__(sys.argv[2], fromlist=["handler"])
imported = time.perf_counter()
module.handler(event, Context())
answered = time.perf_counter()
print(imported - started, answered - started)
"""


def package(args: list[str]) -> None:
    """Run tools/package.py; its pip output only if it fails."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, str(ROOT / "tools" / "package.py"), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"package.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


class ResponseReceiver(BaseHTTPRequestHandler):
    """Stands in for the pre-signed S3 URL: records the Status of each answer PUT."""

    statuses: ClassVar[list[str]] = []

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        self.statuses.append(body["Status"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def local_endpoints() -> Iterator[tuple[str, str, Any]]:
    """Customer Profiles (moto's server with the double; domain crm-profiles exists), the ledger
    (moto's DynamoDB on the same server) and a response receiver, all on localhost: their URLs,
    and the double's backend."""
    import boto3
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    from tools.local.customer_profiles import backend

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the table
    with mock_aws():
        profiles = backend()
        profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
        create_ledger_table(boto3.client("dynamodb"))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), ResponseReceiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        try:
            yield (
                "http://{}:{}".format(*server.get_host_and_port()),
                f"https://127.0.0.1:{receiver.server_address[1]}/response?X-Amz-Signature=bench",
                profiles,
            )
        finally:
            receiver.shutdown()
            server.stop()


def fresh_domain(profiles: Any, ledger: Any) -> None:
    """crm-profiles as a new domain, and no item for it in the `ledger` client's table."""
    if "crm-profiles" in profiles.domains:
        profiles.handle("DeleteDomain", {"DomainName": "crm-profiles"})
    profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
    ledger.delete_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": "crm-profiles"}})


def stock_endpoints() -> Path:
    """botocore's own endpoints.json, of the version the artifact bundles (the bench's venv pins
    the same botocore)."""
    import botocore

    pinned = (ROOT / "provider" / "requirements.txt").read_text()
    assert f"botocore=={botocore.__version__}" in pinned, "the bench needs the artifact's botocore"
    return Path(botocore.__file__).parent / "data" / "endpoints.json"


STOCK_ENDPOINTS = stock_endpoints()


def build_variants(work: Path, python: str) -> dict[str, list[Path]]:
    """The sys.path of each variant: the artifact for this machine's CPU (CPython 3.13 wheels),
    with and without bytecode, and the plain crhelper handler in front of each."""
    package(
        [
            *("--out", str(work / "bytecode")),
            *("--platform", f"manylinux2014_{platform.machine()}"),
            *("--python-version", RUNTIME_PYTHON, "--python", python),
        ]
    )
    tree = work / "bytecode" / PACKAGE["FUNCTION_ID"]
    source_only = work / "source" / PACKAGE["FUNCTION_ID"]
    shutil.copytree(tree, source_only, ignore=shutil.ignore_patterns("__pycache__"))
    # A plain handler is deployed with stock botocore data: the same trees with botocore's own
    # endpoints.json back (the provider's artifact trims it; docs/packaging.md).
    stock = {name: work / f"stock-{name}" for name in ("bytecode", "source")}
    for name, folder in (("bytecode", tree), ("source", source_only)):
        shutil.copytree(folder, stock[name], ignore=shutil.ignore_patterns("models"))
        shutil.copyfile(STOCK_ENDPOINTS, stock[name] / "botocore" / "data" / "endpoints.json")
    naive = {name: work / f"naive-{name}" for name in ("bytecode", "source")}
    for folder in naive.values():
        folder.mkdir()
        (folder / "naive_handler.py").write_text(NAIVE_HANDLER)
    PACKAGE["compile_bytecode"](naive["bytecode"], python, RUNTIME_PYTHON)
    return {
        "provider/bytecode": [tree],
        "provider/source": [source_only],
        "naive/bytecode": [naive["bytecode"], stock["bytecode"]],
        "naive/source": [naive["source"], stock["source"]],
        "naive-on-trimmed-data/bytecode": [naive["bytecode"], tree],
    }


def cold_start(runs: int) -> dict[str, Any]:
    """Medians over `runs` rounds (after one uncounted); each round runs the four variants
    (provider or plain crhelper handler, with or without bytecode) once each, in a rotating
    order, each in a fresh CPython 3.13 process (-S: nothing but the artifact on sys.path; no
    bytecode written). Both handlers must send the double the same request."""
    python = PACKAGE["find_python"](RUNTIME_PYTHON)
    modules = {
        "provider": "domain_provider.handler",
        "naive": "naive_handler",
        "naive-on-trimmed-data": "naive_handler",
    }
    event = json.loads((ROOT / "events" / "create.json").read_text())
    with (
        tempfile.TemporaryDirectory() as tmp,
        local_endpoints() as (
            endpoint,
            response_url,
            profiles,
        ),
    ):
        import boto3

        ledger = boto3.client("dynamodb")  # in-process: moto's backend, which the server shares
        paths = build_variants(Path(tmp), python)
        event["ResponseURL"] = response_url
        env = {
            **{key: os.environ[key] for key in ENV if key.startswith("AWS_")},
            "PATH": os.environ.get("PATH", ""),
            "AWS_ENDPOINT_URL_CUSTOMER_PROFILES": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "LEDGER_TABLE_NAME": LEDGER_TABLE,
            # The test setting: answer at the local receiver (never set by the template).
            "DOMAIN_PROVIDER_LOCAL_ENDPOINTS": "true",
            "AWS_RETRY_MODE": "standard",  # as template.yaml sets them
            "AWS_MAX_ATTEMPTS": "5",
            "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain-provider",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only
        }
        variants = list(paths)
        answer: dict[str, list[float]] = {variant: [] for variant in variants}
        imports: dict[str, list[float]] = {variant: [] for variant in variants}
        requests: dict[str, list[Any]] = {}
        for round_ in range(-1, runs):  # round -1 warms moto's server up, and is not counted
            order = variants[round_ % len(variants) :] + variants[: round_ % len(variants)]
            for variant in order:
                fresh_domain(profiles, ledger)  # each container meets a new, unclaimed domain
                path = os.pathsep.join(str(folder) for folder in paths[variant])
                models = paths[variant][-1] / "models"  # the artifact's trimmed models
                data_path = {"AWS_DATA_PATH": str(models)} if variant.startswith("provider") else {}
                before, calls_before = len(ResponseReceiver.statuses), len(profiles.calls)
                out = subprocess.run(  # noqa: S603 - fixed argv
                    [
                        python,
                        "-S",
                        "-c",
                        COLD_CONTAINER,
                        path,
                        modules[variant.split("/")[0]],
                        json.dumps(event),
                    ],
                    env={**env, **data_path},
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                assert ResponseReceiver.statuses[before:] == ["SUCCESS"], (variant, out[-2000:])
                sent = [call for call in profiles.calls[calls_before:] if call[0] == "UpdateDomain"]
                requests.setdefault(variant.split("/")[0], sent)
                if round_ < 0:
                    continue
                imported, answered = map(float, out.strip().splitlines()[-1].split())
                imports[variant].append(imported)
                answer[variant].append(answered)
        assert not list(Path(tmp).rglob("source/**/__pycache__")), "bytecode was written"
        assert requests["provider"] == requests["naive"], requests

    def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
        """Median of the per-round ratios a / b (each round's two ran back to back)."""
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    return {
        "python": python,
        "answer_ms": {variant: median_ms(answer[variant]) for variant in variants},
        "import_ms": {variant: median_ms(imports[variant]) for variant in variants},
        "answer_ratio": {
            "bytecode": ratio(answer, "provider/bytecode", "naive/bytecode"),
            "source": ratio(answer, "provider/source", "naive/source"),
            "gain": ratio(answer, "provider/source", "provider/bytecode"),
            "like_for_like": ratio(answer, "provider/bytecode", "naive-on-trimmed-data/bytecode"),
        },
        "import_ratio": {
            "bytecode": ratio(imports, "provider/bytecode", "naive/bytecode"),
            "source": ratio(imports, "provider/source", "naive/source"),
        },
    }


def lifecycle(runs: int) -> dict[str, Any]:
    """Handler time (median) and AWS calls of each event type, in one warm container."""
    from moto import mock_aws

    from domain_provider.handler import handler
    from tools.local.cloudformation import LambdaContext, load_event, response_bucket
    from tools.local.customer_profiles import backend

    def tags_only() -> dict[str, Any]:
        event = load_event("update.json")
        event["OldResourceProperties"] = {**event["ResourceProperties"], "Tags": {"team": "x"}}
        return event

    def nothing_to_undo() -> dict[str, Any]:
        event = load_event("delete.json")
        event["ResourceProperties"] = {
            "DomainName": "crm-profiles",
            "DataStore": {"Enabled": "false"},
        }
        return event

    # (event, the properties a Create applied before it, the contract's v2 maximum of calls)
    create = load_event("create.json")
    created = create["ResourceProperties"]
    cases: dict[str, tuple[dict[str, Any], Any, int]] = {
        "Create": (create, None, 3),
        "Create on a domain that already matches": (create, "retained", 3),
        "Update": (load_event("update.json"), created, 5),
        "Update (tags only)": (tags_only(), tags_only()["OldResourceProperties"], 5),
        "Delete": (load_event("delete.json"), load_event("delete.json")["ResourceProperties"], 6),
        "Delete (nothing to put back)": (
            nothing_to_undo(),
            nothing_to_undo()["ResourceProperties"],
            6,
        ),
    }
    results: dict[str, Any] = {}
    with mock_aws(), response_bucket() as bucket:
        from domain_provider.aws import customer_profiles_client, dynamodb_client

        create_ledger_table(dynamodb_client())
        timings: dict[str, list[float]] = {"profiles": [], "ledger": []}
        ledger_calls: list[str] = []
        watch_calls(dynamodb_client(), ledger_calls, timings["ledger"])
        watch_calls(customer_profiles_client(), [], timings["profiles"])
        profiles = backend()
        for name, (event, before, maximum) in cases.items():
            durations, calls = [], []
            for _ in range(runs):
                fresh_domain(profiles, dynamodb_client())
                if before == "retained":
                    handler(copy.deepcopy(create), LambdaContext())
                    retained = copy.deepcopy(load_event("delete.json"))
                    retained["ResourceProperties"] = {**created, "OnDelete": "Retain"}
                    handler(retained, LambdaContext())
                elif before is not None:
                    prior = copy.deepcopy(create)
                    prior["ResourceProperties"] = copy.deepcopy(before)
                    handler(prior, LambdaContext())
                profiles.calls.clear()
                ledger_calls.clear()
                copy_of = copy.deepcopy(event)
                started = time.perf_counter()
                handler(copy_of, LambdaContext())
                durations.append(time.perf_counter() - started)
                calls.append(len(profiles.calls) + len(ledger_calls))
                assert bucket.last["Status"] == "SUCCESS", bucket.last["Reason"]
            results[name] = {"ms": median_ms(durations), "calls": max(calls), "maximum": maximum}
        results["per_call_ms"] = {
            "profiles": median_ms(timings["profiles"]),
            "ledger": median_ms(timings["ledger"]),
        }
    return results


def watch_calls(client: Any, names: list[str], seconds: list[float]) -> None:
    """Record each call the client makes (its name) and how long it took."""
    began: list[float] = []

    def before(model: Any, **_: Any) -> None:
        names.append(model.name)
        began.append(time.perf_counter())

    def after(**_: Any) -> None:
        seconds.append(time.perf_counter() - began.pop())

    client.meta.events.register("before-call", before)
    client.meta.events.register("after-call", after)


def delete_sleep() -> dict[str, float]:
    """Seconds each Delete asks to sleep with 900 s left, crhelper's `sleep` recorded, not slept."""
    import boto3
    from crhelper import CfnResource
    from moto import mock_aws

    from domain_provider.handler import handler
    from tools.local.cloudformation import LambdaContext, load_event, response_bucket
    from tools.local.customer_profiles import backend

    slept: list[float] = []
    original = CfnResource._wait_for_cwlogs.__defaults__
    CfnResource._wait_for_cwlogs.__defaults__ = (slept.append,)
    try:
        with mock_aws(), response_bucket():
            backend().handle(
                "CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9}
            )
            create_ledger_table(boto3.client("dynamodb"))
            handler(load_event("create.json"), LambdaContext(timeout=900))  # something to undo
            handler(load_event("delete.json"), LambdaContext(timeout=900))
            ours = sum(slept)
            slept.clear()
            default = CfnResource()  # crhelper's defaults: sleep_on_delete=120
            default.delete(lambda event, context: None)
            default._send = lambda *args, **kwargs: None  # type: ignore[method-assign]
            default(load_event("delete.json"), LambdaContext(timeout=900))
            theirs = sum(slept)
    finally:
        CfnResource._wait_for_cwlogs.__defaults__ = original
    return {"provider": ours, "crhelper_default": theirs}


CONTAINER = f"""
import json, sys
from tools.local.cloudformation import answer_in_container, load_event
ledger = {{"AWS_ENDPOINT_URL_DYNAMODB": sys.argv[1]}}
for name in ("create.json", "update.json", "delete.json"):
    body = answer_in_container(load_event(name), sys.argv[1], environ=ledger)
    assert body["Status"] == "SUCCESS", body
print({PEAK_RSS})
"""


def peak_memory() -> dict[str, float]:
    """Max RSS (MiB) of a container process handling Create, Update, Delete; and of the floor."""
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the table

    import boto3

    from tools.local.customer_profiles import backend

    with mock_aws():
        backend().handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
        create_ledger_table(boto3.client("dynamodb"))
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            endpoint = "http://{}:{}".format(*server.get_host_and_port())
            container = subprocess.run(  # noqa: S603 - fixed argv
                [sys.executable, "-c", CONTAINER, endpoint],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        finally:
            server.stop()
    floor = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", f"{FLOOR}; {MAX_RSS}"], capture_output=True, text=True, check=True
    ).stdout
    return {
        "provider": int(container.strip().splitlines()[-1]) / 1024,
        "floor": int(floor.strip()) / 1024,
    }


def artifact_size() -> dict[str, int]:
    """Zipped and unzipped bytes of the Lambda artifact (arm64, CPython 3.13) as package.py
    builds it, bytecode included, and of the same tree without its bytecode."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "build"
        package(["--out", str(out)])
        tree = out / PACKAGE["FUNCTION_ID"]
        source_only = Path(tmp) / "source"
        shutil.copytree(tree, source_only, ignore=shutil.ignore_patterns("__pycache__"))
        return {
            "zip_bytecode": (out / f"{PACKAGE['FUNCTION_ID']}.zip").stat().st_size,
            "zip_source": PACKAGE["write_zip"](source_only, Path(tmp) / "source.zip"),
            "unzipped_bytecode": folder_bytes(tree),
            "unzipped_source": folder_bytes(source_only),
        }


def report(results: dict[str, Any]) -> str:
    cold, memory, sleep = results["cold_start"], results["memory"], results["delete_sleep"]
    artifact = results["artifact"]
    answer, imports = cold["answer_ms"], cold["import_ms"]
    lines = [
        "| Measure | Provider | Reference | Ratio | Target |",
        "|---|---|---|---|---|",
        "| Cold start, CPython 3.13, with bytecode: import + first Create answered (median ms) "
        f"| {answer['provider/bytecode']:.0f} | {answer['naive/bytecode']:.0f} (plain crhelper "
        f"handler) | {cold['answer_ratio']['bytecode']:.2f}x | <= 1.10x |",
        "| Same, against the plain handler on the provider's trimmed botocore data "
        f"(like for like) | {answer['provider/bytecode']:.0f} | "
        f"{answer['naive-on-trimmed-data/bytecode']:.0f} | "
        f"{cold['answer_ratio']['like_for_like']:.2f}x | - |",
        "| Cold start, CPython 3.13, without bytecode (median ms) "
        f"| {answer['provider/source']:.0f} | {answer['naive/source']:.0f} (plain crhelper "
        f"handler) | {cold['answer_ratio']['source']:.2f}x | - |",
        "| Import of the handler alone, with / without bytecode (median ms) "
        f"| {imports['provider/bytecode']:.0f} / {imports['provider/source']:.0f} "
        f"| {imports['naive/bytecode']:.0f} / {imports['naive/source']:.0f} "
        f"| {cold['import_ratio']['bytecode']:.2f}x / {cold['import_ratio']['source']:.2f}x "
        "| - |",
        "| Cold start without bytecode / with it (provider) "
        f"| {answer['provider/source']:.0f} / {answer['provider/bytecode']:.0f} | - "
        f"| {cold['answer_ratio']['gain']:.2f}x | - |",
    ]
    per_call = results["lifecycle"].pop("per_call_ms")
    for name, case in results["lifecycle"].items():
        lines.append(
            f"| {name}: handler time (median ms) / AWS calls, ledger included | "
            f"{case['ms']:.1f} ms / {case['calls']} calls | at most {case['maximum']} calls "
            f"(contract v2) | - | <= contract |"
        )
    lines.append(
        "| The v2 read before write: one GetDomain and one ledger call against the local "
        f"doubles (median ms per call) | {per_call['profiles']:.1f} + {per_call['ledger']:.1f} "
        "| 0 (v1 planned from the properties alone) | - | - |"
    )
    lines += [
        f"| Artificial sleep per Delete (s) | {sleep['provider']:.0f} | "
        f"{sleep['crhelper_default']:.0f} (crhelper default) | - | 0 s |",
        f"| Peak memory, Create+Update+Delete (max RSS MiB) | {memory['provider']:.0f} | "
        f"{memory['floor']:.0f} (floor) | {memory['provider'] / memory['floor']:.2f}x | "
        "fits 128 MB |",
        "| Deployment artifact, arm64, zip / unzipped (MiB): with bytecode "
        f"| {artifact['zip_bytecode'] / 2**20:.1f} / {artifact['unzipped_bytecode'] / 2**20:.1f} "
        f"| {artifact['zip_source'] / 2**20:.1f} / {artifact['unzipped_source'] / 2**20:.1f} "
        f"(without) | {artifact['zip_bytecode'] / artifact['zip_source']:.2f}x | "
        "< 50 / 250 MiB |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="cold starts per measure")
    parser.add_argument("--events", type=int, default=50, help="events per lifecycle measure")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args()
    results = {
        "cold_start": cold_start(args.runs),
        "lifecycle": lifecycle(args.events),
        "delete_sleep": delete_sleep(),
        "memory": peak_memory(),
        "artifact": artifact_size(),
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(report(results))


if __name__ == "__main__":
    main()

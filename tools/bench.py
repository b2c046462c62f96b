"""`make bench`: how lean the provider is, measured side by side in one run, as ratios.

- cold start on CPython 3.13 (the runtime's), from the artifact package.py builds (its
  x86_64 twin, which this machine can run), with and without its bytecode: a fresh process
  imports the handler and answers a first Create, against a plain crhelper handler doing the
  same from the same dependencies; paired runs, medians of the per-pair ratios; at loopback and,
  in the same rounds, with each AWS call given an in-region network's latency (`NETWORKS`);
- handler time per Create / Update / Delete against the local double (a warm container), at
  loopback and with that latency;
- AWS calls per event (as the provider makes them) against the contract's maximum;
- artificial sleep per Delete, this provider vs crhelper's default configuration;
- peak memory (max RSS) of one container process that handles Create, Update and Delete;
- the deployment artifact's size, with and without bytecode.

Prints a Markdown table; docs/benchmarks.md records a run and explains the numbers.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import logging
import os
import platform
import runpy
import shutil
import ssl
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "provider"), str(ROOT)]
from tools.local.environment import FAKE_ENVIRONMENT  # noqa: E402 (after the path)
from tools.local.ledger import LEDGER_TABLE, create_ledger_table  # noqa: E402
from tools.local.tls import authority, serve  # noqa: E402

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
# PUT; and the CPU seconds the process spent meanwhile (every thread; not the waits on the
# local AWS). Every connection it opens is HTTPS, to the bench's local servers, as in Lambda.
COLD_CONTAINER = """
import json, os, sys, time

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
started, cpu = time.perf_counter(), time.process_time()
module = __import__(sys.argv[2], fromlist=["handler"])
imported = time.perf_counter()
module.handler(event, Context())
answered = time.perf_counter()
print(imported - started, answered - started, time.process_time() - cpu)
"""


def package(args: list[str], script: Path = ROOT / "tools" / "package.py") -> None:
    """Run tools/package.py (or an earlier version's `script`); its pip output only if it
    fails."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, str(script), *args],
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


@dataclass(frozen=True)
class Network:
    """What the network between a Lambda container and AWS adds, in ms: to every call of each
    service, and to a new connection (TCP + TLS handshake: a client's first call, as the SDK then
    keeps its connection open; and every answer PUT, which opens a connection of its own).
    Figures and their sources: docs/benchmarks.md."""

    name: str
    handshake: float
    ledger: float
    """DynamoDB GetItem / UpdateItem / DeleteItem in the function's region."""
    profiles: float
    """Customer Profiles GetDomain / UpdateDomain / TagResource / UntagResource."""
    put: float
    """The answer PUT to CloudFormation's pre-signed S3 URL."""

    def describe(self) -> str:
        return (
            f"{self.name}: DynamoDB {self.ledger:g}, Customer Profiles {self.profiles:g}, "
            f"answer PUT {self.put:g}, new connection +{self.handshake:g} ms"
        )


LOOPBACK = Network("loopback", handshake=0, ledger=0, profiles=0, put=0)
NETWORKS = {
    network.name: network
    for network in (
        Network("low", handshake=20, ledger=5, profiles=50, put=20),
        Network("mid", handshake=30, ledger=8, profiles=100, put=35),
        Network("high", handshake=40, ledger=10, profiles=150, put=50),
    )
}
MID = NETWORKS["mid"]
PROFILES_OPERATIONS = {
    ("GET", "domains"): "GetDomain",
    ("PUT", "domains"): "UpdateDomain",
    ("POST", "domains"): "CreateDomain",
    ("DELETE", "domains"): "DeleteDomain",
    ("POST", "tags"): "TagResource",
    ("DELETE", "tags"): "UntagResource",
}


@dataclass(frozen=True)
class Sent:
    """One request that reached the local AWS: `dynamodb:UpdateItem`; its client's first?"""

    call: str
    first_of_client: bool
    waited_ms: float


class Wire:
    """The network in front of moto's server (a WSGI middleware): each request waits what the
    current `Network` gives its service, plus a handshake when it is the first of its service
    since `reset` (a container's client opening its connection), before moto serves it; and is
    recorded. The server keeps each connection open (`KeepAliveWSGI`), as AWS does, so a
    client's first call is the one that opens its connection. `reset` before each container;
    nothing else may call the server meanwhile."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.network = LOOPBACK
        self.sent: list[Sent] = []
        self._clients: set[str] = set()
        self._lock = threading.Lock()

    def reset(self, network: Network) -> None:
        with self._lock:
            self.network, self.sent, self._clients = network, [], set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            call = f"dynamodb:{target.rpartition('.')[2]}"
        else:
            segment = environ.get("PATH_INFO", "/").strip("/").split("/")[0]
            operation = PROFILES_OPERATIONS.get((environ["REQUEST_METHOD"], segment), segment)
            call = f"profile:{operation}"
        service = call.partition(":")[0]
        with self._lock:
            network = self.network
            new = service not in self._clients
            self._clients.add(service)
            latency = network.ledger if service == "dynamodb" else network.profiles
            waited = latency + (network.handshake if new else 0)
            self.sent.append(Sent(call, new, waited))
        time.sleep(waited / 1000)
        return self.app(environ, start_response)


@contextmanager
def moto_server(tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, Wire]]:
    """moto's server app (the Customer Profiles double included) behind a `Wire`, on a free
    localhost port, over HTTPS with `tls` (the server's side), keeping each connection open for
    the next request as AWS does: its URL and the wire. Shares the backends of this process's
    mock_aws()."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    wire = Wire(DomainDispatcherApplication(create_backend_app))
    with serve(wire, tls) as url:
        yield url, wire


class ResponseReceiver(BaseHTTPRequestHandler):
    """Stands in for the pre-signed S3 URL: records the Status of each answer PUT, which waits
    the network's PUT latency and a handshake (each PUT comes on a connection of its own)."""

    statuses: ClassVar[list[str]] = []
    network: ClassVar[Network] = LOOPBACK

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        time.sleep((self.network.handshake + self.network.put) / 1000)
        self.statuses.append(body["Status"])
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def local_endpoints(tls: ssl.SSLContext) -> Iterator[tuple[str, str, Any, Wire]]:
    """Customer Profiles (moto's server with the double; domain crm-profiles exists), the ledger
    (moto's DynamoDB on the same server) and a response receiver, all on localhost over HTTPS
    with `tls` (the servers' side): their URLs, the double's backend, and the server's wire (its
    network and the requests it saw)."""
    import boto3
    from moto import mock_aws

    from tools.local.customer_profiles import backend

    with mock_aws(), moto_server(tls) as (endpoint, wire):
        profiles = backend()
        profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
        create_ledger_table(boto3.client("dynamodb"))
        receiver = ThreadingHTTPServer(("127.0.0.1", 0), ResponseReceiver)
        receiver.socket = tls.wrap_socket(receiver.socket, server_side=True)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        try:
            yield (
                endpoint,
                f"https://127.0.0.1:{receiver.server_address[1]}/response?X-Amz-Signature=bench",
                profiles,
                wire,
            )
        finally:
            receiver.shutdown()


def fresh_domain(profiles: Any, ledger: Any) -> None:
    """crm-profiles as a new domain, and no item for it in the `ledger` client's table."""
    if "crm-profiles" in profiles.domains:
        profiles.handle("DeleteDomain", {"DomainName": "crm-profiles"})
    profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
    ledger.delete_item(TableName=LEDGER_TABLE, Key={"DomainName": {"S": "crm-profiles"}})


def stock_data() -> Path:
    """botocore's own data folder, of the version the artifact bundles (the bench's venv pins
    the same botocore)."""
    import botocore

    pinned = (ROOT / "provider" / "requirements.txt").read_text()
    assert f"botocore=={botocore.__version__}" in pinned, "the bench needs the artifact's botocore"
    return Path(botocore.__file__).parent / "data"


STOCK_DATA = stock_data()
CRHELPER_CLIENTS = ("lambda", "events", "logs")
"""The services crhelper's CfnResource() makes clients of when it is built (its polling)."""


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
    # data back, every service and the whole endpoints.json (the provider's artifact trims
    # both; docs/packaging.md).
    stock = {name: work / f"stock-{name}" for name in ("bytecode", "source")}
    for name, folder in (("bytecode", tree), ("source", source_only)):
        shutil.copytree(folder, stock[name], ignore=shutil.ignore_patterns("models"))
        shutil.rmtree(stock[name] / "botocore" / "data")
        shutil.copytree(STOCK_DATA, stock[name] / "botocore" / "data")
    # Like for like: the artifact's trimmed data, plus the three services crhelper's own
    # CfnResource() makes clients of at import (lambda, events, logs).
    trimmed = work / "trimmed-for-crhelper"
    shutil.copytree(tree, trimmed, ignore=shutil.ignore_patterns("models"))
    for service in CRHELPER_CLIENTS:
        shutil.copytree(STOCK_DATA / service, trimmed / "botocore" / "data" / service)
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
        "naive-on-trimmed-data/bytecode": [naive["bytecode"], trimmed],
    }


def build_baseline(work: Path, python: str, revision: str) -> Path:
    """The artifact an earlier version builds for this machine's CPU, with bytecode, by its own
    packaging script (`tools/package.py`, or `.ci/package.py` before 0.3.0), from the revision's
    files (`git archive`): its function folder."""
    source = work / "baseline-source"
    source.mkdir()
    archive = subprocess.run(  # noqa: S603 - fixed argv
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision],  # noqa: S607
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(source, filter="data")
    script = next(
        path
        for path in (source / "tools" / "package.py", source / ".ci" / "package.py")
        if path.is_file()
    )
    out = work / "baseline"
    package(
        [
            *("--out", str(out)),
            *("--platform", f"manylinux2014_{platform.machine()}"),
            *("--python-version", RUNTIME_PYTHON, "--python", python),
        ],
        script,
    )
    return out / PACKAGE["FUNCTION_ID"]


def cold_start(runs: int, baseline: str | None = None) -> dict[str, Any]:
    """Medians over `runs` rounds (after one uncounted); each round runs every variant once, in
    a rotating order, each in a fresh CPython 3.13 process (-S: nothing but the artifact on
    sys.path; no bytecode written): provider or plain crhelper handler, with or without bytecode,
    at loopback; and the two with bytecode over each of `NETWORKS` (`provider/bytecode@mid`).
    Both handlers must send the double the same request; the calls each variant made are the
    ones the server saw."""
    python = PACKAGE["find_python"](RUNTIME_PYTHON)
    modules = {
        "provider": "domain_provider.handler",
        "naive": "naive_handler",
        "naive-on-trimmed-data": "naive_handler",
    }
    event = json.loads((ROOT / "events" / "create.json").read_text())
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        tls = authority(Path(tmp))
        endpoint, response_url, profiles, wire = stack.enter_context(
            local_endpoints(tls.server_context())
        )
        import boto3

        ledger = boto3.client("dynamodb")  # in-process: moto's backend, which the server shares
        paths = build_variants(Path(tmp), python)
        if baseline:
            paths["baseline/bytecode"] = [build_baseline(Path(tmp), python, baseline)]
            modules["baseline"] = "domain_provider.handler"
        event["ResponseURL"] = response_url
        env = {
            **{key: os.environ[key] for key in ENV if key.startswith("AWS_")},
            "PATH": os.environ.get("PATH", ""),
            "AWS_ENDPOINT_URL_CUSTOMER_PROFILES": endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "LEDGER_TABLE_NAME": LEDGER_TABLE,
            # The provider stack's AllowedExportBuckets, as the sample event's export needs it.
            "ALLOWED_EXPORT_BUCKETS": FAKE_ENVIRONMENT["ALLOWED_EXPORT_BUCKETS"],
            # The test setting: answer at the local receiver (never set by the template).
            "DOMAIN_PROVIDER_LOCAL_ENDPOINTS": "true",
            "AWS_RETRY_MODE": "standard",  # as template.yaml sets them
            "AWS_MAX_ATTEMPTS": "5",
            "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain-provider",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PYTHONDONTWRITEBYTECODE": "1",  # /var/task is read-only
            **tls.environment(),  # the local servers' authority, in the stores Lambda loads
        }
        variants = list(paths) + [
            f"{handler}/bytecode@{network}"
            for network in NETWORKS
            for handler in ("provider", "naive")
        ]
        answer: dict[str, list[float]] = {variant: [] for variant in variants}
        imports: dict[str, list[float]] = {variant: [] for variant in variants}
        cpu: dict[str, list[float]] = {variant: [] for variant in variants}
        requests: dict[str, list[Any]] = {}
        sent: dict[str, list[Sent]] = {}
        for round_ in range(-1, runs):  # round -1 warms moto's server up, and is not counted
            order = variants[round_ % len(variants) :] + variants[: round_ % len(variants)]
            for variant in order:
                tree, _, network_name = variant.partition("@")
                network = NETWORKS.get(network_name, LOOPBACK)
                fresh_domain(profiles, ledger)  # each container meets a new, unclaimed domain
                wire.reset(network)
                ResponseReceiver.network = network
                path = os.pathsep.join(str(folder) for folder in paths[tree])
                models = paths[tree][-1] / "models"  # the artifact's trimmed models
                ours = variant.startswith(("provider", "baseline"))
                data_path = {"AWS_DATA_PATH": str(models)} if ours else {}
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
                updates = [
                    call for call in profiles.calls[calls_before:] if call[0] == "UpdateDomain"
                ]
                requests.setdefault(variant.split("/")[0], updates)
                sent.setdefault(variant, list(wire.sent))
                if round_ < 0:
                    continue
                imported, answered, busy = map(float, out.strip().splitlines()[-1].split())
                cpu[variant].append(busy)
                imports[variant].append(imported)
                answer[variant].append(answered)
        assert not list(Path(tmp).rglob("source/**/__pycache__")), "bytecode was written"
        assert requests["provider"] == requests["naive"], requests

    def ratio(times: dict[str, list[float]], a: str, b: str) -> float:
        """Median of the per-round ratios a / b (each round's two ran back to back)."""
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    def waited(variant: str) -> float:
        """What the network added to the variant's container: its calls and its answer PUT."""
        network = NETWORKS.get(variant.partition("@")[2], LOOPBACK)
        return sum(each.waited_ms for each in sent[variant]) + network.handshake + network.put

    return {
        "python": python,
        "answer_ms": {variant: median_ms(answer[variant]) for variant in variants},
        "answer_rounds_ms": {
            variant: [seconds * 1000 for seconds in answer[variant]] for variant in variants
        },
        "import_ms": {variant: median_ms(imports[variant]) for variant in variants},
        "cpu_ms": {variant: median_ms(cpu[variant]) for variant in variants},
        "cpu_ratio": ratio(cpu, "provider/bytecode", "naive/bytecode"),
        "baseline": (
            {
                "revision": baseline,
                "answer_ratio": ratio(answer, "baseline/bytecode", "naive/bytecode"),
                "cpu_ratio": ratio(cpu, "baseline/bytecode", "naive/bytecode"),
                "provider_over_baseline": ratio(answer, "provider/bytecode", "baseline/bytecode"),
            }
            if baseline
            else None
        ),
        "answer_ratio": {
            "bytecode": ratio(answer, "provider/bytecode", "naive/bytecode"),
            "source": ratio(answer, "provider/source", "naive/source"),
            "gain": ratio(answer, "provider/source", "provider/bytecode"),
            "like_for_like": ratio(answer, "provider/bytecode", "naive-on-trimmed-data/bytecode"),
            **{
                network: ratio(answer, f"provider/bytecode@{network}", f"naive/bytecode@{network}")
                for network in NETWORKS
            },
        },
        "import_ratio": {
            "bytecode": ratio(imports, "provider/bytecode", "naive/bytecode"),
            "source": ratio(imports, "provider/source", "naive/source"),
        },
        "calls": {
            variant: [
                each.call + (" (new connection)" if each.first_of_client else "")
                for each in sent[variant]
            ]
            for variant in variants
        },
        "network_ms": {variant: waited(variant) for variant in variants},
    }


def lifecycle(runs: int, network: Network | None = None) -> dict[str, Any]:
    """Handler time (median) and AWS calls of each event type, in one warm container: against
    the in-process doubles (`network` None), or through moto's server with `network`'s latency
    on every call and on the answer PUT. Each case first delivers the events before it, so the
    clients' connections are open (warm) and only the PUT pays a handshake. Calls are the
    provider's own, recorded by a hook on each of its two clients (a retry is not a call)."""
    import boto3
    from moto import mock_aws

    from domain_provider.clients import customer_profiles_client, dynamodb_client
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

    # (event, the properties a Create applied before it, the contract's maximum of calls: v3,
    # resource-contract.md "Behaviour under load and faults")
    create = load_event("create.json")
    created = create["ResourceProperties"]
    cases: dict[str, tuple[dict[str, Any], Any, int]] = {
        "Create": (create, None, 4),
        "Create on a domain that already matches": (create, "retained", 4),
        "Update": (load_event("update.json"), created, 6),  # 5, +1 ledger write: drops members
        "Update (tags only)": (tags_only(), tags_only()["OldResourceProperties"], 5),
        "Delete": (load_event("delete.json"), load_event("delete.json")["ResourceProperties"], 6),
        "Delete (nothing to put back)": (
            nothing_to_undo(),
            nothing_to_undo()["ResourceProperties"],
            6,
        ),
    }
    results: dict[str, Any] = {}
    with ExitStack() as stack:
        stack.enter_context(mock_aws())
        bucket = stack.enter_context(response_bucket())
        admin = boto3.client("dynamodb")  # in-process, for the resets: no latency, not counted
        create_ledger_table(admin)
        if network is not None:
            endpoint, wire = stack.enter_context(moto_server())
            wire.reset(network)
            endpoints = {f"AWS_ENDPOINT_URL_{name}": endpoint for name in PROVIDER_SERVICES}
            stack.enter_context(mock.patch.dict(os.environ, endpoints))
            answer = slowed(bucket.connection, network)
            stack.enter_context(mock.patch("domain_provider.response.HTTPSConnection", answer))
        for built in (customer_profiles_client, dynamodb_client):  # new clients, on this network
            built.cache_clear()
            stack.callback(built.cache_clear)
        calls: list[tuple[str, float]] = []
        watch_calls((customer_profiles_client(), dynamodb_client()), calls)
        seconds: dict[str, list[float]] = {}
        profiles = backend()
        for name, (event, before, maximum) in cases.items():
            durations, counts = [], []
            for _ in range(runs):
                fresh_domain(profiles, admin)
                if before == "retained":
                    handler(copy.deepcopy(create), LambdaContext())
                    retained = copy.deepcopy(load_event("delete.json"))
                    retained["ResourceProperties"] = {**created, "OnDelete": "Retain"}
                    handler(retained, LambdaContext())
                elif before is not None:
                    prior = copy.deepcopy(create)
                    prior["ResourceProperties"] = copy.deepcopy(before)
                    handler(prior, LambdaContext())
                calls.clear()
                copy_of = copy.deepcopy(event)
                started = time.perf_counter()
                handler(copy_of, LambdaContext())
                durations.append(time.perf_counter() - started)
                counts.append(len(calls))
                for call, took in calls:
                    seconds.setdefault(call, []).append(took)
                assert bucket.last["Status"] == "SUCCESS", bucket.last["Reason"]
            results[name] = {
                "ms": median_ms(durations),
                "calls": max(counts),
                "made": [call for call, _ in calls],  # the last run's, in order
                "maximum": maximum,
            }
        results["per_call_ms"] = {call: median_ms(took) for call, took in seconds.items()}
    return results


PROVIDER_SERVICES = ("CUSTOMER_PROFILES", "DYNAMODB")


def slowed(connect: Callable[..., Any], network: Network) -> Callable[..., Any]:
    """`connect` (a stand-in for HTTPSConnection) after a new connection's handshake and the
    answer PUT's latency."""

    def connection(host: str, timeout: float | None = None, **kwargs: Any) -> Any:
        time.sleep((network.handshake + network.put) / 1000)
        return connect(host, timeout, **kwargs)

    return connection


def watch_calls(clients: Iterable[Any], calls: list[tuple[str, float]]) -> None:
    """Record each call the clients make, as (`profile:GetDomain`, seconds it took)."""
    for client in clients:
        prefix = client.meta.service_model.signing_name
        began: list[float] = []

        def before(model: Any, began: list[float] = began, **_: Any) -> None:
            began.append(time.perf_counter())

        def after(model: Any, prefix: str = prefix, began: list[float] = began, **_: Any) -> None:
            calls.append((f"{prefix}:{model.name}", time.perf_counter() - began.pop()))

        client.meta.events.register("before-call", before)
        client.meta.events.register("after-call", after)
        client.meta.events.register("after-call-error", after)


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
        "| Same, the container's CPU time alone (its waits on the local AWS left out: the "
        "work of the provider and of its libraries; median ms) "
        f"| {cold['cpu_ms']['provider/bytecode']:.0f} | {cold['cpu_ms']['naive/bytecode']:.0f} "
        f"| {cold['cpu_ratio']:.2f}x | - |",
        *baseline_rows(cold),
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
    for name, network in NETWORKS.items():
        provider, plain = answer[f"provider/bytecode@{name}"], answer[f"naive/bytecode@{name}"]
        lines.append(
            f"| Same as the first row, every AWS call over an in-region network ({name}: "
            f"{network.describe().partition(': ')[2]}) | {provider:.0f} | {plain:.0f} | "
            f"{cold['answer_ratio'][name]:.2f}x | <= 1.10x |"
        )
    mine, theirs = f"provider/bytecode@{MID.name}", f"naive/bytecode@{MID.name}"
    lines.append(
        f"| Calls before the first answer ({MID.name}; the server's record) and the network "
        f"wait they add, answer PUT included | {calls_text(cold['calls'][mine])}: "
        f"+{cold['network_ms'][mine]:.0f} ms | {calls_text(cold['calls'][theirs])}: "
        f"+{cold['network_ms'][theirs]:.0f} ms | - | - |"
    )
    loopback, network = results["lifecycle"], results["lifecycle_network"]
    for name, case in loopback.items():
        if name == "per_call_ms":
            continue
        over = network[name]
        assert over["made"] == case["made"], (name, over["made"], case["made"])
        lines.append(
            f"| {name}: handler time at loopback / over the {MID.name} network, warm (median ms); "
            f"AWS calls, ledger included | {case['ms']:.1f} / {over['ms']:.0f} ms; "
            f"{case['calls']} calls: {', '.join(case['made']) or 'none'} | at most "
            f"{case['maximum']} calls (contract v3) | - | <= contract |"
        )
    per_call = loopback["per_call_ms"]
    lines.append(
        "| The read before the write: one GetDomain and one ledger UpdateItem, at loopback / "
        f"over the {MID.name} network, warm (median ms per call) | "
        f"{per_call['profile:GetDomain']:.1f} + {per_call['dynamodb:UpdateItem']:.1f} / "
        f"{network['per_call_ms']['profile:GetDomain']:.0f} + "
        f"{network['per_call_ms']['dynamodb:UpdateItem']:.0f} | 0 (planned from the properties "
        "alone) | - | - |"
    )
    lines += overlap_rows(cold, network["per_call_ms"])
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


def baseline_rows(cold: dict[str, Any]) -> list[str]:
    """The earlier version's rows (`--baseline`), measured in the same rounds."""
    baseline = cold["baseline"]
    if not baseline:
        return []
    answer, cpu = cold["answer_ms"], cold["cpu_ms"]
    revision = baseline["revision"][:12]
    return [
        f"| Same, {revision} (built by its own packaging script) against the plain handler "
        f"| {answer['baseline/bytecode']:.0f} | {answer['naive/bytecode']:.0f} | "
        f"{baseline['answer_ratio']:.2f}x | - |",
        f"| Same, CPU time alone, {revision} | {cpu['baseline/bytecode']:.0f} | "
        f"{cpu['naive/bytecode']:.0f} | {baseline['cpu_ratio']:.2f}x | - |",
        f"| Cold first answer, this version against {revision} | "
        f"{answer['provider/bytecode']:.0f} | {answer['baseline/bytecode']:.0f} | "
        f"{baseline['provider_over_baseline']:.2f}x | <= 1.00x (no wider) |",
    ]


def calls_text(calls: list[str]) -> str:
    """`profile:GetDomain (new connection), dynamodb:UpdateItem, …` as `GetDomain*, UpdateItem`
    with the connections counted."""
    names = [call.split(" ")[0].partition(":")[2] for call in calls]
    connections = sum("(new connection)" in call for call in calls) + 1  # + the answer PUT's
    return f"{', '.join(names)} + PUT, {connections} connections"


def overlap_rows(cold: dict[str, Any], per_call: dict[str, float]) -> list[str]:
    """What running two waits side by side would save in the cold first Create over the mid
    network, from the calls the provider made there, their measured times (warm, per call) and
    the assumed handshake. Two waits overlapped cost the longer one: the saving is the shorter.
    Each estimate takes the saving off every round's provider time; the ratio is the median of
    the per-round ratios, as in the rows above. Today's path (GetDomain, ledger write, UpdateDomain)
    becomes the claim-first 4-call path by one more ledger UpdateItem, estimated until the
    provider makes it (then measured)."""
    variant = f"provider/bytecode@{MID.name}"
    rounds = cold["answer_rounds_ms"]
    provider = cold["answer_ms"][variant]
    plain = cold["answer_ms"][f"naive/bytecode@{MID.name}"]
    pairs = list(zip(rounds[variant], rounds[f"naive/bytecode@{MID.name}"], strict=True))
    ledger, read = per_call["dynamodb:UpdateItem"], per_call["profile:GetDomain"]
    change = per_call["profile:UpdateDomain"]
    handshake = MID.handshake
    claim_first = cold["calls"][variant][0].startswith("dynamodb:")
    # The claim (the ledger's first call: its handshake) is independent of GetDomain by data,
    # and the ledger write of UpdateDomain; the contract orders both on purpose.
    four = provider if claim_first else provider + ledger
    claim_with_read = min(ledger + handshake, read + handshake)
    write_with_change = min(ledger, change)

    def row(what: str, ms: float) -> str:
        moved = ms - provider
        ratio = statistics.median((mine + moved) / theirs for mine, theirs in pairs)
        return f"| {what} | {ms:.0f} | {plain:.0f} | {ratio:.2f}x | <= 1.10x |"

    rows = [
        row(
            f"Overlap, cold first Create over the {MID.name} network, estimated: the second "
            f"client's connection opened while the first client's call waits (-{handshake:g} ms; "
            "botocore opens one only with a request)",
            provider - handshake,
        ),
        row(
            "Overlap, same: the answer PUT's connection opened while the last AWS call waits "
            f"(-{handshake:g} ms; the provider's own http.client can connect() early)",
            provider - handshake,
        ),
    ]
    if not claim_first:
        rows.append(
            row(
                "The 4-call Create (claim, GetDomain, ledger write, UpdateDomain), estimated: "
                f"this cold Create + one UpdateItem ({ledger:.0f} ms)",
                four,
            )
        )
    rows.append(
        row(
            f"The 4-call Create{'' if claim_first else ' (estimated)'} with the claim beside "
            f"GetDomain (-{claim_with_read:.0f} ms: the claim and its handshake) and the ledger "
            f"write beside UpdateDomain (-{write_with_change:.0f} ms); the contract orders both",
            four - claim_with_read - write_with_change,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="cold starts per measure")
    parser.add_argument("--events", type=int, default=50, help="events per lifecycle measure")
    parser.add_argument(
        "--network-events", type=int, default=5, help="events per lifecycle measure with latency"
    )
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also cold-start the artifact this git revision builds (e.g. 0.2.0's commit)",
    )
    parser.add_argument(
        "--cold-only", action="store_true", help="measure the cold start only (quicker)"
    )
    args = parser.parse_args()
    if args.cold_only:
        cold = cold_start(args.runs, args.baseline)
        print(json.dumps({k: v for k, v in cold.items() if k != "answer_rounds_ms"}, indent=2))
        return
    results = {
        "cold_start": cold_start(args.runs, args.baseline),
        "lifecycle": lifecycle(args.events),
        "lifecycle_network": lifecycle(args.network_events, MID),
        "delete_sleep": delete_sleep(),
        "memory": peak_memory(),
        "artifact": artifact_size(),
    }
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(report(results))


if __name__ == "__main__":
    main()

"""`make bench`: how lean the provider is, measured side by side in one run, as ratios.

- cold start: importing the handler (and creating its client) vs the floor every crhelper
  provider pays (`import boto3, crhelper` + a customer-profiles client); fresh subprocesses;
- handler time per Create / Update / Delete against the local double (a warm container);
- AWS calls per event against the contract's minimum;
- artificial sleep per Delete, this provider vs crhelper's default configuration;
- peak memory (max RSS) of one container process that handles Create, Update and Delete;
- the deployment artifact's size.

Prints a Markdown table; docs/benchmarks.md records a run and explains the numbers.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "provider"), str(ROOT)]
ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain",
    "POWERTOOLS_LOG_LEVEL": "WARNING",  # the table is the output; INFO lines would bury it
    "PYTHONPATH": os.pathsep.join([str(ROOT / "provider"), str(ROOT)]),
    "PYTHONDONTWRITEBYTECODE": "",
}
os.environ.update(ENV)

FLOOR = "import boto3, crhelper; boto3.client('customer-profiles')"
PROVIDER = (
    "import domain_provider.handler; "
    "from domain_provider.aws import customer_profiles_client; customer_profiles_client()"
)
TIMED = "import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
# Peak RSS in KiB from /proc (VmHWM): ru_maxrss would carry over the forking parent's peak,
# since Linux keeps it across fork and exec, and this parent holds moto.
PEAK_RSS = (
    "next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM'))"
)
MAX_RSS = f"print({PEAK_RSS})"


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def cold_start(runs: int) -> dict[str, float]:
    """Median in-process import time of each, in alternating fresh interpreters."""
    times: dict[str, list[float]] = {"floor": [], "provider": [], "provider_import_only": []}
    codes = {
        "floor": FLOOR,
        "provider": PROVIDER,
        "provider_import_only": "import domain_provider.handler",
    }
    for _ in range(runs):
        for name, code in codes.items():
            out = subprocess.run(  # noqa: S603 - fixed argv
                [sys.executable, "-c", TIMED.format(code=code)],
                env={**os.environ},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            times[name].append(float(out))
    return {name: median_ms(values) for name, values in times.items()}


def lifecycle(runs: int) -> dict[str, Any]:
    """Handler time (median) and AWS calls of each event type, in one warm container."""
    from moto import mock_aws

    from domain_provider.handler import handler
    from tests.doubles.customer_profiles import backend
    from tests.support.cloudformation import LambdaContext, load_event, response_bucket

    def tags_only() -> dict[str, Any]:
        event = load_event("update.json")
        event["OldResourceProperties"] = {**event["ResourceProperties"], "Tags": {"team": "x"}}
        return event

    def nothing_to_undo() -> dict[str, Any]:
        event = load_event("delete.json")
        event["ResourceProperties"] = {"DomainName": "crm-profiles", "DataStore": {"Enabled": "0"}}
        return event

    cases = {
        "Create": (load_event("create.json"), 1),
        "Update": (load_event("update.json"), 3),
        "Update (tags only)": (tags_only(), 2),
        "Delete": (load_event("delete.json"), 2),
        "Delete (nothing to undo)": (nothing_to_undo(), 0),
    }
    results: dict[str, Any] = {}
    with mock_aws(), response_bucket() as bucket:
        profiles = backend()
        profiles.handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
        handler(load_event("create.json"), LambdaContext())  # warm the container
        for name, (event, minimum) in cases.items():
            durations, calls = [], []
            for _ in range(runs):
                if name.startswith("Update") or name.startswith("Delete"):
                    handler(load_event("create.json"), LambdaContext())
                profiles.calls.clear()
                copy_of = copy.deepcopy(event)
                started = time.perf_counter()
                handler(copy_of, LambdaContext())
                durations.append(time.perf_counter() - started)
                calls.append(len(profiles.calls))
                assert bucket.last["Status"] == "SUCCESS", bucket.last["Reason"]
            results[name] = {"ms": median_ms(durations), "calls": max(calls), "minimum": minimum}
    return results


def delete_sleep() -> dict[str, float]:
    """Seconds each Delete asks to sleep with 900 s left, crhelper's `sleep` recorded, not slept."""
    from crhelper import CfnResource
    from moto import mock_aws

    from domain_provider.handler import handler
    from tests.doubles.customer_profiles import backend
    from tests.support.cloudformation import LambdaContext, load_event, response_bucket

    slept: list[float] = []
    original = CfnResource._wait_for_cwlogs.__defaults__
    CfnResource._wait_for_cwlogs.__defaults__ = (slept.append,)
    try:
        with mock_aws(), response_bucket():
            backend().handle(
                "CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9}
            )
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
from tests.support.cloudformation import answer_in_container, load_event
for name in ("create.json", "update.json", "delete.json"):
    body = answer_in_container(load_event(name), sys.argv[1])
    assert body["Status"] == "SUCCESS", body
print({PEAK_RSS})
"""


def peak_memory() -> dict[str, float]:
    """Max RSS (MiB) of a container process handling Create, Update, Delete; and of the floor."""
    from moto import mock_aws
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log lines in the table

    from tests.doubles.customer_profiles import backend

    with mock_aws():
        backend().handle("CreateDomain", {"DomainName": "crm-profiles", "DefaultExpirationDays": 9})
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


def artifact_size() -> dict[str, Any]:
    """The built zip if `make package` made one; else a `pip install --target` tree of it."""
    for folder in (ROOT / ".aws-sam" / "build", ROOT / "build"):
        zips = sorted(folder.glob("*.zip")) if folder.is_dir() else []
        if zips:
            return {"what": f"{zips[0].relative_to(ROOT)} (zip)", "bytes": zips[0].stat().st_size}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "function"
        subprocess.run(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-compile",
                "--target",
                str(target),
                "-r",
                str(ROOT / "provider" / "requirements.txt"),
            ],
            check=True,
        )
        shutil.copytree(
            ROOT / "provider" / "domain_provider",
            target / "domain_provider",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        unpacked = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
        zipped = Path(shutil.make_archive(str(Path(tmp) / "function"), "zip", target))
        return {
            "what": "pip install --target of provider/requirements.txt + domain_provider "
            "(no `make package` build found)",
            "bytes": zipped.stat().st_size,
            "unpacked_bytes": unpacked,
        }


def report(results: dict[str, Any]) -> str:
    cold, memory, sleep = results["cold_start"], results["memory"], results["delete_sleep"]
    lines = [
        "| Measure | Provider | Reference | Ratio | Target |",
        "|---|---|---|---|---|",
        f"| Cold start: import handler + client (median ms) | {cold['provider']:.0f} | "
        f"{cold['floor']:.0f} (boto3 + crhelper + client) | "
        f"{cold['provider'] / cold['floor']:.2f}x | <= 1.25x |",
        f"| Import of the handler module alone (median ms) | {cold['provider_import_only']:.0f} "
        f"| {cold['floor']:.0f} | {cold['provider_import_only'] / cold['floor']:.2f}x | - |",
    ]
    for name, case in results["lifecycle"].items():
        ratio = f"{case['calls'] / case['minimum']:.2f}x" if case["minimum"] else "-"
        lines.append(
            f"| {name}: handler time (median ms) / AWS calls | {case['ms']:.1f} ms / "
            f"{case['calls']} calls | {case['minimum']} calls (contract) | {ratio} | "
            f"<= contract |"
        )
    lines += [
        f"| Artificial sleep per Delete (s) | {sleep['provider']:.0f} | "
        f"{sleep['crhelper_default']:.0f} (crhelper default) | - | 0 s |",
        f"| Peak memory, Create+Update+Delete (max RSS MiB) | {memory['provider']:.0f} | "
        f"{memory['floor']:.0f} (floor) | {memory['provider'] / memory['floor']:.2f}x | "
        "fits 128 MB |",
        f"| Deployment artifact (MiB) | {results['artifact']['bytes'] / 2**20:.1f} | "
        f"{results['artifact']['what']} | - | - |",
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

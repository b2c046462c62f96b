"""Walk one event through the provider's modules, call by call, and count how often it returns to
a module it had already left (issue 14: "the walk is straight").

`python -m tools.walk [--event events/create.json] [--package domain_provider]` runs the event
through the real Lambda handler against the local double (as `make invoke` does), follows every
call and return between the provider's step modules (sys.setprofile), and prints the sequence of
stops (a stop: the step the event is in, each time it changes) and two numbers: the stops, and
the returns to a module left before. Only the steps of an event count (STEPS: the modules that
drive it or that the architecture names as a step); the leaf helpers every step uses (members,
models, compare, errors, logs, progress, settings, identity, reasons, trust, ids, plans, clients,
trust_store) are part of the step that calls them, as boto3 and the standard library are, and so
is building or comparing a value (DATA_ACCESS).
`--package domain_provider_020 --path DIR` walks another copy of the package, e.g. 0.2.0 taken
from the history (tests/test_upgrade.py shows how).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from tools.local.environment import FAKE_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
STEPS = frozenset(
    {
        "handler",
        "cfn",
        "lifecycle",
        "request",
        "ledger",
        "aws",
        "planner",
        "destinations",
        "response",
        "drift",
        "data",
    }
)
"""The modules an event passes through as steps (0.2.0's `data` too)."""


def walk(package: str, event: dict[str, Any]) -> list[str]:
    """The provider modules the event passes through, each time the module changes."""
    import importlib
    from unittest import mock

    from moto import mock_aws

    from tools.local.cloudformation import LambdaContext, response_bucket
    from tools.local.customer_profiles import backend
    from tools.local.ledger import create_ledger_table

    handler = importlib.import_module(f"{package}.handler")
    stops: list[str] = []
    calls: list[tuple[str, str]] = []

    def step_of(frame: FrameType | None) -> str | None:
        """The step module nearest the top of the stack."""
        while frame is not None:
            name = str(frame.f_globals.get("__name__", ""))
            if name.removeprefix(package + ".") in STEPS and name.startswith(package + "."):
                return name.removeprefix(package + ".")
            frame = frame.f_back
        return None

    def profile(frame: FrameType, what: str, _: Any) -> None:
        if what not in ("call", "return"):
            return
        data = frame.f_code.co_name in DATA_ACCESS  # building a value is not a stop either
        here = step_of(frame.f_back) if what == "return" or data else step_of(frame)
        if here is not None and (not stops or stops[-1] != here):
            stops.append(here)
        if what == "call" and frame.f_code.co_name not in DATA_ACCESS:
            caller, callee = step_of(frame.f_back), step_of(frame)
            if caller and callee and caller != callee and callee == _own(frame, package):
                calls.append((caller, callee))

    with mock_aws(), response_bucket() as bucket:
        os.environ["LEDGER_TABLE_NAME"] = create_ledger_table()
        double = backend()
        for domain in ("crm-profiles", "crm-profiles-eu"):
            double.handle("CreateDomain", {"DomainName": domain, "DefaultExpirationDays": 365})
        with mock.patch(f"{package}.response.HTTPSConnection", bucket.connection):
            sys.setprofile(profile)
            try:
                handler.handler(event, LambdaContext())
            finally:
                sys.setprofile(None)
    CALLS.extend(calls)
    return stops


CALLS: list[tuple[str, str]] = []
"""The calls from one step module into another of the last walk (caller, callee)."""
DATA_ACCESS = frozenset({"__init__", "__eq__", "__hash__", "__repr__", "__post_init__"})
"""Building or comparing a value object is not a step."""
DRIVERS = ("handler", "cfn", "lifecycle")
"""The modules that drive an event, in their order: each may call only the ones after it."""


def _own(frame: FrameType, package: str) -> str:
    return str(frame.f_globals.get("__name__", "")).removeprefix(package + ".")


def returns(stops: list[str]) -> int:
    """Stops into a module the walk had already left."""
    return sum(returns_by_module(stops).values())


def returns_by_module(stops: list[str]) -> dict[str, int]:
    """The returns of `returns`, per module returned to."""
    seen: set[str] = set()
    back: dict[str, int] = {}
    for index, module in enumerate(stops):
        if module in seen and index and stops[index - 1] != module:
            back[module] = back.get(module, 0) + 1
        seen.add(module)
    return back


def _is_up(caller: str, callee: str) -> bool:
    if callee not in DRIVERS:
        return False
    return caller not in DRIVERS or DRIVERS.index(callee) < DRIVERS.index(caller)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--event", type=Path, default=ROOT / "events" / "create.json")
    parser.add_argument("--package", default="domain_provider")
    parser.add_argument("--path", type=Path, default=ROOT / "provider")
    args = parser.parse_args(argv)
    os.environ.update(FAKE_ENVIRONMENT, POWERTOOLS_LOG_LEVEL="ERROR")
    sys.path[:0] = [str(args.path), str(ROOT / "provider")]
    stops = walk(args.package, json.loads(args.event.read_text()))
    print(" → ".join(stops))
    modules, back = len(set(stops)), returns(stops)
    print(f"{len(stops)} stops in {modules} modules, {back} returns to a module left before")
    by_module = ", ".join(f"{m} {n}" for m, n in sorted(returns_by_module(stops).items()))
    print(f"returns per module: {by_module or 'none'}")
    edges: dict[tuple[str, str], int] = {}
    for edge in CALLS:
        edges[edge] = edges.get(edge, 0) + 1
    listed = ", ".join(f"{a}→{b} {n}" for (a, b), n in sorted(edges.items()))
    print(f"calls between step modules: {listed}")
    up = {f"{a}→{b}": n for (a, b), n in edges.items() if _is_up(a, b)}
    print(f"calls up (into a driver from below it): {up or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

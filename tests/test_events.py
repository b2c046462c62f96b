"""Every sample event is real-shaped, parsed by the handler's own parser, and loaded by a test."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain_provider.models import parse_properties
from domain_provider.request import Request, parse_request
from tools.local.cloudformation import EVENTS, LambdaContext, load_event

EVENT_FILES = sorted(path.name for path in EVENTS.glob("*.json"))
# EventBridge's, not CloudFormation's: test_drift_schedule.py
SCHEDULED = {"scheduled-drift-check.json"}
CLOUDFORMATION_EVENTS = [name for name in EVENT_FILES if name not in SCHEDULED]
INVALID_ON_PURPOSE = {"delete-after-failed-create.json"}  # the properties of a Create that failed


@pytest.mark.parametrize("name", CLOUDFORMATION_EVENTS)
def test_sample_event_is_shaped_as_cloudformation_sends_it(name):
    event = load_event(name)

    assert event["RequestType"] in ("Create", "Update", "Delete")
    assert event["ResponseURL"].startswith("https://")
    assert "X-Amz-Signature=" in event["ResponseURL"]
    assert event["ResourceType"] == "Custom::CustomerProfilesDomain"
    assert ("PhysicalResourceId" in event) == (event["RequestType"] != "Create")
    assert ("OldResourceProperties" in event) == (event["RequestType"] == "Update")
    scalars = re.findall(r":\s*(true|false|-?\d+(?:\.\d+)?)\s*[,}\]\n]", json.dumps(event))
    assert scalars == [], "CloudFormation sends every scalar as a string"


@pytest.mark.parametrize("name", CLOUDFORMATION_EVENTS)
def test_sample_event_properties_parse_with_the_handlers_model(name):
    event = load_event(name)
    request = parse_request(event, LambdaContext())
    assert isinstance(request, Request), request
    assert (request.properties is None) == (name in INVALID_ON_PURPOSE)
    for key in ("ResourceProperties", "OldResourceProperties"):
        if key not in event:
            continue
        if name in INVALID_ON_PURPOSE:
            with pytest.raises(ValidationError):
                parse_properties(event[key])
        else:
            assert parse_properties(event[key]).DomainName


def loaded_events(path: Path) -> set[str]:
    """The event files a test module passes, as a literal, to `load_event(...)` inside a test
    function or a fixture (a mere mention of the name does not count)."""
    loaded = set()
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef):
            continue
        decorated = any("fixture" in ast.unparse(d) for d in function.decorator_list)
        if not (function.name.startswith("test_") or decorated):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func) == "load_event"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                loaded.add(node.args[0].value)
    return {name for name in loaded if isinstance(name, str)}


def test_every_sample_event_is_loaded_by_a_behaviour_test():
    others = [path for path in Path(__file__).parent.rglob("test_*.py") if path != Path(__file__)]
    loaded = set().union(*(loaded_events(path) for path in others))

    assert [name for name in EVENT_FILES if name not in loaded] == []

"""The promise, proved on generated cases (Hypothesis): whatever the domain held, whatever the
stack took up or dropped and whatever someone changed in the console in between, a Delete
- with Restore puts every member the resource set, and that still holds what it set, back to
  what the domain held before the resource first took it up, and leaves every other member as
  it was just before the Delete;
- with Reset sends those members to the API's empty value instead (DefaultExpirationDays,
  which has none, stays);
- with Retain changes nothing.
Each example plays its own domain through the real handler (Customer Profiles double, moto's
DynamoDB); an independent model of the contract says what each member must end as. Bounded,
derandomized and without deadlines: stable on a loaded machine."""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain_provider.compare import member_differs
from domain_provider.members import ABSENT, live_value
from tools.local.cloudformation import invoke, load_event

KEY = "arn:aws:kms:us-east-1:123456789012:key/"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/"
SUNDAY, MONDAY, FRIDAY = (
    {"DayOfTheWeek": day, "Time": time}
    for day, time in (("SUNDAY", "02:00"), ("MONDAY", "03:00"), ("FRIDAY", "05:00"))
)

# Each member: the values a stack sets, and those someone sets in the console (kept apart, so the
# model can tell whose a value is; booleans cannot be, and are judged as the contract says: by
# whether the live value is still what the resource set).
MEMBERS: dict[str, tuple[list[Any], list[Any]]] = {
    "DefaultExpirationDays": ([30, 60], [90]),
    "DefaultEncryptionKey": ([KEY + "stack-1", KEY + "stack-2"], [KEY + "console"]),
    "DeadLetterQueueUrl": ([QUEUE + "stack"], [QUEUE + "console"]),
    "Matching.Enabled": ([True, False], [True, False]),
    "Matching.JobSchedule": ([SUNDAY, MONDAY], [FRIDAY]),
    "Matching.AutoMerging.Enabled": ([True, False], [True, False]),
    "Matching.AutoMerging.MinAllowedConfidenceScoreForMerging": ([0.5, 0.6], [0.9]),
    "DataStore.Enabled": ([True, False], [True, False]),
    "Tags.team": (["stack-a", "stack-b"], ["console"]),
    "Tags.env": (["prod"], ["console"]),
}
PARENTS = {"Matching": "Matching.Enabled", "Matching.AutoMerging": "Matching.AutoMerging.Enabled"}
"""Objects whose `Enabled` the model requires once any of their members is named."""


@st.composite
def properties(draw: Any) -> dict[str, Any]:
    """A resource's members: a subset of MEMBERS with the stack's values."""
    chosen = draw(st.sets(st.sampled_from(sorted(MEMBERS))))
    for path in list(chosen):
        for parent, enabled in PARENTS.items():
            if path.startswith(parent + "."):
                chosen.add(enabled)
    return {path: draw(st.sampled_from(MEMBERS[path][0])) for path in sorted(chosen)}


console_change = st.tuples(
    st.sampled_from(sorted(MEMBERS)), st.integers(min_value=0, max_value=1)
).map(lambda pair: (pair[0], MEMBERS[pair[0]][1][pair[1] % len(MEMBERS[pair[0]][1])]))
step = st.one_of(
    st.tuples(st.just("update"), properties()), st.tuples(st.just("console"), console_change)
)


def resource_properties(name: str, members: dict[str, Any], on_delete: str) -> dict[str, Any]:
    """CloudFormation's ResourceProperties for `members` (every scalar a string, as it sends)."""
    raw: dict[str, Any] = {"DomainName": name, "OnDelete": on_delete}
    tags = []
    for path, value in members.items():
        if path.startswith("Tags."):
            tags.append({"Key": path.removeprefix("Tags."), "Value": value})
            continue
        node = raw
        *parents, leaf = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = _cfn(value)
    if tags:
        raw["Tags"] = tags
    return raw


def _cfn(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return copy.deepcopy(value)


def live_member(domain: dict[str, Any], path: str) -> Any:
    if path.startswith("Tags."):
        return (domain.get("Tags") or {}).get(path.removeprefix("Tags."), ABSENT)
    return live_value(domain, path)


def same(path: str, expected: Any, live: Any) -> bool:
    if path.startswith("Tags."):
        return bool(expected == live)
    return not member_differs(path, expected, live)


class Story:
    """One domain's life through the real handler, and the contract's model of it."""

    ids = itertools.count()

    def __init__(self, profiles: Any, cfn: Any, on_delete: str) -> None:
        self.profiles, self.cfn, self.on_delete = profiles, cfn, on_delete
        self.name = f"prop-{next(self.ids)}-{uuid.uuid4().hex[:6]}"
        profiles.handle("CreateDomain", {"DomainName": self.name, "DefaultExpirationDays": 365})
        self.managed: dict[str, Any] = {}
        self.found: dict[str, Any] = {}

    def live(self) -> dict[str, Any]:
        domain = self.profiles.handle("GetDomain", {"DomainName": self.name})
        return {path: live_member(domain, path) for path in MEMBERS}

    def send(self, request_type: str, members: dict[str, Any], old: dict[str, Any]) -> None:
        event = load_event(
            {"Create": "create.json", "Update": "update.json"}.get(request_type, "delete.json")
        )
        event["RequestId"] = str(uuid.uuid4())
        event["ResourceProperties"] = resource_properties(self.name, members, self.on_delete)
        if request_type == "Update":
            event["OldResourceProperties"] = resource_properties(self.name, old, self.on_delete)
        if request_type != "Create":
            event["PhysicalResourceId"] = self.name
        body = invoke(event, self.cfn)
        assert body["Status"] == "SUCCESS", (request_type, members, body["Reason"])

    def create(self, members: dict[str, Any]) -> None:
        before = self.live()
        self.found = {path: before[path] for path in members}
        self.send("Create", members, {})
        self.managed = members

    def update(self, members: dict[str, Any]) -> None:
        before = self.live()
        for path in members:
            if path not in self.managed:
                self.found.setdefault(path, before[path])
        self.send("Update", members, self.managed)
        for path in self.managed:
            if path not in members:
                self.found.pop(path, None)
        self.managed = members

    def console(self, path: str, value: Any) -> None:
        domain = self.profiles.handle("GetDomain", {"DomainName": self.name})
        if path.startswith("Tags."):
            tags = {path.removeprefix("Tags."): value}
            self.profiles.handle("TagResource", {"resourceArn": self.arn, "tags": tags})
            return
        setting, *inner = path.split(".")
        if not inner:
            self.profiles.handle("UpdateDomain", {"DomainName": self.name, setting: value})
            return
        whole = copy.deepcopy(domain.get(setting) or {"Enabled": False})
        whole.pop("Status", None)
        whole.pop("Readiness", None)
        node = whole
        for key in inner[:-1]:
            node = node.setdefault(key, {"Enabled": False})
        node[inner[-1]] = value
        self.profiles.handle("UpdateDomain", {"DomainName": self.name, setting: whole})

    @property
    def arn(self) -> str:
        return f"arn:aws:profile:us-east-1:123456789012:domains/{self.name}"

    def delete_and_check(self) -> None:
        before = self.live()
        self.send("Delete", self.managed, {})
        after = self.live()
        for path in MEMBERS:
            expected = before[path]
            mine = path in self.managed and same(path, self.managed[path], before[path])
            if mine and self.on_delete == "Restore":
                expected = self.found[path]
            elif mine and self.on_delete == "Reset" and path != "DefaultExpirationDays":
                expected = ABSENT
            assert same(path, expected, after[path]), (path, expected, after[path])


@settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    initial=st.lists(console_change, max_size=4),
    first=properties(),
    steps=st.lists(step, max_size=4),
    on_delete=st.sampled_from(["Restore", "Reset", "Retain"]),
)
def test_delete_gives_back_exactly_what_was_found_member_by_member(
    profiles, cfn, initial, first, steps, on_delete
):
    story = Story(profiles, cfn, on_delete)
    for path, value in initial:
        story.console(path, value)
    story.create(first)
    for kind, what in steps:
        if kind == "update":
            story.update(what)
        else:
            story.console(*what)
    story.delete_and_check()

"""Members (members.py): which parts of a setting are one member, and the merge that sends a
setting whole with only this resource's members changed. Pure table tests, and the member
tables checked against botocore's model of UpdateDomain (the authoritative source)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest

from domain_provider.members import (
    ABSENT,
    REQUIRED,
    SCALARS,
    WHOLE,
    live_value,
    members,
    merged,
)
from domain_provider.models import SETTINGS, parse_properties


def structures() -> Iterator[tuple[str, Any]]:
    """Every structure below UpdateDomain's settings, by dotted path (list items skipped)."""
    model = botocore.session.get_session().get_service_model("customer-profiles")
    request = model.operation_model("UpdateDomain").input_shape

    def walk(shape: Any, path: str) -> Iterator[tuple[str, Any]]:
        if shape.type_name == "structure":
            yield path, shape
            for name, member in shape.members.items():
                yield from walk(member, f"{path}.{name}")

    for name in SETTINGS:
        yield from walk(request.members[name], name)


def test_the_objects_taken_whole_are_those_whose_required_members_are_more_than_a_toggle():
    whole = {
        path
        for path, shape in structures()
        if "." in path and shape.required_members and shape.required_members != ["Enabled"]
    }
    assert whole == WHOLE


def test_the_required_members_a_merge_keeps_are_botocores():
    required = {
        path: tuple(shape.required_members)
        for path, shape in structures()
        if path not in WHOLE and not any(path.startswith(f"{w}.") for w in WHOLE)
        if shape.required_members
    }
    assert required == dict(REQUIRED)


def test_the_scalar_settings_are_the_settings_botocore_does_not_structure():
    assert set(SCALARS) == set(SETTINGS) - {path for path, _ in structures() if "." not in path}


def test_members_are_leaves_whole_lists_and_whole_objects():
    properties = parse_properties(
        {
            "DomainName": "crm",
            "DefaultExpirationDays": "30",
            "Matching": {
                "Enabled": "true",
                "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"},
                "AutoMerging": {"Enabled": "true", "MinAllowedConfidenceScoreForMerging": "0.5"},
            },
            "RuleBasedMatching": {"Enabled": "true", "MatchingRules": [{"Rule": ["EmailAddress"]}]},
            "Tags": {"team": "crm"},
        }
    )

    assert members(properties) == {
        "DefaultExpirationDays": 30,
        "Matching.Enabled": True,
        "Matching.JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"},
        "Matching.AutoMerging.Enabled": True,
        "Matching.AutoMerging.MinAllowedConfidenceScoreForMerging": 0.5,
        "RuleBasedMatching.Enabled": True,
        "RuleBasedMatching.MatchingRules": [{"Rule": ["EmailAddress"]}],
    }


@pytest.mark.parametrize(
    ("live", "path", "value"),
    [
        ({"Matching": {"Enabled": True}}, "Matching.Enabled", True),
        ({"Matching": {"Enabled": True}}, "Matching.AutoMerging.Enabled", ABSENT),
        ({}, "DefaultEncryptionKey", ABSENT),
        ({"DefaultEncryptionKey": None}, "DefaultEncryptionKey", ABSENT),
        ({"Matching": "odd"}, "Matching.Enabled", ABSENT),
    ],
)
def test_a_live_value_is_absent_where_the_domain_has_none(live, path, value):
    found = live_value(live, path)
    assert found is ABSENT if value is ABSENT else found == value


RBM_LIVE = {"Enabled": True, "Status": "ACTIVE", "MatchingRules": [{"Rule": ["EmailAddress"]}]}


@pytest.mark.parametrize(
    ("name", "live", "edits", "expected"),
    [
        pytest.param(
            "Matching",
            {"Enabled": True, "AutoMerging": {"Enabled": True}},
            {"Matching.JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}},
            {
                "Enabled": True,
                "AutoMerging": {"Enabled": True},
                "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"},
            },
            id="a-member-added-beside-the-live-ones",
        ),
        pytest.param(
            "RuleBasedMatching",
            {**RBM_LIVE, "NewerThanTheModel": {"X": 1}},
            {"RuleBasedMatching.MaxAllowedRuleLevelForMatching": 3},
            {
                "Enabled": True,
                "MatchingRules": [{"Rule": ["EmailAddress"]}],
                "NewerThanTheModel": {"X": 1},
                "MaxAllowedRuleLevelForMatching": 3,
            },
            id="the-services-own-status-dropped-newer-members-passed-through",
        ),
        pytest.param(
            "Matching",
            {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}},
            {"Matching.JobSchedule": ABSENT},
            {"Enabled": True},
            id="an-absent-member-removed",
        ),
        pytest.param(
            "Matching",
            {"Enabled": True},
            {"Matching.Enabled": ABSENT},
            {"Enabled": False},
            id="an-absent-enabled-reads-as-off",
        ),
        pytest.param(
            "Matching",
            {"Enabled": True, "AutoMerging": {"Enabled": True, "Consolidation": {"X": 1}}},
            {"Matching.AutoMerging.Enabled": ABSENT, "Matching.AutoMerging.Consolidation": ABSENT},
            {"Enabled": True},
            id="a-nested-object-all-absent-removed-as-found",
        ),
        pytest.param(
            "Matching",
            {"Enabled": True, "AutoMerging": {"Enabled": True, "MinAllowed": 0.5}},
            {"Matching.AutoMerging.Enabled": ABSENT},
            {"Enabled": True, "AutoMerging": {"Enabled": False, "MinAllowed": 0.5}},
            id="a-nested-enabled-absent-beside-others-off",
        ),
        pytest.param(
            "Matching",
            {"Enabled": True, "ExportingConfig": {"S3Exporting": {"S3BucketName": "b"}}},
            {"Matching.ExportingConfig.S3Exporting": ABSENT},
            {"Enabled": True},
            id="an-emptied-object-pruned",
        ),
        pytest.param(
            "Matching",
            {"AutoMerging": {"Enabled": True}},
            {"Matching.JobSchedule": {"DayOfTheWeek": "SUNDAY", "Time": "02:00"}},
            None,
            id="a-live-setting-without-its-required-enabled-is-refused",
        ),
        pytest.param(
            "DefaultEncryptionKey", "k", {"DefaultEncryptionKey": ""}, "", id="a-scalar-is-its-edit"
        ),
    ],
)
def test_a_merge_changes_only_the_edited_members(name, live, edits, expected):
    assert merged(name, live, edits) == expected


def test_a_merge_never_changes_the_live_value_it_was_given():
    live = {"Enabled": True, "AutoMerging": {"Enabled": True}}

    merged("Matching", live, {"Matching.AutoMerging.Enabled": ABSENT})

    assert live == {"Enabled": True, "AutoMerging": {"Enabled": True}}

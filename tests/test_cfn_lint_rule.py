"""The cfn-lint rule, run as users run it: `cfn-lint --append-rules cfn_lint_rules TEMPLATE`."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "tests" / "fixtures" / "templates"


def lint(template: str) -> list[tuple[int, str]]:
    """(line, message) of every E9101 match, from cfn-lint's JSON output."""
    return [(line, message) for rule, _, line, message in run(template) if rule == "E9101"]


def lint_resource(template: str, resource: str) -> list[tuple[int, str]]:
    """(line, message) of the E9101 matches on one resource."""
    return [
        (line, message)
        for rule, name, line, message in run(template)
        if rule == "E9101" and name == resource
    ]


@functools.cache
def run(template: str) -> tuple[tuple[str, str, int, str], ...]:
    """(rule, resource, line, message) of every match, cfn-lint run once per template."""
    command = [sys.executable, "-c", "import cfnlint.runner; cfnlint.runner.main()"]
    args = ["--append-rules", str(ROOT / "cfn_lint_rules"), "--format", "json", "--"]
    done = subprocess.run(  # noqa: S603 (our own interpreter and files)
        [*command, *args, str(TEMPLATES / template)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.stderr == "", done.stderr
    found = []
    for match in json.loads(done.stdout):
        path = match["Location"]["Path"] or []
        resource = path[1] if path[:1] == ["Resources"] and len(path) > 1 else ""
        line = match["Location"]["Start"]["LineNumber"]
        found.append((match["Rule"]["Id"], resource, line, match["Message"]))
    return tuple(found)


def test_a_good_template_with_intrinsics_everywhere_has_no_problem():
    assert lint("good.yaml") == []


def test_each_problem_is_reported_at_its_line_in_the_deploy_time_words():
    assert lint("bad.yaml") == [
        (13, "DomainName: must contain only letters, digits, '_' and '-', got 'crm profiles'"),
        (14, "DefaultExpirationDays: must be at most 1098, got '2000'"),
        (16, "Matching.Enabled: must be true or false, got 'maybe'"),
        (17, "Matching.JobSchedule.Time: must be HH:MM (24h), got '25:00'"),
        (
            20,
            "Matching.AutoMerging.ConflictResolution: SourceName is required when "
            "ConflictResolvingModel is SOURCE",
        ),
        (
            25,
            "RuleBasedMatching.MatchingRules[0].Rule[1]: must be a profile attribute such as "
            "EmailAddress, PhoneNumber, Address.City, or a custom 'Attributes.*' name, "
            "got 'Nickname'",
        ),
        (26, "RuleBasedMatching.AttributeTypesSelector: must be an object, got Fn::Sub"),
        (27, "RuleBasedMatching.MaxAllowedRuleLevelForMatching: must be at most 15, got '16'"),
        (28, "DataStor: unknown property; did you mean 'DataStore'?"),
        (
            30,
            "Tags['aws:team'] key: must not start with 'aws:' and may contain only letters, "
            "digits and + , - . / : ; < = _, got 'aws:team'",
        ),
    ]


def test_the_words_are_the_deploy_time_reason():
    from pydantic import ValidationError

    from domain_provider.models import parse_properties
    from domain_provider.reasons import format_validation_error

    try:
        parse_properties({"DomainName": "crm-profiles", "DefaultExpirationDays": "2000"})
    except ValidationError as error:
        reason = format_validation_error(error)
    assert (14, reason) in lint("bad.yaml")


def test_an_unknown_property_is_reported_whatever_its_value():
    assert lint("unknown.yaml") == [
        (16, "DeadLetterQueueURL: unknown property; did you mean 'DeadLetterQueueUrl'?"),
        (17, "Bogus: unknown property"),
        (18, "Matching.Enabled: required"),
        (18, "Matching.Enabld: unknown property; did you mean 'Enabled'?"),
        (
            22,
            "RuleBasedMatching.ExportingConfig.S3Exporting.S3Key: unknown property; "
            "did you mean 'S3KeyName'?",
        ),
        (23, "DataStore.Enable: unknown property; did you mean 'Enabled'?"),
    ]


SOURCE_WITHOUT_NAME = (
    "RuleBasedMatching.ConflictResolution: SourceName is required when ConflictResolvingModel "
    "is SOURCE"
)
NICKNAME = (
    "must be a profile attribute such as EmailAddress, PhoneNumber, Address.City, or a custom "
    "'Attributes.*' name, got 'Nickname'"
)


@pytest.mark.parametrize(
    "resource",
    [
        "OppositeConditions",
        "EqualsOnOneParameter",
        "ImpliedCondition",
        "AllowedValuesCoverEveryCase",
        "ResourceCondition",
    ],
)
def test_fn_if_is_checked_only_in_the_scenarios_cfn_lint_finds_possible(resource):
    assert lint_resource("conditions.yaml", resource) == []


def test_an_independent_condition_does_not_hide_source_without_source_name():
    assert lint_resource("conditions.yaml", "IndependentCondition") == [(80, SOURCE_WITHOUT_NAME)]


def test_no_value_removes_a_list_item_and_the_next_is_found_at_its_line():
    # Each scenario's Reason names the item's index in that scenario.
    assert sorted(lint_resource("conditions.yaml", "NoValueItem")) == [
        (93, f"RuleBasedMatching.MatchingRules[0].Rule[0]: {NICKNAME}"),
        (93, f"RuleBasedMatching.MatchingRules[0].Rule[1]: {NICKNAME}"),
    ]


def test_a_nested_fn_if_is_reported_at_the_branch_its_scenario_takes():
    assert lint_resource("conditions.yaml", "NestedIf") == [
        (103, "DomainName: must contain only letters, digits, '_' and '-', got 'crm profiles eu'"),
    ]


def test_a_tag_key_is_reported_at_the_branch_its_scenario_takes():
    assert lint_resource("conditions.yaml", "TagsUnderConditions") == [
        (
            116,
            "Tags['aws:prod'] key: must not start with 'aws:' and may contain only letters, "
            "digits and + , - . / : ; < = _, got 'aws:prod'",
        ),
    ]


def test_a_malformed_fn_if_is_left_to_e1028_and_does_not_break_the_rule():
    found = run("malformed-if.yaml")
    assert {rule for rule, *_ in found} == {"E1028"}


def test_a_missing_or_short_service_timeout_is_a_warning():
    warned = {(name, message) for rule, name, _, message in run("timeouts.yaml") if rule == "W9102"}

    assert warned == {
        (
            "WithoutTimeout",
            "ServiceTimeout: not set; CloudFormation waits up to an hour for the provider's "
            "answer: set it (300 seconds suits most stacks)",
        ),
        (
            "TooShort",
            "ServiceTimeout: 10 seconds is less than the provider may need; give it at least 30",
        ),
    }

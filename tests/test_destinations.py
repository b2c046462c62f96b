"""Where the domain may send data and keys: destinations.py, table-tested with plain values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain_provider.destinations import (
    checked_destinations,
    destination_warnings,
    new_destinations,
    queue_account,
    refused_destinations,
)
from domain_provider.errors import (
    REASON_LIMIT,
    DestinationRefused,
    ExportBucketNotAllowed,
    InvalidDestination,
    UntrustedAccount,
)
from domain_provider.identity import Identity
from domain_provider.models import parse_properties
from domain_provider.settings import Settings

OWN, TRUSTED, OTHER = "123456789012", "210987654321", "999999999999"
AWS = Identity("aws", OWN, "us-east-1")
CN = Identity("aws-cn", OWN, "cn-north-1")
TRUSTING = Settings(
    trusted_account_ids=frozenset({TRUSTED}),
    allowed_export_buckets=("crm-profiles-*", "exports", "team-?-matches"),
)
NOTHING_TRUSTED = Settings()
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
MATCHING_BUCKET = "Matching.ExportingConfig.S3Exporting.S3BucketName"
RULE_BASED_BUCKET = "RuleBasedMatching.ExportingConfig.S3Exporting.S3BucketName"
QUEUE_FORMS = [
    "https://sqs.{region}.{suffix}/{account}/{name}",
    "https://sqs-fips.{region}.{suffix}/{account}/{name}",
    "https://{region}.queue.{suffix}/{account}/{name}",
    "https://queue.{suffix}/{account}/{name}",
    "https://vpce-0a1b2c3d4e5f67890-abcdefgh.sqs.{region}.vpce.{suffix}/{account}/{name}",
    "https://sqs.{region}.{suffix}:443/{account}/{name}",
]


def refusal(properties: Any, live: dict[str, Any] | None = None, **kw: Any) -> Any:
    """The refusal raised for `properties` (None when they pass)."""
    identity, settings = kw.get("identity", AWS), kw.get("settings", TRUSTING)
    try:
        refused_destinations(properties, live, identity, settings)
    except DestinationRefused as error:
        return error
    return None


def queue(account: str, form: str = QUEUE_FORMS[0], region: str = "us-east-1") -> str:
    return form.format(region=region, suffix="amazonaws.com", account=account, name="dlq")


def exporting(bucket: str) -> dict[str, Any]:
    return {"ExportingConfig": {"S3Exporting": {"S3BucketName": bucket}}}


# The queue -------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", QUEUE_FORMS)
@pytest.mark.parametrize("account", [OWN, TRUSTED])
def test_a_queue_of_this_or_a_trusted_account_passes_in_every_url_form(form, account):
    assert refusal({"DeadLetterQueueUrl": queue(account, form)}) is None


@pytest.mark.parametrize("form", QUEUE_FORMS)
def test_a_queue_of_another_account_is_refused_naming_it_and_the_parameter(form):
    error = refusal({"DeadLetterQueueUrl": queue(OTHER, form)})

    assert isinstance(error, UntrustedAccount)
    assert str(error) == (
        f"DeadLetterQueueUrl: the queue is in account {OTHER}, which the provider does not "
        f"trust; add {OTHER} to the provider stack's TrustedAccountIds parameter, or use a queue "
        f"of account {OWN}"
    )


def test_a_trusted_account_is_trusted_only_when_the_stack_says_so():
    url = queue(TRUSTED)

    assert refusal({"DeadLetterQueueUrl": url}) is None
    assert isinstance(
        refusal({"DeadLetterQueueUrl": url}, settings=NOTHING_TRUSTED), UntrustedAccount
    )


@pytest.mark.parametrize(
    "url",
    [
        f"http://sqs.us-east-1.amazonaws.com/{OWN}/dlq",
        f"https://sqs.us-east-1.amazonaws.com:8443/{OWN}/dlq",
        f"https://user@sqs.us-east-1.amazonaws.com/{OWN}/dlq",
        f"https://sqs.us-east-1.amazonaws.com/{OWN}/dlq?x=1",
        f"https://sqs.us-east-1.amazonaws.com/{OWN}/dlq#x",
        f"https://sqs.us-east-1.amazonaws.com/{OWN}/dlq/more",
        f"https://sqs.us-east-1.amazonaws.com/{OWN}/",
        f"https://sqs.us-east-1.amazonaws.com/{OWN}",
        "https://sqs.us-east-1.amazonaws.com/1234/dlq",
        f"https://sqs.us-east-1.amazonaws.com.cn/{OWN}/dlq",
        f"https://sqs.us-east-1.amazonaws.com.attacker.net/{OWN}/dlq",
        f"https://sqs.us-east-1.attacker.net/{OWN}/dlq",
        f"https://attacker.s3.amazonaws.com/{OWN}/dlq",
        f"https://{OTHER}.queue.amazonaws.com/{OWN}/dlq",
        f"sqs.us-east-1.amazonaws.com/{OWN}/dlq",
        "https://[::1/x",
    ],
)
def test_anything_but_an_sqs_queue_url_of_the_partition_is_refused_as_invalid(url):
    error = refusal({"DeadLetterQueueUrl": url})

    assert isinstance(error, InvalidDestination)
    assert str(error).startswith(
        "DeadLetterQueueUrl: must be an SQS queue URL "
        "(https://sqs.us-east-1.amazonaws.com/<account>/<queue>), got "
    )


def test_queue_urls_follow_the_functions_partition():
    cn_queue = f"https://sqs.cn-north-1.amazonaws.com.cn/{OWN}/dlq"

    assert refusal({"DeadLetterQueueUrl": cn_queue}, identity=CN) is None
    assert isinstance(refusal({"DeadLetterQueueUrl": cn_queue}), InvalidDestination)
    assert isinstance(refusal({"DeadLetterQueueUrl": queue(OWN)}, identity=CN), InvalidDestination)


def test_an_unknown_partition_trusts_no_queue():
    unknown = Identity("aws-xyz", OWN, "xy-north-1")

    assert isinstance(
        refusal({"DeadLetterQueueUrl": queue(OWN)}, identity=unknown), InvalidDestination
    )


@given(
    account=st.from_regex(r"\d{12}", fullmatch=True),
    form=st.sampled_from(QUEUE_FORMS),
    region=st.sampled_from(["us-east-1", "eu-west-2", "ap-southeast-4", "il-central-1"]),
    name=st.from_regex(r"[A-Za-z0-9_-]{1,75}(\.fifo)?", fullmatch=True),
)
def test_the_account_of_any_queue_url_is_read_from_its_path(account, form, region, name):
    url = form.format(region=region, suffix="amazonaws.com", account=account, name=name)

    assert queue_account(url, AWS) == account
    error = refusal({"DeadLetterQueueUrl": url}, settings=NOTHING_TRUSTED)
    assert (error is None) == (account == OWN)
    if error is not None:
        assert f"account {account}" in str(error)


# The key ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        f"arn:aws:kms:us-east-1:{OWN}:key/{KEY_ID}",
        f"arn:aws:kms:eu-west-1:{OWN}:key/mrk-0123456789abcdef0123456789abcdef",
        f"arn:aws:kms:us-east-1:{OWN}:alias/crm",
        f"arn:aws:kms:us-east-1:{TRUSTED}:key/{KEY_ID}",
        f"arn:aws:kms:us-east-1:{TRUSTED}:alias/crm",
        KEY_ID,
        "alias/crm",
        "mrk-0123456789abcdef0123456789abcdef",
        "",
    ],
)
def test_a_key_of_this_or_a_trusted_account_passes_and_a_bare_id_or_alias_is_this_accounts(key):
    assert refusal({"DefaultEncryptionKey": key}) is None


@pytest.mark.parametrize(
    "key", [f"arn:aws:kms:us-east-1:{OTHER}:key/{KEY_ID}", f"arn:aws:kms:us-east-1:{OTHER}:alias/x"]
)
def test_a_key_of_another_account_is_refused_naming_it_and_the_parameter(key):
    error = refusal({"DefaultEncryptionKey": key})

    assert isinstance(error, UntrustedAccount)
    assert str(error).startswith(
        f"DefaultEncryptionKey: the key is in account {OTHER}, which the provider does not trust; "
        f"add {OTHER} to the provider stack's TrustedAccountIds parameter"
    )


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (f"arn:aws-cn:kms:cn-north-1:{OWN}:key/{KEY_ID}", "a key of this function's partition"),
        (f"arn:aws:kms:us-east-1::key/{KEY_ID}", "a KMS key ARN, alias ARN, key id or alias name"),
        (f"arn:aws:kms:us-east-1:{OWN}:", "a KMS key ARN, alias ARN, key id or alias name"),
        ("arn:aws:kms", "a KMS key ARN, alias ARN, key id or alias name"),
    ],
)
def test_a_key_arn_whose_account_cannot_be_read_here_is_refused_as_invalid(key, expected):
    error = refusal({"DefaultEncryptionKey": key})

    assert isinstance(error, InvalidDestination)
    assert str(error).startswith(f"DefaultEncryptionKey: must be {expected}")


# Export buckets --------------------------------------------------------------------------------


@pytest.mark.parametrize("bucket", ["crm-profiles-matches", "exports", "team-a-matches"])
@pytest.mark.parametrize("setting", ["Matching", "RuleBasedMatching"])
def test_an_export_bucket_allowed_by_name_or_wildcard_passes(setting, bucket):
    assert refusal({setting: exporting(bucket)}) is None


@pytest.mark.parametrize(
    ("setting", "path"), [("Matching", MATCHING_BUCKET), ("RuleBasedMatching", RULE_BASED_BUCKET)]
)
@pytest.mark.parametrize("bucket", ["attacker-exports", "exports2", "team-ab-matches", "crm-x"])
def test_an_export_bucket_not_allowed_is_refused_naming_it_and_the_parameter(setting, path, bucket):
    error = refusal({setting: exporting(bucket)})

    assert isinstance(error, ExportBucketNotAllowed)
    assert str(error) == (
        f"{path}: bucket {bucket!r} is not in the provider stack's AllowedExportBuckets parameter "
        "(3 allowed); add it there (a name or a wildcard) to export to it"
    )


def test_no_allowed_export_buckets_means_none_at_all():
    error = refusal({"Matching": exporting("crm-profiles-matches")}, settings=NOTHING_TRUSTED)

    assert isinstance(error, ExportBucketNotAllowed)
    assert "(empty: no export bucket)" in str(error)


# Only what would be newly sent -----------------------------------------------------------------


def test_only_values_the_live_domain_does_not_hold_are_checked():
    outside = {
        "DeadLetterQueueUrl": queue(OTHER),
        "DefaultEncryptionKey": f"arn:aws:kms:us-east-1:{OTHER}:key/{KEY_ID}",
        "Matching": {"Enabled": True, **exporting("attacker-exports")},
        "RuleBasedMatching": {"Enabled": True, **exporting("attacker-exports")},
    }

    assert refusal(outside, live=outside) is None, "held already: nothing new is sent"
    assert new_destinations(outside, outside) == []
    changed = {**outside, "DeadLetterQueueUrl": queue(OWN)}
    assert isinstance(refusal(outside, live=changed), UntrustedAccount), "the live queue differs"
    assert [path for path, _ in new_destinations(outside, None)] == [
        "DeadLetterQueueUrl",
        "DefaultEncryptionKey",
        MATCHING_BUCKET,
        RULE_BASED_BUCKET,
    ]


def test_the_validated_properties_are_checked_as_they_would_be_sent():
    properties = parse_properties(
        {
            "DomainName": "crm",
            "DeadLetterQueueUrl": queue(OTHER),
            "Matching": {"Enabled": "true", **exporting("crm-profiles-matches")},
        }
    )

    error = refusal(properties)

    assert isinstance(error, UntrustedAccount)
    assert str(error).startswith("DeadLetterQueueUrl:")


def test_warnings_name_every_refusal_for_a_rollback_or_a_delete():
    outside = {
        "DeadLetterQueueUrl": queue(OTHER),
        "DefaultEncryptionKey": f"arn:aws:kms:us-east-1:{OTHER}:key/{KEY_ID}",
        "RuleBasedMatching": {"Enabled": True, **exporting("attacker-exports")},
    }

    warnings = destination_warnings(outside, {}, AWS, TRUSTING)

    assert [warning.split(":")[0] for warning in warnings] == [
        "DeadLetterQueueUrl",
        "DefaultEncryptionKey",
        RULE_BASED_BUCKET,
    ]
    assert destination_warnings({"DeadLetterQueueUrl": queue(OWN)}, {}, AWS, TRUSTING) == []


@pytest.mark.parametrize(
    "properties",
    [
        {"DeadLetterQueueUrl": f"https://sqs.us-east-1.amazonaws.com/{OTHER}/" + "q" * 80},
        {"DeadLetterQueueUrl": "https://" + "x" * 240},
        {"DefaultEncryptionKey": f"arn:aws:kms:us-east-1:{OTHER}:alias/" + "a" * 200},
        {"DefaultEncryptionKey": "arn:aws-cn:kms:cn-north-1:" + "k" * 220},
        {"RuleBasedMatching": {"Enabled": True, **exporting("b" * 63)}},
    ],
)
def test_every_refusal_reason_fits_256_characters_with_its_head_first(properties):
    error = refusal(properties, settings=NOTHING_TRUSTED)

    assert error is not None
    assert len(str(error)) <= REASON_LIMIT
    path = next(iter(properties))
    assert str(error).startswith(path)
    assert (
        "TrustedAccountIds" in str(error)
        or "AllowedExportBuckets" in str(error)
        or ("must be" in str(error))
    )


# The lifecycle's one call -----------------------------------------------------------------------


class StackStatus:
    """The one read of the stack's status, counted."""

    def __init__(self, rolling_back: bool) -> None:
        self.rolling_back, self.reads = rolling_back, 0

    def __call__(self) -> bool:
        self.reads += 1
        return self.rolling_back


def test_a_forward_change_is_refused_and_a_rollback_warns():
    outside = {"DeadLetterQueueUrl": queue(OTHER)}
    forward, rollback = StackStatus(rolling_back=False), StackStatus(rolling_back=True)

    with pytest.raises(UntrustedAccount):
        checked_destinations(outside, {}, AWS, TRUSTING, forward)
    warnings = checked_destinations(outside, {}, AWS, TRUSTING, rollback)

    assert (forward.reads, rollback.reads) == (1, 1)
    assert [warning.split(":")[0] for warning in warnings] == ["DeadLetterQueueUrl"]


def test_the_stacks_status_is_read_only_when_something_would_be_refused():
    status = StackStatus(rolling_back=False)

    assert checked_destinations({"DeadLetterQueueUrl": queue(OWN)}, {}, AWS, TRUSTING, status) == []
    assert (
        checked_destinations(
            {"DeadLetterQueueUrl": queue(OTHER)},
            {"DeadLetterQueueUrl": queue(OTHER)},
            AWS,
            TRUSTING,
            status,
        )
        == []
    )
    assert status.reads == 0

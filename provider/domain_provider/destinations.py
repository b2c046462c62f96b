"""Where a domain may send data and use keys: this account's, or what the provider stack trusts.

Customer Profiles itself writes to the dead-letter queue (failed ingestion records: customer data)
and to the export buckets (identity-resolution results), and uses the default key: the provider's
role cannot bound them, and anyone who may invoke the provider could point an allowed domain at
another account. So, before any change, the values a Create or a forward Update would newly send
(ones the live domain, as GetDomain answers, does not already hold) are checked against the
function's own `Identity` and the provider stack's `Settings` (the contract's "Where the domain
may send data and keys"):

- `DeadLetterQueueUrl`: an `https` URL (port 443, no user info, query or fragment) on an SQS host
  of the function's partition — `sqs.<region>.<suffix>` (or `sqs-fips.`), the legacy
  `<region>.queue.<suffix>` and `queue.<suffix>`, a VPC endpoint
  `vpce-….sqs.<region>.vpce.<suffix>` — with the partition's DNS suffix from botocore's data, and
  the path `/<12-digit account>/<queue name>`; the account is the function's own or one of
  `TrustedAccountIds`. "" (clearing the queue) sends nothing anywhere.
- `DefaultEncryptionKey`: a key ARN or alias ARN (any ARN) of the function's partition and of the
  function's account or a trusted one. A bare key id or alias name (`alias/…`) is resolved in
  this account, so it passes.
- `Matching.ExportingConfig.S3Exporting.S3BucketName` and `RuleBasedMatching`'s: the bucket matches
  one of `AllowedExportBuckets` (names, or `fnmatch` wildcards `*`, `?`, `[…]`; empty: no export
  bucket at all), since a bucket's owner cannot be read from its name.

`checked_destinations` is the lifecycle's one call: it raises for a Create or a forward Update
(a replacement included), and returns the warnings of a rollback, asking whether the stack rolls
back (one DescribeStacks) only when something would be refused. Beneath it,
`refused_destinations` raises the first refusal (a `DestinationRefused`, whose Reason names the
property, the value's account or bucket, and the parameter to set); `destination_warnings` gives
every refusal's Reason instead, for a rollback or a Delete, which are never refused over a
destination (they warn). Neither judges Found (the ledger table's policy protects it). Pure: no
AWS call, no environment read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from domain_provider.errors import (
    DestinationRefused,
    ExportBucketNotAllowed,
    InvalidDestination,
    UntrustedAccount,
)
from domain_provider.identity import Identity
from domain_provider.settings import Settings

QUEUE = "DeadLetterQueueUrl"
KEY = "DefaultEncryptionKey"
EXPORTS = ("Matching", "RuleBasedMatching")
BUCKET_PATH = ("ExportingConfig", "S3Exporting", "S3BucketName")
REGION = r"[a-z]+(?:-[a-z]+)+-\d+"
QUEUE_PATH = re.compile(r"/(?P<account>\d{12})/[A-Za-z0-9_-]{1,80}(?:\.fifo)?")
Properties = BaseModel | Mapping[str, Any]
"""The validated properties (DomainProperties), or the settings as UpdateDomain takes them."""


def checked_destinations(
    properties: Properties,
    live: Mapping[str, Any] | None,
    identity: Identity,
    settings: Settings,
    rolling_back: Callable[[], bool],
) -> list[str]:
    """For a Create or an Update, after GetDomain and before any change: raise the first
    refusal, unless `rolling_back()` says the stack rolls back, then return every refusal's
    Reason to log as warnings. `rolling_back` is called only when something would be refused: a
    Create passes `lambda: False`; an Update (a replacement too: the rollback of a replacement is
    an Update to the old DomainName) passes the one read of the stack's status. A Delete does not
    call this: it sends only what the domain held (Found), which is never judged."""
    warnings = destination_warnings(properties, live, identity, settings)
    if warnings and not rolling_back():
        refused_destinations(properties, live, identity, settings)
    return warnings


def refused_destinations(
    properties: Properties, live: Mapping[str, Any] | None, identity: Identity, settings: Settings
) -> None:
    """Raise the first `DestinationRefused` among the destinations `properties` would newly send
    (`live`: the domain as GetDomain answered; None or {} when there is none)."""
    for refusal in _refusals(properties, live, identity, settings):
        raise refusal


def destination_warnings(
    properties: Properties, live: Mapping[str, Any] | None, identity: Identity, settings: Settings
) -> list[str]:
    """Every refusal's Reason, for a rollback or a Delete to log as warnings instead."""
    return [str(refusal) for refusal in _refusals(properties, live, identity, settings)]


def new_destinations(
    properties: Properties, live: Mapping[str, Any] | None
) -> list[tuple[str, str]]:
    """(property path, value) of each destination `properties` name that `live` does not hold."""
    sent = (
        properties.model_dump(exclude_none=True)
        if isinstance(properties, BaseModel)
        else properties
    )
    held = live or {}
    found: list[tuple[str, str]] = []
    for name in (QUEUE, KEY):
        value = sent.get(name)
        if isinstance(value, str) and value and value != held.get(name):
            found.append((name, value))
    for name in EXPORTS:
        bucket = _dig(sent, name, *BUCKET_PATH)
        if isinstance(bucket, str) and bucket and bucket != _dig(held, name, *BUCKET_PATH):
            found.append((".".join((name, *BUCKET_PATH)), bucket))
    return found


def _refusals(
    properties: Properties, live: Mapping[str, Any] | None, identity: Identity, settings: Settings
) -> Iterator[DestinationRefused]:
    for path, value in new_destinations(properties, live):
        if path == QUEUE:
            refusal = queue_refusal(value, identity, settings)
        elif path == KEY:
            refusal = key_refusal(value, identity, settings)
        else:
            refusal = bucket_refusal(path, value, settings)
        if refusal is not None:
            yield refusal


def queue_refusal(url: str, identity: Identity, settings: Settings) -> DestinationRefused | None:
    """Why the queue `url` is refused, or None when it is this account's or a trusted one's."""
    account = queue_account(url, identity)
    if account is None:
        suffix = identity.dns_suffix or "the partition's DNS suffix"
        return InvalidDestination.of(
            QUEUE,
            f"an SQS queue URL (https://sqs.{identity.region}.{suffix}/<account>/<queue>)",
            url,
        )
    return _account_refusal(QUEUE, "queue", account, identity, settings)


def queue_account(url: str, identity: Identity) -> str | None:
    """The account in an SQS queue URL of the function's partition; None when `url` is none."""
    suffix = identity.dns_suffix
    if suffix is None:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    hosts = re.compile(
        rf"(?:sqs(?:-fips)?\.{REGION}|{REGION}\.queue|queue|vpce-[a-z0-9-]+\.sqs\.{REGION}\.vpce)"
        rf"\.{re.escape(suffix)}"
    )
    path = QUEUE_PATH.fullmatch(parts.path)
    if (
        parts.scheme != "https"
        or port not in (None, 443)
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or not hosts.fullmatch(parts.hostname or "")
        or path is None
    ):
        return None
    return path["account"]


def key_refusal(key: str, identity: Identity, settings: Settings) -> DestinationRefused | None:
    """Why the key is refused, or None when it is this account's (a bare key id or alias name
    included) or a trusted one's."""
    if not key.startswith("arn:"):
        return None  # a key id or alias name: resolved in this account
    parts = key.split(":", 5)
    if len(parts) < 6 or not re.fullmatch(r"\d{12}", parts[4]) or not parts[5]:
        return InvalidDestination.of(KEY, "a KMS key ARN, alias ARN, key id or alias name", key)
    if parts[1] != identity.partition:
        return InvalidDestination.of(
            KEY, f"a key of this function's partition ({identity.partition})", key
        )
    return _account_refusal(KEY, "key", parts[4], identity, settings)


def bucket_refusal(path: str, bucket: str, settings: Settings) -> DestinationRefused | None:
    """Why the export bucket is refused, or None when `AllowedExportBuckets` allows it."""
    if any(fnmatchcase(bucket, pattern) for pattern in settings.allowed_export_buckets):
        return None
    return ExportBucketNotAllowed.of(path, bucket, settings.allowed_export_buckets)


def _account_refusal(
    path: str, what: str, account: str, identity: Identity, settings: Settings
) -> DestinationRefused | None:
    if account == identity.account or account in settings.trusted_account_ids:
        return None
    return UntrustedAccount.of(path, what, account, identity.account)


def _dig(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value

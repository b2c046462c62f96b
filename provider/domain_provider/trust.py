"""What the provider trusts in an event: only what CloudFormation (or its own schedule) would send.

Rules (the contract's "The event itself"), each against the function's own `Identity`:
- A ResponseURL is `https`, on port 443 (or none), without user info or whitespace, addressed to
  CloudFormation's own response bucket for the function's region,
  `cloudformation-custom-resource-response-<region without dashes>`, on an S3 endpoint of the
  function's partition: virtual-hosted (`<bucket>.s3.<suffix>`, `<bucket>.s3.<region>.<suffix>`,
  `<bucket>.s3-<region>.<suffix>`) or path-style (`s3.<suffix>/<bucket>/…`, and the two regional
  hosts). The suffix is the partition's, from botocore's partition data. Anything else is not
  answered: `response_url_problem` says why, naming the host, never the query.
- A StackId names a stack of the function's own partition, account and region.
- A scheduled event runs only when its `resources` name the provider's own rule,
  `arn:<partition>:events:<region>:<account>:rule/<settings' schedule_rule_name>`.
- `DOMAIN_PROVIDER_LOCAL_ENDPOINTS=true` (settings.py; tests and local runs only, the template
  never sets it) also trusts an `https` URL on this machine's loopback host, any port: the
  benchmark answers to a local server. Without it, no local URL is ever answered.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import SplitResult, urlsplit

from domain_provider.identity import Identity
from domain_provider.settings import Settings

RESPONSE_BUCKET = "cloudformation-custom-resource-response-{region}"
LOOPBACK = ("127.0.0.1", "localhost", "::1")
UNSAFE = re.compile(r"[\x00-\x20\x7f]")
"""Characters no CloudFormation URL carries (urlsplit silently drops some of them)."""


def response_bucket(identity: Identity) -> str:
    """CloudFormation's response bucket for the function's region."""
    return RESPONSE_BUCKET.format(region=identity.region.replace("-", ""))


def s3_endpoints(identity: Identity) -> tuple[str, ...]:
    """The S3 hosts of the function's partition and region a response URL may name."""
    suffix = identity.dns_suffix
    if suffix is None:
        return ()
    region = identity.region
    return (f"s3.{suffix}", f"s3.{region}.{suffix}", f"s3-{region}.{suffix}")


def response_url_problem(url: Any, identity: Identity, settings: Settings) -> str | None:
    """Why `url` is not a URL to answer at (a Reason naming the host, never the query), or None
    when it is CloudFormation's response bucket for this function."""
    if not isinstance(url, str) or url == "":
        return "required in a CloudFormation event" if url is None else "must be an https URL"
    if UNSAFE.search(url):
        return "must be an https URL without spaces or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "must be an https URL"
    host = parts.hostname or ""
    if parts.scheme != "https" or not host:
        return f"must be an https URL, got scheme {parts.scheme or 'none'!r}"
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return f"must not carry user info (host {host!r})"
    if settings.local_endpoints and host in LOOPBACK:
        return None
    if port not in (None, 443):
        return f"must be on port 443, got {port} (host {host!r})"
    if _in_response_bucket(host, parts, identity):
        return None
    return (
        f"not CloudFormation's response bucket for {identity.region} in {identity.partition} "
        f"(host {host!r})"
    )


def _in_response_bucket(host: str, parts: SplitResult, identity: Identity) -> bool:
    bucket = response_bucket(identity)
    for endpoint in s3_endpoints(identity):
        if host == f"{bucket}.{endpoint}" and parts.path.startswith("/"):
            return True
        if host == endpoint and parts.path.startswith(f"/{bucket}/"):
            return True
    return False


STACK_ARN = re.compile(
    r"^arn:(?P<partition>[\w-]+):cloudformation:(?P<region>[\w-]+):(?P<account>\d{12}):stack/.+"
)


def stack_problem(stack_id: str, identity: Identity) -> str | None:
    """Why `stack_id` is not a stack of the function's own partition, account and region."""
    match = STACK_ARN.match(stack_id)
    if match is None:
        return "must be a CloudFormation stack ARN"
    own = (identity.partition, identity.region, identity.account)
    if (match["partition"], match["region"], match["account"]) != own:
        return (
            f"must be a stack of this function's account {identity.account} in "
            f"{identity.region} ({identity.partition})"
        )
    return None


def schedule_rule_arn(identity: Identity, settings: Settings) -> str | None:
    """The ARN of the provider's own drift-check rule (None when the function has none)."""
    if not settings.schedule_rule_name:
        return None
    return identity.arn("events", f"rule/{settings.schedule_rule_name}")


def from_own_schedule(event: dict[str, Any], identity: Identity, settings: Settings) -> bool:
    """Whether a scheduled event's `resources` name the provider's own rule."""
    rule = schedule_rule_arn(identity, settings)
    resources = event.get("resources")
    return rule is not None and isinstance(resources, list) and rule in resources

"""JSON logs (Powertools Logger) that never carry the pre-signed ResponseURL or a credential.

The ResponseURL lets anyone who holds it answer for the stack; the security token lets anyone
act as the function. Rules:
- crhelper's logger is held at WARNING: its DEBUG lines dump the event and the URL. So are
  boto's, boto3's, botocore's and urllib3's, set here when this module is imported (not left to
  crhelper's own logging setup): their DEBUG lines carry signed headers and request URLs.
- Every record is redacted as it is made (a log record factory), and again by a filter on every
  handler (ours, the root's, any library's, and Python's last-resort stderr handler), which also
  sees a record's `extra` fields. Together they rewrite any record that contains the current URL,
  its query string, the function's session token or secret key, or any signing value in any of
  its forms: a query parameter (`X-Amz-Security-Token=…`, `%3D`-encoded too), a header
  (`X-Amz-Security-Token: …`, the canonical `x-amz-security-token:…` botocore signs), a dict or
  bytes repr (`'X-Amz-Security-Token': b'…'`), a structured field named like one
  (`{"X-Amz-Security-Token": …}`, `Authorization`) — whatever the level and whoever logs it.
- POWERTOOLS_LOGGER_LOG_EVENT=true logs the event with the URL replaced, never the raw event.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger

REDACTED = "[redacted]"
SIGNING_NAMES = (
    r"x-amz-signature|x-amz-credential|x-amz-security-token|signature|credential|awsaccesskeyid"
)
PRESIGNED = re.compile(
    rf"(?i)({SIGNING_NAMES})"  # the name; then how it is joined to its value:
    r"(['\"]?\s*(?:=|%3D|:)\s*b?['\"]?)"  # =, %3D, a header's colon, a repr's ': b'
    r"[^\s&\"',}]+"
)
SECRET_FIELDS = re.compile(rf"(?i){SIGNING_NAMES}|authorization|aws_session_token")
"""Names of structured fields whose whole value is a secret."""
QUIET_LIBRARIES = ("boto", "boto3", "botocore", "urllib3")
CREDENTIALS = ("AWS_SESSION_TOKEN", "AWS_SECRET_ACCESS_KEY")
"""The function's credentials (Lambda's environment): redacted wherever they appear."""

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "customer-profiles-domain"))
for _name in QUIET_LIBRARIES:  # their DEBUG lines carry signed headers and URLs
    logging.getLogger(_name).setLevel(logging.WARNING)


class ResponseUrlRedactor(logging.Filter):
    """Rewrites log records that would reveal the current ResponseURL or any pre-signed query."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def watch(self, response_url: str) -> None:
        """Redact this URL (and its query string) and the function's credentials from now on."""
        query = urlsplit(response_url).query
        credentials = [os.environ.get(name, "") for name in CREDENTIALS]
        secrets = [response_url, query, *(c for c in credentials if len(c) >= 16)]
        self._secrets = tuple(secret for secret in secrets if secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return PRESIGNED.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            trace = logging.Formatter().formatException(record.exc_info)
            if self.redact(trace) != trace:
                record.msg = f"{record.msg}\n{self.redact(trace)}"
                record.exc_info, record.exc_text = None, None
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and key not in ("msg", "exc_text"):
                setattr(record, key, self.redact(value))
            elif isinstance(value, dict | list | tuple) and key != "exc_info":
                setattr(record, key, _redact_structure(value, self))
        return True


def _redact_structure(value: Any, redactor: ResponseUrlRedactor) -> Any:
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and SECRET_FIELDS.fullmatch(key)
            else _redact_structure(item, redactor)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        items = [_redact_structure(item, redactor) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


redactor = ResponseUrlRedactor()
redactor.watch("")  # the function's credentials, from before the first event
_make_record = logging.getLogRecordFactory()


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every record is redacted as it is made, whoever logs it to whichever handler (a record's
    `extra` fields are added after this: the handlers' filters redact those)."""
    record = _make_record(*args, **kwargs)
    redactor.filter(record)
    return record


logging.setLogRecordFactory(_redacted_record)


def guard_logs(response_url: str) -> None:
    """Before anything logs for this event: watch its URL on every handler, mute crhelper."""
    redactor.watch(response_url)
    logging.getLogger("crhelper").setLevel(logging.WARNING)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    handlers = [logger.registered_handler, logging.lastResort]
    handlers += [h for each in loggers for h in getattr(each, "handlers", ())]
    for handler in handlers:
        if handler is None:
            continue
        if redactor not in handler.filters:
            handler.addFilter(redactor)


def loggable_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event as it may be logged: ResponseURL replaced."""
    return {**event, "ResponseURL": REDACTED} if "ResponseURL" in event else dict(event)

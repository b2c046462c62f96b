"""JSON logs (Powertools Logger) that never carry the pre-signed ResponseURL.

The ResponseURL lets anyone who holds it answer for the stack. Rules:
- crhelper's logger is held at WARNING: its DEBUG lines dump the event and the URL.
- A filter on every handler (ours, the root's, any library's, and Python's last-resort stderr
  handler) rewrites any record that contains the current URL, its query string or any
  pre-signed signature, whatever the level and whoever logs it.
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
PRESIGNED = re.compile(
    r"(?i)(x-amz-signature|x-amz-credential|x-amz-security-token|signature|awsaccesskeyid)"
    r"(=|%3D)[^\s&\"',}]+"
)

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "customer-profiles-domain"))


class ResponseUrlRedactor(logging.Filter):
    """Rewrites log records that would reveal the current ResponseURL or any pre-signed query."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: tuple[str, ...] = ()

    def watch(self, response_url: str) -> None:
        """Redact this URL (and its query string) from now on."""
        query = urlsplit(response_url).query
        self._secrets = tuple(secret for secret in (response_url, query) if secret)

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
        return {key: _redact_structure(item, redactor) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [_redact_structure(item, redactor) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value


redactor = ResponseUrlRedactor()


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

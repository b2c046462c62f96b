"""crhelper's CfnResource, with the defaults a production provider needs.

What changes, and why:
- No polling clients: crhelper builds Lambda, EventBridge and Logs clients at import for its
  polling mode; this resource never polls, so it skips them (a smaller cold start).
- No sleep on Delete (crhelper sleeps 120 s by default).
- The FAILED-on-timeout answer leaves a margin so it is sent before the Lambda is killed.
- One answer per event: the timeout answer and a late result never both reach CloudFormation,
  and the handler does not return while the timeout answer is being sent.
- The response PUT is bounded by the Lambda's deadline (crhelper retries it forever) and its
  failures are logged without the URL.
- A Reason keeps its head (crhelper keeps the last 240 characters), never carries the ResponseURL
  or a signature; the body stays under 4096 bytes.
- A Create that fails before configuring anything answers with a deterministic physical id that
  is never a domain name, so the Delete that follows knows there is nothing to undo.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.client import HTTPException, HTTPSConnection
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crhelper import CfnResource
from crhelper.resource_helper import FAILED

from domain_provider.errors import ProviderError, clip
from domain_provider.logs import logger, redactor

TIMEOUT_MARGIN = 3.0
"""Seconds before the Lambda's deadline at which FAILED is sent if the work is not done."""
RESPONSE_LIMIT = 4096
FAILED_CREATE_PREFIX = "create-failed:"


class DomainResource(CfnResource):
    """CfnResource for one `Custom::CustomerProfilesDomain` event at a time."""

    # Set by crhelper for each event; its stub does not declare them.
    _event: dict[str, Any]
    _context: Any
    _response_url: str

    # crhelper skips its polling clients when it believes it runs under `sam local`.
    _sam_local = property(lambda self: "no-polling", lambda self, value: None)

    def __init__(self) -> None:
        super().__init__(log_level="WARNING", boto_level="WARNING", sleep_on_delete=0)
        self.activity = "the request"
        self.holdup: Callable[[], str] = str
        """What the work is waiting on (the last error being retried), for the timeout Reason."""
        self._deadline = 0.0
        self._answered = False
        self._answer_lock = threading.Lock()

    def __call__(self, event: dict[str, Any], context: Any) -> None:
        """Handle the event; never return while the timeout's answer is still on its way (the
        Lambda is frozen once the handler returns, and that PUT would be lost)."""
        self._answered, self._deadline = False, 0.0
        try:
            super().__call__(event, context)
        finally:
            timer = self._timer
            if timer is not None and timer.is_alive():
                timer.join(max(self._deadline - time.monotonic(), 0.0))

    @property
    def answered(self) -> bool:
        """Whether this event's answer has been sent (or is being sent)."""
        return self._answered

    def _log_setup(self, event: dict[str, Any], context: Any) -> None:
        """Powertools owns logging; crhelper must not reconfigure the root logger per event."""

    def _set_timeout(self) -> None:
        remaining = self._remaining_seconds()
        self._deadline = time.monotonic() + remaining
        self.activity, self.holdup = "the request", str
        self._timer = threading.Timer(max(remaining - TIMEOUT_MARGIN, remaining / 2), self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        holdup = self.holdup()
        waiting = f"still retrying after {holdup}" if holdup else "a slow answer"
        reason = (
            f"Timed out: {self.activity} did not finish before the Lambda's deadline "
            f"({waiting}); retry, or raise the provider function's Timeout"
        )
        logger.error(reason)
        self._send(FAILED, reason)

    def _wrap_function(self, func: Any) -> None:
        try:
            self.PhysicalResourceId = func(self._event, self._context) if func else ""
        except ProviderError as error:
            logger.warning("FAILED", reason=str(error), error=type(error).__name__)
            self.Reason, self.Status = str(error), FAILED
        except Exception as error:
            logger.exception("FAILED with an unexpected error")
            self.Reason = redactor.redact(f"Unexpected error: {type(error).__name__}: {error}")
            self.Status = FAILED

    def generate_physical_id(self, event: dict[str, Any]) -> str:
        """Deterministic id of a Create that configured nothing; ':' keeps it off domain names."""
        return f"{FAILED_CREATE_PREFIX}{event['LogicalResourceId']}:{event['RequestId']}"

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        with self._answer_lock:
            if self._answered:
                logger.debug("An answer was already sent for this event; not sending another")
                return
            self._answered = True
        if not self.PhysicalResourceId:
            self.PhysicalResourceId = self._event.get("PhysicalResourceId") or (
                self.generate_physical_id(self._event)
            )
        body = {
            "Status": status or self.Status,
            "Reason": clip(redactor.redact(str(reason if status else self.Reason))),
            "PhysicalResourceId": str(self.PhysicalResourceId),
            "StackId": self.StackId,
            "RequestId": self.RequestId,
            "LogicalResourceId": self.LogicalResourceId,
            "NoEcho": self.NoEcho,
            "Data": self.Data,
        }
        if len(json.dumps(body)) > RESPONSE_LIMIT:
            body["Data"] = {}
        logger.info(
            "Answering CloudFormation",
            status=body["Status"],
            reason=body["Reason"],
            physical_resource_id=body["PhysicalResourceId"],
        )
        # crhelper answers an init failure before it sets the timer: take the deadline from the
        # context then.
        deadline = self._deadline or time.monotonic() + self._remaining_seconds()
        put_response(self._response_url, body, deadline)

    def _remaining_seconds(self) -> float:
        return float(self._context.get_remaining_time_in_millis()) / 1000.0


def put_response(url: str, body: dict[str, Any], deadline: float) -> bool:
    """PUT the response to the pre-signed URL, retrying until `deadline` (time.monotonic()).

    Never raises: a network or HTTP-protocol failure is retried with backoff, a 4xx or a
    malformed URL is final; each failure is logged by its kind, never with the URL."""
    payload = json.dumps(body)
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    headers = {"content-type": "", "content-length": str(len(payload))}
    attempt = 0
    while True:
        attempt += 1
        timeout = deadline - time.monotonic() - 0.2
        if timeout <= 0:
            logger.error("Could not send the response before the deadline", attempts=attempt - 1)
            return False
        try:
            connection = HTTPSConnection(parts.netloc, timeout=min(timeout, 10.0))
            connection.request("PUT", path, body=payload, headers=headers)
            status = connection.getresponse().status
            connection.close()
        except (OSError, HTTPException) as error:
            logger.warning("Response PUT failed", attempt=attempt, error=type(error).__name__)
        except ValueError as error:  # http.client.InvalidURL: retrying cannot help
            logger.error("Response URL is unusable", error=type(error).__name__)
            return False
        else:
            if status < 300:
                return True
            logger.error("Response PUT was refused", attempt=attempt, http_status=status)
            if status < 500:
                return False
        time.sleep(min(0.5 * 2 ** (attempt - 1), 4.0, max(deadline - time.monotonic() - 0.2, 0)))

"""crhelper's CfnResource, with the defaults a production provider needs.

Written against crhelper 2.0.12 (tests/test_cfn.py pins it: an upgrade must re-read these).
Each override replaces one crhelper behaviour:
- `_sam_local`: crhelper builds Lambda, EventBridge and Logs clients at import for its polling
  mode unless it believes it runs under `sam local`; this resource never polls, so it skips them.
- `sleep_on_delete=0`: crhelper sleeps 120 s on every Delete by default.
- `_log_setup`: crhelper reconfigures the root logger per event; Powertools owns logging.
- `_set_timeout` / `_timeout`: crhelper answers "Execution timed out" 0.5 s before the Lambda's
  deadline; here FAILED comes 3 s before the earlier of that deadline and the resource's
  `ServiceTimeout` (counted from the invocation's start), and its Reason says which ran out, the
  calls in flight and the error being retried.
- `_wrap_function`: crhelper calls the decorated function with the raw event; here it calls
  `lifecycle.run` with the parsed Request and the event's `Progress`, and a failure's physical
  id follows what may have changed.
- `_send`: one answer per event (the timeout's and a late result never both reach
  CloudFormation); the timer is cancelled once answered; the body is built by `response.py`
  (bounded PUT, Reason head kept, no URL or signature, under 4096 bytes).
- `respond`: the handler never returns while the timeout's answer is on its way (the Lambda is
  frozen once it returns, and that PUT would be lost).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from crhelper import CfnResource
from crhelper.resource_helper import FAILED, SUCCESS

from domain_provider import lifecycle
from domain_provider.errors import ProviderError, clip
from domain_provider.ids import made_up_id
from domain_provider.logs import logger, redactor
from domain_provider.progress import Progress
from domain_provider.request import Malformed, Request
from domain_provider.response import Outcome, answer

TIMEOUT_MARGIN = 3.0
"""Seconds before the Lambda's deadline at which FAILED is sent if the work is not done."""


class DomainResource(CfnResource):
    """CfnResource for one `Custom::CustomerProfilesDomain` event at a time."""

    _context: Any  # set by crhelper for each event; its stub does not declare it

    # crhelper skips its polling clients when it believes it runs under `sam local`.
    _sam_local = property(lambda self: "no-polling", lambda self, value: None)

    def __init__(self) -> None:
        super().__init__(log_level="WARNING", boto_level="WARNING", sleep_on_delete=0)
        self._deadline = 0.0
        self._started = 0.0
        self._limit = "the Lambda's deadline"
        self._request: Request | None = None
        self._outcome: Outcome | None = None
        self._progress = Progress()

    def respond(self, request: Request, context: Any, started: float | None = None) -> None:
        """Run the event's lifecycle and answer CloudFormation exactly once. `started`: when the
        invocation began (time.monotonic()), from which the ServiceTimeout counts."""
        self._started = time.monotonic() if started is None else started
        self._request, self._outcome = request, None
        unchanged = request.physical_id or made_up_id(request.logical_id, request.request_id)
        self._progress = Progress(unchanged_id=unchanged)
        self._deadline = 0.0
        envelope = {
            "RequestType": request.request_type,
            "ResponseURL": request.response_url,
            "StackId": request.stack_id,
            "RequestId": request.request_id,
            "LogicalResourceId": request.logical_id,
        }
        try:
            super().__call__(envelope, context)
        finally:
            timer = self._timer
            if timer is not None and timer.is_alive():
                timer.join(max(self._deadline - time.monotonic(), 0.0))

    def _log_setup(self, event: dict[str, Any], context: Any) -> None:
        """Powertools owns logging; crhelper must not reconfigure the root logger per event."""

    def _set_timeout(self) -> None:
        remaining = self._remaining_seconds()
        self._deadline = time.monotonic() + remaining
        answer_by, self._limit = remaining, "the Lambda's deadline"
        timeout = self._request.service_timeout if self._request is not None else None
        if timeout is not None:
            left = timeout - (time.monotonic() - self._started)
            if left < answer_by:
                answer_by, self._limit = left, f"the resource's ServiceTimeout ({timeout:g} s)"
        self._timer = threading.Timer(max(answer_by - TIMEOUT_MARGIN, answer_by / 2), self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        if not self._progress.take_answer():
            return
        holdup = self._progress.holdup
        waiting = f"still retrying after {holdup}" if holdup else "a slow answer"
        raise_it = (
            "raise the resource's ServiceTimeout"
            if self._limit.startswith("the resource's")
            else "raise the provider function's Timeout"
        )
        reason = (
            f"Timed out: {self._progress.activity} did not finish before {self._limit} "
            f"({waiting}); retry, or {raise_it}"
        )
        logger.error(reason)
        self._put(FAILED, reason, self._progress.failure_id())

    def _wrap_function(self, func: Any) -> None:
        assert self._request is not None
        try:
            outcome = lifecycle.run(self._request, self._progress)
        except ProviderError as error:
            logger.warning("FAILED", reason=str(error), error=type(error).__name__)
            self.Reason, self.Status = str(error), FAILED
        except Exception as error:
            if self._progress.answered:  # e.g. the SDK's next attempt, refused after the answer
                logger.warning("The work stopped: the event is answered already", error=repr(error))
                return
            logger.exception("FAILED with an unexpected error")
            self.Reason = redactor.redact(f"Unexpected error: {type(error).__name__}: {error}")
            self.Status = FAILED
        else:
            self.PhysicalResourceId, self._outcome = outcome.physical_id, outcome
            return
        self.PhysicalResourceId = self._progress.failure_id()

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        """crhelper's answer (or its init failure's): sent once, the timer cancelled first."""
        if not self._progress.take_answer():
            logger.debug("An answer was already sent for this event; not sending another")
            return
        if self._timer is not None and threading.current_thread() is not self._timer:
            self._timer.cancel()
        if status is not None:  # crhelper's init failure
            self._put(status, reason, self._progress.failure_id())
        elif self.Status == SUCCESS:
            self._put(SUCCESS, "", str(self.PhysicalResourceId), self._outcome)
        else:
            self._put(FAILED, self.Reason, str(self.PhysicalResourceId))

    def _put(
        self, status: str, reason: str, physical_id: str, outcome: Outcome | None = None
    ) -> None:
        request = self._request
        assert request is not None
        ids = (request.stack_id, request.request_id, request.logical_id)
        # crhelper answers an init failure before it sets the timer: take the deadline now then.
        deadline = self._deadline or time.monotonic() + self._remaining_seconds()
        answer(request.response_url, (status, reason, physical_id), outcome, ids, deadline)

    def _remaining_seconds(self) -> float:
        return remaining_seconds(self._context)


def remaining_seconds(context: Any) -> float:
    """Seconds the Lambda has left."""
    return float(context.get_remaining_time_in_millis()) / 1000.0


def answer_malformed(malformed: Malformed, context: Any) -> None:
    """FAILED at the event's own ResponseURL; without a trusted one, log and drop it."""
    if malformed.response_url is None:
        logger.error("Malformed event dropped: it cannot be answered", reason=malformed.reason)
        return
    ids = (malformed.stack_id, malformed.request_id, malformed.logical_id)
    logger.warning("Malformed event", reason=clip(redactor.redact(malformed.reason)))
    deadline = time.monotonic() + remaining_seconds(context) - 0.5
    what = (FAILED, malformed.reason, malformed.physical_id)
    answer(malformed.response_url, what, None, ids, deadline)

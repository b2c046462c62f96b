"""Lambda entry point for `Custom::CustomerProfilesDomain`: wiring, nothing else.

The event is parsed once (request.py); a scheduled EventBridge event runs the drift check; a
malformed event is answered at its own URL (or dropped when it has none); every other event is
answered once by `cfn.DomainResource`, which runs its lifecycle (lifecycle.py: what each
request type does to the domain, and the physical id it answers with).
"""

from __future__ import annotations

import os
import time
from typing import Any

from domain_provider.cfn import DomainResource, answer_malformed
from domain_provider.logs import guard_logs, loggable_event, logger
from domain_provider.request import Malformed, from_own_schedule, is_scheduled_event, parse_request

helper = DomainResource()


@logger.inject_lambda_context(correlation_id_path="RequestId", log_event=False, clear_state=True)
def handler(event: Any, context: Any) -> None:
    """The Lambda handler: logs guarded first, the event parsed once, then answered once.
    A scheduled EventBridge event runs the drift check instead (read-only, nothing to answer)."""
    started = time.monotonic()  # the resource's ServiceTimeout counts from here
    if is_scheduled_event(event):
        if from_own_schedule(event, context):
            from domain_provider.drift_schedule import scheduled_check  # only it needs Metrics

            scheduled_check(event)
        return
    fields = event if isinstance(event, dict) else {}
    url = fields.get("ResponseURL")
    guard_logs(url if isinstance(url, str) else "")
    logger.append_keys(
        stack_id=fields.get("StackId"),
        logical_resource_id=fields.get("LogicalResourceId"),
        request_type=fields.get("RequestType"),
    )
    if os.environ.get("POWERTOOLS_LOGGER_LOG_EVENT", "").lower() == "true":
        logger.info("Event", event=loggable_event(fields))
    request = parse_request(event, context)
    if isinstance(request, Malformed):
        answer_malformed(request, context)
        return
    helper.respond(request, context, started)

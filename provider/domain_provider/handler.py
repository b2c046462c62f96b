"""Lambda entry point for `Custom::CustomerProfilesDomain`: CloudFormation events → UpdateDomain.

The physical resource id is the domain name. What each request type does to the domain:
- Create: validate, then one UpdateDomain with every given setting and the tags.
- Update: validate; same domain → send what changed, undo what was removed, diff tags;
  another domain → a replacement, configured as Create does, answered with the new name.
- Delete: undo what the properties set (nothing with `OnDelete: Retain`); never fails the stack
  over a made-up id, invalid properties or a domain that is gone.

The life of an event: parse (request.py) → plan (planner.py, pure) → apply (aws.py) → answer
(cfn.py); a malformed event is answered at its own URL, or dropped when it has none.
"""

from __future__ import annotations

import os
from typing import Any

from domain_provider.aws import apply, customer_profiles_client
from domain_provider.cfn import DomainResource, Outcome, answer_malformed
from domain_provider.data import domain_data
from domain_provider.drift import is_scheduled_event, scheduled_check
from domain_provider.errors import DomainNotFound
from domain_provider.logs import guard_logs, loggable_event, logger
from domain_provider.planner import plan
from domain_provider.progress import Progress
from domain_provider.request import Malformed, Request, parse_request

helper = DomainResource()


def work(request: Request, progress: Progress) -> Outcome:
    """Plan the event's calls, make them, and say what to answer."""
    the_plan = plan(request)
    logger.info("Plan", changes=the_plan.summary(), calls=list(the_plan.operations))
    progress.success_id, progress.unchanged_id = the_plan.physical_id, the_plan.unchanged_id
    progress.activity = the_plan.activity
    if not the_plan.calls:
        return Outcome(the_plan.physical_id)
    try:
        domain = apply(customer_profiles_client(), the_plan, progress)
    except DomainNotFound:
        if request.request_type != "Delete":
            raise
        logger.info("Nothing to undo: the domain is gone already")
        return Outcome(the_plan.physical_id)
    if domain is None or request.request_type == "Delete":
        return Outcome(the_plan.physical_id)
    return Outcome(the_plan.physical_id, domain_data(domain, the_plan.arn))


@logger.inject_lambda_context(correlation_id_path="RequestId", log_event=False, clear_state=True)
def handler(event: Any, context: Any) -> None:
    """The Lambda handler: logs guarded first, the event parsed once, then answered once.
    A scheduled EventBridge event runs the drift check instead (read-only, nothing to answer)."""
    if is_scheduled_event(event):
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
    request = parse_request(event)
    if isinstance(request, Malformed):
        answer_malformed(request, context)
        return
    progress = Progress(unchanged_id=request.physical_id or request.failed_create_id)
    helper.respond(request, context, progress, lambda progress: work(request, progress))

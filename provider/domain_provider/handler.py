"""Lambda entry point for `Custom::CustomerProfilesDomain`: CloudFormation events → UpdateDomain.

The physical resource id is the domain name. Every event reads the live domain first and changes
only what differs from it:
- Create: validate; GetDomain; claim the domain in the ledger and record what was found (FAILED
  before any change when another resource owns it); one UpdateDomain with what differs.
- Update: the same claim (taken now if the ledger had no item), then what differs, and undo what
  the new properties no longer name; a changed DomainName is a replacement, configured as Create.
- Delete: put back what this resource changed (`OnDelete`: Restore by default, Reset, Retain),
  then release the claim; never fails the stack over a made-up id, invalid properties, a domain
  that is gone or a ledger item that is not there.
RuleBasedMatching locked by the service fails a forward change, and is left as it is by a Delete
or a rollback (with a warning).

The life of an event: parse (request.py) → target and read (aws.py, ledger.py) → plan
(planner.py, pure) → apply (aws.py) → answer (cfn.py). A malformed event is answered at its own
URL, or dropped when it has none; a scheduled event runs the drift check.
"""

from __future__ import annotations

import os
from typing import Any

from domain_provider.aws import (
    LedgerCalls,
    apply,
    customer_profiles_client,
    read_domain,
    stack_rolling_back,
)
from domain_provider.cfn import DomainResource, Outcome, answer_malformed
from domain_provider.data import domain_data
from domain_provider.errors import (
    DomainClaimed,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    RuleBasedMatchingLocked,
)
from domain_provider.ledger import Claimed, LedgerItem, Owner
from domain_provider.logs import guard_logs, loggable_event, logger
from domain_provider.planner import LockMet, Plan, found_of, plan, target, without
from domain_provider.progress import Progress
from domain_provider.request import (
    Malformed,
    Request,
    from_own_schedule,
    is_scheduled_event,
    parse_request,
)

helper = DomainResource()


def work(request: Request, progress: Progress) -> Outcome:
    """Read, plan, apply; say what to answer."""
    base = target(request)
    progress.success_id, progress.unchanged_id = base.physical_id, base.unchanged_id
    progress.activity = base.activity
    if base.domain_name is None:
        logger.info("Plan", changes=base.summary(), calls=[])
        return Outcome(base.physical_id)
    owner = Owner(request.stack_id, request.logical_id)
    ledger = LedgerCalls(progress, base.domain_name)
    if base.kind == "delete":
        try:
            return delete(request, base, ledger, owner, progress)
        except ProviderError as error:  # say how to go on: grant and retry, or retain
            raise error.with_hint(base.hint) from None
    return configure(request, base, ledger, owner, progress)


def configure(
    request: Request, base: Plan, ledger: LedgerCalls, owner: Owner, progress: Progress
) -> Outcome:
    """Create, Update, replacement: read, claim, plan against the live domain, apply. A claim
    this event took is released when it fails before changing anything; otherwise its physical
    id is the domain's, so the Delete that follows puts back and releases."""
    assert request.properties is not None
    assert base.domain_name is not None
    profiles = customer_profiles_client()
    live = read_domain(profiles, base.domain_name, base.arn, progress)
    if live is None:
        raise DomainNotFound(
            f"DomainName: domain {base.domain_name!r} does not exist in {request.region}; create "
            "it first (AWS::CustomerProfiles::Domain) and pass its name, or fix DomainName"
        )
    tag_keys = set(request.properties.Tags)
    if base.kind == "update" and request.old is not None:
        tag_keys |= set(request.old.Tags)  # keys it stops managing are put back from Found
    live_tags = live.get("Tags") or {}
    progress.claim_held = base.kind in ("create", "replacement")  # until known otherwise
    try:
        item, taken = ledger.claim(
            owner,
            request.request_id,
            found_of(live),
            {key: live_tags.get(key) for key in tag_keys},
            request.properties,
        )
    except Claimed as claimed:
        progress.claim_held = False
        raise claim_refused(base, claimed.item) from None
    try:
        the_plan = converge(request, base, live, item, progress)
        return run(request, the_plan, live, progress, profiles)
    except ProviderError as error:
        if taken and progress.claim_held and not progress.changed:
            release_on_failure(ledger, owner, progress)
        if progress.claim_held and base.kind == "replacement":
            raise error.with_hint(
                f"; the claim on {base.domain_name!r} is kept (it may have changed): retry, or "
                "delete its ledger item once the domain is checked"
            ) from None
        raise


def release_on_failure(ledger: LedgerCalls, owner: Owner, progress: Progress) -> None:
    """Release the claim of a Create or replacement that changed nothing (CloudFormation sends no
    Delete for an id it never accepted); if that fails, the claim stays and the physical id
    answered is the domain's, so a Delete can still release it."""
    try:
        ledger.release(owner)
    except ProviderError as error:
        logger.warning(
            "Could not release the claim: the answer keeps the domain's id", reason=str(error)
        )
    else:
        progress.claim_held = False


def converge(
    request: Request, base: Plan, live: dict[str, Any], item: LedgerItem, progress: Progress
) -> Plan:
    """The Create/Update plan; a forward change to a locked RuleBasedMatching fails unless the
    stack is rolling back (one DescribeStacks, only then, never on a Create)."""
    found, found_tags = item.found or {}, item.found_tags
    try:
        return plan(request, base, live, found, found_tags)
    except LockMet as lock:
        if base.kind != "create" and stack_rolling_back(request.stack_id, progress):
            return plan(request, base, live, found, found_tags, may_leave_locked=True)
        raise locked(lock.status) from None


def delete(
    request: Request, base: Plan, ledger: LedgerCalls, owner: Owner, progress: Progress
) -> Outcome:
    """Put back what this resource changed, then release its claim; no domain call when the
    ledger has no item for it or another resource owns it; with Retain, only the release."""
    assert request.properties is not None
    if request.properties.OnDelete == "Retain":
        ledger.release(owner)
        logger.info("Plan", changes=base.summary(), calls=[])
        return Outcome(base.physical_id)
    item = ledger.get()
    if item is None:
        logger.warning("No ledger item for this domain: changing nothing on it (already released)")
        return Outcome(base.physical_id)
    if not owner.owns(item):
        logger.info("Another resource owns this domain: leaving it alone")
        return Outcome(base.physical_id)
    profiles = customer_profiles_client()
    live = read_domain(profiles, item.domain_name, base.arn, progress)
    if live is not None:
        the_plan = plan(request, base, live, item.found or {}, item.found_tags)
        try:
            run(request, the_plan, live, progress, profiles)
        except DomainNotFound:
            logger.info("The domain is gone already")
    else:
        logger.info("The domain is gone already")
    try:
        ledger.release(owner)
    except ProviderError as error:  # the domain is put back: that is the answer's truth
        logger.warning(
            "The domain is put back, but the ledger still holds its claim: delete its item",
            domain=item.domain_name,
            reason=str(error),
        )
    return Outcome(base.physical_id)


def run(
    request: Request, the_plan: Plan, live: dict[str, Any], progress: Progress, profiles: Any
) -> Outcome:
    """Apply the plan (Data from its UpdateDomain, else from the live read). A RuleBasedMatching
    the service refuses is left by a Delete or a rollback (one more UpdateDomain without it) and
    fails a forward change."""
    logger.info("Plan", changes=the_plan.summary(), calls=list(the_plan.operations))
    progress.activity = the_plan.activity
    try:
        domain = apply(profiles, the_plan, progress)
    except RequestRejected as refused:
        # The service may refuse RuleBasedMatching for a day after it becomes ACTIVE, a status
        # GetDomain cannot tell apart: a refusal of a request carrying it, on a domain whose
        # rule-based matching has been processed, is read as the lock.
        status = (live.get("RuleBasedMatching") or {}).get("Status", "")
        if not _carries(the_plan, "RuleBasedMatching") or status not in LOCKABLE:
            raise
        forward = the_plan.kind in ("create", "replacement") or (
            the_plan.kind != "delete" and not stack_rolling_back(request.stack_id, progress)
        )
        if forward:
            raise locked(status, refused.detail or refused.action) from None
        the_plan = without(the_plan, "RuleBasedMatching")
        logger.info("Plan", changes=the_plan.summary(), calls=list(the_plan.operations))
        domain = apply(profiles, the_plan, progress)
    if the_plan.left:
        logger.warning(
            "Left as it is: the service locks it while it processes rule-based matching",
            left=list(the_plan.left),
        )
    if request.request_type == "Delete":
        return Outcome(the_plan.physical_id)
    return Outcome(the_plan.physical_id, domain_data(domain or live, the_plan.arn))


def _carries(the_plan: Plan, member: str) -> bool:
    return any(c.operation == "UpdateDomain" and member in c.request for c in the_plan.calls)


LOCKABLE = ("IN_PROGRESS", "ACTIVE")


def locked(status: str, words: str = "") -> RuleBasedMatchingLocked:
    return RuleBasedMatchingLocked(
        f"RuleBasedMatching: cannot change while the service processes it (status {status}); "
        "it stays locked while IN_PROGRESS and for a day after it becomes ACTIVE: retry then",
        words,
    )


def claim_refused(base: Plan, item: LedgerItem) -> DomainClaimed:
    return DomainClaimed(
        f"DomainName: {base.domain_name!r} is managed by {item.owner_logical_resource_id} in "
        f"stack {item.owner_stack_id}; to hand it over, remove it there (or set OnDelete: "
        "Retain there, then remove it) and retry"
    )


@logger.inject_lambda_context(correlation_id_path="RequestId", log_event=False, clear_state=True)
def handler(event: Any, context: Any) -> None:
    """The Lambda handler: logs guarded first, the event parsed once, then answered once.
    A scheduled EventBridge event runs the drift check instead (read-only, nothing to answer)."""
    if is_scheduled_event(event):
        if from_own_schedule(event, context):
            from domain_provider.drift import scheduled_check  # only the scheduled check needs it

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
    progress = Progress(unchanged_id=request.physical_id or request.failed_create_id)
    helper.respond(request, context, progress, lambda progress: work(request, progress))

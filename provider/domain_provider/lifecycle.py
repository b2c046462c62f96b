"""The life of one event, per request type: the contract's sequence, in one place.

Every step is a call made from here that returns here: the ledger (ledger.py), the live domain
and the changes (aws.py), the plan (planner.py, pure), and the answer's Outcome (response.py).
Nothing below calls back up; `cfn.py` calls `run` and sends what it returns (or raises).

- Create / replacement (`configure`): GetDomain (a missing domain: FAILED); claim the domain
  and record what was found (another owner: FAILED before any change); plan against the live
  domain; change only what differs. A claim this event took is released when it fails before
  changing anything; a replacement that may have changed the new domain keeps its claim.
- Update (`configure`): the same against the claim this resource holds (taken now if the
  ledger had no item); undo what the new properties no longer name.
- Delete (`delete`): put back what this resource set (`OnDelete`), then release the claim; no
  domain call without an item of this resource; with Retain, the release only.
- The rule-based matching lock: a plan that meets it (`Plan.lock`, or the service's refusal
  while the live status is lockable) is left as it is by a Delete or a rollback and fails a
  forward change (`planner.yields_to_lock`); the stack's status is read at most once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain_provider.aws import apply, customer_profiles_client, read_domain, stack_rolling_back
from domain_provider.errors import (
    DomainClaimed,
    DomainNotFound,
    ProviderError,
    RequestRejected,
    RuleBasedMatchingLocked,
)
from domain_provider.ledger import Claimed, Ledger, LedgerItem, Owner, ledger
from domain_provider.logs import logger
from domain_provider.members import live_value, members
from domain_provider.models import DomainProperties
from domain_provider.planner import (
    LOCKABLE,
    LOCKED,
    Direction,
    Plan,
    direction,
    dropped,
    dropped_tags,
    live_status,
    plan,
    target,
    without,
    yields_to_lock,
)
from domain_provider.progress import Progress
from domain_provider.request import Request
from domain_provider.response import Outcome, domain_data


def run(request: Request, progress: Progress) -> Outcome:
    """One event, by request type: what to answer (ProviderError: FAILED with its Reason)."""
    base = target(request)
    progress.success_id, progress.unchanged_id = base.physical_id, base.unchanged_id
    progress.activity = base.activity
    if base.domain_name is None:
        log_plan(base)
        return Outcome(base.physical_id)
    if base.kind == "delete":
        try:
            return delete(request, base, progress)
        except ProviderError as error:  # say how to go on: grant and retry, or retain
            raise error.with_hint(base.hint) from None
    return configure(request, base, progress)


def configure(request: Request, base: Plan, progress: Progress) -> Outcome:
    """Create, replacement: claim, read, record, change. Update: read, record (the claim
    checked), change, forget what it dropped."""
    assert request.properties is not None
    assert base.domain_name is not None
    name, new = base.domain_name, request.properties
    profiles = customer_profiles_client()
    owner = Owner(request.stack_id, request.logical_id)
    book = ledger(progress)
    fresh = base.kind in ("create", "replacement")
    taken = False
    try:
        if fresh:  # the claim before the read: Found is what the domain held once it was ours
            progress.claim_held = True  # until known otherwise
            _, taken = book.write(name, owner, request.request_id)
        live = read_domain(profiles, name, base.arn, progress)
        if live is None:
            raise DomainNotFound(name, request.region)
        old = request.old if base.kind == "update" else None
        taken_up = {path: live_value(live, path) for path in taken_up_members(old, new)}
        live_tags = live.get("Tags") or {}
        tags = {key: live_tags.get(key) for key in new.Tags if old is None or key not in old.Tags}
        item, _ = book.write(name, owner, request.request_id, taken_up, tags, new)
        the_plan = plan(request, base, live, item.found, item.found_tags)
        the_plan, domain = change(request, the_plan, live, progress, profiles)
    except Claimed as claimed:
        progress.claim_held = False
        raise claim_refused(name, claimed.item) from None
    except ProviderError as error:
        if fresh and taken and progress.claim_held and not progress.changed:
            release_on_failure(book, name, owner, progress)
        if progress.claim_held and base.kind == "replacement":
            raise error.with_hint(
                f"; the claim on {name!r} is kept (it may have changed): retry, or "
                "delete its ledger item once the domain is checked"
            ) from None
        raise
    forget_dropped(book, name, owner, dropped(old, new), dropped_tags(old, new))
    return Outcome(the_plan.physical_id, domain_data(domain or live, the_plan.arn))


def taken_up_members(old: DomainProperties | None, new: DomainProperties) -> list[str]:
    """The members this event takes up: all the new properties name, less those the old
    properties named on this domain already (their Found is recorded)."""
    before = members(old)
    return [path for path in members(new) if path not in before]


def forget_dropped(
    book: Ledger, name: str, owner: Owner, paths: Mapping[str, Any], tag_keys: Mapping[str, str]
) -> None:
    """After an Update's change succeeded: forget the Found of the members it dropped (one more
    write), so a later take-up records afresh; if that fails, the old records stay (warning)."""
    if not paths and not tag_keys:
        return
    try:
        book.forget(name, owner, paths, tag_keys)
    except ProviderError as error:
        logger.warning(
            "The change succeeded, but the ledger still records what was found for members "
            "this resource no longer manages",
            members=[*paths, *(f"Tags.{key}" for key in tag_keys)],
            reason=str(error),
        )


def release_on_failure(book: Ledger, domain_name: str, owner: Owner, progress: Progress) -> None:
    """Release the claim of a Create or replacement that changed nothing (CloudFormation sends no
    Delete for an id it never accepted); if that fails, the claim stays and the physical id
    answered is the domain's, so a Delete can still release it."""
    try:
        book.release(domain_name, owner)
    except ProviderError as error:
        logger.warning(
            "Could not release the claim: the answer keeps the domain's id", reason=str(error)
        )
    else:
        progress.claim_held = False


def delete(request: Request, base: Plan, progress: Progress) -> Outcome:
    """Put back what this resource changed, then release its claim; no domain call when the
    ledger has no item for it or another resource owns it; with Retain, only the release."""
    assert request.properties is not None
    assert base.domain_name is not None
    owner = Owner(request.stack_id, request.logical_id)
    book = ledger(progress)
    if request.properties.OnDelete == "Retain":
        book.release(base.domain_name, owner)
        log_plan(base)
        return Outcome(base.physical_id)
    item = book.get(base.domain_name)
    if item is None:
        logger.warning("No ledger item for this domain: changing nothing on it (already released)")
        return Outcome(base.physical_id)
    if not owner.owns(item):
        logger.info("Another resource owns this domain: leaving it alone")
        return Outcome(base.physical_id)
    profiles = customer_profiles_client()
    live = read_domain(profiles, item.domain_name, base.arn, progress)
    if live is not None:
        the_plan = plan(request, base, live, item.found, item.found_tags)
        try:
            change(request, the_plan, live, progress, profiles)
        except DomainNotFound:
            logger.info("The domain is gone already")
    else:
        logger.info("The domain is gone already")
    try:
        book.release(item.domain_name, owner)
    except ProviderError as error:  # the domain is put back: that is the answer's truth
        logger.warning(
            "The domain is put back, but the ledger still holds its claim: delete its item",
            domain=item.domain_name,
            reason=str(error),
        )
    return Outcome(base.physical_id)


def change(
    request: Request, the_plan: Plan, live: dict[str, Any], progress: Progress, profiles: Any
) -> tuple[Plan, dict[str, Any] | None]:
    """Apply the plan under the lock's rule: the plan as applied, and the domain as the last
    UpdateDomain returned it. The service may also refuse RuleBasedMatching for a day after it
    becomes ACTIVE, a status GetDomain cannot tell apart: a refusal of a request carrying it, on
    a domain whose rule-based matching has been processed, is read as the lock (one more
    UpdateDomain without it, when the event yields)."""
    way = _Way(request, the_plan, progress)
    if the_plan.lock:
        if not yields_to_lock(way()):
            raise RuleBasedMatchingLocked(the_plan.lock)
        the_plan = without(the_plan, LOCKED)
    log_plan(the_plan)
    if the_plan.warnings:
        logger.warning("Left as it is", members=list(the_plan.warnings))
    progress.activity = the_plan.activity
    try:
        domain = apply(profiles, the_plan, progress)
    except RequestRejected as refused:
        status = live_status(live)
        if not the_plan.carries(LOCKED) or status not in LOCKABLE:
            raise
        if not yields_to_lock(way()):
            raise RuleBasedMatchingLocked(status, refused.detail or refused.action) from None
        the_plan = without(the_plan, LOCKED)
        log_plan(the_plan)
        domain = apply(profiles, the_plan, progress)
    if the_plan.left:
        logger.warning(
            "Left as it is: the service locks it while it processes rule-based matching",
            left=list(the_plan.left),
        )
    return the_plan, domain


class _Way:
    """The event's direction, asked at most once (an Update's needs one DescribeStacks)."""

    def __init__(self, request: Request, the_plan: Plan, progress: Progress) -> None:
        self._request, self._plan, self._progress = request, the_plan, progress
        self._way: Direction | None = None

    def __call__(self) -> Direction:
        if self._way is None:
            self._way = direction(
                self._plan.kind,
                lambda: stack_rolling_back(self._request.stack_id, self._progress),
            )
        return self._way


def claim_refused(domain_name: str, item: LedgerItem) -> DomainClaimed:
    return DomainClaimed(domain_name, item.owner_logical_resource_id, item.owner_stack_id)


def log_plan(the_plan: Plan) -> None:
    """The log line that says what will change (the calls the plan makes)."""
    logger.info("Plan", changes=the_plan.summary(), calls=list(the_plan.operations))

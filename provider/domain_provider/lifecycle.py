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

from typing import Any

from domain_provider.aws import apply, describe_stack_resource, read_domain, stack_rolling_back
from domain_provider.clients import built_beside, customer_profiles_client
from domain_provider.destinations import checked_destinations
from domain_provider.errors import (
    DomainClaimed,
    DomainNotFound,
    LedgerItemInvalid,
    LedgerMissing,
    LedgerUnavailable,
    ProviderError,
    RequestRejected,
    RuleBasedMatchingLocked,
)
from domain_provider.ledger import (
    Claimed,
    Ledger,
    LedgerItem,
    Owner,
    ledger,
    owner_is_local,
    staleness,
)
from domain_provider.logs import logger
from domain_provider.members import live_value, members
from domain_provider.models import DomainProperties
from domain_provider.planner import (
    LOCKABLE,
    LOCKED,
    Direction,
    direction,
    live_status,
    plan,
    target,
    without,
    yields_to_lock,
)
from domain_provider.plans import Kind, Plan
from domain_provider.progress import Progress
from domain_provider.request import Request
from domain_provider.response import Outcome
from domain_provider.settings import settings


def run(request: Request, progress: Progress) -> Outcome:
    """One event, by request type: what to answer (ProviderError: FAILED with its Reason)."""
    base = target(request)
    progress.success_id, progress.unchanged_id = base.physical_id, base.unchanged_id
    progress.held_id = base.held_id
    progress.activity = base.activity
    if base.domain_name is None:
        log_plan(base)
        return Outcome(base.physical_id)
    if base.kind == "release":
        return release_held(request, base, progress)
    if base.kind == "delete":
        try:
            return delete(request, base, progress)
        except RequestRejected as refused:  # the way out first, then the service's words
            raise refused.led_by(
                f"To go on, update {request.logical_id} to OnDelete: Retain or Reset, or delete "
                f"the stack retaining it: "
            ) from None
        except ProviderError as error:  # grant and retry, or retain
            raise error.with_hint(base.hint) from None
    return configure(request, base, progress)


def configure(request: Request, base: Plan, progress: Progress) -> Outcome:
    """Create, replacement: claim, read, record, change. Update: read, record (the claim
    checked), change, forget what it dropped. A claim held by a stale owner is taken over."""
    assert request.properties is not None
    assert base.domain_name is not None
    name, new = base.domain_name, request.properties
    owner = Owner(request.stack_id, request.logical_id)
    book = ledger(progress)
    profiles = built_beside(customer_profiles_client, "Customer Profiles")  # during the claim
    fresh = base.kind in ("create", "replacement")
    taken, previous = False, None
    stack = Stack(request, progress)
    try:
        if fresh:  # the claim before the read: Found is what the domain held once it was ours
            taken, previous = claim(book, name, owner, request, progress)
        live = read_domain(profiles(), name, base.arn, progress)
        if live is None:
            raise DomainNotFound(name, request.identity.region)
        for warning in checked_destinations(
            new,
            live,
            request.identity,
            settings(),
            lambda: base.kind != "create" and stack.rolling_back() is True,
        ):
            logger.warning(
                "Kept by the rollback: a destination the provider does not trust", reason=warning
            )
        old = request.old if base.kind == "update" else None
        taken_up = {path: live_value(live, path) for path in taken_up_members(old, new)}
        live_tags = live.get("Tags") or {}
        tags = {key: live_tags.get(key) for key in new.Tags if old is None or key not in old.Tags}
        record: dict[str, Any] = {"found": taken_up, "found_tags": tags, "properties": new}
        try:
            item, _ = book.write(name, owner, request.request_id, **record)
        except Claimed as claimed:
            item = take_over(book, claimed.item, owner, request, progress, **record)
        if item.problem:
            raise LedgerItemInvalid(name, book.table_name, item.problem)
        the_plan = plan(request, base, live, item.found, item.found_tags)
        the_plan, domain = change(stack, the_plan, live, progress, profiles())
    except ProviderError as error:
        if fresh and taken and progress.claim_held and not progress.changed:
            release_on_failure(book, name, owner, progress, previous)
        if left_by_rollback(error, base, stack, progress):
            return Outcome(base.physical_id, {"DomainName": name}, base.arn)
        if progress.claim_held and progress.changed and base.kind == "replacement":
            raise error.with_hint(
                f"; the claim on {name!r} is kept (it may have changed): retry, or "
                "delete its ledger item once the domain is checked"
            ) from None
        raise
    forget_dropped(book, name, owner, the_plan.forget, the_plan.forget_tags)
    return Outcome(the_plan.physical_id, domain or live, the_plan.arn)


ROLLBACK_MAY_LEAVE = (DomainNotFound, LedgerUnavailable, DomainClaimed, LedgerItemInvalid)
"""What a rollback leaves as it is rather than fail over: the domain gone, the ledger unusable,
the domain another live resource's (the forward change these stopped changed nothing)."""


def left_by_rollback(error: ProviderError, base: Plan, stack: Stack, progress: Progress) -> bool:
    """Whether an Update that changed nothing answers SUCCESS over `error` because the stack
    rolls back (one DescribeStacks, only then): a failed rollback has no way out."""
    if base.kind == "create" or progress.changed or not isinstance(error, ROLLBACK_MAY_LEAVE):
        return False
    if stack.rolling_back() is not True:
        return False
    logger.warning(
        "The rollback leaves the domain as it is: it cannot be configured now",
        reason=str(error),
    )
    return True


def claim(
    book: Ledger, name: str, owner: Owner, request: Request, progress: Progress
) -> tuple[bool, Owner | None]:
    """A Create's or replacement's claim, taken over from a stale owner: whether this event
    took it, and the owner it was taken over from. A claim that did not land leaves nothing
    held; one whose fate is unknown may be."""
    progress.claim_held = True
    try:
        try:
            _, taken = book.write(name, owner, request.request_id)
        except Claimed as claimed:
            take_over(book, claimed.item, owner, request, progress)
            return True, claimed.item.owner
    except LedgerUnavailable as error:
        progress.claim_held = error.may_have_landed
        raise
    except ProviderError:
        progress.claim_held = False
        raise
    progress.claim_held = taken  # a claim it held already is not this event's to release
    return taken, None


def take_over(
    book: Ledger,
    held: LedgerItem,
    owner: Owner,
    request: Request,
    progress: Progress,
    **record: Any,
) -> LedgerItem:
    """Take the claim over from its owner if that owner is stale (one DescribeStackResource,
    none for another account or region), keeping its Found; else DomainClaimed."""
    if held.problem:
        raise LedgerItemInvalid(held.domain_name, book.table_name, held.problem)
    account, region = request.stack_id.split(":")[4], request.identity.region
    resource = None
    if owner_is_local(held.owner, account, region):
        resource = describe_stack_resource(
            held.owner_stack_id, held.owner_logical_resource_id, progress
        )
    stale, why = staleness(held.owner, held.domain_name, resource)
    if not stale:
        logger.warning(
            "The domain is managed by another resource",
            owner_stack_id=held.owner_stack_id,
            owner_logical_resource_id=held.owner_logical_resource_id,
            why=why,
        )
        progress.claim_held = False
        raise claim_refused(held, why)
    logger.warning(
        "Taking over a stale claim",
        owner_stack_id=held.owner_stack_id,
        owner_logical_resource_id=held.owner_logical_resource_id,
        why=why,
    )
    try:
        item, _ = book.write(
            held.domain_name, owner, request.request_id, holder=held.owner, **record
        )
    except Claimed as claimed:  # someone else took it meanwhile
        progress.claim_held = False
        raise claim_refused(claimed.item, "it changed hands while being taken over") from None
    return item


def release_on_failure(
    book: Ledger, domain_name: str, owner: Owner, progress: Progress, previous: Owner | None
) -> None:
    """Release the claim of a Create or replacement that changed nothing (CloudFormation sends no
    Delete for an id it never accepted): one taken over goes back to its earlier owner, with
    its Found. If that fails, the claim may still be held, and the answer says so (a
    claim-held id, whose Delete releases it)."""
    try:
        if previous is not None:
            book.hand_back(domain_name, owner, previous)
        else:
            book.release(domain_name, owner)
    except ProviderError as error:
        logger.warning(
            "Could not release the claim: the answer says a claim may be held", reason=str(error)
        )
    else:
        progress.claim_held = False


def release_held(request: Request, base: Plan, progress: Progress) -> Outcome:
    """The Delete of a Create that may hold a claim and changed nothing: release the claim if
    this resource holds it; SUCCESS whatever the ledger says (the domain was never changed)."""
    assert base.domain_name is not None
    owner = Owner(request.stack_id, request.logical_id)
    log_plan(base)
    try:
        released = ledger(progress).release(base.domain_name, owner)
    except ProviderError as error:
        logger.warning(
            "Could not release a claim the failed Create may hold: the stale rule frees it later",
            domain=base.domain_name,
            reason=str(error),
        )
    else:
        logger.info("Released the failed Create's claim" if released else "No claim was held")
    return Outcome(base.physical_id)


def taken_up_members(old: DomainProperties | None, new: DomainProperties) -> list[str]:
    """The members this event takes up: all the new properties name, less those the old
    properties named on this domain already (their Found is recorded)."""
    before = members(old)
    return [path for path in members(new) if path not in before]


def forget_dropped(
    book: Ledger, name: str, owner: Owner, paths: tuple[str, ...], tag_keys: tuple[str, ...]
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


def delete(request: Request, base: Plan, progress: Progress) -> Outcome:
    """Put back what this resource changed, then release its claim. No domain call when the
    ledger has no item for it (or the table is gone), or a live resource owns it; with Retain,
    only the release. Once the domain is put back, the release cannot fail the Delete."""
    assert request.properties is not None
    assert base.domain_name is not None
    name = base.domain_name
    owner = Owner(request.stack_id, request.logical_id)
    book = ledger(progress)
    if request.properties.OnDelete == "Retain":
        log_plan(base)
        release_after(book, name, owner)
        return Outcome(base.physical_id)
    item = read_item(book, name, request, progress)
    if item is None:
        return Outcome(base.physical_id)
    if item.problem:
        raise LedgerItemInvalid(name, book.table_name, item.problem)
    if not owner.owns(item):
        try:
            item = take_over(book, item, owner, request, progress)
        except DomainClaimed as claimed:
            logger.warning(
                "Another resource owns this domain: leaving it alone", reason=str(claimed)
            )
            return Outcome(base.physical_id)
    profiles = customer_profiles_client()
    live = read_domain(profiles, name, base.arn, progress)
    if live is not None:
        the_plan = plan(request, base, live, item.found, item.found_tags)
        try:
            change(Stack(request, progress), the_plan, live, progress, profiles)
        except DomainNotFound:
            logger.info("The domain is gone already")
    else:
        logger.info("The domain is gone already")
    release_after(book, name, owner)
    return Outcome(base.physical_id)


def read_item(book: Ledger, name: str, request: Request, progress: Progress) -> LedgerItem | None:
    """A Delete's ledger read. No item (released already, or the ledger lost) or no table: None,
    with a warning (nothing is changed). Any other failure fails the Delete with how to go on,
    except while the stack rolls back (one DescribeStacks, only then): a failed rollback has no
    way out, so it succeeds, naming what was left."""
    try:
        item = book.get(name)
    except LedgerMissing as error:
        logger.warning("The ledger is lost: changing nothing on the domain", reason=str(error))
        return None
    except ProviderError as error:
        if Stack(request, progress).rolling_back() is not True:
            raise
        logger.warning(
            "The ledger cannot be read while the stack rolls back: the domain is left as it is",
            domain=name,
            reason=str(error),
        )
        return None
    if item is None:
        logger.warning("No ledger item for this domain: changing nothing on it (already released)")
    return item


def release_after(book: Ledger, name: str, owner: Owner) -> None:
    """Release the claim after the domain is put back (or left, with Retain): a release that
    fails leaves a claim the stale rule frees later; it never fails the Delete."""
    try:
        book.release(name, owner)
    except ProviderError as error:
        logger.warning(
            "The domain is put back, but the ledger still holds its claim: the stale rule frees "
            "it once this resource is gone, or release it with the ledger command",
            domain=name,
            reason=str(error),
        )


def change(
    stack: Stack, the_plan: Plan, live: dict[str, Any], progress: Progress, profiles: Any
) -> tuple[Plan, dict[str, Any] | None]:
    """Apply the plan under the lock's rule: the plan as applied, and the domain as the last
    UpdateDomain returned it. The service may also refuse RuleBasedMatching for a day after it
    becomes ACTIVE, a status GetDomain cannot tell apart: a refusal of a request carrying it, on
    a domain whose rule-based matching has been processed, is read as the lock (one more
    UpdateDomain without it, when the event yields)."""
    if the_plan.lock:
        if not yields_to_lock(stack.direction(the_plan.kind)):
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
        lockable = refused.operation == "UpdateDomain" and status in LOCKABLE
        if not the_plan.carries(LOCKED) or not lockable:
            raise
        if not yields_to_lock(stack.direction(the_plan.kind)):
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


class Stack:
    """What is known of the event's stack: its status is read at most once per event (one
    DescribeStacks), and only when a rule needs it."""

    def __init__(self, request: Request, progress: Progress) -> None:
        self._request, self._progress = request, progress
        self._read = False
        self._rolling_back: bool | None = None

    def rolling_back(self) -> bool | None:
        """Whether it rolls back; None when that cannot be read."""
        if not self._read:
            self._read = True
            self._rolling_back = stack_rolling_back(self._request.stack_id, self._progress)
        return self._rolling_back

    def direction(self, kind: Kind) -> Direction:
        """The event's direction under the lock: a status that cannot be read counts as a
        rollback (a forward change left undone shows in the drift report; a failed rollback has
        no way out)."""

        def rolling_back() -> bool:
            answer = self.rolling_back()
            if answer is None:
                logger.warning(
                    "The stack's status cannot be read: handled as a rollback, so "
                    "RuleBasedMatching is left as it is (a forward change left undone shows in "
                    "the drift report)"
                )
            return answer is not False

        return direction(kind, rolling_back)


def claim_refused(item: LedgerItem, why: str) -> DomainClaimed:
    return DomainClaimed(item.domain_name, item.owner_logical_resource_id, item.owner_stack_id, why)


def log_plan(the_plan: Plan) -> None:
    """The log line that says what will change (the calls the plan makes)."""
    logger.info("Plan", changes=the_plan.summary(), calls=list(the_plan.operations))

"""Lambda entry point for `Custom::CustomerProfilesDomain`: CloudFormation events → UpdateDomain.

The physical resource id is the domain name. What each request type does to the domain:
- Create: validate, then one UpdateDomain with every given setting and the tags.
- Update: validate; same domain → send what changed, undo what was removed, diff tags;
  another domain → a replacement, configured as Create does, answered with the new name.
- Delete: undo what the properties set (nothing with `OnDelete: Retain`); never fails the stack
  over a made-up id, invalid properties or a domain that is gone.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import ValidationError

from domain_provider.aws import DomainApi, customer_profiles_client, domain_arn
from domain_provider.cfn import DomainResource
from domain_provider.data import domain_data
from domain_provider.drift import is_scheduled_event, scheduled_check
from domain_provider.errors import (
    DomainNotFound,
    InvalidProperties,
    ProviderError,
)
from domain_provider.logs import guard_logs, loggable_event, logger
from domain_provider.models import DomainProperties, parse_properties
from domain_provider.planner import Plan, plan_create, plan_delete, plan_update
from domain_provider.reasons import format_validation_error

helper = DomainResource()


@helper.create
def create(event: dict[str, Any], context: Any) -> str:
    """Validate; one UpdateDomain with the settings and tags. Physical id: the domain name."""
    properties = validated(event["ResourceProperties"])
    return configure(event, properties, plan_create(properties))


@helper.update
def update(event: dict[str, Any], context: Any) -> str:
    """Apply the new properties; a changed DomainName is a replacement (new physical id)."""
    properties = validated(event["ResourceProperties"])
    if event["PhysicalResourceId"] != properties.DomainName:
        logger.info("DomainName changed: replacement", old=event["PhysicalResourceId"])
        return configure(event, properties, plan_create(properties))
    old = lenient(event)
    if old is not None and old.DomainName != properties.DomainName:
        # The rollback of a failed replacement: the old properties name another domain, so
        # nothing in them was set on this one; apply the new ones in full and undo nothing.
        old = None
    return configure(event, properties, plan_update(properties, old))


@helper.delete
def delete(event: dict[str, Any], context: Any) -> str:
    """Undo what this resource set; SUCCESS without a call when there is nothing to undo."""
    physical_id: str = event["PhysicalResourceId"]
    try:
        properties = validated(event["ResourceProperties"])
    except InvalidProperties as error:
        logger.info("Nothing to undo: properties do not validate", reason=str(error))
        return physical_id
    if physical_id != properties.DomainName:
        logger.info("Nothing to undo: no domain was configured under this physical id")
        return physical_id
    plan = plan_delete(properties)
    logger.info("Plan", changes=plan.summary(), calls=plan.calls)
    if not plan.calls:
        return physical_id
    try:
        connect(event, plan).apply(plan)
    except DomainNotFound:
        logger.info("Nothing to undo: the domain is gone already")
    except ProviderError as error:
        raise error.with_hint(
            f", or delete the stack retaining {event['LogicalResourceId']}"
        ) from error
    return physical_id


def configure(event: dict[str, Any], properties: DomainProperties, plan: Plan) -> str:
    """Run a Create/Update plan; answer with the domain name once the domain may have changed."""
    logger.info("Plan", changes=plan.summary(), calls=plan.calls)
    api = connect(event, plan)
    helper.PhysicalResourceId = properties.DomainName
    try:
        domain = api.apply(plan)
    except ProviderError:
        if not api.changed:  # crhelper then answers with the event's id, or a made-up one
            helper.PhysicalResourceId = ""
        raise
    if domain is not None:
        helper.Data.update(domain_data(domain, domain_arn(event["StackId"], properties.DomainName)))
    return properties.DomainName


def connect(event: dict[str, Any], plan: Plan) -> DomainApi:
    """The plan's domain on the container's client; a timeout from now on names these calls."""
    arn = domain_arn(event["StackId"], plan.domain_name)
    api = DomainApi(customer_profiles_client(), arn, stop=lambda: helper.answered)
    helper.activity = f"{' + '.join(plan.calls)} on domain {plan.domain_name!r}"
    helper.holdup = api.holdup
    return api


def validated(raw: Any) -> DomainProperties:
    """The properties, or InvalidProperties with a Reason that names the property."""
    try:
        return parse_properties(raw)
    except ValidationError as error:
        raise InvalidProperties(format_validation_error(error)) from None
    except (TypeError, ValueError) as error:  # a validator met a value it cannot even compare
        raise InvalidProperties(f"Properties: cannot be read: {error}") from None


def lenient(event: dict[str, Any]) -> DomainProperties | None:
    """The old properties, or None when they no longer validate (the diff then assumes nothing)."""
    try:
        return validated(event.get("OldResourceProperties", {}))
    except InvalidProperties:
        logger.warning("Old properties do not validate; applying the new ones in full")
        return None


@logger.inject_lambda_context(correlation_id_path="RequestId", log_event=False, clear_state=True)
def handler(event: dict[str, Any], context: Any) -> None:
    """The Lambda handler: logs guarded first, then crhelper answers CloudFormation.
    A scheduled EventBridge event runs the drift check instead (read-only, nothing to answer)."""
    if is_scheduled_event(event):
        scheduled_check(event)
        return
    guard_logs(event.get("ResponseURL", ""))
    logger.append_keys(
        stack_id=event.get("StackId"),
        logical_resource_id=event.get("LogicalResourceId"),
        request_type=event.get("RequestType"),
    )
    if os.environ.get("POWERTOOLS_LOGGER_LOG_EVENT", "").lower() == "true":
        logger.info("Event", event=loggable_event(event))
    helper(event, context)

"""The real handler run once, in a Lambda with a given timeout."""

from __future__ import annotations

import copy
import time
from typing import Any

from tools.local.cloudformation import LambdaContext, ResponseBucket


def deliver(event: dict[str, Any], cfn: ResponseBucket, timeout: float) -> tuple[float, float]:
    """Run the handler once with a `timeout`-second Lambda; (its deadline, when it returned)."""
    from domain_provider.handler import handler

    context = LambdaContext(timeout=timeout)
    handler(copy.deepcopy(event), context)
    return context.started + timeout, time.monotonic()

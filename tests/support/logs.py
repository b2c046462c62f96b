"""Reading what the provider logged."""

from __future__ import annotations

import io
import json
from typing import Any


def parse_json_logs(stream: io.StringIO) -> list[dict[str, Any]]:
    """Each line the Powertools handler wrote, parsed."""
    return [json.loads(line) for line in stream.getvalue().splitlines()]

"""Turn pydantic's ValidationError into a Reason a person can act on.

Shape: `<property path>: <what is wrong>, got <value>` for the first error, then `(+N more)`.
Never pydantic's default text: it is long and ends with a docs URL.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from domain_provider.errors import clip, short_repr
from domain_provider.models import (
    DOMAIN_NAME_PATTERN,
    JOB_TIME_PATTERN,
    S3_BUCKET_PATTERN,
    TAG_KEY_PATTERN,
    DomainProperties,
)

PATTERN_HINTS = {
    DOMAIN_NAME_PATTERN: "must contain only letters, digits, '_' and '-'",
    JOB_TIME_PATTERN: "must be HH:MM (24h)",
    S3_BUCKET_PATTERN: "must contain only lowercase letters, digits, '.' and '-'",
    TAG_KEY_PATTERN: "must not start with 'aws:' and may contain only letters, digits "
    "and + , - . / : ; < = _",
}

KIND_NAMES = {
    "list_type": "a list",
    "dict_type": "a map",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "string_type": "a string",
    "bool_type": "true or false",
    "int_type": "a whole number",
    "float_type": "a number",
}


def format_validation_error(error: ValidationError) -> str:
    """The Reason for a validation failure: first error in full, then how many more."""
    # An unknown name first: a misspelt property also shows up as the required one it misses.
    details = sorted(error.errors(include_url=False), key=lambda d: d["type"] != "extra_forbidden")
    text = describe(details[0])
    if len(details) > 1:
        text += f" (+{len(details) - 1} more)"
    return clip(text)


def describe(detail: ErrorDetails) -> str:
    """One error as `path: message`."""
    loc = tuple(detail["loc"])
    if detail["type"] == "extra_forbidden":
        return f"{property_path(loc)}: unknown property{_suggestion(loc)}"
    path = property_path(loc) or "Properties"
    return f"{path}: {_message(detail)}"


def property_path(loc: tuple[int | str, ...]) -> str:
    """`('Matching', 'JobSchedule', 'Time')` → `Matching.JobSchedule.Time`; indexes in brackets."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            path += " key"
        elif path and _is_map_key(path):
            path += f"[{part!r}]"
        else:
            path += f".{part}" if path else part
    return path


def _is_map_key(path: str) -> bool:
    return path.endswith("Tags")


def _message(detail: ErrorDetails) -> str:
    kind = detail["type"]
    ctx: dict[str, Any] = dict(detail.get("ctx") or {})
    given = detail.get("input")
    got = f", got {short_repr(given)}"
    if kind == "missing":
        return "required"
    if kind == "string_pattern_mismatch":
        hint = PATTERN_HINTS.get(ctx.get("pattern", ""), f"must match {ctx.get('pattern')}")
        return hint + got
    if kind == "string_too_short":
        return f"must be at least {ctx['min_length']} characters{got}"
    if kind == "string_too_long":
        return f"must be at most {ctx['max_length']} characters, got {len(given)}"
    if kind in ("int_parsing", "int_from_float"):
        return "must be a whole number" + got
    if kind == "bool_parsing":
        return "must be true or false" + got
    if kind == "float_parsing":
        return "must be a number" + got
    if kind == "finite_number":
        return "must be a finite number" + got
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}{got}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}{got}"
    if kind == "literal_error":
        return f"must be one of {ctx['expected']}{got}"
    if kind == "too_short":
        return f"must have at least {ctx['min_length']} item(s), got {ctx['actual_length']}"
    if kind == "too_long":
        size = ctx.get("actual_length") or len(given)
        return f"must have at most {ctx['max_length']} items, got {size}"
    if kind in KIND_NAMES:
        return f"must be {KIND_NAMES[kind]}, got {type(given).__name__} {short_repr(given)}"
    if kind == "rule_attribute":
        return f"{detail['msg']}{got}"
    return detail["msg"]


def _suggestion(loc: tuple[int | str, ...]) -> str:
    """`, did you mean 'X'?` for a near miss of a property name at the same level."""
    import difflib  # only an unknown name needs it, not a cold start

    model = _model_at(DomainProperties, loc[:-1])
    if model is None:
        return ""
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    if not close:
        lowered = {name.lower(): name for name in model.model_fields}
        close = [lowered[str(loc[-1]).lower()]] if str(loc[-1]).lower() in lowered else []
    return f"; did you mean {close[0]!r}?" if close else ""


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        found = _find_model(field.annotation) if field else None
        if found is None:
            return None
        model = found
    return model


def _find_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel inside `X | None`, `list[X]` or `Annotated[...]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = _find_model(arg)
            if found is not None:
                return found
    return None

"""The resource's properties: UpdateDomain's request members, with every limit of the service model.

Rules:
- Names are exactly UpdateDomain's; unknown names are errors (CloudFormation's `ServiceToken` and
  `ServiceTimeout` are dropped before validation).
- CloudFormation sends every scalar as a string, so `"366"`, `"true"` and `"0.8"` validate as
  the integer, boolean and float they spell — exactly: a boolean is `true` or `false` in any
  letter case; an integer is decimal digits with an optional sign; a number is a decimal with an
  optional fraction and exponent. Anything else (`"yes"`, `"1"` for a boolean, `"3_66"`,
  `" 366 "`) is an error. Native JSON values of the right type are accepted as they are.
- Limits come from botocore's `customer-profiles` model; the prose rules from the API page.
  Never stricter than the service: where the page is ambiguous, accept.
"""

# Fields are named like their classes (`Matching: _Matching | None = None`): the class body binds
# the field's name before its annotation is read, hence the `_Name` aliases.
import re
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from domain_provider.errors import short_repr

DOMAIN_NAME_PATTERN = r"^[a-zA-Z0-9_-]+$"
JOB_TIME_PATTERN = r"^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$"
S3_BUCKET_PATTERN = r"^[a-z0-9.-]+$"
# The API's pattern read literally: inside the class, `+-=` is the range '+'..'=' (digits included).
TAG_KEY_PATTERN = r"^(?!aws:)[a-zA-Z+-=._:/]+$"

RULE_ATTRIBUTES = (
    "AccountNumber",
    "Address.Address",
    "Address.City",
    "Address.Country",
    "Address.County",
    "Address.PostalCode",
    "Address.State",
    "Address.Province",
    "BirthDate",
    "BusinessName",
    "EmailAddress",
    "FirstName",
    "Gender",
    "LastName",
    "MiddleName",
    "PhoneNumber",
)
CUSTOM_RULE_ATTRIBUTE_PREFIX = "Attributes"

# The page spells `MaillingAddress`; the profile attribute is `MailingAddress`: both are accepted.
# Its PhoneNumber example also says `Phone` and `HomePhone`: ambiguous, so accepted too.
AddressType = Literal[
    "Address", "BusinessAddress", "MailingAddress", "MaillingAddress", "ShippingAddress"
]
PhoneType = Literal["PhoneNumber", "HomePhoneNumber", "MobilePhoneNumber", "Phone", "HomePhone"]
EmailType = Literal["EmailAddress", "BusinessEmailAddress", "PersonalEmailAddress"]

IGNORED_PROPERTIES = ("ServiceToken", "ServiceTimeout")


class CfnModel(BaseModel):
    """Base for every property object: forbid unknown names, read CloudFormation's strings."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        allow_inf_nan=False,
        coerce_numbers_to_str=True,
        regex_engine="python-re",
    )


String1To255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]

INTEGER = re.compile(r"[+-]?[0-9]+")
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _cfn_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise PydanticCustomError("bool_parsing", "must be true or false")


def _cfn_number(pattern: re.Pattern[str], kind: str, what: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, str) and pattern.fullmatch(value) is None:
            raise PydanticCustomError(kind, "must be a {what}", {"what": what})
        if isinstance(value, bool):  # a JSON true is no number
            raise PydanticCustomError(kind, "must be a {what}", {"what": what})
        return value

    return BeforeValidator(check)


CfnBool = Annotated[bool, BeforeValidator(_cfn_bool)]
"""`true`/`false` in any letter case (as CloudFormation's strings), or a JSON boolean."""
# Number checks come after the limits in an Annotated (`Annotated[int, Field(ge=1), CFN_INT]`),
# so pydantic keeps the limits on the number itself (and in the JSON Schema).
CFN_INT = _cfn_number(INTEGER, "int_parsing", "whole number")
"""Decimal digits with an optional sign, or a JSON integer."""
CFN_FLOAT = _cfn_number(DECIMAL, "float_parsing", "number")
"""A decimal with optional fraction and exponent, or a JSON number."""


def _full_match(pattern: str) -> AfterValidator:
    """Match the API's `pattern` against the whole value: Python's `$` also accepts a final
    newline, which the service's (ECMA) patterns do not."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise PydanticCustomError(
                "string_pattern_mismatch",
                "String should match pattern {pattern}",
                {"pattern": pattern},
            )
        return value

    return AfterValidator(check)


def _patterned(pattern: str, min_length: int, max_length: int) -> tuple[Any, ...]:
    return (
        StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern),
        _full_match(pattern),
    )


DomainNameString = Annotated[str, *_patterned(DOMAIN_NAME_PATTERN, 1, 64)]
JobTimeString = Annotated[str, *_patterned(JOB_TIME_PATTERN, 3, 5)]
S3BucketString = Annotated[str, *_patterned(S3_BUCKET_PATTERN, 3, 63)]


def _rule_attribute(value: str) -> str:
    if value in RULE_ATTRIBUTES or value.startswith(CUSTOM_RULE_ATTRIBUTE_PREFIX):
        return value
    raise PydanticCustomError(
        "rule_attribute",
        "must be a profile attribute such as EmailAddress, PhoneNumber, Address.City, or a custom "
        "'Attributes.*' name",
    )


RuleAttribute = Annotated[
    String1To255,
    AfterValidator(_rule_attribute),
    Field(
        json_schema_extra={"anyOf": [{"enum": list(RULE_ATTRIBUTES)}, {"pattern": "^Attributes"}]}
    ),
]


class JobSchedule(CfnModel):
    DayOfTheWeek: Literal[
        "SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"
    ]
    Time: JobTimeString


_JobSchedule = JobSchedule


class Consolidation(CfnModel):
    MatchingAttributesList: Annotated[
        list[Annotated[list[String1To255], Field(min_length=1, max_length=20)]],
        Field(min_length=1, max_length=10),
    ]


_Consolidation = Consolidation


class ConflictResolution(CfnModel):
    """`SourceName` is required when `ConflictResolvingModel` is `SOURCE` (API page)."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"ConflictResolvingModel": {"const": "SOURCE"}}},
            "then": {"required": ["SourceName"]},
        }
    )
    ConflictResolvingModel: Literal["RECENCY", "SOURCE"]
    SourceName: String1To255 | None = None

    @model_validator(mode="after")
    def _source_needs_name(self) -> Self:
        if self.ConflictResolvingModel == "SOURCE" and self.SourceName is None:
            raise PydanticCustomError(
                "source_name_required",
                "SourceName is required when ConflictResolvingModel is SOURCE",
            )
        return self


_ConflictResolution = ConflictResolution


class AutoMerging(CfnModel):
    Enabled: CfnBool
    Consolidation: _Consolidation | None = None
    ConflictResolution: _ConflictResolution | None = None
    MinAllowedConfidenceScoreForMerging: (
        Annotated[float, Field(ge=0.0, le=1.0), CFN_FLOAT] | None
    ) = None


_AutoMerging = AutoMerging


class S3Exporting(CfnModel):
    S3BucketName: S3BucketString
    S3KeyName: Annotated[str, StringConstraints(min_length=1, max_length=800)] | None = None


_S3Exporting = S3Exporting


class ExportingConfig(CfnModel):
    S3Exporting: _S3Exporting | None = None


_ExportingConfig = ExportingConfig


class Matching(CfnModel):
    Enabled: CfnBool
    JobSchedule: _JobSchedule | None = None
    AutoMerging: _AutoMerging | None = None
    ExportingConfig: _ExportingConfig | None = None


_Matching = Matching


class MatchingRule(CfnModel):
    Rule: Annotated[list[RuleAttribute], Field(min_length=1, max_length=15)]


class AttributeTypesSelector(CfnModel):
    AttributeMatchingModel: Literal["ONE_TO_ONE", "MANY_TO_MANY"]
    Address: Annotated[list[AddressType], Field(min_length=1, max_length=4)] | None = None
    PhoneNumber: Annotated[list[PhoneType], Field(min_length=1, max_length=4)] | None = None
    EmailAddress: Annotated[list[EmailType], Field(min_length=1, max_length=3)] | None = None


_AttributeTypesSelector = AttributeTypesSelector


RuleLevel = Annotated[int, Field(ge=1, le=15), CFN_INT]


class RuleBasedMatching(CfnModel):
    Enabled: CfnBool
    MatchingRules: Annotated[list[MatchingRule], Field(min_length=1, max_length=15)] | None = None
    MaxAllowedRuleLevelForMerging: RuleLevel | None = None
    MaxAllowedRuleLevelForMatching: RuleLevel | None = None
    AttributeTypesSelector: _AttributeTypesSelector | None = None
    ConflictResolution: _ConflictResolution | None = None
    ExportingConfig: _ExportingConfig | None = None


_RuleBasedMatching = RuleBasedMatching


class DataStore(CfnModel):
    Enabled: CfnBool | None = None


_DataStore = DataStore


TagKey = Annotated[str, *_patterned(TAG_KEY_PATTERN, 1, 128)]
TagValue = Annotated[str, StringConstraints(max_length=256)]


def _tags_json_schema(schema: dict[str, Any]) -> None:
    """The schema says what `Tags` accepts: the map, or CloudFormation's `[{Key, Value}]` list."""
    ((pattern, value),) = schema["patternProperties"].items()
    key = {"type": "string", **schema["propertyNames"], "pattern": pattern}
    most = schema["maxProperties"]
    item = {
        "type": "object",
        "properties": {"Key": key, "Value": value},
        "required": ["Key", "Value"],
        "additionalProperties": False,
    }
    as_map = {"type": "object", "propertyNames": key, "additionalProperties": value}
    schema.clear()
    schema["anyOf"] = [
        {**as_map, "maxProperties": most},
        {"type": "array", "items": item, "maxItems": most},
    ]


class DomainProperties(CfnModel):
    """The resource's properties. `OnDelete` and `ReconcileToken` are the provider's own; the rest
    is UpdateDomain's."""

    DomainName: DomainNameString
    DefaultExpirationDays: Annotated[int, Field(ge=1, le=1098), CFN_INT] | None = None
    DefaultEncryptionKey: Annotated[str, StringConstraints(max_length=255)] | None = None
    DeadLetterQueueUrl: Annotated[str, StringConstraints(max_length=255)] | None = None
    Matching: _Matching | None = None
    RuleBasedMatching: _RuleBasedMatching | None = None
    DataStore: _DataStore | None = None
    Tags: Annotated[dict[TagKey, TagValue], Field(max_length=50)] = Field(
        default_factory=dict, json_schema_extra=_tags_json_schema
    )
    OnDelete: Literal["Restore", "Reset", "Retain"] = "Restore"
    ReconcileToken: Annotated[str, StringConstraints(max_length=128)] | None = None
    """The provider's own, never sent to AWS: changing it makes CloudFormation send an Update,
    which converges the domain on the properties again (puts back what drifted)."""

    @field_validator("Tags", mode="before")
    @classmethod
    def _tags_as_map(cls, value: Any) -> Any:
        """Accept CloudFormation's `[{Key, Value}]` list as well as a map; duplicates are errors."""
        if not isinstance(value, list):
            return value
        tags: dict[Any, Any] = {}
        for index, item in enumerate(value):
            if not isinstance(item, dict) or set(item) != {"Key", "Value"}:
                raise PydanticCustomError(
                    "tag_item",
                    "item {index} must have exactly Key and Value, got {item}",
                    {"index": index, "item": short_repr(item)},
                )
            if not isinstance(item["Key"], str):
                raise PydanticCustomError(
                    "tag_key_type",
                    "item {index} Key must be a string, got {key}",
                    {"index": index, "key": short_repr(item["Key"])},
                )
            if item["Key"] in tags:
                raise PydanticCustomError(
                    "tag_duplicate", "key {key} is given twice", {"key": repr(item["Key"])}
                )
            tags[item["Key"]] = item["Value"]
        return tags


def parse_properties(raw: Any) -> DomainProperties:
    """Validate ResourceProperties as CloudFormation sends them (raises ValidationError)."""
    if isinstance(raw, dict):
        raw = {key: value for key, value in raw.items() if key not in IGNORED_PROPERTIES}
    return DomainProperties.model_validate(raw)


SETTINGS = (
    "DefaultExpirationDays",
    "DefaultEncryptionKey",
    "DeadLetterQueueUrl",
    "Matching",
    "RuleBasedMatching",
    "DataStore",
)
"""The UpdateDomain members that are domain settings (not the name, not tags)."""


def setting(properties: DomainProperties, name: str) -> Any:
    """One setting as UpdateDomain takes it (nested objects as dicts, unset members left out)."""
    value = getattr(properties, name)
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    return value

"""The fake AWS environment of every local run and test (no account, no network).

Set before any AWS import: without a region, crhelper's CfnResource() stores an init failure.
"""

from __future__ import annotations

FAKE_ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "POWERTOOLS_SERVICE_NAME": "customer-profiles-domain",
    # The provider's own drift-check rule, as events/scheduled-drift-check.json names it.
    "DRIFT_SCHEDULE_RULE_NAME": "customer-profiles-drift-0b9e4e80-8f3e-11ef-a1b2-0a1b2c3d4e5f",
    # The provider stack's AllowedExportBuckets, as the sample events' exports need it.
    "ALLOWED_EXPORT_BUCKETS": "crm-profiles-*",
}
UNSET = ("AWS_PROFILE", "AWS_RETRY_MODE")

"""The AWS operations the provider calls, per botocore service name.

The artifact ships botocore's data trimmed to what the provider uses (docs/packaging.md): the
models of these services with only these operations, in `models/`, found first through
`AWS_DATA_PATH` (a client of a 4-operation model is built in a quarter of the time); and
botocore's own `endpoints.json` (1.2 MB, parsed at the first client: 24 ms) with only the
services of CLIENTS; of botocore's service folders, only those of CLIENTS and
CREDENTIAL_CLIENTS are shipped. A call missing from OPERATIONS has no method on the client in
Lambda: tests/test_models.py runs the whole lifecycle and the drift check on the trimmed data,
and checks that every client of CLIENTS sends its requests where botocore's full data sends them.
"""

from typing import Literal, get_args

Operation = Literal["GetDomain", "UpdateDomain", "TagResource", "UntagResource"]
"""The Customer Profiles operations of a plan's calls."""

OPERATIONS: dict[str, tuple[str, ...]] = {
    "customer-profiles": get_args(Operation),
    "dynamodb": ("GetItem", "UpdateItem", "DeleteItem", "Scan"),
}
CLIENTS = ("customer-profiles", "dynamodb", "cloudformation")
"""Every service the provider makes a client of (CloudFormation: DescribeStacks, full model)."""
CREDENTIAL_CLIENTS = ("sts", "sso", "sso-oidc", "signin")
"""The services botocore's own credential providers make clients of (assumed roles, SSO, `aws
login`): the artifact keeps their data too, though Lambda hands the function its credentials."""
MODELS_DIR = "models"
"""The folder of the trimmed models, beside the package in the artifact (AWS_DATA_PATH)."""

"""The AWS operations the provider calls, per botocore service name.

The artifact ships botocore's models of these services trimmed to these operations (in
`models/`, found through `AWS_DATA_PATH`): a client of a 4-operation model is built in a quarter
of the time of the full one (docs/packaging.md), which a cold start pays on its first event. A
call missing from this list has no method on the client in Lambda: tests/test_package.py runs
the whole lifecycle and the drift check on the trimmed models.
"""

OPERATIONS: dict[str, tuple[str, ...]] = {
    "customer-profiles": ("GetDomain", "UpdateDomain", "TagResource", "UntagResource"),
    "dynamodb": ("GetItem", "UpdateItem", "DeleteItem", "Scan"),
}
MODELS_DIR = "models"
"""The folder of the trimmed models, beside the package in the artifact (AWS_DATA_PATH)."""

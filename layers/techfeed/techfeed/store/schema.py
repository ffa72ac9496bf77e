"""The one definition of the techfeed table and bucket, and idempotent creation of both (I/O)."""

from __future__ import annotations

import contextlib
from typing import Any

FEED_INDEX = "gsi1"
SOURCE_INDEX = "gsi2"

_KEYS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")


def _key_schema(hash_key: str, range_key: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": hash_key, "KeyType": "HASH"},
        {"AttributeName": range_key, "KeyType": "RANGE"},
    ]


# boto3 create_table kwargs minus TableName; the same key names as CloudFormation's
# AWS::DynamoDB::Table, so template.yaml can be checked against it.
TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"} for key in _KEYS],
    "KeySchema": _key_schema("pk", "sk"),
    "GlobalSecondaryIndexes": [
        {
            "IndexName": FEED_INDEX,
            "KeySchema": _key_schema("gsi1pk", "gsi1sk"),
            "Projection": {"ProjectionType": "ALL"},
        },
        {
            "IndexName": SOURCE_INDEX,
            "KeySchema": _key_schema("gsi2pk", "gsi2sk"),
            "Projection": {"ProjectionType": "ALL"},
        },
    ],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
}


def ensure_table(client: Any, table_name: str) -> None:
    """Create the table from TABLE_DEFINITION unless it exists, and wait until it is active."""
    with contextlib.suppress(client.exceptions.ResourceInUseException):
        client.create_table(TableName=table_name, **TABLE_DEFINITION)
    client.get_waiter("table_exists").wait(TableName=table_name)


def ensure_bucket(client: Any, bucket: str) -> None:
    """Create the bucket in the client's region unless it exists."""
    try:
        client.head_bucket(Bucket=bucket)
        return
    except client.exceptions.ClientError as error:
        # HeadBucket has no body, so a missing bucket shows only as the HTTP status.
        if error.response["Error"]["Code"] != "404":
            raise
    region = client.meta.region_name
    # us-east-1 is the one region that rejects an explicit LocationConstraint.
    if region == "us-east-1":
        client.create_bucket(Bucket=bucket)
    else:
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
        )

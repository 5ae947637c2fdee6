"""The landing zone in an S3 bucket, through dagster-aws's S3 resource.

Its own module because importing dagster-aws costs ~0.9 s (its package imports all its components),
which a local landing zone (tests, laptops, every `lakehouse` command on a folder) need not pay.
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from dagster_aws.s3 import S3Resource
from pydantic import Field, PrivateAttr

from lakehouse_assets.resources.landing import LandingZone, _Listed


class S3LandingZone(LandingZone, S3Resource):
    """A landing zone in an S3 bucket (LAKEHOUSE_LANDING_ROOT=s3://bucket/prefix), on AWS or MinIO.

    dagster-aws's S3Resource with a bucket and a prefix: its fields say how to reach S3, and its
    `get_client()` builds the client (with an endpoint set, as for MinIO or moto, botocore addresses
    buckets by path, as those servers need; `max_attempts` bounds the retries). A subclass rather
    than a nested resource field: Dagster opens a resource that holds another as a context manager,
    which every `build_sensor_context(resources=...)` of the landing sensor would then have to do.

    Listing uses ListObjectsV2 page by page, so a bucket with many thousands of keys is never held
    in memory at once; an object's fingerprint is its ETag and size, which change with its content.
    Bronze reads the same objects through Spark's S3A connector, configured from the same settings.
    """

    bucket: str = Field(description="Bucket holding the drops.")
    prefix: str = Field(default="", description="Key prefix of the landing root inside the bucket ('' = bucket root).")
    page_size: int = Field(default=1000, description="Keys per ListObjectsV2 page (1000 is S3's maximum).")
    # Redeclared to leave them out of repr: a resource resolved for a run holds the values its EnvVars
    # name, and a repr can end up in a log line or an error message.
    aws_secret_access_key: str | None = Field(
        default=None, repr=False, description="Secret key (AWS_SECRET_ACCESS_KEY); set it through EnvVar."
    )
    aws_session_token: str | None = Field(
        default=None, repr=False, description="Session token, for temporary credentials; set it through EnvVar."
    )

    _client: Any = PrivateAttr(default=None)

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        # The UI marks library resources "Dagster maintained"; this subclass is the project's own.
        return False

    def get_object_to_set_on_execution_context(self) -> Any:
        # S3Resource hands `context.resources.<key>` a bare boto3 client; this key is a landing zone.
        return self

    @classmethod
    def from_uri(cls, uri: str, **fields: Any) -> "S3LandingZone":
        parsed = urlparse(uri)
        return cls(bucket=parsed.netloc, prefix=parsed.path.strip("/"), **fields)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self.get_client()
        return self._client

    def _full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _list(self, prefix: str) -> Iterator[_Listed]:
        root = f"{self.prefix}/" if self.prefix else ""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=self.bucket, Prefix=root + prefix, PaginationConfig={"PageSize": self.page_size}
        )
        for page in pages:  # keys come back in UTF-8 binary order, page after page
            for item in page.get("Contents", []):
                if item["Key"].endswith("/"):  # a "folder" placeholder some tools create
                    continue
                etag = item.get("ETag", "").strip('"')
                yield _Listed(item["Key"][len(root) :], item["Size"], f"{item['Size']}:{etag}")

    def _read_range(self, key: str, start: int, length: int) -> bytes:
        response = self.client.get_object(
            Bucket=self.bucket, Key=self._full_key(key), Range=f"bytes={start}-{start + length - 1}"
        )
        return response["Body"].read()

    def _read_text(self, key: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._full_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return response["Body"].read().decode("utf-8")

    def _spark_path(self, key: str) -> str:
        return f"s3a://{self.bucket}/{self._full_key(key)}"

    def put_file(self, local_path: Path, key: str) -> None:
        # An S3 object appears whole when its upload completes, so no temporary key is needed.
        self.client.upload_file(str(local_path), self.bucket, self._full_key(key))

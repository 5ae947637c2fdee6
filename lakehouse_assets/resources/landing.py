"""The landing zone: where source systems drop files as `<source>/<YYYY-MM-DD>/<file>`.

Bronze assets, bronze checks and the landing sensor talk to the landing zone only through a
`LandingZone` resource, so the same code runs on a local folder (tests, laptops) and on an S3
bucket (MinIO, AWS). The two implementations differ only in four primitives — list keys under a
prefix, read a byte range, write a file, and name a key the way Spark reads it; every rule about
what counts as a data file and what belongs to which drop lives once, in the base class.
"""

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlparse

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from lakehouse_assets.contracts import IGNORED_FILE_PREFIXES, MANIFEST_FILE_NAME, LandingFile

FORMAT_BY_EXTENSION: dict[str, str] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
    ".parquet": "parquet",
}


# Writers' partial files: never data, whatever their extension.
PARTIAL_MARKERS: tuple[str, ...] = ("_tmp", ".tmp", ".part", ".crdownload")

# A CSV header is read by ranged reads of this size until its line ends.
_HEAD_CHUNK = 64 * 1024


class LandedObject(NamedTuple):
    """A file found under the landing root, as the sensor sees it (no content read)."""

    key: str  # relative to the root: <source>/<YYYY-MM-DD>/<name>
    source: str
    day: date | None  # None when the key is outside the <source>/<YYYY-MM-DD>/<name> layout
    size: int
    fingerprint: str  # changes when the content may have changed (size + mtime, or an etag)


class _Listed(NamedTuple):
    key: str  # relative to the root
    size: int
    fingerprint: str


def is_data_file(name: str, size: int) -> bool:
    """Zero-byte, partial (`.part`, `_tmp`) and bookkeeping (`.x`, `_x`) files are not data."""
    lowered = name.lower()
    return size > 0 and not name.startswith(IGNORED_FILE_PREFIXES) and not any(m in lowered for m in PARTIAL_MARKERS)


class UnsupportedLandingFileError(ValueError):
    """A drop holds a file bronze cannot read; refusing it beats silently skipping its records."""


class LandingZone(ConfigurableResource):
    """Drops under `<source>/<YYYY-MM-DD>/<file>`; subclasses say where the keys live."""

    # --- what an implementation provides -------------------------------------------------------
    @property
    def location(self) -> str:
        """The root as a person would type it (a folder or s3://bucket/prefix)."""
        raise NotImplementedError

    def _list(self, prefix: str) -> Iterator[_Listed]:
        """Every object under `prefix` (relative to the root, ending in `/`), sorted by key."""
        raise NotImplementedError

    def _read_range(self, key: str, start: int, length: int) -> bytes:
        raise NotImplementedError

    def _read_text(self, key: str) -> str | None:
        """The whole object as text, or None when it does not exist."""
        raise NotImplementedError

    def _spark_path(self, key: str) -> str:
        """How Spark reads `key`: an absolute local path or an s3a:// URI."""
        raise NotImplementedError

    def put_file(self, local_path: Path, key: str) -> None:
        """Land a local file under `key`, appearing whole or not at all."""
        raise NotImplementedError

    # --- shared behaviour --------------------------------------------------------------------
    def drop_location(self, source: str, day: date) -> str:
        return f"{self.location.rstrip('/')}/{source}/{day.isoformat()}/"

    def list_drop(self, source: str, day: date) -> list[LandingFile]:
        """The data files of one (source, day) drop, by name; bookkeeping and empty files left out.

        A zero-byte file holds no record, so leaving it out loses nothing; a file of an unknown
        type might hold records, so it stops the run with a message instead.
        """
        prefix = f"{source}/{day.isoformat()}/"
        files = []
        for listed in self._list(prefix):
            name = listed.key[len(prefix):]
            if "/" in name or not is_data_file(name, listed.size):
                continue
            suffix = Path(name).suffix
            file_format = FORMAT_BY_EXTENSION.get(suffix.lower())
            if file_format is None:
                raise UnsupportedLandingFileError(
                    f"Landing file {self.location.rstrip('/')}/{listed.key} has an unsupported type "
                    f"'{suffix or '(none)'}'. Bronze reads {', '.join(sorted(FORMAT_BY_EXTENSION))}; "
                    "rename or convert the file, or move it out of the drop folder, then re-run this partition."
                )
            files.append(LandingFile(self._spark_path(listed.key), name, file_format, listed.size, day, listed.key))
        return files

    def read_first_line(self, file: LandingFile) -> str:
        """The first line of a file (a CSV header), read in ranges rather than whole."""
        head, start = b"", 0
        while b"\n" not in head and start < file.size:
            chunk = self._read_range(file.key, start, _HEAD_CHUNK)
            if not chunk:
                break
            head, start = head + chunk, start + len(chunk)
        return head.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r")

    def read_manifest(self, source: str, day: date) -> dict | None:
        """The generator's manifest of a drop, or None for drops delivered without one."""
        key = f"{source}/{day.isoformat()}/{MANIFEST_FILE_NAME}"
        text = self._read_text(key)
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"Manifest {self.location.rstrip('/')}/{key} is not valid JSON ({exc}); fix or remove it."
            ) from exc

    def scan(self, source: str) -> Iterator[LandedObject]:
        """Every data file under `<root>/<source>/`, lazily, without reading contents.

        Files deeper or shallower than `<source>/<YYYY-MM-DD>/<name>`, or in a folder that is not
        a date, come back with `day=None` so the caller can report them.
        """
        for listed in self._list(f"{source}/"):
            parts = listed.key.split("/")[1:]
            if not parts or not is_data_file(parts[-1], listed.size):
                continue
            yield LandedObject(listed.key, source, _folder_date(parts), listed.size, listed.fingerprint)


class LocalLandingZone(LandingZone):
    """A landing zone on the local file system (LAKEHOUSE_LANDING_ROOT=/some/folder)."""

    root: str = Field(description="Folder holding <source>/<YYYY-MM-DD>/<file> drops.")

    @property
    def location(self) -> str:
        return self.root

    def drop_folder(self, source: str, day: date) -> Path:
        return Path(self.root) / source / day.isoformat()

    def _list(self, prefix: str) -> Iterator[_Listed]:
        base = Path(self.root) / prefix
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file():
                stat = path.stat()
                key = path.relative_to(self.root).as_posix()
                yield _Listed(key, stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}")

    def _read_range(self, key: str, start: int, length: int) -> bytes:
        with open(Path(self.root) / key, "rb") as handle:
            handle.seek(start)
            return handle.read(length)

    def _read_text(self, key: str) -> str | None:
        path = Path(self.root) / key
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _spark_path(self, key: str) -> str:
        return str((Path(self.root) / key).resolve())

    def put_file(self, local_path: Path, key: str) -> None:
        target = Path(self.root) / key
        target.parent.mkdir(parents=True, exist_ok=True)
        # `.part` files are ignored by the sensor and by bronze, so a half-copied file is never read.
        partial = target.with_name(target.name + ".part")
        shutil.copyfile(local_path, partial)
        partial.replace(target)


class S3LandingZone(LandingZone):
    """A landing zone in an S3 bucket (LAKEHOUSE_LANDING_ROOT=s3://bucket/prefix), on AWS or MinIO.

    Listing uses ListObjectsV2 page by page, so a bucket with many thousands of keys is never held
    in memory at once; an object's fingerprint is its ETag and size, which change with its content.
    Bronze reads the same objects through Spark's S3A connector, configured from the same settings.
    """

    bucket: str = Field(description="Bucket holding the drops.")
    prefix: str = Field(default="", description="Key prefix of the landing root inside the bucket ('' = bucket root).")
    endpoint_url: str | None = Field(
        default=None, description="S3 endpoint (AWS_ENDPOINT_URL), e.g. http://minio:9000; None for AWS itself."
    )
    region: str = Field(default="us-east-1", description="Region (AWS_REGION).")
    access_key_id: str | None = Field(default=None, description="Access key (AWS_ACCESS_KEY_ID); set it through EnvVar.")
    secret_access_key: str | None = Field(
        default=None, repr=False, description="Secret key (AWS_SECRET_ACCESS_KEY); set it through EnvVar."
    )
    page_size: int = Field(default=1000, description="Keys per ListObjectsV2 page (1000 is S3's maximum).")

    _client: Any = PrivateAttr(default=None)

    @classmethod
    def from_uri(cls, uri: str, **connection: Any) -> "S3LandingZone":
        parsed = urlparse(uri)
        return cls(bucket=parsed.netloc, prefix=parsed.path.strip("/"), **connection)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3  # imported here: a local landing zone never needs it
            from botocore.config import Config

            self._client = boto3.client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=self.access_key_id,
                aws_secret_access_key=self.secret_access_key,
                # MinIO and most S3-compatible servers address buckets by path, not by host name.
                config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
            )
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
                yield _Listed(item["Key"][len(root):], item["Size"], f"{item['Size']}:{etag}")

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


def _folder_date(parts: list[str]) -> date | None:
    if len(parts) != 2:
        return None
    try:
        return date.fromisoformat(parts[0])
    except ValueError:
        return None

"""A real S3-compatible server for the tests: moto in server mode, as a process on 127.0.0.1.

Started once per test session (about a second), stopped by its own PID at the end. Each test uses
buckets of its own, so tests never see each other's objects.
"""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from lakehouse_assets.resources import S3LandingZone
from lakehouse_assets.resources.spark import S3AConnection
from lakehouse_assets_tests.processes import free_port, stop_process_group, wait_for_port

ACCESS_KEY, SECRET_KEY, REGION = "lakehouse-test", "lakehouse-test-secret", "us-east-1"


class S3Server(NamedTuple):
    endpoint_url: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self, stem: str) -> str:
        name = f"{stem}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name

    def landing_zone(self, bucket: str, prefix: str = "", **fields: Any) -> S3LandingZone:
        return S3LandingZone(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            **fields,
        )

    def connection(self) -> S3AConnection:
        return S3AConnection(self.endpoint_url, REGION, ACCESS_KEY, SECRET_KEY)

    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }


def start_s3_server(log_path: Path) -> Iterator[S3Server]:
    port = free_port()
    moto_server = Path(sys.executable).parent / "moto_server"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, start_new_session=True
        )
    try:
        wait_for_port(port, process, 30, f"moto_server (log: {log_path})")
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        stop_process_group(process, grace=10)

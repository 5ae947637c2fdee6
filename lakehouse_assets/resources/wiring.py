"""Resources from settings: the one place where the environment becomes Spark, landing and table resources.

`build_definitions` uses `build_resources`; the `lakehouse` commands, which run outside Dagster,
use the same builders with the S3 keys resolved at once.
"""

import os
import sys

from dagster import EnvVar

from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.landing import LandingZone, LocalLandingZone
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.settings import Settings


def s3_credentials(settings: Settings, resolved: bool = False) -> dict:
    """The S3 keys for resources: as EnvVar (Dagster resolves them when a run starts and shows only
    the variable's name in the UI and logs), or resolved now for code outside Dagster (the CLI)."""
    if not (settings.landing_on_s3 or settings.tables_on_s3):
        return {}
    names = {"access_key_id": "AWS_ACCESS_KEY_ID", "secret_access_key": "AWS_SECRET_ACCESS_KEY"}
    return {field: os.environ[name] if resolved else EnvVar(name) for field, name in names.items()}


def build_landing_zone(settings: Settings, credentials: dict) -> LandingZone:
    if settings.landing_on_s3:
        # Imported here: dagster-aws costs ~0.9 s to import, which a local landing zone need not pay.
        from lakehouse_assets.resources.s3_landing import S3LandingZone

        return S3LandingZone.from_uri(
            settings.landing_root,
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            **{f"aws_{name}": value for name, value in credentials.items()},
        )
    return LocalLandingZone(root=settings.landing_root)


def build_spark_resource(settings: Settings, credentials: dict) -> SparkResource:
    """The Spark resource for `settings` (S3A loaded and configured when a root is on S3).

    Outside Dagster (the CLI), pass `s3_credentials(settings, resolved=True)` and call get_session().
    """
    return SparkResource(
        master=settings.spark_master,
        driver_memory=settings.spark_driver_memory,
        shuffle_partitions=settings.spark_shuffle_partitions,
        s3_enabled=settings.landing_on_s3 or settings.tables_on_s3,
        s3_endpoint_url=settings.s3_endpoint_url,
        s3_region=settings.s3_region,
        **{f"s3_{name}": value for name, value in credentials.items()},
    )


def cli_spark_session(settings: Settings):
    """The SparkSession of a `lakehouse` command run outside Dagster: the runs' own resource, with the
    S3 keys read now. While the JVM starts (it inherits file descriptor 1 and writes Ivy's resolution
    report there), stdout goes to stderr, so a command's stdout carries only its own output."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        return build_spark_resource(settings, s3_credentials(settings, resolved=True)).get_session()
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def build_resources(settings: Settings) -> dict:
    """Resources for `settings`; only *where* data lives differs between environments."""
    credentials = s3_credentials(settings)
    spark = build_spark_resource(settings, credentials)
    return {
        "spark": spark,
        "landing": build_landing_zone(settings, credentials),
        "io_manager": DeltaIOManager(root=settings.lakehouse_root, spark=spark),
        "delta_tables": DeltaTableReader(root=settings.lakehouse_root, spark=spark),
    }

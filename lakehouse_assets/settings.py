"""Environment-driven settings, read where a process starts (the definitions module, a `lakehouse` command,
the dashboard) and validated before anything runs; everything else receives them from there.

Every setting has a default under `./.lakehouse/` so the embedded setup needs no configuration.
An invalid value raises `SettingsError` naming the variable and what to set, at definitions load,
before any run starts.
"""

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_BASE = Path(".lakehouse")

# local, local[4], local[*], local[4,2] (retries), local-cluster[...], spark://host:port[,host:port],
# (counts of threads, retries and workers start at 1: local[0] starts a driver that never runs a task),
# k8s://https://host:port and yarn are the masters a classic SparkSession builder accepts.
_SPARK_MASTER = re.compile(
    r"^(local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?|local-cluster\[[1-9]\d*,[1-9]\d*,[1-9]\d*\]|spark://[^\s/]+|k8s://\S+|yarn)$"
)
_S3A_URI = re.compile(r"^s3a://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^\s]*)?$")


class SettingsError(ValueError):
    """A setting has a value the lakehouse cannot use."""


class Settings(BaseModel):
    """Where data lives and how Spark runs. Build with `Settings.from_env()`."""

    model_config = ConfigDict(frozen=True)

    lakehouse_root: str = Field(
        description="LAKEHOUSE_ROOT: root of the Delta tables, a local folder or s3a://bucket/prefix."
    )
    landing_root: str = Field(
        description="LAKEHOUSE_LANDING_ROOT: the landing zone, a local folder or s3://bucket/prefix."
    )
    dagster_home: str = Field(description="DAGSTER_HOME: Dagster instance folder (SQLite storage).")
    spark_master: str = Field(description="LAKEHOUSE_SPARK_MASTER: Spark master URL.")
    spark_driver_memory: str = Field(
        default="2g",
        description="LAKEHOUSE_SPARK_DRIVER_MEMORY: spark.driver.memory (a local master runs the work in it).",
    )
    spark_shuffle_partitions: int = Field(
        default=4, description="LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS: spark.sql.shuffle.partitions."
    )
    start_date: date = Field(description="LAKEHOUSE_START_DATE: first daily partition.")
    late_arrival_days: int = Field(
        description="LAKEHOUSE_LATE_ARRIVAL_DAYS: how many days after a sale its record may still land; "
        "a day's gold summary reads that many later silver partitions."
    )
    quarantine_rate_threshold: float = Field(
        description="LAKEHOUSE_QUARANTINE_RATE_THRESHOLD: share of a partition's bronze rows that may be "
        "quarantined before the rule_failure_rates check warns."
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="AWS_ENDPOINT_URL: the S3 endpoint of both S3 roots (MinIO: http://host:9000); unset for AWS.",
    )
    s3_region: str = Field(default="us-east-1", description="AWS_REGION: region of the S3 buckets.")
    vacuum_retention_hours: int = Field(
        default=168,
        description="LAKEHOUSE_VACUUM_RETENTION_HOURS: hours of history VACUUM keeps (files an older version "
        "needs stay on storage that long, so time travel and running readers keep working).",
    )
    sensors_running: bool = Field(
        default=False,
        description="LAKEHOUSE_SENSORS_DEFAULT_STATUS=running|stopped: whether the landing sensor and the "
        "automation sensor start running when a deployment first loads the code.",
    )

    @property
    def landing_on_s3(self) -> bool:
        return self.landing_root.startswith("s3://")

    @property
    def tables_on_s3(self) -> bool:
        return self.lakehouse_root.startswith("s3a://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        lakehouse_root, landing_root = _table_root(env), _landing_root(env)
        uses_s3 = lakehouse_root.startswith("s3a://") or landing_root.startswith("s3://")
        if uses_s3:
            _require_s3_credentials(env)
        return cls(
            lakehouse_root=lakehouse_root,
            landing_root=landing_root,
            s3_endpoint_url=_endpoint_url(env),
            s3_region=_value(env, "AWS_REGION") or _value(env, "AWS_DEFAULT_REGION") or "us-east-1",
            sensors_running=_sensors_running(env),
            dagster_home=_local_dir(env, "DAGSTER_HOME", DEFAULT_BASE / "dagster_home"),
            spark_master=_spark_master(env),
            spark_driver_memory=_memory(env, "LAKEHOUSE_SPARK_DRIVER_MEMORY", "2g"),
            spark_shuffle_partitions=_count(env, "LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS", 4),
            start_date=_start_date(env),
            quarantine_rate_threshold=_rate(env, "LAKEHOUSE_QUARANTINE_RATE_THRESHOLD", 0.10),
            late_arrival_days=_days(env, "LAKEHOUSE_LATE_ARRIVAL_DAYS", 1),
            vacuum_retention_hours=_hours(env, "LAKEHOUSE_VACUUM_RETENTION_HOURS", 168),
        )


def _value(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def _local_dir(env: Mapping[str, str], name: str, default: Path) -> str:
    raw = _value(env, name)
    if raw is not None and "://" in raw:
        raise SettingsError(
            f"{name}={raw!r} is a URL; {name} must be a local folder path (for example "
            f"{default}). Unset it to use the default."
        )
    path = Path(raw).expanduser() if raw else default
    path = path.resolve()
    if path.exists() and not path.is_dir():
        raise SettingsError(f"{name}={str(path)!r} exists but is not a folder; point {name} at a folder.")
    return str(path)


def _table_root(env: Mapping[str, str]) -> str:
    raw = _value(env, "LAKEHOUSE_ROOT")
    if raw is None:
        return _local_dir(env, "LAKEHOUSE_ROOT", DEFAULT_BASE / "tables")
    if raw.startswith("s3a://"):
        if not _S3A_URI.match(raw):
            raise SettingsError(
                f"LAKEHOUSE_ROOT={raw!r} is not a valid s3a URI; set it like s3a://my-bucket/lakehouse "
                "(bucket names are 3-63 lower-case letters, digits, dots and hyphens)."
            )
        return raw.rstrip("/")
    if raw.startswith(("s3://", "s3n://")):
        raise SettingsError(
            f"LAKEHOUSE_ROOT={raw!r} uses {raw.split('://')[0]}://; Spark writes Delta to S3 through "
            f"the S3A connector, so set LAKEHOUSE_ROOT=s3a://{raw.split('://', 1)[1]}."
        )
    if "://" in raw:
        raise SettingsError(f"LAKEHOUSE_ROOT={raw!r} is not supported; use a local folder or s3a://bucket/prefix.")
    return _local_dir(env, "LAKEHOUSE_ROOT", DEFAULT_BASE / "tables")


def _landing_root(env: Mapping[str, str]) -> str:
    """A local folder, or s3://bucket/prefix (s3a:// accepted too: the same bucket either way)."""
    raw = _value(env, "LAKEHOUSE_LANDING_ROOT")
    if raw is not None and raw.startswith(("s3://", "s3a://")):
        location = raw.split("://", 1)[1].rstrip("/")
        if not _S3A_URI.match("s3a://" + location):
            raise SettingsError(
                f"LAKEHOUSE_LANDING_ROOT={raw!r} is not a valid S3 location; set it like s3://landing or "
                "s3://my-bucket/drops (bucket names are 3-63 lower-case letters, digits, dots and hyphens)."
            )
        return "s3://" + location
    if raw is not None and "://" in raw:
        raise SettingsError(
            f"LAKEHOUSE_LANDING_ROOT={raw!r} is not supported; use a local folder or s3://bucket/prefix."
        )
    return _local_dir(env, "LAKEHOUSE_LANDING_ROOT", DEFAULT_BASE / "landing")


def _require_s3_credentials(env: Mapping[str, str]) -> None:
    missing = [name for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") if _value(env, name) is None]
    if missing:
        raise SettingsError(
            f"LAKEHOUSE_ROOT or LAKEHOUSE_LANDING_ROOT points at S3, but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set; export the access key and secret of the bucket "
            "(for MinIO, its root user and password), and AWS_ENDPOINT_URL for a server other than AWS."
        )


def _endpoint_url(env: Mapping[str, str]) -> str | None:
    raw = _value(env, "AWS_ENDPOINT_URL")
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(
            f"AWS_ENDPOINT_URL={raw!r} is not an http(s) URL; set it like http://127.0.0.1:9000 (MinIO) "
            "or unset it to use AWS."
        )
    return raw.rstrip("/")


def _sensors_running(env: Mapping[str, str]) -> bool:
    raw = (_value(env, "LAKEHOUSE_SENSORS_DEFAULT_STATUS") or "stopped").lower()
    if raw not in ("running", "stopped"):
        raise SettingsError(
            f"LAKEHOUSE_SENSORS_DEFAULT_STATUS={raw!r} is not a sensor status; set it to running or stopped."
        )
    return raw == "running"


def _spark_master(env: Mapping[str, str]) -> str:
    raw = _value(env, "LAKEHOUSE_SPARK_MASTER") or "local[*]"
    if not _SPARK_MASTER.match(raw):
        raise SettingsError(
            f"LAKEHOUSE_SPARK_MASTER={raw!r} is not a Spark master URL; use local[*], local[N], "
            "spark://host:7077, k8s://https://host:443 or yarn."
        )
    return raw


def _start_date(env: Mapping[str, str]) -> date:
    raw = _value(env, "LAKEHOUSE_START_DATE") or "2024-01-01"
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingsError(
            f"LAKEHOUSE_START_DATE={raw!r} is not a date; set it as YYYY-MM-DD, e.g. 2024-01-01."
        ) from None


def _memory(env: Mapping[str, str], name: str, default: str) -> str:
    raw = _value(env, name)
    if raw is None:
        return default
    if not re.fullmatch(r"[1-9][0-9]*[kKmMgGtT]", raw):
        raise SettingsError(f"{name}={raw!r} is not a JVM memory size; set a number with a unit, e.g. 4g or 2048m.")
    return raw.lower()


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _value(env, name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise SettingsError(f"{name}={raw!r} is not a positive whole number; set e.g. {default}.")
    return int(raw)


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _value(env, name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) > 366:
        raise SettingsError(f"{name}={raw!r} is not a number of days; set a whole number from 0 to 366, e.g. 1.")
    return int(raw)


def _hours(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _value(env, name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()):
        raise SettingsError(
            f"{name}={raw!r} is not a number of hours; set a whole number of 0 or more, e.g. 168 (7 days)."
        )
    return int(raw)


def _rate(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _value(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise SettingsError(f"{name}={raw!r} is not a rate; set it to a number from 0 to 1, e.g. 0.1 for 10%.")
    return value

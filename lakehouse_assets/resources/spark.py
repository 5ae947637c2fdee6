"""One lazily created SparkSession with Delta Lake, shared by every step of a run.

`SparkResource` is dagster-pyspark's `LazyPySparkResource` with typed settings: loading definitions
never starts a JVM, and the session is built the first time a step reads `spark_session` (or calls
`get_session()`). With the in-process executor all steps of a run share this process, so
`getOrCreate` hands every step the same session (a JVM start costs ~7 s here, more than most steps).
"""

from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import Any, NamedTuple

from dagster_pyspark import LazyPySparkResource
from pydantic import Field, PrivateAttr, model_validator
from pyspark.sql import SparkSession

from lakehouse_assets.delta.spark_conf import session_conf
from lakehouse_assets.internals.delta import set_hadoop_conf


class S3AConnection(NamedTuple):
    """Where Spark's S3A connector finds the buckets of LAKEHOUSE_ROOT / LAKEHOUSE_LANDING_ROOT."""

    endpoint_url: str | None = None  # None: AWS itself
    region: str = "us-east-1"
    access_key_id: str | None = None  # None: the AWS SDK's default credential chain
    secret_access_key: str | None = None


@lru_cache(maxsize=1)
def bundled_hadoop_version() -> str:
    """The Hadoop version pyspark ships (hadoop-client-api-<version>.jar).

    hadoop-aws must be exactly this version: S3A is compiled against Hadoop's internals, and a
    mismatch fails at the first s3a:// access with NoSuchMethodError or ClassNotFoundException.
    """
    import pyspark

    jars = sorted((Path(pyspark.__file__).parent / "jars").glob("hadoop-client-api-*.jar"))
    if not jars:
        raise RuntimeError("pyspark's jars folder holds no hadoop-client-api jar; reinstall pyspark.")
    return jars[-1].name.removeprefix("hadoop-client-api-").removesuffix(".jar")


def s3a_packages() -> list[str]:
    # hadoop-aws pulls in the matching AWS SDK v2 bundle (software.amazon.awssdk:bundle) through Ivy.
    return [f"org.apache.hadoop:hadoop-aws:{bundled_hadoop_version()}"]


def delta_package() -> str:
    """The Maven coordinates of Delta's jar for the installed delta-spark and pyspark.

    The rule of delta's `configure_spark_with_delta_pip`, which can only set them on a builder, and
    dagster-pyspark builds its own builder from `spark_config`; a test compares the two.
    """
    import pyspark

    spark_major_minor = ".".join(pyspark.__version__.split(".")[:2])
    return f"io.delta:delta-spark_{spark_major_minor}_2.13:{version('delta-spark')}"


def s3a_hadoop_conf(connection: S3AConnection) -> dict[str, str]:
    """Hadoop settings for S3A (without the `spark.hadoop.` prefix)."""
    conf = {
        "fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint.region": connection.region,
        # Fail within a minute, with the endpoint in the message, when the server is unreachable
        # (the SDK's defaults retry for many minutes).
        "fs.s3a.attempts.maximum": "3",
        "fs.s3a.retry.limit": "3",
        "fs.s3a.connection.establish.timeout": "5s",
    }
    if connection.endpoint_url:
        conf["fs.s3a.endpoint"] = connection.endpoint_url
        # MinIO and most S3-compatible servers address buckets by path, not by virtual host.
        conf["fs.s3a.path.style.access"] = "true"
        conf["fs.s3a.connection.ssl.enabled"] = str(connection.endpoint_url.startswith("https://")).lower()
    if connection.access_key_id and connection.secret_access_key:
        conf["fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
        conf["fs.s3a.access.key"] = connection.access_key_id
        conf["fs.s3a.secret.key"] = connection.secret_access_key
    return conf


# S3 has no atomic put-if-absent that every server offers, so Delta's default S3 log store
# guarantees a table's commits are not lost only when ONE Spark driver writes that table at a time.
# The project runs one run at a time (dagster.yaml: max_concurrent_runs 1) and one SparkSession per
# run, which meets that. Several concurrent writers need S3DynamoDBLogStore (delta-storage-s3-dynamodb).
S3_LOG_STORE_CONF: dict[str, str] = {
    "spark.delta.logStore.s3a.impl": "io.delta.storage.S3SingleDriverLogStore",
    "spark.delta.logStore.s3.impl": "io.delta.storage.S3SingleDriverLogStore",
}


def spark_settings(
    master: str,
    app_name: str,
    shuffle_partitions: int,
    ui_enabled: bool,
    driver_memory: str,
    extra_conf: dict[str, str],
    s3: S3AConnection | None,
) -> dict[str, str]:
    """Every setting the session starts with, except the S3 keys.

    Delta's jars come from Maven Central through `spark.jars.packages` (cached by Ivy under
    ~/.ivy2.5.2). With `s3`, hadoop-aws and the AWS SDK bundle join them (only then: the bundle is
    ~690 MB), and S3A is configured for the connection.
    """
    conf = {"spark.master": master, "spark.app.name": app_name}
    conf.update(session_conf(master, shuffle_partitions, ui_enabled, driver_memory))
    conf["spark.jars.packages"] = ",".join([delta_package(), *(s3a_packages() if s3 is not None else [])])
    if s3 is not None:
        conf.update(S3_LOG_STORE_CONF)
        keyless = s3._replace(access_key_id=None, secret_access_key=None)
        conf.update({f"spark.hadoop.{key}": value for key, value in s3a_hadoop_conf(keyless).items()})
    conf.update(extra_conf)
    return conf


class SparkResource(LazyPySparkResource):
    """A Delta-enabled SparkSession, created on first use and reused for the rest of the process.

    dagster-pyspark's lazy resource builds the session from `spark_config`, which this class derives
    from the typed fields below; reading the session then sets the S3 keys in the session's Hadoop
    settings, so they never appear in `spark_config`, where the UI would show them.
    """

    master: str = Field(default="local[*]", description="Spark master URL (LAKEHOUSE_SPARK_MASTER).")
    app_name: str = Field(default="lakehouse_assets", description="Spark application name.")
    shuffle_partitions: int = Field(
        default=4,
        description="spark.sql.shuffle.partitions (LAKEHOUSE_SPARK_SHUFFLE_PARTITIONS); small by default "
        "because a local run has few cores.",
    )
    ui_enabled: bool = Field(default=False, description="Serve the Spark UI (port 4040).")
    driver_memory: str = Field(
        default="2g", description="spark.driver.memory for the driver JVM (LAKEHOUSE_SPARK_DRIVER_MEMORY)."
    )
    extra_conf: dict[str, str] = Field(default_factory=dict, description="Any other Spark settings, applied last.")
    s3_enabled: bool = Field(
        default=False, description="Load S3A (hadoop-aws + AWS SDK) and configure it: set when a root is on S3."
    )
    s3_endpoint_url: str | None = Field(default=None, description="S3 endpoint (AWS_ENDPOINT_URL); None for AWS.")
    s3_region: str = Field(default="us-east-1", description="S3 region (AWS_REGION).")
    s3_access_key_id: str | None = Field(default=None, description="S3 access key; set it through EnvVar.")
    s3_secret_access_key: str | None = Field(
        default=None, repr=False, description="S3 secret key; set it through EnvVar."
    )
    spark_config: dict[str, Any] = Field(
        default_factory=dict,
        description="The settings the session starts with (dagster-pyspark's field), derived from the fields "
        "above whenever the resource is built: set those, or extra_conf, not this. The S3 keys are not in it.",
    )

    _hadoop_conf_set: bool = PrivateAttr(default=False)

    @classmethod
    def _is_dagster_maintained(cls) -> bool:
        # The UI marks library resources "Dagster maintained"; this subclass is the project's own.
        return False

    @model_validator(mode="before")
    @classmethod
    def _derive_spark_config(cls, data: Any) -> Any:
        # Derived again each time Dagster rebuilds the resource from its config (at every run's
        # start), so a typed field changed in the launchpad reaches the session too.
        if not isinstance(data, dict):
            return data
        values = {
            name: data.get(name, field.get_default(call_default_factory=True))
            for name, field in cls.model_fields.items()
            if name != "spark_config"
        }
        s3 = S3AConnection(values["s3_endpoint_url"], values["s3_region"]) if values["s3_enabled"] else None
        settings = spark_settings(
            values["master"],
            values["app_name"],
            values["shuffle_partitions"],
            values["ui_enabled"],
            values["driver_memory"],
            values["extra_conf"],
            s3,
        )
        return {**data, "spark_config": settings}

    @property
    def spark_session(self) -> SparkSession:
        session = super().spark_session
        if not self._hadoop_conf_set:
            session.sparkContext.setLogLevel("WARN")
            # Also on a session that was already running (one per process), where the builder's
            # `spark.hadoop.*` settings no longer take effect.
            connection = self.s3_connection()
            if connection is not None:
                set_hadoop_conf(session, s3a_hadoop_conf(connection))
            self._hadoop_conf_set = True
        return session

    @property
    def spark_context(self) -> Any:
        return self.spark_session.sparkContext

    def get_session(self) -> SparkSession:
        return self.spark_session

    def s3_connection(self) -> S3AConnection | None:
        if not self.s3_enabled:
            return None
        return S3AConnection(self.s3_endpoint_url, self.s3_region, self.s3_access_key_id, self.s3_secret_access_key)


def build_spark_session(
    master: str = "local[*]",
    app_name: str = "lakehouse_assets",
    shuffle_partitions: int = 4,
    ui_enabled: bool = False,
    driver_memory: str = "2g",
    extra_conf: dict[str, str] | None = None,
    s3: S3AConnection | None = None,
) -> SparkSession:
    """Get or create the process's Delta-enabled SparkSession, outside Dagster (tests, `lakehouse fetch-jars`),
    through the same resource the runs use."""
    connection = s3 if s3 is not None else S3AConnection()
    resource = SparkResource(
        master=master,
        app_name=app_name,
        shuffle_partitions=shuffle_partitions,
        ui_enabled=ui_enabled,
        driver_memory=driver_memory,
        extra_conf=extra_conf or {},
        s3_enabled=s3 is not None,
        s3_endpoint_url=connection.endpoint_url,
        s3_region=connection.region,
        s3_access_key_id=connection.access_key_id,
        s3_secret_access_key=connection.secret_access_key,
    )
    return resource.get_session()

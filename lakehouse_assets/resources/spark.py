"""One lazily created SparkSession with Delta Lake, shared by every step of a run.

Loading definitions never starts a JVM: the session is built the first time a step asks for it.
With the in-process executor all steps of a run share this process, so `getOrCreate` hands every
step the same session (a JVM start costs ~7 s here, more than most steps).
"""

from typing import Any

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr
from pyspark.sql import SparkSession

DELTA_SESSION_CONF: dict[str, str] = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
}


def _is_local(master: str) -> bool:
    return master.startswith("local")


def build_spark_session(
    master: str = "local[*]",
    app_name: str = "lakehouse_assets",
    shuffle_partitions: int = 4,
    ui_enabled: bool = False,
    driver_memory: str = "2g",
    extra_conf: dict[str, str] | None = None,
) -> SparkSession:
    """Get or create the process's Delta-enabled SparkSession.

    Delta's jars come from Maven Central through `spark.jars.packages` (cached by Ivy under
    ~/.ivy2.5.2), set by `configure_spark_with_delta_pip` to the version matching delta-spark.
    """
    from delta import configure_spark_with_delta_pip

    conf: dict[str, str] = {
        **DELTA_SESSION_CONF,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        # Delta reconstructs table state with 50 tasks by default: pure overhead on small tables.
        "spark.databricks.delta.snapshotPartitions": str(max(1, shuffle_partitions)),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": str(ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": driver_memory,
        "spark.sql.adaptive.enabled": "true",
        # A JSON record that repeats a key must not fail the whole drop: the last value wins, as
        # in most JSON parsers.
        "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
    }
    if _is_local(master):
        # The machine's hostname may resolve to an address that is not reachable; loopback is.
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    conf.update(extra_conf or {})

    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = configure_spark_with_delta_pip(builder).getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


class SparkResource(ConfigurableResource):
    """A Delta-enabled SparkSession, created on first use and reused for the rest of the process."""

    master: str = Field(default="local[*]", description="Spark master URL (LAKEHOUSE_SPARK_MASTER).")
    app_name: str = Field(default="lakehouse_assets", description="Spark application name.")
    shuffle_partitions: int = Field(
        default=4,
        description="spark.sql.shuffle.partitions; small by default because a local run has few cores.",
    )
    ui_enabled: bool = Field(default=False, description="Serve the Spark UI (port 4040).")
    driver_memory: str = Field(default="2g", description="spark.driver.memory for the driver JVM.")
    extra_conf: dict[str, str] = Field(
        default_factory=dict, description="Any other Spark settings, applied last."
    )

    _session: Any = PrivateAttr(default=None)

    def get_session(self) -> SparkSession:
        if self._session is None:
            self._session = build_spark_session(
                master=self.master,
                app_name=self.app_name,
                shuffle_partitions=self.shuffle_partitions,
                ui_enabled=self.ui_enabled,
                driver_memory=self.driver_memory,
                extra_conf=self.extra_conf,
            )
        return self._session

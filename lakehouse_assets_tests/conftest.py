"""One SparkSession for the whole test run: a JVM start costs ~7 s, a test a fraction of that."""

import pytest
from dagster import DagsterInstance
from pyspark.sql import SparkSession

from lakehouse_assets.resources import DeltaIOManager, LocalLandingZone, SparkResource
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.resources.spark import S3AConnection, build_spark_session
from lakehouse_assets_tests.s3 import S3Server, start_s3_server

TEST_SPARK = {
    "master": "local[2]",
    "shuffle_partitions": 2,
    "app_name": "lakehouse_assets_tests",
    # A user's own JVM option, as extra_conf sets it: the session must keep it next to the project's
    # flags (test_library_resources checks both).
    "extra_conf": {"spark.driver.extraJavaOptions": "-Dlakehouse.tests.user_option=kept"},
}


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    # S3A's jars are loaded from the start (they cannot join a running JVM); the S3 tests point it
    # at their server later, through the resource.
    session = build_spark_session(**TEST_SPARK, s3=S3AConnection())
    yield session
    session.stop()


@pytest.fixture(scope="module", autouse=True)
def _forget_delta_tables():
    """Drops Delta's cached table states after each test module.

    Delta keeps every table it has opened (its log, its last snapshot and that snapshot's cached
    state) for an hour. The suite opens thousands of temporary tables in one JVM, and the cache
    alone filled the 2 GB heap before the last tests (a broadcast then failed for want of memory);
    a module's tables are never opened again by another module.
    """
    yield
    session = SparkSession.getActiveSession()
    if session is not None:
        session._jvm.org.apache.spark.sql.delta.DeltaLog.clearCache()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> S3Server:
    yield from start_s3_server(tmp_path_factory.mktemp("moto") / "moto_server.log")


@pytest.fixture
def spark_resource(spark: SparkSession) -> SparkResource:
    # get_session() finds the session above through getOrCreate, so no second JVM starts.
    return SparkResource(**TEST_SPARK)


@pytest.fixture
def table_root(tmp_path) -> str:
    return str(tmp_path / "tables")


@pytest.fixture
def io_manager(spark_resource: SparkResource, table_root: str) -> DeltaIOManager:
    return DeltaIOManager(root=table_root, spark=spark_resource)


@pytest.fixture
def landing_root(tmp_path) -> str:
    return str(tmp_path / "landing")


@pytest.fixture
def resources(spark_resource, io_manager, landing_root) -> dict:
    return {
        "spark": spark_resource,
        "io_manager": io_manager,
        "landing": LocalLandingZone(root=landing_root),
        "delta_tables": DeltaTableReader(root=io_manager.root, spark=spark_resource),
    }


@pytest.fixture
def instance() -> DagsterInstance:
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral

"""The Spark and S3 resources are dagster-pyspark's and dagster-aws's, and keep the S3 keys out of sight.

The definitions are built from settings as a deployment builds them (EnvVar keys); the UI's view of
them is Dagster's own repository snapshot, the data the webserver renders the Resources page from.
"""

import subprocess
import sys

from dagster import asset, materialize
from dagster._core.remote_representation.external_data import RepositorySnap, ResourceConfigEnvVarSnap
from dagster._serdes import serialize_value
from dagster_aws.s3 import S3Resource
from dagster_pyspark import LazyPySparkResource
from delta import configure_spark_with_delta_pip
from pyspark.sql import SparkSession

from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.resources.s3_landing import S3LandingZone
from lakehouse_assets.resources.spark import SparkResource, s3a_packages
from lakehouse_assets.resources.wiring import build_resources
from lakehouse_assets.settings import Settings
from lakehouse_assets_tests.conftest import TEST_SPARK

KEY_ID, SECRET = "marker-key-id-7f3a", "marker-secret-9c1e"


def s3_settings(monkeypatch, endpoint_url: str = "http://minio:9000") -> Settings:
    for name, value in {
        "LAKEHOUSE_ROOT": "s3a://lake/tables",
        "LAKEHOUSE_LANDING_ROOT": "s3://landing/drops",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


def test_the_spark_and_landing_resources_are_the_libraries(monkeypatch):
    resources = build_resources(s3_settings(monkeypatch))
    spark, landing = resources["spark"], resources["landing"]
    assert isinstance(spark, LazyPySparkResource) and isinstance(spark, SparkResource)
    assert isinstance(landing, S3LandingZone) and isinstance(landing, S3Resource)
    # The client is dagster-aws's own, built from the resource's fields.
    assert S3LandingZone.get_client is S3Resource.get_client
    assert (landing.bucket, landing.prefix, landing.endpoint_url, landing.region_name, landing.max_attempts) == (
        "landing",
        "drops",
        "http://minio:9000",
        "eu-west-1",
        5,
    )


def test_the_ui_shows_the_variable_names_and_never_the_keys(monkeypatch):
    defs = build_definitions(s3_settings(monkeypatch))
    snapshot = RepositorySnap.from_def(defs.get_repository_def())
    assert KEY_ID not in serialize_value(snapshot) and SECRET not in serialize_value(snapshot)
    shown = {resource.name: resource for resource in snapshot.resources}
    spark, landing = shown["spark"].configured_values, shown["landing"].configured_values
    key_names = (
        ResourceConfigEnvVarSnap(name="AWS_ACCESS_KEY_ID"),
        ResourceConfigEnvVarSnap(name="AWS_SECRET_ACCESS_KEY"),
    )
    assert (spark["s3_access_key_id"], spark["s3_secret_access_key"]) == key_names
    assert (landing["aws_access_key_id"], landing["aws_secret_access_key"]) == key_names
    # Subclasses of the libraries' resources, not the libraries' as shipped.
    assert not shown["spark"].dagster_maintained and not shown["landing"].dagster_maintained


def test_resources_resolved_for_a_run_keep_the_secret_out_of_their_repr(monkeypatch):
    resources = build_resources(s3_settings(monkeypatch))
    spark = resources["spark"].process_config_and_initialize()
    landing = resources["landing"].process_config_and_initialize()
    assert (landing.aws_secret_access_key, spark.s3_secret_access_key) == (SECRET, SECRET)
    assert SECRET not in repr(landing) and SECRET not in repr(spark)
    assert KEY_ID in repr(landing) and KEY_ID in repr(spark)  # resolved: the repr leaves out only the secret


def test_spark_config_holds_deltas_jars_and_the_s3a_settings_but_no_keys(monkeypatch):
    spark = build_resources(s3_settings(monkeypatch))["spark"]
    # Computed without a builder (dagster-pyspark builds its own); must equal what Delta's helper sets.
    expected = configure_spark_with_delta_pip(SparkSession.Builder(), extra_packages=s3a_packages())
    assert spark.spark_config["spark.jars.packages"] == expected._options["spark.jars.packages"]
    assert (spark.spark_config["spark.master"], spark.spark_config["spark.hadoop.fs.s3a.endpoint"]) == (
        "local[*]",
        "http://minio:9000",
    )
    keys = [key for key in spark.spark_config if "credentials" in key or key.endswith((".access.key", ".secret.key"))]
    assert keys == []


def test_spark_config_follows_the_typed_fields_when_a_run_overrides_them():
    seen = []

    @asset
    def probe(spark: SparkResource) -> None:
        seen.append(spark.spark_config["spark.sql.shuffle.partitions"])

    run_config = {"resources": {"spark": {"config": {"shuffle_partitions": 9}}}}
    assert materialize([probe], resources={"spark": SparkResource(**TEST_SPARK)}, run_config=run_config).success
    assert seen == ["9"]


def test_the_librarys_spark_session_property_gives_the_delta_session_with_s3a_set(spark):
    resource = SparkResource(
        **TEST_SPARK,
        s3_enabled=True,
        s3_endpoint_url="http://127.0.0.1:9",
        s3_access_key_id="key-id",
        s3_secret_access_key="secret",
    )
    live = spark.sparkContext._jsc.hadoopConfiguration()
    keys = ("fs.s3a.endpoint", "fs.s3a.access.key", "fs.s3a.secret.key", "fs.s3a.aws.credentials.provider")
    before = {key: live.get(key) for key in keys}
    try:
        assert resource.spark_session is spark and resource.get_session() is spark
        assert resource.spark_context is spark.sparkContext
        assert [live.get(key) for key in keys] == [
            "http://127.0.0.1:9",
            "key-id",
            "secret",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        ]
    finally:
        for key, value in before.items():
            if value is None:
                live.unset(key)
            else:
                live.set(key, value)


def test_a_local_sessions_jvm_runs_with_the_parallel_collector_and_compiles_huge_methods(spark):
    # Set at JVM launch through spark.driver.defaultJavaOptions (both measured faster for local runs);
    # Java 17's defaults would name G1's collectors here, and leave huge methods interpreted.
    jvm = spark.sparkContext._jvm
    # The suite's session sets a JVM option of its own in extraJavaOptions (conftest.TEST_SPARK), as a
    # user would: it is applied next to the project's flags, neither replacing the other.
    assert jvm.java.lang.System.getProperty("lakehouse.tests.user_option") == "kept"
    management = jvm.java.lang.management.ManagementFactory
    assert sorted(bean.getName() for bean in management.getGarbageCollectorMXBeans()) == ["PS MarkSweep", "PS Scavenge"]
    hotspot = management.getPlatformMXBean(jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean"))
    assert hotspot.getVMOption("DontCompileHugeMethods").getValue() == "false"


def test_the_s3_client_addresses_buckets_by_path_on_a_named_endpoint(s3_server, monkeypatch):
    # "localhost", not an IP: virtual-host addressing would ask for <bucket>.localhost, which
    # MinIO behind a host name (http://minio:9000) cannot serve either.
    endpoint = s3_server.endpoint_url.replace("127.0.0.1", "localhost")
    bucket = s3_server.new_bucket("landing")
    s3_server.client().put_object(Bucket=bucket, Key="drops/customers/2024-01-01/a.csv", Body=b"customer_id\nC1\n")
    for name, value in {
        **s3_server.env(),
        "AWS_ENDPOINT_URL": endpoint,
        "LAKEHOUSE_LANDING_ROOT": f"s3://{bucket}/drops",
    }.items():
        monkeypatch.setenv(name, value)
    urls = []
    landing = build_resources(Settings.from_env())["landing"].process_config_and_initialize()
    landing.client.meta.events.register("before-send.s3", lambda request, **_: urls.append(request.url))

    assert [(landed.key, landed.size) for landed in landing.scan("customers")] == [("customers/2024-01-01/a.csv", 15)]
    assert urls == [f"{endpoint}/{bucket}?list-type=2&prefix=drops%2Fcustomers%2F&max-keys=1000&encoding-type=url"]


NO_JVM_PROBE = (
    "import sys\n"
    "import lakehouse_assets.definitions\n"
    "from pyspark import SparkContext\n"
    "lakehouse_assets.definitions.defs.resolve_asset_graph()\n"
    "print(SparkContext._gateway is None, 'dagster_aws' in sys.modules)\n"
)


def test_loading_definitions_starts_no_jvm_and_imports_dagster_aws_only_for_an_s3_landing_zone(tmp_path):
    local = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LAKEHOUSE_ROOT": str(tmp_path / "tables"),
        "LAKEHOUSE_LANDING_ROOT": str(tmp_path / "landing"),
        "DAGSTER_HOME": str(tmp_path / "home"),
    }
    on_s3 = {
        **local,
        "LAKEHOUSE_ROOT": "s3a://lake/tables",
        "LAKEHOUSE_LANDING_ROOT": "s3://landing/drops",
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
    }
    answers = [
        subprocess.run(
            [sys.executable, "-c", NO_JVM_PROBE], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for env in (local, on_s3)
    ]
    assert answers == [["True", "False"], ["True", "True"]]

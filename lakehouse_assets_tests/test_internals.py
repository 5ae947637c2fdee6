"""Pins every API the lakehouse uses that its library does not promise to keep.

Each lives in one module of `lakehouse_assets/internals/`. After a Dagster, PySpark or Delta upgrade a
failure here names the function to adapt, instead of a run failing (or slowing down) in the middle of a
step. The Delta functions run against a real table, and their answers are compared with the public
API's (history, DESCRIBE DETAIL, inputFiles), so the fast path and the public one agree.
"""

import json
import os
import re
import typing
import warnings
from contextlib import contextmanager
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest
from dagster import (
    AssetCheckEvaluation,
    AssetCheckSpec,
    AssetKey,
    BackfillPolicy,
    BetaWarning,
    DagsterInstance,
    DailyPartitionsDefinition,
    IOManager,
    PreviewWarning,
    asset,
    build_output_context,
    materialize,
)
from delta.tables import DeltaTable
from py4j.protocol import Py4JError

import lakehouse_assets
from lakehouse_assets.delta.commits import PartitionWrite, latest_commit, table_detail, written_per_partition
from lakehouse_assets.internals.dagster import (
    AssetCheckEvaluationTargetMaterializationData,
    add_partition_metadata,
    run_worker_health,
    silence_deliberate_previews,
)
from lakehouse_assets.internals.delta import (
    latest_snapshot,
    list_files,
    list_folders,
    read_small_file,
    set_hadoop_conf,
    snapshot_files,
    snapshot_size,
)

PACKAGE = Path(lakehouse_assets.__file__).parent
PRIVATE_USES = {
    "a private Dagster module (dagster._...)": re.compile(r"\bdagster\._"),
    "PySpark's private JVM handle _jvm": re.compile(r"\._jvm\b"),
    "PySpark's private JVM handle _jsc": re.compile(r"\._jsc\b"),
    "PySpark's private JVM handle _jsparkSession": re.compile(r"\._jsparkSession\b"),
    "Delta's internal DeltaLog": re.compile(r"\bDeltaLog\b"),
}
DAYS = (date(2024, 1, 1), date(2024, 1, 2))


@contextmanager
def pinned(function: str):
    """Turns a py4j failure (a JVM class or method that moved) into a message naming what to adapt."""
    try:
        yield
    except (Py4JError, AttributeError) as error:
        reason = str(error).partition("\n")[0]
        pytest.fail(
            f"lakehouse_assets/internals/delta.py:{function} no longer works with pyspark {version('pyspark')} "
            f"and delta-spark {version('delta-spark')}: {reason}. Find the class or method's "
            "new name in that release's source and adapt that function; until then the IO manager's metadata "
            "falls back to Spark jobs and maintenance and time travel fail.",
            pytrace=False,
        )


@pytest.fixture(scope="module")
def partitioned(spark, tmp_path_factory) -> str:
    """Two commits, one file per day: version 0 writes 2024-01-01, version 1 appends 2024-01-02."""
    uri = str(tmp_path_factory.mktemp("internals") / "partitioned")
    for day in DAYS:
        rows = [(f"T{day.day}{i}", i, day) for i in range(3)]
        (
            spark.createDataFrame(rows, "transaction_id string, quantity int, day date")
            .coalesce(1)
            .write.format("delta")
            .mode("append")
            .partitionBy("day")
            .save(uri)
        )
    return uri


@pytest.fixture(scope="module")
def unpartitioned(spark, tmp_path_factory) -> str:
    uri = str(tmp_path_factory.mktemp("internals") / "unpartitioned")
    for n in range(2):
        products = spark.createDataFrame([(f"P{n}", n)], "product_id string, n int").coalesce(1)
        products.write.format("delta").mode("append").save(uri)
    return uri


def test_dagster_target_materialization_data_is_the_type_of_the_public_field():
    hint = typing.get_type_hints(AssetCheckEvaluation)["target_materialization_data"]
    assert set(typing.get_args(hint)) == {AssetCheckEvaluationTargetMaterializationData, type(None)}, (
        f"dagster {version('dagster')}: AssetCheckEvaluation.target_materialization_data is now {hint}; import "
        "that type in lakehouse_assets/internals/dagster.py instead (checks/partitioned.py builds it)."
    )
    data = AssetCheckEvaluationTargetMaterializationData(storage_id=7, run_id="run-1", timestamp=1.5)
    evaluation = AssetCheckEvaluation(
        asset_key=AssetKey("orders"), check_name="rows", passed=True, target_materialization_data=data
    )
    assert evaluation.target_materialization_data == data


def test_dagster_preview_notices_the_project_silences_still_read_as_they_did():
    days = DailyPartitionsDefinition(start_date="2024-01-01")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        silence_deliberate_previews()

        @asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run())
        def orders(): ...

        AssetCheckSpec("rows", asset=orders.key, partitions_def=days)
    notices = [str(w.message) for w in caught if issubclass(w.category, (BetaWarning, PreviewWarning))]
    assert notices == [], (
        f"dagster {version('dagster')} words its notices differently; adapt the message patterns in "
        f"lakehouse_assets/internals/dagster.py:silence_deliberate_previews to: {notices}"
    )


class _PerDayIOManager(IOManager):
    """Stores nothing; gives each day of a range its own number, as the Delta IO manager does."""

    def handle_output(self, context, obj) -> None:
        added = add_partition_metadata(context, {key: {"rows": int(key[-2:])} for key in context.asset_partition_keys})
        context.add_output_metadata({"rows": -1, "per_day": added})

    def load_input(self, context): ...


def test_dagster_takes_an_io_managers_per_partition_metadata_on_its_one_materialization_per_partition():
    days = DailyPartitionsDefinition(start_date="2024-01-01")

    @asset(partitions_def=days, backfill_policy=BackfillPolicy.single_run(), io_manager_key="per_day")
    def orders() -> int:
        return 0

    tags = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-03"}
    with DagsterInstance.ephemeral() as instance:
        result = materialize([orders], resources={"per_day": _PerDayIOManager()}, instance=instance, tags=tags)
    recorded = [(m.partition, m.metadata["rows"].value) for m in result.asset_materializations_for_node("orders")]
    assert recorded == [("2024-01-01", 1), ("2024-01-02", 2), ("2024-01-03", 3)], (
        f"dagster {version('dagster')} no longer lets an IO manager put metadata on one partition's materialization "
        f"(got {recorded}); adapt lakehouse_assets/internals/dagster.py:add_partition_metadata, or range runs "
        "show the range's totals as every day's numbers again."
    )
    assert add_partition_metadata(build_output_context(), {"2024-01-01": {"rows": 1}}) is False


def test_run_worker_health_is_what_the_monitoring_daemon_reads():
    # dagster/_daemon/monitoring/run_monitoring.py fails a run whose health status is not RUNNING/SUCCESS.
    assert (run_worker_health(True, "alive").status.value, run_worker_health(False, "gone").status.value) == (
        "RUNNING",
        "FAILED",
    ), f"adapt lakehouse_assets/internals/dagster.py:run_worker_health to dagster {version('dagster')}"
    assert str(run_worker_health(False, "gone")) == "FAILED: 'gone'"


def test_latest_snapshot_gives_the_version_and_partition_columns(spark, partitioned):
    with pinned("latest_snapshot"):
        snapshot = latest_snapshot(spark, partitioned)
    assert (snapshot.version, snapshot.partition_columns) == (1, ["day"])


def test_snapshot_size_and_files_match_describe_detail(spark, partitioned):
    detail = DeltaTable.forPath(spark, partitioned).detail().first()
    with pinned("snapshot_size / snapshot_files"):
        snapshot = latest_snapshot(spark, partitioned)
        size = snapshot_size(snapshot)
        files = snapshot_files(spark, snapshot).select("path", "partitionValues").collect()
    assert size == (2, detail["sizeInBytes"]) and detail["numFiles"] == 2
    assert sorted(row["partitionValues"]["day"] for row in files) == ["2024-01-01", "2024-01-02"]
    assert sorted(row["path"].split("/")[0] for row in files) == ["day=2024-01-01", "day=2024-01-02"]


def test_read_small_file_reads_the_commit_and_its_checksum_and_none_when_missing(spark, partitioned):
    log = f"{partitioned}/_delta_log/{1:020d}"
    with pinned("read_small_file"):
        commit_text = read_small_file(spark, log + ".json")
        checksum_text = read_small_file(spark, log + ".crc")
        missing = read_small_file(spark, f"{partitioned}/_delta_log/{2:020d}.json")
    assert commit_text == Path(log + ".json").read_text(encoding="utf-8")
    commit_info = [json.loads(line)["commitInfo"] for line in commit_text.split("\n") if '"commitInfo"' in line]
    assert [(info["operation"], info["operationMetrics"]["numFiles"]) for info in commit_info] == [("WRITE", "1")]
    assert missing is None
    # latest_commit's fast path reads the file count, size and per-file partition values from here.
    checksum = json.loads(checksum_text)
    assert (checksum["numFiles"], len(checksum.get("allFiles") or [])) == (2, 2), (
        f"delta-spark {version('delta-spark')} no longer keeps every file in its <version>.crc checksum; "
        "lakehouse_assets/delta/commits.py:latest_commit then runs Spark jobs on every write: find the "
        "setting that keeps them, or accept the cost and update this test."
    )


def test_list_files_lists_what_is_on_disk_including_every_file_the_table_reads(spark, partitioned):
    # Hadoop's local file system keeps a `.<name>.crc` checksum beside each file and leaves it out of listings.
    on_disk = {
        (os.path.relpath(os.path.join(folder, name), partitioned), os.path.getsize(os.path.join(folder, name)))
        for folder, _, names in os.walk(partitioned)
        for name in names
        if not (name.startswith(".") and name.endswith(".crc"))
    }
    with pinned("list_files"):
        listed = list(list_files(spark, partitioned))
    assert {(stored.relative_path, stored.size) for stored in listed} == on_disk
    data_files = {stored.uri for stored in listed if stored.relative_path.startswith("day=")}
    assert {uri for uri in data_files if uri.endswith(".parquet")} == set(
        spark.read.format("delta").load(partitioned).inputFiles()
    )


def test_list_folders_names_the_folders_directly_below_and_none_for_a_missing_path(spark, partitioned):
    with pinned("list_folders"):
        assert sorted(list_folders(spark, partitioned)) == ["_delta_log", "day=2024-01-01", "day=2024-01-02"]
        assert list_folders(spark, f"{partitioned}/nothing-here") == []


def test_set_hadoop_conf_sets_the_running_sessions_hadoop_settings(spark):
    key = "lakehouse.test.internals"
    live = spark.sparkContext._jsc.hadoopConfiguration()
    try:
        with pinned("set_hadoop_conf"):
            set_hadoop_conf(spark, {key: "pinned"})
        assert live.get(key) == "pinned"
    finally:
        live.unset(key)


@pytest.mark.parametrize("table", ["partitioned", "unpartitioned"])
def test_latest_commit_agrees_with_the_public_api(spark, request, table):
    uri = request.getfixturevalue(table)
    public = DeltaTable.forPath(spark, uri).history(1).first()
    detail = DeltaTable.forPath(spark, uri).detail().first()
    partition_count = 2 if table == "partitioned" else 1

    commit, size = latest_commit(spark, uri)

    added = commit.pop("added")
    assert commit == {
        "version": public["version"],
        "operation": public["operation"],
        "operationMetrics": public["operationMetrics"],
    }
    # The commit's one file, as the add action in its log names it: what range runs split per day.
    assert [(a["partitionValues"], json.loads(a["stats"])["numRecords"]) for a in added] == [
        ({"day": "2024-01-02"}, 3) if table == "partitioned" else ({}, 1)
    ]
    if table == "partitioned":
        assert written_per_partition({**commit, "added": added}, "day") == {
            "2024-01-02": PartitionWrite(3, 1, added[0]["size"])
        }
    assert (commit["version"], commit["operation"], commit["operationMetrics"]["numFiles"]) == (1, "WRITE", "1")
    assert size == {
        "numFiles": detail["numFiles"],
        "sizeInBytes": detail["sizeInBytes"],
        "partitionColumns": detail["partitionColumns"],
        "partitionCount": partition_count,
    }
    # The snapshot's statistics (when the checksum cannot answer) and DESCRIBE DETAIL agree too.
    with pinned("latest_snapshot"):
        snapshot = latest_snapshot(spark, uri)
    assert table_detail(spark, uri, snapshot) == table_detail(spark, uri) == size


def test_no_private_api_outside_internals():
    uses = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "internals") in module.parents:
            continue
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), start=1):
            uses += [
                f"{module.relative_to(PACKAGE.parent)}:{number}: {what}"
                for what, pattern in PRIVATE_USES.items()
                if pattern.search(line)
            ]
    assert uses == [], (
        "Private APIs outside lakehouse_assets/internals/; move each behind a function in internals/dagster.py "
        "or internals/delta.py and pin it in this file:\n" + "\n".join(uses)
    )

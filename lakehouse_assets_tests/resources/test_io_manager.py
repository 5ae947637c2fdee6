"""The Delta IO manager against real Spark and real Delta tables."""

from datetime import date

import pytest
from dagster import (
    AssetIn,
    AssetKey,
    AssetRecordsFilter,
    BackfillPolicy,
    Config,
    DailyPartitionsDefinition,
    TimeWindowPartitionMapping,
    asset,
    materialize,
)
from delta.tables import DeltaTable
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.resources.io_manager import DeltaSchemaConflictError, MissingUpstreamError
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets_tests.support import range_tags

days = DailyPartitionsDefinition(start_date="2024-01-01")


class EventsConfig(Config):
    version: int = 1
    value_as_text: bool = False
    value_as_int: bool = False
    with_extra_column: bool = False
    uneven_days: bool = False  # day d of the month gets d rows instead of three


@asset(
    key_prefix="test",
    partitions_def=days,
    metadata={"partition_expr": "day"},
    backfill_policy=BackfillPolicy.single_run(),
)
def events(context, config: EventsConfig, spark: SparkResource) -> DataFrame:
    """Three rows per day, their value derived from the day and the config's version."""
    rows = [
        (date.fromisoformat(key), n, int(key[-2:]) * 100 + n * config.version)
        for key in context.partition_keys
        for n in range(int(key[-2:]) if config.uneven_days else 3)
    ]
    df = spark.get_session().createDataFrame(rows, "day date, n int, value long")
    if config.value_as_text:
        df = df.withColumn("value", F.col("value").cast("string"))
    if config.value_as_int:
        df = df.withColumn("value", F.col("value").cast("int"))
    if config.with_extra_column:
        df = df.withColumn("note", F.lit("added"))
    return df


@asset(
    key_prefix="test",
    partitions_def=days,
    metadata={"partition_expr": "day"},
    ins={
        "events": AssetIn(
            key=AssetKey(["test", "events"]), partition_mapping=TimeWindowPartitionMapping(start_offset=-1)
        )
    },
)
def two_day_totals(events: DataFrame) -> DataFrame:
    """Reads its own day and the day before: the IO manager must hand over exactly that slice."""
    return (
        events.groupBy()
        .agg(F.sum("value").alias("total"), F.countDistinct("day").alias("days"))
        .crossJoin(events.select(F.max("day").alias("day")))
    )


@asset(key_prefix="test", ins={"events": AssetIn(key=AssetKey(["test", "events"]))})
def all_events_count(events: DataFrame) -> DataFrame:
    return events.groupBy().count()


def _run(resources, instance, *assets, partition=None, start=None, end=None, config=None, **kwargs):
    tags = range_tags(start, end) if start else None
    run_config = {"ops": {"test__events": {"config": config}}} if config else None
    return materialize(
        list(assets),
        resources=resources,
        instance=instance,
        partition_key=partition,
        tags=tags,
        run_config=run_config,
        **kwargs,
    )


def _table(spark, root, name="events"):
    return spark.read.format("delta").load(f"{root}/test/{name}")


def _rows(df):
    return sorted(tuple(row) for row in df.collect())


def _files_by_day(spark, root):
    df = _table(spark, root).select("day", F.col("_metadata.file_path").alias("file"))
    return {
        day: sorted(r.file for r in df.where(F.col("day") == day).collect()) for day in {r.day for r in df.collect()}
    }


def test_materializing_twice_gives_identical_contents(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-01")
    first = _rows(_table(spark, table_root))
    _run(resources, instance, events, partition="2024-01-01")
    assert (
        _rows(_table(spark, table_root))
        == first
        == [(date(2024, 1, 1), 0, 100), (date(2024, 1, 1), 1, 101), (date(2024, 1, 1), 2, 102)]
    )
    assert DeltaTable.forPath(spark, f"{table_root}/test/events").detail().first()["partitionColumns"] == ["day"]


def test_rematerializing_a_partition_replaces_only_that_slice(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-01")
    _run(resources, instance, events, partition="2024-01-02")
    day2_files = _files_by_day(spark, table_root)[date(2024, 1, 2)]
    _run(resources, instance, events, partition="2024-01-01", config={"version": 10})

    assert _rows(_table(spark, table_root)) == [
        (date(2024, 1, 1), 0, 100),
        (date(2024, 1, 1), 1, 110),
        (date(2024, 1, 1), 2, 120),
        (date(2024, 1, 2), 0, 200),
        (date(2024, 1, 2), 1, 201),
        (date(2024, 1, 2), 2, 202),
    ]
    assert _files_by_day(spark, table_root)[date(2024, 1, 2)] == day2_files


def test_a_range_run_writes_every_partition_of_the_window(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-02", config={"version": 7})
    result = _run(resources, instance, events, start="2024-01-01", end="2024-01-03")

    table = _table(spark, table_root)
    assert _rows(table.groupBy("day").count()) == [(date(2024, 1, 1), 3), (date(2024, 1, 2), 3), (date(2024, 1, 3), 3)]
    assert _rows(table.where("day = '2024-01-02'").select("value")) == [(200,), (201,), (202,)]
    materialization = result.asset_materializations_for_node("test__events")
    metadata = materialization[0].metadata
    assert (metadata["rows_written"].value, metadata["run_rows_written"].value) == (3, 9)
    assert metadata["replaced_slice"].value == "`day` >= DATE'2024-01-01' AND `day` < DATE'2024-01-04'"
    assert metadata["delta_version"].value == 2  # create, day 2, the range
    assert metadata["num_files"].value >= 3
    assert metadata["avg_file_bytes"].value == metadata["size_bytes"].value // metadata["num_files"].value
    assert metadata["partition_count"].value == 3
    assert metadata["partition_columns"].value == "day"
    assert [c.name for c in metadata["dagster/column_schema"].value.columns] == ["day", "n", "value"]


def test_a_type_conflict_fails_clearly_and_writes_nothing(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-01")
    version_before = DeltaTable.forPath(spark, f"{table_root}/test/events").history(1).first()["version"]

    with pytest.raises(
        DeltaSchemaConflictError, match=r"test/events .*column 'value' is bigint in the table but string"
    ):
        _run(resources, instance, events, partition="2024-01-01", config={"value_as_text": True})

    assert DeltaTable.forPath(spark, f"{table_root}/test/events").history(1).first()["version"] == version_before
    assert _rows(_table(spark, table_root).select("value")) == [(100,), (101,), (102,)]


def test_an_added_column_is_merged_and_reported(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-01")
    result = _run(resources, instance, events, partition="2024-01-02", config={"with_extra_column": True})

    table = _table(spark, table_root)
    assert table.columns == ["day", "n", "value", "note"]
    assert _rows(table.groupBy("day", "note").count()) == [(date(2024, 1, 1), None, 3), (date(2024, 1, 2), "added", 3)]
    assert result.asset_materializations_for_node("test__events")[0].metadata["added_columns"].value == "note"


def test_load_input_reads_the_slice_the_partition_mapping_asks_for(spark, resources, instance, table_root):
    _run(resources, instance, events, start="2024-01-01", end="2024-01-04")
    _run(resources, instance, events, two_day_totals, partition="2024-01-03", selection=[two_day_totals])

    # Days 2 and 3 only: (200+201+202) + (300+301+302); day 1 and day 4 are not read.
    assert _rows(_table(spark, table_root, "two_day_totals")) == [(1506, 2, date(2024, 1, 3))]


def test_load_input_reads_a_whole_table_for_an_unpartitioned_input(spark, resources, instance, table_root):
    _run(resources, instance, events, start="2024-01-01", end="2024-01-02")
    _run(resources, instance, events, all_events_count, selection=[all_events_count])
    assert _rows(_table(spark, table_root, "all_events_count")) == [(6,)]


def test_a_missing_upstream_table_names_the_asset_to_materialize(resources, instance):
    with pytest.raises(
        MissingUpstreamError,
        match=r"Table test/events does not exist .*Materialize asset 'test/events' for partition\(s\) "
        r"2024-01-04, 2024-01-05 first",
    ):
        _run(resources, instance, events, two_day_totals, partition="2024-01-05", selection=[two_day_totals])


def test_a_missing_upstream_partition_names_the_partition(resources, instance):
    _run(resources, instance, events, partition="2024-01-05")
    with pytest.raises(
        MissingUpstreamError,
        match=r"has no partition 2024-01-04\. Materialize asset 'test/events' for 2024-01-04 first",
    ):
        _run(resources, instance, events, two_day_totals, partition="2024-01-05", selection=[two_day_totals])


def test_rows_outside_the_partition_are_refused(spark, resources, instance, table_root):
    @asset(name="events", key_prefix="test", partitions_def=days, metadata={"partition_expr": "day"})
    def misdated_events(spark: SparkResource) -> DataFrame:
        return spark.get_session().createDataFrame([(date(2024, 2, 1), 0, 1)], "day date, n int, value long")

    # A new table's first write refuses them itself (Delta checks replaceWhere only on existing tables)...
    with pytest.raises(
        ValueError, match=r"test/events produced rows outside partition 2024-01-01.*nothing was written"
    ):
        materialize([misdated_events], resources=resources, instance=instance, partition_key="2024-01-01")
    assert _table(spark, table_root).count() == 0
    # ...and on an existing table Delta's check does, leaving the table as it was.
    _run(resources, instance, events, partition="2024-01-02")
    with pytest.raises(
        ValueError, match=r"test/events produced rows outside partition 2024-01-01.*nothing was written"
    ):
        materialize([misdated_events], resources=resources, instance=instance, partition_key="2024-01-01")
    assert _rows(_table(spark, table_root).groupBy("day").count()) == [(date(2024, 1, 2), 3)]


def test_a_widened_type_is_applied_in_place_and_reported(spark, resources, instance, table_root):
    _run(resources, instance, events, partition="2024-01-01", config={"value_as_int": True})
    assert dict(_table(spark, table_root).dtypes)["value"] == "int"

    result = _run(resources, instance, events, partition="2024-01-02")  # value is bigint now

    table = _table(spark, table_root)
    assert dict(table.dtypes)["value"] == "bigint"
    assert _rows(table.select("day", "value")) == [
        (date(2024, 1, 1), 100),
        (date(2024, 1, 1), 101),
        (date(2024, 1, 1), 102),
        (date(2024, 1, 2), 200),
        (date(2024, 1, 2), 201),
        (date(2024, 1, 2), 202),
    ]
    assert (
        result.asset_materializations_for_node("test__events")[0].metadata["widened_columns"].value
        == "value int -> bigint"
    )


@asset(key_prefix="test", metadata={"delta_table_properties": {"delta.enableChangeDataFeed": "true"}})
def audited(spark: SparkResource) -> DataFrame:
    return spark.get_session().createDataFrame([(1, "a"), (2, "b")], "id int, label string")


def _properties(spark, uri) -> dict:
    return {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES delta.`{uri}`").collect()}


def test_declared_table_properties_are_set_at_creation_and_on_existing_tables(spark, resources, instance, table_root):
    uri = f"{table_root}/test/audited"
    _run(resources, instance, audited)
    assert _properties(spark, uri)["delta.enableChangeDataFeed"] == "true"
    # The change feed covers the first write: the table existed, with the property, before any data.
    first = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 0).load(uri)
    assert _rows(first.select("id", "_change_type")) == [(1, "insert"), (2, "insert")]

    # A table created before the property was declared gets it on its next write.
    spark.sql(f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ('delta.enableChangeDataFeed' = 'false')")
    _run(resources, instance, audited)
    assert _properties(spark, uri)["delta.enableChangeDataFeed"] == "true"


@pytest.mark.parametrize("checksums", ["true", "false"])
def test_table_health_metadata_equals_delta_detail_and_history(spark, resources, instance, table_root, checksums):
    """Read from the commit's log files (checksums on) or from Spark jobs (off): the same numbers."""
    key = "spark.databricks.delta.writeChecksumFile.enabled"
    before = spark.conf.get(key, "true")
    spark.conf.set(key, checksums)
    try:
        _run(resources, instance, events, partition="2024-01-02")
        result = _run(resources, instance, events, start="2024-01-01", end="2024-01-03")
    finally:
        spark.conf.set(key, before)

    metadata = result.asset_materializations_for_node("test__events")[0].metadata
    table = DeltaTable.forPath(spark, f"{table_root}/test/events")
    detail = table.detail().first()
    commit = table.history(1).first()
    assert metadata["num_files"].value == detail["numFiles"]
    assert metadata["size_bytes"].value == detail["sizeInBytes"]
    assert metadata["partition_count"].value == 3
    assert metadata["delta_version"].value == commit["version"] == 2
    assert metadata["delta_operation"].value == commit["operation"] == "WRITE"
    assert metadata["run_rows_written"].value == int(commit["operationMetrics"]["numOutputRows"]) == 9
    assert metadata["run_files_written"].value == int(commit["operationMetrics"]["numFiles"])


@pytest.mark.parametrize("statistics", ["true", "false"])
def test_a_range_run_gives_each_day_its_own_numbers_on_one_materialization(
    spark, resources, instance, table_root, statistics
):
    """Counted from the commit's file statistics (on) or by a Spark job over the slice (off): the same rows."""
    key = "spark.databricks.delta.stats.collect"
    before = spark.conf.get(key, "true")
    spark.conf.set(key, statistics)
    try:
        result = _run(resources, instance, events, start="2024-01-01", end="2024-01-03", config={"uneven_days": True})
    finally:
        spark.conf.set(key, before)

    days = ("2024-01-01", "2024-01-02", "2024-01-03")
    rows_by_day = {day.isoformat(): count for day, count in _rows(_table(spark, table_root).groupBy("day").count())}
    assert rows_by_day == {"2024-01-01": 1, "2024-01-02": 2, "2024-01-03": 3}
    asset_key = AssetKey(["test", "events"])
    in_run = [
        record.partition_key
        for record in instance.fetch_materializations(asset_key, limit=100).records
        if record.run_id == result.run_id
    ]
    assert sorted(in_run) == list(days)  # one materialization per day, not one per day per write
    files_by_day = _files_by_day(spark, table_root)
    for day in days:
        (latest,) = instance.fetch_materializations(
            AssetRecordsFilter(asset_key=asset_key, asset_partitions=[day]), limit=1
        ).records
        metadata = latest.asset_materialization.metadata
        assert latest.run_id == result.run_id
        assert metadata["dagster/partition_row_count"].value == metadata["rows_written"].value == rows_by_day[day]
        assert (metadata["run_rows_written"].value, "compute_and_write_seconds" in metadata) == (6, False)
        assert metadata["run_compute_and_write_seconds"].value > 0
        if statistics == "true":
            assert metadata["files_written"].value == len(set(files_by_day[date.fromisoformat(day)]))
        else:
            assert "files_written" not in metadata and "bytes_written" not in metadata
    # A one-day run's metadata keeps its names: the day's numbers are the run's.
    single = _run(resources, instance, events, partition="2024-01-02")
    (one_day,) = single.asset_materializations_for_node("test__events")
    assert (one_day.metadata["rows_written"].value, one_day.metadata["dagster/partition_row_count"].value) == (3, 3)
    assert "run_rows_written" not in one_day.metadata

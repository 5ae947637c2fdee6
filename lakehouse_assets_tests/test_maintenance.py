"""Delta maintenance on real tables: OPTIMIZE compacts without changing rows, Z-order is recorded and
incremental, VACUUM refuses a short retention and with force deletes exactly the unreferenced files;
the Dagster job reports what it did per table; the CLI prints it."""

import json
import re
from datetime import date

import pytest
from dagster import DefaultScheduleStatus, RunConfig, build_schedule_context
from delta.tables import DeltaTable
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException

from lakehouse_assets.cli import main
from lakehouse_assets.cli import maintenance as maintenance_cli
from lakehouse_assets.delta.maintenance import (
    LISTING_PARALLELISM_CONF,
    RETENTION_CHECK_CONF,
    RETENTION_WINDOW_IGNORE_CONF,
    ZORDER_BY,
    VacuumRetentionError,
    list_tables,
    optimize_table,
    storage_usage,
    table_stats,
    vacuum_table,
)
from lakehouse_assets.orchestration.maintenance import DeltaMaintenanceConfig
from lakehouse_assets.tables import PATHS
from lakehouse_assets_tests.support import TEST_DEFS as defs

DAYS = (date(2024, 1, 1), date(2024, 1, 2))
TRANSACTIONS = "transaction_id string, customer_id string, product_id string, quantity int, _ingest_date date"


def append_small_files(spark, uri: str, appends: int, days=DAYS) -> None:
    """`appends` commits of 2 rows per day, each writing one small file per day (partition)."""
    for n in range(appends):
        rows = [(f"T{n:02d}{day.day}{i}", f"C{(n + i) % 5}", f"P{n % 3}", n + i, day) for day in days for i in range(2)]
        (
            spark.createDataFrame(rows, TRANSACTIONS)
            .coalesce(1)
            .write.format("delta")
            .mode("append")
            .partitionBy("_ingest_date")
            .save(uri)
        )


def append_unpartitioned(spark, uri: str, appends: int) -> None:
    # coalesce(1): an empty Spark partition would leave an empty file on storage that no version
    # references (VACUUM deletes those too, which would blur the counts below).
    for n in range(appends):
        (
            spark.createDataFrame([(f"P{n}", f"Desk {n}")], "product_id string, name string")
            .coalesce(1)
            .write.format("delta")
            .mode("append")
            .save(uri)
        )


def rows(spark, uri: str, version: int | None = None) -> list:
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return sorted(reader.load(uri).collect())


def last_commit(spark, uri: str):
    return DeltaTable.forPath(spark, uri).history(1).first()


def test_optimize_compacts_many_small_files_into_one_per_partition_without_changing_rows(spark, tmp_path):
    uri = str(tmp_path / "tables/silver/transactions")
    append_small_files(spark, uri, 12)
    expected = rows(spark, uri)

    report = optimize_table(spark, uri)

    before, after = report.before, report.after
    assert (before.version, before.num_files, before.partitions) == (11, 24, 2)
    assert (after.version, after.num_files, after.partitions) == (12, 2, 2)
    assert (report.files_added, report.files_removed, report.bytes_removed) == (2, 24, before.size_bytes)
    assert before.avg_file_bytes == before.size_bytes // 24 and after.avg_file_bytes == after.size_bytes // 2
    assert report.zorder_by == () and last_commit(spark, uri)["operation"] == "OPTIMIZE"
    assert rows(spark, uri) == expected and len(expected) == 48
    # The replaced files stay on storage for time travel until VACUUM.
    assert storage_usage(spark, uri).files == 26


def test_zorder_is_recorded_and_only_rewrites_partitions_with_several_files(spark, tmp_path):
    uri = str(tmp_path / "tables/silver/transactions")
    append_small_files(spark, uri, 4)
    expected = rows(spark, uri)

    report = optimize_table(spark, uri, ZORDER_BY["silver/transactions"])

    commit = last_commit(spark, uri)
    assert commit["operation"] == "OPTIMIZE"
    assert json.loads(commit["operationParameters"]["zOrderBy"]) == ["customer_id", "product_id"]
    assert (report.before.num_files, report.after.num_files, report.files_added, report.files_removed) == (8, 2, 2, 8)
    assert rows(spark, uri) == expected

    # Delta OSS would rewrite every file again; a partition already in one file is left alone.
    again = optimize_table(spark, uri, ZORDER_BY["silver/transactions"])
    assert (again.files_added, again.files_removed, again.after) == (0, 0, report.after)
    assert last_commit(spark, uri)["version"] == report.after.version

    append_small_files(spark, uri, 1, days=DAYS[:1])
    only_day_one = optimize_table(spark, uri, ZORDER_BY["silver/transactions"])
    assert (only_day_one.files_added, only_day_one.files_removed, only_day_one.after.num_files) == (1, 2, 2)
    assert "2024-01-01" in last_commit(spark, uri)["operationParameters"]["predicate"]
    assert "2024-01-02" not in last_commit(spark, uri)["operationParameters"]["predicate"]


def test_zorder_by_a_partition_column_is_refused_before_anything_runs(spark, tmp_path):
    uri = str(tmp_path / "tables/silver/transactions")
    append_small_files(spark, uri, 2)
    with pytest.raises(ValueError, match=r"Cannot Z-order .* by '_ingest_date': it is the table's partition column"):
        optimize_table(spark, uri, ("customer_id", "_ingest_date"))
    with pytest.raises(ValueError, match=r"by 'amount': the table has no such column \(it has transaction_id, "):
        optimize_table(spark, uri, ("amount",))
    assert last_commit(spark, uri)["version"] == 1


def test_zorder_choices_name_project_tables_and_never_their_partition_column():
    graph = defs.resolve_asset_graph()
    for key, columns in ZORDER_BY.items():
        assert key in PATHS, key
        node = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == key))
        assert node.metadata.get("partition_expr") not in columns, key


def test_vacuum_refuses_a_short_retention_then_with_force_deletes_exactly_the_unreferenced_files(spark, tmp_path):
    uri = str(tmp_path / "tables/silver/transactions")
    append_small_files(spark, uri, 4)
    old_rows = rows(spark, uri)
    optimized = optimize_table(spark, uri)
    on_storage = storage_usage(spark, uri)
    assert on_storage.files == 8 + 2
    version = last_commit(spark, uri)["version"]

    with pytest.raises(
        VacuumRetentionError,
        match=re.escape(
            f"Refusing to VACUUM {uri} with a retention of 0 hours: the table's safety limit is 168 hours "
            "(delta.deletedFileRetentionDuration)."
        ),
    ) as refused:
        vacuum_table(spark, uri, 0)
    assert "Nothing was deleted" in str(refused.value) and "--force" in str(refused.value)
    assert storage_usage(spark, uri) == on_storage and last_commit(spark, uri)["version"] == version

    # At the limit it runs: every file is younger than 168 hours, so none is deleted.
    kept = vacuum_table(spark, uri, 168)
    assert (kept.files_removed, kept.storage_after) == (0, on_storage)

    spark.conf.set(RETENTION_WINDOW_IGNORE_CONF, "true")
    try:
        forced = vacuum_table(spark, uri, 0, force=True)
        # Switched off for that call only: the session's own settings are back.
        assert spark.conf.getAll.get(RETENTION_CHECK_CONF) is None
        assert spark.conf.getAll.get(LISTING_PARALLELISM_CONF) is None
        assert spark.conf.getAll.get(RETENTION_WINDOW_IGNORE_CONF) == "true"
    finally:
        spark.conf.unset(RETENTION_WINDOW_IGNORE_CONF)

    assert (forced.storage_before.files, forced.storage_after.files, forced.files_removed) == (10, 2, 8)
    assert forced.bytes_removed == optimized.bytes_removed
    assert forced.storage_after == (forced.after.num_files, forced.after.size_bytes)
    assert rows(spark, uri) == old_rows
    with pytest.raises((Py4JJavaError, PySparkException), match="FILE_NOT_EXIST"):
        rows(spark, uri, version=0)


def test_list_tables_finds_the_delta_tables_under_the_root(spark, tmp_path):
    root = str(tmp_path / "tables")
    for key in ("silver/transactions", "gold/dim_products"):
        DeltaTable.create(spark).location(f"{root}/{key}").addColumn("id", "STRING").execute()
    (tmp_path / "tables/bronze/notes").mkdir(parents=True)
    assert list_tables(spark, root) == ["gold/dim_products", "silver/transactions"]
    assert list_tables(spark, root, ["silver/transactions", "bronze/customers"]) == ["silver/transactions"]
    assert list_tables(spark, str(tmp_path / "nowhere")) == []


def test_maintenance_job_observes_each_configured_table(spark, resources, io_manager):
    root = io_manager.root
    transactions, products = f"{root}/silver/transactions", f"{root}/gold/dim_products"
    append_small_files(spark, transactions, 3)
    append_unpartitioned(spark, products, 3)
    append_unpartitioned(spark, f"{root}/gold/dim_customers", 2)  # not in the config: untouched
    before = {
        "silver/transactions": table_stats(spark, transactions),
        "gold/dim_products": table_stats(spark, products),
    }
    tables = ["silver/transactions", "gold/dim_products"]

    refused = defs.resolve_job_def("delta_maintenance_job").execute_in_process(
        run_config=RunConfig(ops={"delta_maintenance": DeltaMaintenanceConfig(tables=tables, retention_hours=0)}),
        resources=resources,
        raise_on_error=False,
    )
    assert not refused.success
    cause = refused.failure_data_for_node("delta_maintenance").error.cause
    assert cause.cls_name == "VacuumRetentionError" and "Refusing to VACUUM" in cause.message
    assert table_stats(spark, transactions) == before["silver/transactions"]  # checked before touching any

    result = defs.resolve_job_def("delta_maintenance_job").execute_in_process(
        run_config=RunConfig(
            ops={"delta_maintenance": DeltaMaintenanceConfig(tables=tables, retention_hours=0, force=True)}
        ),
        resources=resources,
    )

    observed = {
        o.asset_key.to_user_string(): {k: v.value for k, v in o.metadata.items()}
        for o in result.asset_observations_for_node("delta_maintenance")
    }
    assert sorted(observed) == sorted(tables)
    for key, zorder, files_before, files_after, partitions in (
        ("silver/transactions", "customer_id, product_id", 6, 2, 2),
        ("gold/dim_products", "none", 3, 1, 1),
    ):
        uri, was = f"{root}/{key}", before[key]
        now = table_stats(spark, uri)
        assert observed[key] == {
            "num_files_before": files_before,
            "num_files_after": files_after,
            "size_bytes_before": was.size_bytes,
            "size_bytes_after": now.size_bytes,
            "avg_file_bytes": now.size_bytes // files_after,
            "partitions": partitions,
            "delta_version": last_commit(spark, uri)["version"],
            "zorder_by": zorder,
            "files_compacted": files_before,
            "files_removed_by_vacuum": files_before,
            "bytes_removed_by_vacuum": was.size_bytes,
            "retention_hours": 0,
        }, key
        assert storage_usage(spark, uri) == (files_after, now.size_bytes)
    assert table_stats(spark, f"{root}/gold/dim_customers").num_files == 2


def test_weekly_schedule_targets_the_job_is_stopped_and_its_default_config_runs(resources, spark):
    schedule = defs.resolve_schedule_def("weekly_delta_maintenance")
    assert schedule.job_name == "delta_maintenance_job" == defs.resolve_job_def("delta_maintenance_job").name
    assert schedule.default_status == DefaultScheduleStatus.STOPPED
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * 0", "UTC")

    request = schedule.evaluate_tick(build_schedule_context(scheduled_execution_time=None)).run_requests[0]
    # An empty root: the default config (every existing table) finds nothing and succeeds.
    result = defs.resolve_job_def("delta_maintenance_job").execute_in_process(
        run_config=request.run_config, resources=resources
    )
    assert result.success and result.asset_observations_for_node("delta_maintenance") == []


def test_cli_optimize_and_vacuum_print_before_and_after(spark, io_manager, monkeypatch, capsys):
    root = io_manager.root
    uri = f"{root}/silver/transactions"
    append_small_files(spark, uri, 3)
    size = table_stats(spark, uri).size_bytes
    # The CLI builds its session from the settings; here it gets the tests' session and root.
    monkeypatch.setattr(maintenance_cli, "_session", lambda settings: (spark, root))

    assert main(["optimize", "silver/nope"]) == 2
    assert capsys.readouterr().err.startswith(
        "lakehouse optimize: Unknown table 'silver/nope'. Did you mean silver/customers? Tables: bronze/customers, "
    )
    assert main(["optimize", "gold/dim_products"]) == 2
    assert capsys.readouterr().err == (
        f"lakehouse optimize: No Delta table gold/dim_products at {root}/gold/dim_products. Materialize those "
        "assets first (`lakehouse demo` builds every table), or check LAKEHOUSE_ROOT.\n"
    )

    assert main(["optimize"]) == 0
    compacted = table_stats(spark, uri).size_bytes
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"OPTIMIZE 1 table(s) under {root}"
    assert (
        lines[2] == f"{'silver/transactions':<26} {6:>12} {2:>11} {size:>14,} {compacted:>13,}  Z-order by "
        f"customer_id, product_id"
    )

    assert main(["vacuum", "silver.transactions", "--retention-hours", "0"]) == 2
    assert "lakehouse vacuum: Refusing to VACUUM" in capsys.readouterr().err
    assert storage_usage(spark, uri).files == 8

    assert main(["vacuum", "silver/transactions", "--retention-hours", "0", "--force"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[2] == f"{'silver/transactions':<26} {8:>12} {2:>11} {size + compacted:>14,} {compacted:>13,}  6 "
        f"deleted, retention 0 h"
    )

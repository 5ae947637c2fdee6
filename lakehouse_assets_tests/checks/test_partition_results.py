"""Range runs record each partition's check result; single-day runs still record exactly one.

The evaluations are read back from the instance's event log and check-execution table (what the
UI's per-partition check status reads), after real runs over real Spark and Delta.
"""

import json
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetKey,
    AssetRecordsFilter,
    AssetSelection,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    define_asset_job,
    materialize,
)
from delta.tables import DeltaTable

from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets_tests.support import LAYERS, customer, land_day, product, range_tags, transaction
from lakehouse_assets_tests.support import TEST_DEFS as defs

DAYS = ("2024-01-01", "2024-01-02", "2024-01-03")
RANGE = range_tags(DAYS[0], DAYS[-1])
RECONCILIATION = AssetCheckKey(AssetKey(["silver", "transactions"]), "reconciles_with_bronze")
ROW_COUNT = AssetCheckKey(AssetKey(["bronze", "transactions"]), "records_landed_equal_rows_written")


def land_three_days(landing_root: str) -> None:
    land_day(
        landing_root,
        DAYS[0],
        [customer("C1", DAYS[0]), customer("C2", DAYS[0])],
        [product("P1", DAYS[0])],
        [transaction("T1a", DAYS[0]), transaction("T1b", DAYS[0], customer_id="C2")],
    )
    for number, day in enumerate(DAYS[1:], start=2):
        land_day(landing_root, day, transactions=[transaction(f"T{number}a", day), transaction(f"T{number}b", day)])


def stored_evaluations(instance: DagsterInstance, run_id: str) -> list[tuple[str, str | None, bool]]:
    """(check, partition, passed) of every check evaluation the run stored, sorted, duplicates kept."""
    events = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = [event.dagster_event.event_specific_data for event in events]
    return sorted(
        ((e.asset_check_key.to_user_string(), e.partition, e.passed) for e in evaluations),
        key=lambda row: (row[0], row[1] or "", row[2]),
    )


def expected(checks_by_partitioned: dict[str, bool], partitions, passed=lambda check, partition: True):
    """One evaluation per (check, partition) for partitioned checks plus the range's own, without one."""
    rows = [
        (check, partition, passed(check, partition))
        for check, partitioned in checks_by_partitioned.items()
        for partition in ([*partitions, None] if partitioned else [None])
    ]
    return sorted(rows, key=lambda row: (row[0], row[1] or "", row[2]))


def evaluation(instance: DagsterInstance, run_id: str, check: AssetCheckKey, partition: str | None):
    events = instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    (found,) = [
        e.dagster_event.event_specific_data
        for e in events
        if e.dagster_event.event_specific_data.asset_check_key == check
        and e.dagster_event.event_specific_data.partition == partition
    ]
    return found


def execution_statuses(instance: DagsterInstance, run_id: str, check: AssetCheckKey) -> dict[str | None, str]:
    """The check-execution rows of the run, by partition: the per-partition status the UI shows."""
    history = instance.event_log_storage.get_asset_check_execution_history(check, limit=50)
    return {record.partition: record.status.value for record in history if record.run_id == run_id}


def checks_only_job(name: str, selection: AssetSelection, resources: dict):
    """A job of `selection`'s checks alone, over the tables the assets already wrote."""
    job = define_asset_job(name, selection=selection)
    definitions = Definitions(assets=[*defs.assets], asset_checks=[*defs.asset_checks], jobs=[job], resources=resources)
    return definitions.resolve_job_def(name)


def daily_job_checks() -> dict[str, bool]:
    """Every check the daily job runs (all but the weekly and monthly ones), and whether it is daily-partitioned."""
    specs = [spec for definition in defs.asset_checks for spec in definition.check_specs]
    return {
        spec.key.to_user_string(): spec.partitions_def == LAYERS.calendars.daily
        for spec in specs
        if spec.partitions_def in (None, LAYERS.calendars.daily)
    }


def test_a_range_run_records_every_partitioned_check_on_every_day_with_that_days_numbers(
    spark, resources, instance, landing_root, table_root
):
    land_three_days(landing_root)
    result = materialize(
        [*defs.assets, *defs.asset_checks],
        resources=resources,
        instance=instance,
        tags=RANGE,
        selection=AssetSelection.all() - WEEKLY - MONTHLY,
    )

    # Each day's one materialization carries that day's numbers, the range's are under run_<name>.
    days_in_silver = {
        day.isoformat(): count
        for day, count in spark.read.format("delta")
        .load(f"{table_root}/silver/transactions")
        .groupBy("_ingest_date")
        .count()
        .collect()
    }
    assert days_in_silver == dict.fromkeys(DAYS, 2)
    per_day = {"rows_in": 2, "rows_written": 2, "dagster/partition_row_count": 2, "run_rows_in": 6}
    for key, numbers in {
        "silver/transactions": dict.fromkeys(DAYS, per_day),
        # Customers and products landed on the first day only; nothing was rejected.
        "silver/quarantine": {
            day: {"bronze_rows_in": n, "run_bronze_rows_in": 9, "dagster/partition_row_count": 0}
            for day, n in zip(DAYS, (5, 2, 2), strict=True)
        },
    }.items():
        asset_key = AssetKey.from_user_string(key)
        for day, expected_numbers in numbers.items():
            (latest,) = instance.fetch_materializations(
                AssetRecordsFilter(asset_key=asset_key, asset_partitions=[day]), limit=1
            ).records
            metadata = latest.asset_materialization.metadata
            assert {name: metadata[name].value for name in expected_numbers} == expected_numbers, (key, day)
            assert latest.run_id == result.run_id

    checks = daily_job_checks()
    assert sum(checks.values()) == 26 and len(checks) == 30  # 4 gold dimension checks are unpartitioned
    assert stored_evaluations(instance, result.run_id) == expected(checks, DAYS)
    # The UI's per-partition status: each day succeeded, none left planned (shown as skipped).
    assert execution_statuses(instance, result.run_id, RECONCILIATION) == {
        **dict.fromkeys(DAYS, "SUCCEEDED"),
        None: "SUCCEEDED",
    }

    # A check with per-day numbers records that day's numbers, under the range result's labels.
    for day, silver_rows in zip(DAYS, (2, 2, 2), strict=True):
        on_day = evaluation(instance, result.run_id, RECONCILIATION, day)
        assert {k: v.value for k, v in on_day.metadata.items()} == {
            "bronze_rows": 2,
            "silver_rows": silver_rows,
            "quarantined_rows": 0,
            "duplicates_dropped": 0,
            "by_day": {day: {"bronze": 2, "silver": 2, "quarantined": 0, "duplicates": 0, "unaccounted": 0}},
            "evaluated_over": day,
        }
        assert on_day.blocking and on_day.target_materialization_data.run_id == result.run_id
    matches = evaluation(
        instance, result.run_id, AssetCheckKey(AssetKey(["gold", "daily_sales_summary"]), "matches_silver"), DAYS[1]
    )
    assert {k: v.value for k, v in matches.metadata.items()} == {
        "days_compared": 1,
        "differences": {},
        "evaluated_over": DAYS[1],
        "silver_by_day": {DAYS[1]: {"orders": "2", "units": "4", "gross_revenue": "400.00"}},
    }
    # Every check's evaluation of a day in the range is the one a run of that day alone records.
    day_run = checks_only_job(
        "daily_checks",
        AssetSelection.checks(*[AssetCheckKey.from_user_string(c) for c, daily in checks.items() if daily]),
        resources,
    ).execute_in_process(
        # A job of checks alone selects no asset to take a partition key from: the run's tag says it.
        instance=instance,
        tags={"dagster/partition": DAYS[1]},
    )
    for check, daily in checks.items():
        if daily:
            key = AssetCheckKey.from_user_string(check)
            in_range, alone = (
                evaluation(instance, result.run_id, key, DAYS[1]),
                evaluation(instance, day_run.run_id, key, DAYS[1]),
            )
            assert (in_range.passed, in_range.description, in_range.severity) == (
                alone.passed,
                alone.description,
                alone.severity,
            ), check
            assert {k: v.value for k, v in in_range.metadata.items() if k != "evaluated_over"} == {
                k: v.value for k, v in alone.metadata.items()
            }, check
    row_count = evaluation(instance, result.run_id, ROW_COUNT, DAYS[0])
    assert (row_count.metadata["records_landed"].value, row_count.metadata["evaluated_over"].value) == (2, DAYS[0])
    assert evaluation(instance, result.run_id, ROW_COUNT, None).metadata["records_landed"].value == 6
    assert "evaluated_over" not in evaluation(instance, result.run_id, ROW_COUNT, None).metadata

    # Day 2 loses a silver row: only day 2 fails, and the blocking check fails the step.
    DeltaTable.forPath(spark, f"{table_root}/silver/transactions").delete("upper(transaction_id) = 'T2A'")
    rerun = checks_only_job(
        "silver_transaction_checks", AssetSelection.checks_for_assets(AssetKey(["silver", "transactions"])), resources
    ).execute_in_process(instance=instance, tags=RANGE, raise_on_error=False)

    assert not rerun.success
    failed_step = [e.step_key for e in rerun.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    assert failed_step == ["silver__transactions_reconciles_with_bronze"]
    silver_checks_run = {key: True for key in checks if key.startswith("silver/transactions:")}
    assert stored_evaluations(instance, rerun.run_id) == expected(
        silver_checks_run,
        DAYS,
        passed=lambda check, day: not (check == RECONCILIATION.to_user_string() and day in (DAYS[1], None)),
    )
    day_two = evaluation(instance, rerun.run_id, RECONCILIATION, DAYS[1])
    assert (day_two.metadata["silver_rows"].value, day_two.description) == (1, "rows unaccounted for on 2024-01-02")
    assert execution_statuses(instance, rerun.run_id, RECONCILIATION) == {
        DAYS[0]: "SUCCEEDED",
        DAYS[1]: "FAILED",
        DAYS[2]: "SUCCEEDED",
        None: "FAILED",
    }


def test_a_blocking_check_failing_one_day_of_a_range_fails_that_day_and_stops_silver_for_the_range(
    resources, instance, landing_root
):
    land_three_days(landing_root)
    manifest = Path(landing_root) / "transactions" / DAYS[1] / "_manifest.json"
    manifest.write_text(json.dumps({"records": 5, "date": DAYS[1]}))
    result = materialize(
        [*LAYERS.bronze, LAYERS.silver, *LAYERS.bronze_checks, *LAYERS.silver_checks],
        resources=resources,
        instance=instance,
        tags=RANGE,
        raise_on_error=False,
    )

    assert not result.success
    bronze = {
        check: True
        for source in ("customers", "products", "transactions")
        for check in (
            f"bronze/{source}:contract_columns_present",
            f"bronze/{source}:records_landed_equal_rows_written",
            f"bronze/{source}_files:no_rejected_files",
        )
    }
    # Only the day whose manifest disagrees fails, and the range with it.
    assert stored_evaluations(instance, result.run_id) == expected(
        bronze, DAYS, passed=lambda check, day: check != ROW_COUNT.to_user_string() or day in (DAYS[0], DAYS[2])
    )
    failing = evaluation(instance, result.run_id, ROW_COUNT, DAYS[1])
    assert failing.description == "manifest counts differ from the files on 2024-01-02"
    assert failing.metadata["manifest_mismatches"].value == {DAYS[1]: {"manifest": 5, "files": 2}}
    assert evaluation(instance, result.run_id, ROW_COUNT, None).description == failing.description
    assert evaluation(instance, result.run_id, ROW_COUNT, DAYS[0]).metadata["manifest_mismatches"].value == {}
    # The failed blocking check stops the step, so silver builds none of the range's days.
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert materialized == {
        f"bronze/{source}{table}" for source in ("customers", "products", "transactions") for table in ("", "_files")
    }


def test_a_single_day_run_records_exactly_one_evaluation_per_check_for_that_day(resources, instance, landing_root):
    land_three_days(landing_root)
    result = materialize(
        [*LAYERS.bronze, LAYERS.silver, *LAYERS.bronze_checks, *LAYERS.silver_checks],
        resources=resources,
        instance=instance,
        partition_key=DAYS[0],
    )

    checks = [
        check.key.to_user_string()
        for definition in [*LAYERS.bronze_checks, *LAYERS.silver_checks]
        for check in definition.check_specs
    ]
    assert len(checks) == 22
    assert stored_evaluations(instance, result.run_id) == sorted((check, DAYS[0], True) for check in checks)
    assert "evaluated_over" not in evaluation(instance, result.run_id, RECONCILIATION, DAYS[0]).metadata

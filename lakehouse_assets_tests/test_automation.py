"""Declarative automation: a bronze day that materialized and passed its blocking checks pulls its
silver day (and only that day); the same day with a failed check pulls nothing."""

from dagster import (
    AssetCheckEvaluation,
    AssetKey,
    AssetMaterialization,
    AssetRecordsFilter,
    evaluate_automation_conditions,
    instance_for_test,
)
from dagster._core.definitions.asset_checks.asset_check_evaluation import AssetCheckEvaluationTargetMaterializationData

from lakehouse_assets.contracts import SOURCES
from lakehouse_assets_tests.support import TEST_DEFS as defs

BRONZE_CHECKS = ("records_landed_equal_rows_written", "contract_columns_present")
SILVER_CHECKS = {
    "customers": ("business_key_unique", "pandera_schema", "reconciles_with_bronze"),
    "products": ("business_key_unique", "pandera_schema", "reconciles_with_bronze"),
    "transactions": ("business_key_unique", "pandera_schema", "reconciles_with_bronze", "references_resolve"),
}


def land_bronze_day(instance, day: str, checks_pass: bool) -> None:
    """Records what a bronze run leaves in the instance: a materialization and its check results."""
    land_day(instance, day, {("bronze", source): BRONZE_CHECKS for source in SOURCES}, checks_pass)


def land_silver_day(instance, day: str, checks_pass: bool) -> None:
    land_day(
        instance,
        day,
        {("silver", source): SILVER_CHECKS[source] for source in SOURCES} | {("silver", "quarantine"): ()},
        checks_pass,
    )


def land_day(instance, day: str, checks_by_key: dict, checks_pass: bool) -> None:
    for path, checks in checks_by_key.items():
        key = AssetKey(list(path))
        partition = day or None  # "" for an unpartitioned asset
        instance.report_runless_asset_event(AssetMaterialization(asset_key=key, partition=partition))
        records_filter = AssetRecordsFilter(asset_key=key, asset_partitions=[day] if day else None)
        record = instance.fetch_materializations(records_filter, limit=1).records[0]
        target = AssetCheckEvaluationTargetMaterializationData(
            storage_id=record.storage_id, run_id=record.event_log_entry.run_id, timestamp=record.timestamp
        )
        for check in checks:
            instance.report_runless_asset_event(
                AssetCheckEvaluation(
                    asset_key=key,
                    check_name=check,
                    passed=checks_pass,
                    partition=partition,
                    blocking=True,
                    target_materialization_data=target,
                )
            )


def requested_silver(result) -> dict[str, list[str]]:
    return {
        key.to_user_string(): sorted(result.get_requested_partitions(key))
        for key in (AssetKey(["silver", "transactions"]), AssetKey(["silver", "quarantine"]))
    }


def test_a_checked_bronze_day_pulls_exactly_its_silver_day():
    with instance_for_test() as instance:
        first = evaluate_automation_conditions(defs, instance)
        land_bronze_day(instance, "2024-01-03", checks_pass=True)
        result = evaluate_automation_conditions(defs, instance, cursor=first.cursor)
        assert requested_silver(result) == {"silver/transactions": ["2024-01-03"], "silver/quarantine": ["2024-01-03"]}


def test_a_bronze_day_with_a_failed_blocking_check_pulls_nothing():
    with instance_for_test() as instance:
        first = evaluate_automation_conditions(defs, instance)
        land_bronze_day(instance, "2024-01-03", checks_pass=False)
        result = evaluate_automation_conditions(defs, instance, cursor=first.cursor)
        assert requested_silver(result) == {"silver/transactions": [], "silver/quarantine": []}


def requested_gold(result) -> dict[str, list[str]]:
    return {
        key.to_user_string(): sorted(result.get_requested_partitions(key) or [])
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if key.path[0] == "gold"
        if result.get_requested_partitions(key) or result.get_num_requested(key)
    }


def test_a_checked_silver_day_pulls_the_gold_partitions_that_read_it_although_other_days_never_landed():
    """Gold reads windows of days and whole silver tables; days that never landed do not block it."""
    with instance_for_test() as instance:
        first = evaluate_automation_conditions(defs, instance)
        land_silver_day(instance, "2024-01-03", checks_pass=True)
        second = evaluate_automation_conditions(defs, instance, cursor=first.cursor)
        assert requested_gold(second) == {
            "gold/customer_segments": ["2024-01-02", "2024-01-03"],  # follow the two summaries below
            "gold/daily_sales_summary": ["2024-01-02", "2024-01-03"],  # 01-03 is 01-02's late-arrival day
            "gold/dim_customers": [None],
            "gold/dim_products": [None],
        }

        # product_performance reads the product dimension whole: it follows once that exists.
        land_day(
            instance, "", {("gold", "dim_products"): ("one_row_per_product", "fact_keys_resolve")}, checks_pass=True
        )
        third = evaluate_automation_conditions(defs, instance, cursor=second.cursor)
        days = [f"2024-01-{d:02d}" for d in range(2, 10)]  # every day whose trailing week (+1 late day) has 01-03
        assert requested_gold(third) == {"gold/product_performance": days}


def test_a_silver_day_with_a_failed_blocking_check_pulls_no_gold():
    with instance_for_test() as instance:
        first = evaluate_automation_conditions(defs, instance)
        land_silver_day(instance, "2024-01-03", checks_pass=False)
        result = evaluate_automation_conditions(defs, instance, cursor=first.cursor)
        assert requested_gold(result) == {}


def test_a_silver_day_interrupted_between_its_tables_pulls_no_gold():
    """A silver run killed after writing customers and products leaves their new materializations without
    check results: Dagster clears a partition's check status when the asset re-materializes after the
    check ran, so check_passed() is false for the day and gold waits, with no condition of our own."""
    with instance_for_test() as instance:
        first = evaluate_automation_conditions(defs, instance)
        land_silver_day(instance, "2024-01-03", checks_pass=True)
        second = evaluate_automation_conditions(defs, instance, cursor=first.cursor)
        assert requested_gold(second) != {}

        for source in ("customers", "products"):  # the outputs silver_layer yields before transactions
            instance.report_runless_asset_event(
                AssetMaterialization(asset_key=AssetKey(["silver", source]), partition="2024-01-03")
            )
        interrupted = evaluate_automation_conditions(defs, instance, cursor=second.cursor)
        assert requested_gold(interrupted) == {}

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

from lakehouse_assets import defs
from lakehouse_assets.contracts import SOURCES

BRONZE_CHECKS = ("records_landed_equal_rows_written", "contract_columns_present")


def land_bronze_day(instance, day: str, checks_pass: bool) -> None:
    """Records what a bronze run leaves in the instance: a materialization and its check results."""
    for source in SOURCES:
        key = AssetKey(["bronze", source])
        instance.report_runless_asset_event(AssetMaterialization(asset_key=key, partition=day))
        record = instance.fetch_materializations(AssetRecordsFilter(asset_key=key, asset_partitions=[day]), limit=1).records[0]
        target = AssetCheckEvaluationTargetMaterializationData(
            storage_id=record.storage_id, run_id=record.event_log_entry.run_id, timestamp=record.timestamp
        )
        for check in BRONZE_CHECKS:
            instance.report_runless_asset_event(
                AssetCheckEvaluation(asset_key=key, check_name=check, passed=checks_pass, partition=day, blocking=True,
                                     target_materialization_data=target)
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

"""A silver run killed between its outputs: the day is visibly incomplete, gold neither runs on it by
hand nor by automation, and rerunning silver for the day completes it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from dagster import AssetKey, AssetSelection, evaluate_automation_conditions, materialize
from delta.tables import DeltaTable

from lakehouse_assets.assets.silver import SILVER_KEYS
from lakehouse_assets.assets.silver.layer import QUARANTINE_KEY
from lakehouse_assets.resources.completeness import IncompleteUpstreamError
from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets_tests.support import TEST_DEFS as defs
from lakehouse_assets_tests.support import customer, land_day, product, transaction

DAY = "2024-01-01"
ASSETS = [*defs.assets, *defs.asset_checks]
# Silver as the daily job runs it, checks included: the interrupted run plans them and never runs them.
# Bronze's checks are left out, as nothing here is about them (~20 s).
BRONZE_TABLES = AssetSelection.groups("bronze") - AssetSelection.all_asset_checks()
BRONZE_AND_SILVER = BRONZE_TABLES | AssetSelection.groups("silver")
# Tables only from here on (~40 s less under load): what is tested is which data gold reads, not checks.
SILVER_TABLES_ONLY = AssetSelection.groups("silver") - AssetSelection.all_asset_checks()
DAILY_SALES = AssetSelection.assets(AssetKey(["gold", "daily_sales_summary"])).without_checks()
SILVER_TABLES = [SILVER_KEYS["customers"], SILVER_KEYS["products"], SILVER_KEYS["transactions"], QUARANTINE_KEY]


class DyingBeforeTransactions(DeltaIOManager):
    """The run's process dying after silver stored customers and products: a test double of the kill,
    which cannot be aimed between two outputs of a step any other way."""

    def handle_output(self, context, obj) -> None:
        if context.asset_key == SILVER_KEYS["transactions"]:
            raise RuntimeError("run worker killed")
        super().handle_output(context, obj)


def latest_runs(instance) -> dict[str, str | None]:
    return {
        key.to_user_string(): (
            instance.get_latest_materialization_event(key).run_id
            if DAY in instance.get_materialized_partitions(key)
            else None
        )
        for key in SILVER_TABLES
    }


def requested(result, group: str) -> dict[str, list[str]]:
    return {
        key.to_user_string(): sorted(result.get_requested_partitions(key) or [])
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if key.path[0] == group and (result.get_requested_partitions(key) or result.get_num_requested(key))
    }


def test_a_silver_day_killed_between_its_tables_stops_gold_until_a_rerun_completes_it(
    spark, resources, instance, landing_root, table_root
):
    land_day(
        landing_root,
        DAY,
        [customer("C1", DAY)],
        [product("P1", DAY)],
        [transaction("T1", DAY), transaction("T2", DAY, status="refunded")],
    )
    before = evaluate_automation_conditions(defs, instance)
    dying = {**resources, "io_manager": DyingBeforeTransactions(root=table_root, spark=resources["spark"])}

    killed = materialize(
        ASSETS, resources=dying, instance=instance, partition_key=DAY, selection=BRONZE_AND_SILVER, raise_on_error=False
    )

    # What the kill leaves: the run failed, customers and products committed and recorded, the rest not.
    assert not killed.success
    assert latest_runs(instance) == {
        "silver/customers": killed.run_id,
        "silver/products": killed.run_id,
        "silver/transactions": None,
        "silver/quarantine": None,
    }
    assert [r.customer_id for r in spark.read.format("delta").load(f"{table_root}/silver/customers").collect()] == [
        "C1"
    ]
    assert not DeltaTable.isDeltaTable(spark, f"{table_root}/silver/transactions")

    # Gold launched by hand refuses the day and says how to complete it...
    expected = (
        f"silver day {DAY} is incomplete: run {killed.run_id} wrote silver/customers, silver/products but not "
        f"silver/quarantine, silver/transactions (it was interrupted). Rerun silver_layer for {DAY} "
        "(`dagster asset materialize -m lakehouse_assets.definitions --select "
        f"'silver/customers,silver/products,silver/quarantine,silver/transactions' --partition {DAY}`), "
        "then this step."
    )
    with pytest.raises(IncompleteUpstreamError, match=f"^{re.escape(expected)}$"):
        materialize(ASSETS, resources=resources, instance=instance, partition_key=DAY, selection=DAILY_SALES)
    # ...and automation does not request it: customers and products have new data without check results.
    after_kill = evaluate_automation_conditions(defs, instance, cursor=before.cursor)
    assert requested(after_kill, "gold") == {}

    # The rerun writes all four tables (silver_layer cannot be subset; Dagster refuses a selection of fewer),
    # after which gold reads the day again.
    rerun = materialize(ASSETS, resources=resources, instance=instance, partition_key=DAY, selection=SILVER_TABLES_ONLY)
    assert latest_runs(instance) == {key.to_user_string(): rerun.run_id for key in SILVER_TABLES}
    materialize(ASSETS, resources=resources, instance=instance, partition_key=DAY, selection=DAILY_SALES)
    summary = spark.read.format("delta").load(f"{table_root}/gold/daily_sales_summary")
    assert [
        tuple(r)
        for r in summary.select(
            "transaction_date", "orders", "units", "gross_revenue", "refunded_amount", "net_revenue"
        ).collect()
    ] == [(date(2024, 1, 1), 2, 4, Decimal("400.00"), Decimal("200.00"), Decimal("200.00"))]

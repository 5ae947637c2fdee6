"""The silver layer through Dagster: idempotent slices, history-aware dedupe, releasing records
whose reference arrives later, checks that fail on data crafted to violate them, and blocking."""

from datetime import date

from dagster import (
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    BackfillPolicy,
    Definitions,
    asset,
    define_asset_job,
    materialize,
)
from delta.tables import DeltaTable
from pyspark.sql import DataFrame

from lakehouse_assets.assets.silver import SILVER_KEYS
from lakehouse_assets.checks import build_silver_checks
from lakehouse_assets_tests.support import LAYERS, check_results, customer, land_day, product, transaction

ALL = [*LAYERS.bronze, LAYERS.silver, *LAYERS.bronze_checks, *LAYERS.silver_checks]
# Most runs here only need the tables; checks are selected where a test is about them.
TABLES_ONLY = AssetSelection.groups("bronze", "silver") - AssetSelection.all_asset_checks()
SILVER_CHECKS = AssetSelection.checks_for_assets(*SILVER_KEYS.values())


def run(resources, instance, partition, selection=TABLES_ONLY, assets=ALL, raise_on_error=True):
    if selection is SILVER_CHECKS:
        # A checks-only run has no asset to infer partitions from, so it goes through a job.
        job = define_asset_job("silver_checks", selection=SILVER_CHECKS)
        definitions = Definitions(assets=assets, asset_checks=[], jobs=[job], resources=resources)
        return definitions.resolve_job_def("silver_checks").execute_in_process(
            instance=instance, tags={"dagster/partition": partition}, raise_on_error=raise_on_error
        )
    return materialize(
        assets,
        resources=resources,
        instance=instance,
        partition_key=partition,
        selection=selection,
        raise_on_error=raise_on_error,
    )


def table(spark, root, name) -> DataFrame:
    return spark.read.format("delta").load(f"{root}/silver/{name}")


def rows(df, *columns):
    return sorted(tuple(r) for r in df.select(*columns).collect())


def test_rematerializing_a_silver_partition_gives_identical_silver_and_quarantine(
    spark, resources, instance, landing_root, table_root
):
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [
            transaction("T1", "2024-01-01"),
            transaction("T2", "2024-01-01", customer_id="C404"),
            transaction("T1", "2024-01-01"),
        ],
    )
    result = run(resources, instance, "2024-01-01", selection=AssetSelection.groups("bronze", "silver"))
    first = {
        name: sorted(map(tuple, table(spark, table_root, name).collect())) for name in ("transactions", "quarantine")
    }
    run(
        resources, instance, "2024-01-01", selection=AssetSelection.groups("silver") - AssetSelection.all_asset_checks()
    )

    assert {
        name: sorted(map(tuple, table(spark, table_root, name).collect())) for name in ("transactions", "quarantine")
    } == first
    assert rows(table(spark, table_root, "quarantine"), "business_key", "disposition", "failed_rules") == [
        ("T1", "duplicate", ["duplicate"]),
        ("T2", "quarantined", ["customer_known"]),
    ]
    reconciliation = check_results(result)[("silver/transactions", "reconciles_with_bronze")]
    assert reconciliation.passed
    assert {
        k: reconciliation.metadata[k].value
        for k in ("bronze_rows", "silver_rows", "quarantined_rows", "duplicates_dropped")
    } == {"bronze_rows": 3, "silver_rows": 1, "quarantined_rows": 1, "duplicates_dropped": 1}


def test_a_transaction_landing_on_two_days_is_counted_once(spark, resources, instance, landing_root, table_root):
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01")],
    )
    land_day(
        landing_root, "2024-01-02", transactions=[transaction("T1", "2024-01-01"), transaction("T2", "2024-01-02")]
    )
    run(resources, instance, "2024-01-01")
    run(resources, instance, "2024-01-02")
    result = run(resources, instance, "2024-01-02", selection=SILVER_CHECKS)

    assert rows(table(spark, table_root, "transactions"), "transaction_id", "_ingest_date") == [
        ("T1", date(2024, 1, 1)),
        ("T2", date(2024, 1, 2)),
    ]
    assert rows(table(spark, table_root, "quarantine"), "business_key", "disposition", "reason", "_ingest_date") == [
        ("T1", "duplicate", "transaction_id=T1 is already in silver (landed 2024-01-01)", date(2024, 1, 2))
    ]
    assert check_results(result)[("silver/transactions", "business_key_unique")].passed


def test_a_record_is_released_when_its_customer_arrives_and_rematerialized(
    spark, resources, instance, landing_root, table_root
):
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01"), transaction("T2", "2024-01-01", customer_id="C2")],
    )
    land_day(landing_root, "2024-01-02", customers=[customer("C2", "2024-01-02")])
    run(resources, instance, "2024-01-01")
    assert rows(table(spark, table_root, "quarantine"), "business_key", "failed_rules") == [("T2", ["customer_known"])]

    run(resources, instance, "2024-01-02")
    run(resources, instance, "2024-01-01")

    assert rows(table(spark, table_root, "transactions"), "transaction_id") == [("T1",), ("T2",)]
    assert table(spark, table_root, "quarantine").count() == 0


def test_out_of_order_backfill_fails_the_blocking_uniqueness_check_and_stops_downstream(
    resources, instance, landing_root
):
    @asset(
        key=["gold", "probe"],
        group_name="gold",
        deps=[AssetKey(["silver", "transactions"])],
        partitions_def=LAYERS.calendars.daily,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def downstream_probe() -> None:
        raise AssertionError("must not run after a failed blocking check")

    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01")],
    )
    land_day(
        landing_root,
        "2024-01-02",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01")],
    )
    # Day 2 first: nothing earlier is in silver, so day 2 keeps T1; then day 1 keeps it too.
    run(resources, instance, "2024-01-02")
    result = run(
        resources,
        instance,
        "2024-01-01",
        assets=[*ALL, downstream_probe],
        raise_on_error=False,
        selection=AssetSelection.groups("bronze", "silver", "gold"),
    )

    uniqueness = check_results(result)[("silver/transactions", "business_key_unique")]
    assert not uniqueness.passed
    assert uniqueness.metadata["repeated_keys"].value == 1
    assert uniqueness.metadata["examples"].value == [{"transaction_id": "T1", "count": "2"}]
    # The probe was planned in this run but never started: the failed blocking check stopped it.
    assert "gold__probe" in {node.name for node in result.job_def.nodes}
    assert [e for e in result.all_events if e.step_key == "gold__probe"] == []
    assert not result.success


def test_each_check_fails_on_data_crafted_to_violate_it(
    spark, resources, instance, landing_root, table_root, monkeypatch
):
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01"), customer("C2", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [
            transaction("T1", "2024-01-01"),
            transaction("T2", "2024-01-01", customer_id="C2"),
            transaction("T3", "2024-01-01", customer_id="C9"),
        ],
    )
    strict = [
        *LAYERS.bronze,
        LAYERS.silver,
        *LAYERS.bronze_checks,
        *build_silver_checks(LAYERS.calendars.daily, quarantine_rate_threshold=0.2),
    ]
    result = run(resources, instance, "2024-01-01", selection=AssetSelection.groups("bronze", "silver"), assets=strict)
    found = check_results(result)
    rates = found.pop(("silver/transactions", "rule_failure_rates"))
    assert all(e.passed for e in found.values())
    # 1 of 3 transactions quarantined: above the 20% threshold, a warning that blocks nothing.
    assert not rates.passed and rates.severity == AssetCheckSeverity.WARN
    assert (rates.metadata["quarantine_rate"].value, rates.metadata["rule/customer_known"].value) == (
        round(1 / 3, 6),
        1,
    )

    silver = f"{table_root}/silver"
    DeltaTable.forPath(spark, f"{silver}/transactions").update("transaction_id = 'T1'", {"quantity": "0"})
    DeltaTable.forPath(spark, f"{silver}/customers").delete("customer_id = 'C2'")
    DeltaTable.forPath(spark, f"{silver}/quarantine").delete("business_key = 'T3'")
    spark.read.format("delta").load(f"{silver}/products").write.format("delta").mode("append").save(
        f"{silver}/products"
    )
    result = run(resources, instance, "2024-01-01", selection=SILVER_CHECKS, raise_on_error=False)
    found = check_results(result)

    schema = found[("silver/transactions", "pandera_schema")]
    assert not schema.passed
    assert [(f["column"], f["check"]) for f in schema.metadata["failures"].value] == [
        ("quantity", "greater_than_or_equal_to(1)")
    ]
    references = found[("silver/transactions", "references_resolve")]
    assert not references.passed
    assert (references.metadata["dangling_customer_ids"].value, references.metadata["examples_customer_id"].value) == (
        1,
        ["C2"],
    )
    reconciliation = found[("silver/transactions", "reconciles_with_bronze")]
    assert not reconciliation.passed
    assert reconciliation.metadata["by_day"].value == {
        "2024-01-01": {"bronze": 3, "silver": 2, "quarantined": 0, "duplicates": 0, "unaccounted": 1}
    }
    uniqueness = found[("silver/products", "business_key_unique")]
    assert not uniqueness.passed and uniqueness.metadata["repeated_keys"].value == 1
    customers_reconciliation = found[("silver/customers", "reconciles_with_bronze")]
    assert not customers_reconciliation.passed
    assert customers_reconciliation.metadata["silver_rows"].value == 1
    assert found[("silver/customers", "rule_failure_rates")].metadata["quarantined_rows"].value == 0

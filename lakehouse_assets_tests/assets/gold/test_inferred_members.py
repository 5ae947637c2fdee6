"""Facts survive dimension problems: a sale whose product has only a quarantined version, or whose
customer lands a day later, reaches gold; re-materializing once the dimension is fixed corrects gold."""

from datetime import date
from decimal import Decimal

from dagster import AssetCheckKey, AssetKey, AssetSelection, materialize

from lakehouse_assets_tests.support import TEST_DEFS as defs
from lakehouse_assets_tests.support import check_results, customer, land_day, product, range_tags, transaction

# The tables this is about and the two referential checks; the other checks have tests of their own.
SELECTION = (
    AssetSelection.groups("bronze", "silver")
    | AssetSelection.assets(
        *[
            ["gold", name]
            for name in ("daily_sales_summary", "product_performance", "dim_products", "customer_segments")
        ]
    )
) - AssetSelection.all_asset_checks() | AssetSelection.checks(
    AssetCheckKey(AssetKey(["silver", "transactions"]), "references_resolve"),
    AssetCheckKey(AssetKey(["gold", "dim_products"]), "fact_keys_resolve"),
)


def load(spark, root, layer, name):
    return spark.read.format("delta").load(f"{root}/{layer}/{name}")


def sales_by_category(spark, root):
    summary = load(spark, root, "gold", "daily_sales_summary")
    return sorted(tuple(r) for r in summary.select("transaction_date", "category", "orders", "gross_revenue").collect())


def test_a_sale_of_a_quarantined_product_reaches_gold_and_a_late_customer_is_released(
    spark, resources, instance, landing_root, table_root
):
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01"), {**product("P2", "2024-01-01"), "unit_price": "-5.00"}],
        [
            transaction("T1", "2024-01-01"),
            transaction("T2", "2024-01-01", product_id="P2"),
            transaction("T3", "2024-01-01", customer_id="C2"),
        ],
    )
    # The next day brings P2's corrected version and the customer C2, never seen before.
    land_day(landing_root, "2024-01-02", [customer("C2", "2024-01-02")], [product("P2", "2024-01-02")])
    assets = [*defs.assets, *defs.asset_checks]

    first = materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=SELECTION)

    evaluations = check_results(first)
    assert {key: e.passed for key, e in evaluations.items()} == {
        ("silver/transactions", "references_resolve"): True,
        ("gold/dim_products", "fact_keys_resolve"): True,
    }
    silver = load(spark, table_root, "silver", "transactions")
    assert sorted((r.transaction_id, r._warnings) for r in silver.collect()) == [
        ("T1", []),
        ("T2", ["product_inferred"]),
    ]
    quarantine = load(spark, table_root, "silver", "quarantine")
    assert sorted((r.source, r.business_key, r.failed_rules) for r in quarantine.collect()) == [
        ("products", "P2", ["unit_price_not_negative"]),
        ("transactions", "T3", ["customer_known"]),
    ]
    references = evaluations[("silver/transactions", "references_resolve")].metadata
    assert {k: references[k].value for k in ("dangling_product_ids", "inferred_product_ids")} == {
        "dangling_product_ids": 0,
        "inferred_product_ids": 1,
    }
    assert evaluations[("gold/dim_products", "fact_keys_resolve")].metadata["inferred_product_ids"].value == 1
    assert sales_by_category(spark, table_root) == [
        (date(2024, 1, 1), "Home & Garden", 1, Decimal("200.00")),
        (date(2024, 1, 1), "Unknown", 1, Decimal("200.00")),
    ]
    performance = load(spark, table_root, "gold", "product_performance")
    # P2's cost is unknown, so is its margin: NULL, not a margin computed from a cost of 0.
    assert sorted(tuple(r) for r in performance.select("product_id", "category", "revenue", "margin").collect()) == [
        ("P1", "Home & Garden", Decimal("200.00"), Decimal("80.00")),
        ("P2", "Unknown", Decimal("200.00"), None),
    ]
    segments = load(spark, table_root, "gold", "customer_segments")
    assert [(r.customer_id, r.frequency, r.monetary) for r in segments.collect()] == [("C1", 2, Decimal("400.00"))]

    # Day 2 lands P2's fix and C2; re-materializing day 1 with it (one run over both days) corrects gold.
    materialize(
        assets, resources=resources, instance=instance, tags=range_tags("2024-01-01", "2024-01-02"), selection=SELECTION
    )

    silver = load(spark, table_root, "silver", "transactions")
    assert sorted((r.transaction_id, r._warnings) for r in silver.collect()) == [
        ("T1", []),
        ("T2", []),
        ("T3", []),
    ]
    assert sales_by_category(spark, table_root) == [(date(2024, 1, 1), "Home & Garden", 3, Decimal("600.00"))]
    assert sorted(
        (r.as_of_date, r.customer_id, r.frequency)
        for r in load(spark, table_root, "gold", "customer_segments").collect()
    ) == [
        (date(2024, 1, 1), "C1", 2),
        (date(2024, 1, 1), "C2", 1),
        (date(2024, 1, 2), "C1", 2),
        (date(2024, 1, 2), "C2", 1),
    ]

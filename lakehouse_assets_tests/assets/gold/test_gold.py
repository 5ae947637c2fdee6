"""Gold through Dagster: a late sale counts for its business date, checks agree with silver,
and re-materializing a day gives the same rows."""

from datetime import date
from decimal import Decimal

from dagster import AssetSelection, materialize

from lakehouse_assets.definitions import defs
from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets_tests.support import customer, land_day, product, transaction

RANGE = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-02"}


def test_a_week_flows_to_gold_with_late_sales_on_their_business_date(spark, resources, instance, landing_root, table_root):
    land_day(landing_root, "2024-01-01", [customer("C1", "2024-01-01")], [product("P1", "2024-01-01")],
             [transaction("T1", "2024-01-01"), transaction("T2", "2024-01-01", status="refunded")])
    land_day(landing_root, "2024-01-02", transactions=[transaction("T3", "2024-01-01"), transaction("T4", "2024-01-02")])
    assets = [*defs.assets, *defs.asset_checks]
    daily_selection = AssetSelection.all() - WEEKLY - MONTHLY
    result = materialize(assets, resources=resources, instance=instance, tags=RANGE, selection=daily_selection)

    evaluations = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    assert all(e.passed for e in evaluations.values()), [k for k, e in evaluations.items() if not e.passed]
    assert ("gold/daily_sales_summary", "matches_silver") in evaluations
    summary = spark.read.format("delta").load(f"{table_root}/gold/daily_sales_summary")
    columns = ("transaction_date", "channel", "category", "orders", "units", "gross_revenue", "refunded_amount", "net_revenue")
    expected = [
        (date(2024, 1, 1), "online", "Home & Garden", 3, 6, Decimal("600.00"), Decimal("200.00"), Decimal("400.00")),
        (date(2024, 1, 2), "online", "Home & Garden", 1, 2, Decimal("200.00"), Decimal("0.00"), Decimal("200.00")),
    ]
    assert sorted(tuple(r) for r in summary.select(*columns).collect()) == expected
    dim = spark.read.format("delta").load(f"{table_root}/gold/dim_products")
    assert [(r.product_id, r.category_path) for r in dim.collect()] == [("P1", "Home & Garden > Furniture")]

    weekly = materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=WEEKLY)
    assert [e.passed for e in weekly.get_asset_check_evaluations()] == [True]
    week = spark.read.format("delta").load(f"{table_root}/gold/weekly_sales_summary")
    assert [tuple(r) for r in week.select("week_start", "orders", "units", "gross_revenue", "net_revenue", "days_with_sales").collect()] == [
        (date(2024, 1, 1), 4, 8, Decimal("800.00"), Decimal("600.00"), 2)
    ]
    segments = spark.read.format("delta").load(f"{table_root}/gold/customer_segments")
    assert sorted((r.as_of_date, r.customer_id, r.frequency, r.monetary, r.lifetime_value) for r in segments.collect()) == [
        (date(2024, 1, 1), "C1", 3, Decimal("400.00"), Decimal("400.00")),
        (date(2024, 1, 2), "C1", 4, Decimal("600.00"), Decimal("600.00")),
    ]


    # Re-materializing any gold partition gives identical contents.
    gold_tables = ("daily_sales_summary", "product_performance", "customer_segments", "dim_customers", "dim_products", "weekly_sales_summary")
    before = {name: sorted(map(tuple, spark.read.format("delta").load(f"{table_root}/gold/{name}").collect())) for name in gold_tables}
    daily_gold = AssetSelection.groups("gold") - WEEKLY - MONTHLY
    materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=daily_gold)
    materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=WEEKLY)
    after = {name: sorted(map(tuple, spark.read.format("delta").load(f"{table_root}/gold/{name}").collect())) for name in gold_tables}
    assert after == before

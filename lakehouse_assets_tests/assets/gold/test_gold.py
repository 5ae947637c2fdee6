"""Gold through Dagster: a late sale counts for its business date, checks agree with silver,
and re-materializing a day gives the same rows."""

from datetime import date
from decimal import Decimal

from dagster import AssetSelection, materialize

from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets_tests.lineage import READS, RecordingIOManager, RecordingReader, graph_edges
from lakehouse_assets_tests.support import TEST_DEFS as defs
from lakehouse_assets_tests.support import check_results, customer, land_day, product, range_tags, transaction

RANGE = range_tags("2024-01-01", "2024-01-02")


def test_a_week_flows_to_gold_with_late_sales_on_their_business_date(
    spark, resources, instance, landing_root, table_root
):
    # Every table a step or check reads is recorded, to compare with the edges of the UI's graph.
    resources = {
        **resources,
        "io_manager": RecordingIOManager(root=table_root, spark=resources["spark"]),
        "delta_tables": RecordingReader(root=table_root, spark=resources["spark"]),
    }
    READS.clear()
    land_day(
        landing_root,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01"), transaction("T2", "2024-01-01", status="refunded")],
    )
    land_day(
        landing_root, "2024-01-02", transactions=[transaction("T3", "2024-01-01"), transaction("T4", "2024-01-02")]
    )
    assets = [*defs.assets, *defs.asset_checks]
    daily_selection = AssetSelection.all() - WEEKLY - MONTHLY
    result = materialize(assets, resources=resources, instance=instance, tags=RANGE, selection=daily_selection)

    evaluations = check_results(result)
    assert all(e.passed for e in evaluations.values()), [k for k, e in evaluations.items() if not e.passed]
    assert ("gold/daily_sales_summary", "matches_silver") in evaluations
    summary = spark.read.format("delta").load(f"{table_root}/gold/daily_sales_summary")
    columns = (
        "transaction_date",
        "channel",
        "category",
        "orders",
        "units",
        "gross_revenue",
        "refunded_amount",
        "net_revenue",
    )
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
    assert [
        tuple(r)
        for r in week.select(
            "week_start", "orders", "units", "gross_revenue", "net_revenue", "days_with_sales"
        ).collect()
    ] == [(date(2024, 1, 1), 4, 8, Decimal("800.00"), Decimal("600.00"), 2)]
    segments = spark.read.format("delta").load(f"{table_root}/gold/customer_segments")
    assert sorted(
        (r.as_of_date, r.customer_id, r.frequency, r.monetary, r.lifetime_value) for r in segments.collect()
    ) == [
        (date(2024, 1, 1), "C1", 3, Decimal("400.00"), Decimal("400.00")),
        (date(2024, 1, 2), "C1", 4, Decimal("600.00"), Decimal("600.00")),
    ]

    # Re-materializing any gold partition gives identical contents.
    gold_tables = (
        "daily_sales_summary",
        "product_performance",
        "customer_segments",
        "dim_customers",
        "dim_products",
        "weekly_sales_summary",
    )
    before = {
        name: sorted(map(tuple, spark.read.format("delta").load(f"{table_root}/gold/{name}").collect()))
        for name in gold_tables
    }
    daily_gold = AssetSelection.groups("gold") - WEEKLY - MONTHLY
    materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=daily_gold)
    materialize(assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=WEEKLY)
    after = {
        name: sorted(map(tuple, spark.read.format("delta").load(f"{table_root}/gold/{name}").collect()))
        for name in gold_tables
    }
    assert after == before

    # The UI's graph has an edge for every table any step or check of these runs read.
    edges = graph_edges(defs)
    unseen = sorted((op, key.to_user_string()) for op, key in READS if key not in edges[op])
    assert unseen == []
    read = {(op, key.to_user_string()) for op, key in READS}
    # Among them the reads that used to bypass the graph: checks comparing with silver or the daily summary,
    # silver's history and references (through the reader), and the referential check's dimensions.
    assert {
        ("gold__daily_sales_summary_matches_silver", "silver/transactions"),
        ("gold__dim_products_fact_keys_resolve", "silver/transactions"),
        ("gold__dim_customers_fact_keys_resolve", "silver/transactions"),
        ("gold__weekly_sales_summary_equals_sum_of_days", "gold/daily_sales_summary"),
        ("silver__transactions_references_resolve", "silver/customers"),
        ("silver__transactions_references_resolve", "silver/products"),
        ("silver_layer", "silver/customers"),
        ("silver_layer", "silver/transactions"),
        ("silver__transactions_business_key_unique", "silver/transactions"),
    } <= read, sorted(read)

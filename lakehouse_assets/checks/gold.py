"""Gold checks: summaries agree with silver to the cent, dimensions are clean, no negative sales."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
    ResourceParam,
    asset_check,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.checks.partitioned import partitioned_check
from lakehouse_assets.constants import GOLD, SILVER
from lakehouse_assets.orchestration.partitions import daily_partitions, monthly_partitions, weekly_partitions
from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.transforms.gold.sales import SALE_STATUSES

DAILY = AssetKey([GOLD, "daily_sales_summary"])
DIM_PRODUCTS = AssetKey([GOLD, "dim_products"])
MEASURES = ("orders", "units", "gross_revenue")


def _by_day(df: DataFrame, orders: str, units: str, revenue: str) -> dict[str, dict[str, str]]:
    rows = df.groupBy("transaction_date").agg(
        F.sum(orders).alias("orders"), F.sum(units).alias("units"), F.sum(revenue).alias("gross_revenue")
    ).collect()
    return {row["transaction_date"].isoformat(): {m: str(row[m] or 0) for m in MEASURES} for row in rows}


def _matches_silver_on_day(result: AssetCheckResult, day: str) -> AssetCheckResult:
    """The range result cut down to one business date, under the range result's labels."""
    differences = result.metadata["differences"].value
    silver = result.metadata["silver_by_day"].value
    on_day = {day: silver[day]} if day in silver else {}
    return AssetCheckResult(
        passed=day not in differences,
        metadata={"days_compared": int(day in silver or day in differences),
                  "differences": MetadataValue.json({day: differences[day]} if day in differences else {}),
                  "silver_by_day": MetadataValue.json(on_day)},
    )


@partitioned_check(
    asset=DAILY, name="matches_silver", blocking=True, partitions_def=daily_partitions, per_partition=_matches_silver_on_day,
    description="Per business date: orders, units and gross revenue equal the same sums computed directly from silver/transactions.",
)
def daily_summary_matches_silver(
    context: AssetCheckExecutionContext, daily_sales_summary: DataFrame, io_manager: ResourceParam[DeltaIOManager]
) -> AssetCheckResult:
    window = context.partition_time_window
    silver = io_manager.read_table(AssetKey([SILVER, "transactions"]))
    sales = silver.where(
        (F.col("transaction_date") >= F.lit(window.start.date())) & (F.col("transaction_date") < F.lit(window.end.date()))
        & F.col("status").isin(*SALE_STATUSES)
    ).withColumn("one", F.lit(1))
    expected = _by_day(sales, "one", "quantity", "total_amount")
    actual = _by_day(daily_sales_summary, "orders", "units", "gross_revenue")
    empty = dict.fromkeys(MEASURES, "0")
    differences = {
        day: {"gold": actual.get(day, empty), "silver": expected.get(day, empty)}
        for day in sorted(set(expected) | set(actual))
        if actual.get(day, empty) != expected.get(day, empty)
    }
    return AssetCheckResult(
        passed=not differences,
        metadata={"days_compared": len(set(expected) | set(actual)), "differences": MetadataValue.json(differences),
                  "silver_by_day": MetadataValue.json(expected)},
    )


@partitioned_check(
    asset=DAILY, name="no_negative_amounts", blocking=True, partitions_def=daily_partitions,
    description="No negative orders, units, gross, refunded or net revenue.",
)
def daily_summary_no_negative_amounts(daily_sales_summary: DataFrame) -> AssetCheckResult:
    columns = ("orders", "units", "gross_revenue", "refunded_amount", "net_revenue")
    negatives = daily_sales_summary.select(
        *[F.count(F.when(F.col(c) < 0, 1)).alias(c) for c in columns]
    ).first().asDict()
    return AssetCheckResult(passed=not any(negatives.values()), metadata={f"negative_{c}": n for c, n in negatives.items()})


@asset_check(asset=DIM_PRODUCTS, name="one_row_per_product", blocking=True,
             description="product_id is unique and never null in gold/dim_products.")
def dim_products_one_row_per_product(dim_products: DataFrame) -> AssetCheckResult:
    stats = dim_products.agg(
        F.count(F.lit(1)).alias("rows"), F.countDistinct("product_id").alias("products"),
        F.count(F.when(F.col("product_id").isNull(), 1)).alias("null_ids"),
    ).first()
    return AssetCheckResult(
        passed=stats["rows"] == stats["products"] and stats["null_ids"] == 0,
        metadata={"rows": stats["rows"], "distinct_products": stats["products"], "null_ids": stats["null_ids"]},
    )


@asset_check(asset=DIM_PRODUCTS, name="fact_keys_resolve", blocking=True,
             description="Every product_id of silver/transactions has a row in gold/dim_products.")
def dim_products_fact_keys_resolve(dim_products: DataFrame, io_manager: ResourceParam[DeltaIOManager]) -> AssetCheckResult:
    transactions = io_manager.read_table(AssetKey([SILVER, "transactions"]))
    if transactions is None:
        return AssetCheckResult(passed=True, metadata={"dangling_product_ids": 0, "note": "no silver transactions yet"})
    dangling = transactions.select("product_id").distinct().join(dim_products.select("product_id"), "product_id", "left_anti")
    examples = sorted(row["product_id"] for row in dangling.limit(20).collect())
    count = dangling.count() if examples else 0
    return AssetCheckResult(passed=count == 0, metadata={"dangling_product_ids": count, "examples": MetadataValue.json(examples)})




def build_period_check(asset_name: str, period_column: str, partitions_def) -> AssetChecksDefinition:
    key = AssetKey([GOLD, asset_name])

    @partitioned_check(
        asset=key, name="equals_sum_of_days", blocking=True, partitions_def=partitions_def,
        description=f"Per {period_column}, channel and category: orders, units, gross and net revenue equal the sum of the daily summary's days.",
    )
    def equals_sum_of_days(
        context: AssetCheckExecutionContext, period: DataFrame, io_manager: ResourceParam[DeltaIOManager]
    ) -> AssetCheckResult:
        window = context.partition_time_window
        daily = io_manager.read_table(DAILY)
        measures = ("orders", "units", "gross_revenue", "net_revenue")
        days = daily.where(
            (F.col("transaction_date") >= F.lit(window.start.date())) & (F.col("transaction_date") < F.lit(window.end.date()))
        )
        expected = {(r["channel"], r["category"]): tuple(str(r[m]) for m in measures)
                    for r in days.groupBy("channel", "category").agg(*[F.sum(m).alias(m) for m in measures]).collect()}
        actual = {(r["channel"], r["category"]): tuple(str(r[m]) for m in measures)
                  for r in period.groupBy("channel", "category").agg(*[F.sum(m).alias(m) for m in measures]).collect()}
        differences = {f"{c}/{g}": {"period": actual.get((c, g)), "days": expected.get((c, g))}
                       for c, g in sorted(set(expected) | set(actual)) if actual.get((c, g)) != expected.get((c, g))}
        return AssetCheckResult(passed=not differences,
                                metadata={"groups_compared": len(set(expected) | set(actual)), "differences": MetadataValue.json(differences)})

    return equals_sum_of_days


DIM_CUSTOMERS = AssetKey([GOLD, "dim_customers"])


@asset_check(asset=DIM_CUSTOMERS, name="scd2_history_valid", blocking=True,
             description="Exactly one current row per customer_id, and no customer's validity intervals overlap.")
def dim_customers_history_valid(dim_customers: DataFrame) -> AssetCheckResult:
    from pyspark.sql import Window

    current = dim_customers.groupBy("customer_id").agg(F.count(F.when(F.col("is_current"), 1)).alias("current_rows"))
    wrong_current = current.where("current_rows != 1").count()
    ordered = Window.partitionBy("customer_id").orderBy("valid_from")
    overlaps = (
        dim_customers.withColumn("next_from", F.lead("valid_from").over(ordered))
        .where(F.col("next_from").isNotNull() & (F.col("valid_to").isNull() | (F.col("valid_to") > F.col("next_from"))))
        .count()
    )
    return AssetCheckResult(passed=wrong_current == 0 and overlaps == 0,
                            metadata={"customers_without_exactly_one_current_row": wrong_current, "overlapping_intervals": overlaps})


@asset_check(asset=DIM_CUSTOMERS, name="fact_keys_resolve", blocking=True,
             description="Every customer_id of silver/transactions has a row in gold/dim_customers.")
def dim_customers_fact_keys_resolve(dim_customers: DataFrame, io_manager: ResourceParam[DeltaIOManager]) -> AssetCheckResult:
    transactions = io_manager.read_table(AssetKey([SILVER, "transactions"]))
    if transactions is None:
        return AssetCheckResult(passed=True, metadata={"dangling_customer_ids": 0})
    dangling = transactions.select("customer_id").distinct().join(dim_customers.select("customer_id"), "customer_id", "left_anti")
    examples = sorted(row["customer_id"] for row in dangling.limit(20).collect())
    count = dangling.count() if examples else 0
    return AssetCheckResult(passed=count == 0, metadata={"dangling_customer_ids": count, "examples": MetadataValue.json(examples)})


@partitioned_check(asset=AssetKey([GOLD, "customer_segments"]), name="segments_declared", blocking=True, partitions_def=daily_partitions,
                   description="Every segment label is one of the declared segments; RFM scores are 1-5.")
def customer_segments_declared(customer_segments: DataFrame) -> AssetCheckResult:
    from lakehouse_assets.transforms.gold.customers import SEGMENTS

    scores_ok = " AND ".join(f"{c} BETWEEN 1 AND 5" for c in ("r_score", "f_score", "m_score"))
    bad = customer_segments.where(~F.col("segment").isin(*SEGMENTS) | ~F.expr(scores_ok))
    sizes = {r["segment"]: r["count"] for r in customer_segments.groupBy("segment").count().collect()}
    invalid = bad.count()
    return AssetCheckResult(passed=invalid == 0, metadata={"invalid_rows": invalid, "segment_sizes": MetadataValue.json(sizes)})


@partitioned_check(asset=AssetKey([GOLD, "product_performance"]), name="no_negative_units_or_revenue", blocking=True,
                   partitions_def=daily_partitions, description="Units, revenue and trailing revenue are never negative.")
def product_performance_not_negative(product_performance: DataFrame) -> AssetCheckResult:
    columns = ("units", "revenue", "trailing_7d_revenue")
    negatives = product_performance.select(*[F.count(F.when(F.col(c) < 0, 1)).alias(c) for c in columns]).first().asDict()
    return AssetCheckResult(passed=not any(negatives.values()), metadata={f"negative_{c}": n for c, n in negatives.items()})


gold_checks: list[AssetChecksDefinition] = [
    daily_summary_matches_silver,
    daily_summary_no_negative_amounts,
    dim_products_one_row_per_product,
    dim_products_fact_keys_resolve,
    build_period_check("weekly_sales_summary", "week_start", weekly_partitions),
    build_period_check("monthly_sales_summary", "month_start", monthly_partitions),
    dim_customers_history_valid,
    dim_customers_fact_keys_resolve,
    customer_segments_declared,
    product_performance_not_negative,
]

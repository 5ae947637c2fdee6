"""Weekly and monthly sales rolled up from the daily summary (never re-scanning silver)."""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.transforms.silver.parsing import AMOUNT_TYPE

ADDITIVE = ("orders", "units", "gross_revenue", "refunded_amount", "cancelled_amount", "pending_amount", "net_revenue")


def _rollup(daily: DataFrame, period_start: Column, name: str) -> DataFrame:
    """Sums of the additive measures per period, channel and category.

    Distinct customers do not add up across days, so they are not carried to weeks and months.
    """
    summed = daily.groupBy(period_start.alias(name), "channel", "category").agg(
        *[F.sum(measure).alias(measure) for measure in ADDITIVE],
        F.countDistinct(F.when(F.col("orders") > 0, F.col("transaction_date"))).alias("days_with_sales"),
    )
    typed = summed.select(
        name,
        "channel",
        "category",
        F.col("orders").cast("long"),
        F.col("units").cast("long"),
        *[F.col(m).cast(AMOUNT_TYPE).alias(m) for m in ADDITIVE if m not in ("orders", "units")],
        "days_with_sales",
    )
    return typed.withColumn(
        "avg_order_value",
        F.when(F.col("orders") > 0, F.round(F.col("gross_revenue") / F.col("orders"), 2)).cast(AMOUNT_TYPE),
    )


def weekly_sales_summary(daily: DataFrame) -> DataFrame:
    """One row per (ISO week starting Monday, channel, category)."""
    return _rollup(daily, F.date_trunc("week", "transaction_date").cast("date"), "week_start")


def monthly_sales_summary(daily: DataFrame) -> DataFrame:
    """One row per (month, channel, category); `month_start` is the month's first day."""
    return _rollup(daily, F.trunc("transaction_date", "month"), "month_start")

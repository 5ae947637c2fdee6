"""Product performance per product and business day."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.transforms.silver.parsing import AMOUNT_TYPE

TRAILING_DAYS = 7


def product_performance(transactions: DataFrame, dim_products: DataFrame, start: str, end: str) -> DataFrame:
    """One row per (transaction_date, product_id) with completed sales, for dates in [start, end).

    Units and revenue count completed transactions (refunded ones are returned goods); margin uses
    the product's current unit cost. A product without a dimension row (inferred in silver: its
    records were quarantined or land later) is reported under 'Unknown' with its units and revenue,
    and a NULL margin: its cost is unknown, and 0 would overstate it. `transactions` must also hold
    the 6 days before `start`, which the trailing 7-day revenue covers; rank and share are within the
    product's category that day.
    """
    completed = transactions.where(F.col("status") == "completed")
    daily = completed.groupBy("transaction_date", "product_id").agg(
        F.sum("quantity").cast("long").alias("units"), F.sum("total_amount").cast(AMOUNT_TYPE).alias("revenue")
    )
    products = F.broadcast(dim_products.select("product_id", "category", "unit_cost"))
    enriched = daily.join(products, "product_id", "left").withColumn(
        "category", F.coalesce("category", F.lit("Unknown"))
    )
    day_number = F.datediff("transaction_date", F.lit("1970-01-01").cast("date"))
    trailing = Window.partitionBy("product_id").orderBy(day_number).rangeBetween(-(TRAILING_DAYS - 1), 0)
    category_day = Window.partitionBy("transaction_date", "category")
    measured = enriched.select(
        "transaction_date",
        "product_id",
        "category",
        "units",
        "revenue",
        (F.col("revenue") - F.col("units") * F.col("unit_cost")).cast(AMOUNT_TYPE).alias("margin"),
        F.dense_rank().over(category_day.orderBy(F.col("revenue").desc())).alias("rank_in_category"),
        # A category-day whose sales total 0.00 has no shares (and must not divide by zero under ANSI).
        F.when(
            F.sum("revenue").over(category_day) > 0, F.round(F.col("revenue") / F.sum("revenue").over(category_day), 4)
        ).alias("share_of_category_revenue"),
        F.sum("revenue").over(trailing).cast(AMOUNT_TYPE).alias("trailing_7d_revenue"),
    )
    return measured.where(
        (F.col("transaction_date") >= F.lit(start).cast("date")) & (F.col("transaction_date") < F.lit(end).cast("date"))
    )

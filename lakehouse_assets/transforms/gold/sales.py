"""Gold transforms over silver: the current product dimension and daily sales by business date."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.transforms.silver.parsing import AMOUNT_TYPE

# A sale is a transaction that was paid: completed, or completed and later refunded (the refund
# is reported separately and subtracted for net revenue). Pending and cancelled are not sales.
SALE_STATUSES = ("completed", "refunded")
UNKNOWN_CATEGORY = "Unknown"


def current_versions(versions: DataFrame, key: str) -> DataFrame:
    """The newest version (by updated_at) of each `key`, with how many versions silver holds."""
    newest_first = Window.partitionBy(key).orderBy(F.col("updated_at").desc(), F.col("_ingest_date").desc())
    counted = Window.partitionBy(key)
    return (
        versions.withColumn("_rank", F.row_number().over(newest_first))
        .withColumn("version_count", F.count(F.lit(1)).over(counted))
        .where("_rank = 1")
        .drop("_rank")
    )


def dim_products(products: DataFrame) -> DataFrame:
    """One row per product_id: its current attributes (SCD type 1) and category hierarchy."""
    current = current_versions(products, "product_id")
    return current.select(
        "product_id",
        "name",
        "brand",
        "category",
        "subcategory",
        F.concat_ws(" > ", "category", "subcategory").alias("category_path"),
        "unit_price",
        "unit_cost",
        "unit_margin",
        F.when(F.col("unit_price") > 0, F.round(F.col("unit_margin") / F.col("unit_price"), 4)).alias("margin_rate"),
        "is_active",
        F.col("updated_at").alias("valid_since"),
        "version_count",
    )


def _amount(condition, column: str = "total_amount"):
    return F.coalesce(F.sum(F.when(condition, F.col(column))), F.lit(0)).cast(AMOUNT_TYPE)


def daily_sales_summary(transactions: DataFrame, products: DataFrame) -> DataFrame:
    """One row per (transaction_date, channel, category) of the given transactions.

    `products` are silver product versions; each transaction takes its product's current category
    (a product silver does not know falls in 'Unknown', so no sale is dropped by the join).
    """
    categories = F.broadcast(current_versions(products, "product_id").select("product_id", "category"))
    sale = F.col("status").isin(*SALE_STATUSES)
    enriched = transactions.join(categories, on="product_id", how="left").withColumn(
        "category", F.coalesce(F.col("category"), F.lit(UNKNOWN_CATEGORY))
    )
    summary = enriched.groupBy("transaction_date", "channel", "category").agg(
        F.count(F.when(sale, F.col("transaction_id"))).alias("orders"),
        F.coalesce(F.sum(F.when(sale, F.col("quantity"))), F.lit(0)).cast("long").alias("units"),
        _amount(sale).alias("gross_revenue"),
        _amount(F.col("status") == "refunded").alias("refunded_amount"),
        _amount(F.col("status") == "cancelled").alias("cancelled_amount"),
        _amount(F.col("status") == "pending").alias("pending_amount"),
        F.countDistinct(F.when(sale, F.col("customer_id"))).alias("distinct_customers"),
    )
    net = (F.col("gross_revenue") - F.col("refunded_amount")).cast(AMOUNT_TYPE)
    return summary.withColumn("net_revenue", net).withColumn(
        "avg_order_value",
        F.when(F.col("orders") > 0, F.round(F.col("gross_revenue") / F.col("orders"), 2)).cast(AMOUNT_TYPE),
    )

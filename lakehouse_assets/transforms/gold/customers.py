"""Customer gold: the SCD type 2 dimension and RFM segments."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets.transforms.gold.customer_rules import RECENCY_SCORES, SEGMENT_RULES, TRACKED
from lakehouse_assets.transforms.gold.sales import SALE_STATUSES
from lakehouse_assets.transforms.silver.parsing import AMOUNT_TYPE

# Recency, frequency and monetary value are measured over the sales of this many days to the as-of date.
RFM_WINDOW_DAYS = 90


def dim_customers(versions: DataFrame) -> DataFrame:
    """SCD type 2: one row per customer per period in which its tracked attributes held.

    Built whole from every silver version, ordered by updated_at, so re-running after a backfill or
    an out-of-order load gives the same history. A version that changes no tracked attribute does not
    open a new row. valid_to is exclusive; the current row has valid_to NULL and is_current true.
    """
    by_time = Window.partitionBy("customer_id").orderBy("updated_at", "_ingest_date")
    attributes = F.struct(*TRACKED)
    changed = versions.withColumn("_previous", F.lag(attributes).over(by_time)).where(
        F.col("_previous").isNull() | ~F.col("_previous").eqNullSafe(attributes)
    )
    periods = changed.withColumn("valid_to", F.lead("updated_at").over(by_time))
    return periods.select(
        F.xxhash64("customer_id", "updated_at").alias("customer_sk"),
        "customer_id",
        *TRACKED,
        "signup_date",
        F.col("updated_at").alias("valid_from"),
        "valid_to",
        F.col("valid_to").isNull().alias("is_current"),
    )


def _recency_score() -> "F.Column":
    score = F.lit(1)
    for max_days, value in reversed(RECENCY_SCORES):
        score = F.when(F.col("recency_days") <= max_days, value).otherwise(score)
    return score.cast("int")


def _quantile_score(column: str) -> "F.Column":
    """1-5 from a value's standing among all customers: ceil(5 x its mid-rank share).

    The mid-rank share is the average of the lowest and highest rank the value's ties occupy, over the
    number of customers (1/n for the smallest value alone, 1 for the largest alone). Equal values
    share it, so they share the score; ntile would split them by whatever breaks the tie.
    """
    ordered = Window.orderBy(column)
    customers = F.count(F.lit(1)).over(Window.partitionBy())
    lowest_rank, highest_rank = F.rank().over(ordered), F.cume_dist().over(ordered) * customers
    return F.ceil((lowest_rank + highest_rank) / 2 / customers * 5).cast("int")


def customer_segments(transactions: DataFrame, as_of: str, window_days: int) -> DataFrame:
    """RFM snapshot as of the end of day `as_of` (YYYY-MM-DD), one row per customer with a sale.

    Recency, frequency and monetary value cover sales in the `window_days` days up to `as_of`;
    lifetime value covers all sales up to `as_of` that `transactions` holds. Scores 1-5 (5 best) come
    from the values, never from who the customer is, so equal values always get equal scores:
    r_score by RECENCY_SCORES' thresholds, f_score and m_score by mid-rank quantiles. Segments: the
    first rule of SEGMENT_RULES that holds.
    """
    as_of_date = F.lit(as_of).cast("date")
    sales = transactions.where(F.col("status").isin(*SALE_STATUSES) & (F.col("transaction_date") <= as_of_date))
    net = F.when(F.col("status") == "refunded", F.lit(0)).otherwise(F.col("total_amount"))
    in_window = F.col("transaction_date") > F.date_sub(as_of_date, window_days)
    per_customer = (
        sales.groupBy("customer_id")
        .agg(
            F.max(F.when(in_window, F.col("transaction_date"))).alias("last_purchase"),
            F.count(F.when(in_window, F.lit(1))).alias("frequency"),
            F.coalesce(F.sum(F.when(in_window, net)), F.lit(0)).cast(AMOUNT_TYPE).alias("monetary"),
            F.sum(net).cast(AMOUNT_TYPE).alias("lifetime_value"),
            F.min("transaction_date").alias("first_purchase"),
        )
        .where(F.col("frequency") > 0)
    )
    scored = per_customer.withColumn("recency_days", F.datediff(as_of_date, "last_purchase")).withColumns(
        {
            "r_score": _recency_score(),
            "f_score": _quantile_score("frequency"),
            "m_score": _quantile_score("monetary"),
        }
    )
    days_since_first_purchase = F.datediff(as_of_date, "first_purchase")
    segment = F.expr("CASE " + " ".join(f"WHEN {rule} THEN '{name}'" for name, rule in SEGMENT_RULES) + " END")
    scored = scored.withColumn("days_since_first_purchase", days_since_first_purchase)
    return scored.select(
        as_of_date.alias("as_of_date"),
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        F.concat("r_score", "f_score", "m_score").alias("rfm"),
        segment.alias("segment"),
        "lifetime_value",
        "first_purchase",
    )

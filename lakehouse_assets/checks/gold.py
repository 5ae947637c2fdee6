"""Gold checks: summaries agree with silver to the cent, dimensions are clean, no negative sales.

Declared through factories like silver's: each builder takes what varies (the table, its columns,
its calendar). Every table a check reads besides its own is in the asset graph: the daily summary's
days as an input of the period checks; every silver transaction, whatever day it landed, as a
dependency read whole through the `delta_tables` reader (a check's inputs always get the checked
partitions: Dagster applies no partition mapping to them).
"""

from collections.abc import Sequence

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetIn,
    AssetKey,
    MetadataValue,
    PartitionsDefinition,
    asset_check,
)
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse_assets import tables
from lakehouse_assets.checks.partitioned import Verdicts, partitioned_check, verdicts
from lakehouse_assets.checks.references import missing_references
from lakehouse_assets.constants import GOLD, SILVER
from lakehouse_assets.orchestration.partitions import Calendars
from lakehouse_assets.resources.reader import DeltaTableReader
from lakehouse_assets.transforms.gold.customer_rules import SEGMENTS
from lakehouse_assets.transforms.gold.sales import SALE_STATUSES

DAILY = AssetKey([GOLD, "daily_sales_summary"])
DIM_PRODUCTS = AssetKey([GOLD, "dim_products"])
DIM_CUSTOMERS = AssetKey([GOLD, "dim_customers"])
MEASURES = ("orders", "units", "gross_revenue")
SILVER_TRANSACTIONS = AssetKey([SILVER, "transactions"])


def _in_window(column: str, context: AssetCheckExecutionContext):
    window = context.partition_time_window
    return (F.col(column) >= F.lit(window.start.date())) & (F.col(column) < F.lit(window.end.date()))


def _by_day(df: DataFrame, orders: str, units: str, revenue: str) -> dict[str, dict[str, str]]:
    rows = (
        df.groupBy("transaction_date")
        .agg(F.sum(orders).alias("orders"), F.sum(units).alias("units"), F.sum(revenue).alias("gross_revenue"))
        .collect()
    )
    return {row["transaction_date"].isoformat(): {m: str(row[m] or 0) for m in MEASURES} for row in rows}


def build_matches_silver_check(daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=DAILY,
        name="matches_silver",
        blocking=True,
        partitions_def=daily,
        additional_deps=[SILVER_TRANSACTIONS],
        description="Per business date: orders, units and gross revenue equal the same sums computed directly "
        "from silver/transactions.",
    )
    def matches_silver(
        context: AssetCheckExecutionContext, daily_sales_summary: DataFrame, delta_tables: DeltaTableReader
    ) -> Verdicts:
        # Every landing day: a business date's sales may land days later.
        sales = (
            delta_tables.read(SILVER_TRANSACTIONS)
            .where(_in_window("transaction_date", context) & F.col("status").isin(*SALE_STATUSES))
            .withColumn("one", F.lit(1))
        )
        expected = _by_day(sales, "one", "quantity", "total_amount")
        actual = _by_day(daily_sales_summary, "orders", "units", "gross_revenue")
        empty = dict.fromkeys(MEASURES, "0")

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            compared = sorted(day for day in days if day in expected or day in actual)
            differences = {
                day: {"gold": actual.get(day, empty), "silver": expected.get(day, empty)}
                for day in compared
                if actual.get(day, empty) != expected.get(day, empty)
            }
            return AssetCheckResult(
                passed=not differences,
                metadata={
                    "days_compared": len(compared),
                    "differences": MetadataValue.json(differences),
                    "silver_by_day": MetadataValue.json({day: expected[day] for day in compared if day in expected}),
                },
            )

        return verdicts(context.partition_keys, result_over)

    return matches_silver


def build_not_negative_check(
    asset: AssetKey, name: str, columns: tuple[str, ...], daily: PartitionsDefinition, description: str
) -> AssetChecksDefinition:
    @partitioned_check(asset=asset, name=name, blocking=True, partitions_def=daily, description=description)
    def not_negative(context: AssetCheckExecutionContext, table: DataFrame) -> Verdicts:
        rows = (
            table.groupBy(F.col(_partition_column(asset)).cast("string").alias("day"))
            .agg(*[F.count(F.when(F.col(c) < 0, 1)).alias(c) for c in columns])
            .collect()
        )
        by_day = {row["day"]: row for row in rows}

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            negatives = {c: sum(by_day[day][c] for day in days if day in by_day) for c in columns}
            return AssetCheckResult(
                passed=not any(negatives.values()), metadata={f"negative_{c}": n for c, n in negatives.items()}
            )

        return verdicts(context.partition_keys, result_over)

    return not_negative


def _partition_column(asset: AssetKey) -> str:
    return tables.resolve(asset.to_user_string()).partition_column


def build_one_row_per_key_check(dimension: AssetKey, key: str, name: str) -> AssetChecksDefinition:
    @asset_check(
        asset=dimension,
        name=name,
        blocking=True,
        description=f"{key} is unique and never null in {dimension.to_user_string()}.",
    )
    def one_row_per_key(table: DataFrame) -> AssetCheckResult:
        stats = table.agg(
            F.count(F.lit(1)).alias("rows"),
            F.countDistinct(key).alias("keys"),
            F.count(F.when(F.col(key).isNull(), 1)).alias("null_ids"),
        ).first()
        return AssetCheckResult(
            passed=stats["rows"] == stats["keys"] and stats["null_ids"] == 0,
            metadata={
                "rows": stats["rows"],
                f"distinct_{key.removesuffix('_id')}s": stats["keys"],
                "null_ids": stats["null_ids"],
            },
        )

    return one_row_per_key


def build_fact_keys_check(dimension: AssetKey, key: str) -> AssetChecksDefinition:
    @asset_check(
        asset=dimension,
        name="fact_keys_resolve",
        blocking=True,
        additional_deps=[SILVER_TRANSACTIONS],
        description=f"Every {key} of silver/transactions has a row in {dimension.to_user_string()}, or is "
        "flagged inferred in silver (landed in bronze, no valid version yet: reported as Unknown).",
    )
    def fact_keys_resolve(table: DataFrame, delta_tables: DeltaTableReader) -> AssetCheckResult:
        transactions = delta_tables.read(SILVER_TRANSACTIONS)
        if transactions is None:
            return AssetCheckResult(passed=True, metadata={f"dangling_{key}s": 0, "note": "no silver transactions yet"})
        found = missing_references(transactions, table, key)
        return AssetCheckResult(
            passed=found.dangling == 0,
            metadata={
                f"dangling_{key}s": found.dangling,
                "examples": MetadataValue.json(found.examples),
                f"inferred_{key}s": found.inferred,
                f"transactions_with_inferred_{key}": found.inferred_transactions,
            },
        )

    return fact_keys_resolve


def build_period_check(
    asset_name: str, period_column: str, partitions_def: PartitionsDefinition
) -> AssetChecksDefinition:
    measures = ("orders", "units", "gross_revenue", "net_revenue")

    @partitioned_check(
        asset=AssetKey([GOLD, asset_name]),
        name="equals_sum_of_days",
        blocking=True,
        partitions_def=partitions_def,
        # The days of the checked periods (Dagster maps a period to its days by time window), as the summary
        # itself reads them; a running period lacks its future days.
        additional_ins={"days": AssetIn(key=DAILY, metadata={"allow_missing_partitions": True})},
        description=f"Per {period_column}, channel and category: orders, units, gross and net revenue equal the sum "
        "of the daily summary's days.",
    )
    def equals_sum_of_days(context: AssetCheckExecutionContext, period: DataFrame, days: DataFrame) -> Verdicts:
        # Each row's period key, from the periods' time windows (a day's period is the one holding it).
        windows = [(key, partitions_def.time_window_for_partition_key(key)) for key in context.partition_keys]

        def sums(df: DataFrame, date_column: str) -> dict[tuple[str, str, str], tuple[str, ...]]:
            key = F.lit(None).cast("string")
            for name, window in windows:
                inside = (F.col(date_column) >= F.lit(window.start.date())) & (
                    F.col(date_column) < F.lit(window.end.date())
                )
                key = F.when(inside, F.lit(name)).otherwise(key)
            rows = (
                df.withColumn("_period", key)
                .where(F.col("_period").isNotNull())
                .groupBy("_period", "channel", "category")
                .agg(*[F.sum(m).alias(m) for m in measures])
                .collect()
            )
            return {(r["_period"], r["channel"], r["category"]): tuple(str(r[m]) for m in measures) for r in rows}

        expected, actual = sums(days, "transaction_date"), sums(period, period_column)

        def result_over(keys: Sequence[str]) -> AssetCheckResult:
            groups = sorted(group for group in set(expected) | set(actual) if group[0] in keys)
            differences = {
                "/".join(group): {
                    "period": actual.get(group),
                    "days": expected.get(group),
                }
                for group in groups
                if actual.get(group) != expected.get(group)
            }
            return AssetCheckResult(
                passed=not differences,
                metadata={"groups_compared": len(groups), "differences": MetadataValue.json(differences)},
            )

        return verdicts(context.partition_keys, result_over)

    return equals_sum_of_days


@asset_check(
    asset=DIM_CUSTOMERS,
    name="scd2_history_valid",
    blocking=True,
    description="Exactly one current row per customer_id, and no customer's validity intervals overlap.",
)
def dim_customers_history_valid(dim_customers: DataFrame) -> AssetCheckResult:
    current = dim_customers.groupBy("customer_id").agg(F.count(F.when(F.col("is_current"), 1)).alias("current_rows"))
    wrong_current = current.where("current_rows != 1").count()
    ordered = Window.partitionBy("customer_id").orderBy("valid_from")
    overlaps = (
        dim_customers.withColumn("next_from", F.lead("valid_from").over(ordered))
        .where(F.col("next_from").isNotNull() & (F.col("valid_to").isNull() | (F.col("valid_to") > F.col("next_from"))))
        .count()
    )
    return AssetCheckResult(
        passed=wrong_current == 0 and overlaps == 0,
        metadata={"customers_without_exactly_one_current_row": wrong_current, "overlapping_intervals": overlaps},
    )


def build_segments_check(daily: PartitionsDefinition) -> AssetChecksDefinition:
    @partitioned_check(
        asset=AssetKey([GOLD, "customer_segments"]),
        name="segments_declared",
        blocking=True,
        partitions_def=daily,
        description="Every segment label is one of the declared segments; RFM scores are 1-5.",
    )
    def segments_declared(context: AssetCheckExecutionContext, customer_segments: DataFrame) -> Verdicts:
        scores_ok = " AND ".join(f"{c} BETWEEN 1 AND 5" for c in ("r_score", "f_score", "m_score"))
        bad = ~F.col("segment").isin(*SEGMENTS) | ~F.expr(scores_ok)
        rows = (
            customer_segments.groupBy(F.col("as_of_date").cast("string").alias("day"), "segment")
            .agg(F.count(F.lit(1)).alias("rows"), F.count(F.when(bad, 1)).alias("invalid"))
            .collect()
        )

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            sizes: dict[str, int] = {}
            for row in rows:
                if row["day"] in days:
                    sizes[row["segment"]] = sizes.get(row["segment"], 0) + row["rows"]
            invalid = sum(row["invalid"] for row in rows if row["day"] in days)
            return AssetCheckResult(
                passed=invalid == 0, metadata={"invalid_rows": invalid, "segment_sizes": MetadataValue.json(sizes)}
            )

        return verdicts(context.partition_keys, result_over)

    return segments_declared


def build_gold_checks(calendars: Calendars) -> list[AssetChecksDefinition]:
    return [
        build_matches_silver_check(calendars.daily),
        build_not_negative_check(
            DAILY,
            "no_negative_amounts",
            ("orders", "units", "gross_revenue", "refunded_amount", "net_revenue"),
            calendars.daily,
            "No negative orders, units, gross, refunded or net revenue.",
        ),
        build_one_row_per_key_check(DIM_PRODUCTS, "product_id", "one_row_per_product"),
        build_fact_keys_check(DIM_PRODUCTS, "product_id"),
        build_period_check("weekly_sales_summary", "week_start", calendars.weekly),
        build_period_check("monthly_sales_summary", "month_start", calendars.monthly),
        dim_customers_history_valid,
        build_fact_keys_check(DIM_CUSTOMERS, "customer_id"),
        build_segments_check(calendars.daily),
        build_not_negative_check(
            AssetKey([GOLD, "product_performance"]),
            "no_negative_units_or_revenue",
            ("units", "revenue", "trailing_7d_revenue"),
            calendars.daily,
            "Units, revenue and trailing revenue are never negative.",
        ),
    ]

"""Gold: the product dimension and the daily sales summary."""

from dagster import (
    AllPartitionMapping,
    AssetExecutionContext,
    AssetIn,
    AssetKey,
    AssetsDefinition,
    BackfillPolicy,
    PartitionsDefinition,
    TimeWindowPartitionMapping,
    asset,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.assets.presentation import presentation
from lakehouse_assets.constants import GOLD, SILVER
from lakehouse_assets.orchestration.automation import GOLD_AUTOMATION, gold_automation
from lakehouse_assets.transforms.gold.sales import daily_sales_summary, dim_products

SILVER_PRODUCTS = AssetKey([SILVER, "products"])
SILVER_TRANSACTIONS = AssetKey([SILVER, "transactions"])


@asset(
    key_prefix=GOLD,
    name="dim_products",
    group_name=GOLD,
    automation_condition=GOLD_AUTOMATION,
    **presentation(GOLD, dim_products),
    ins={"products": AssetIn(key=SILVER_PRODUCTS, partition_mapping=AllPartitionMapping())},
    metadata={"business_key": "product_id"},
)
def gold_dim_products(products: DataFrame) -> DataFrame:
    """Product dimension, one row per product_id: current attributes (SCD type 1) and category path.

    Type 1 because product history that matters to the business (price) is already kept per
    version in silver/products; reports want today's name and category. Unpartitioned and small:
    rebuilt whole on each materialization.
    """
    return dim_products(products)


def build_daily_sales_summary(daily: PartitionsDefinition, late_arrival_days: int) -> AssetsDefinition:
    @asset(
        key_prefix=GOLD,
        name="daily_sales_summary",
        group_name=GOLD,
        automation_condition=gold_automation(ignore_updates_of=[SILVER_PRODUCTS]),
        **presentation(GOLD, daily_sales_summary),
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": "transaction_date"},
        ins={
            # A day's sales can land up to LAKEHOUSE_LATE_ARRIVAL_DAYS later: read those landing days
            # too, and do not require the ones that have not happened yet.
            "transactions": AssetIn(
                key=SILVER_TRANSACTIONS,
                partition_mapping=TimeWindowPartitionMapping(start_offset=0, end_offset=late_arrival_days),
                metadata={"allow_missing_partitions": True},
            ),
            "products": AssetIn(key=SILVER_PRODUCTS, partition_mapping=AllPartitionMapping()),
        },
    )
    def gold_daily_sales_summary(
        context: AssetExecutionContext, transactions: DataFrame, products: DataFrame
    ) -> DataFrame:
        """Daily sales, one row per (transaction_date, channel, category), partitioned by business date.

        Orders, units and gross revenue count completed and refunded sales; refunded, cancelled and
        pending amounts are reported beside them; net revenue = gross - refunded. Partitioned by
        transaction_date because every query filters on it; channel/category are the group-by columns.
        """
        window = context.partition_time_window
        in_window = (F.col("transaction_date") >= F.lit(window.start.date())) & (
            F.col("transaction_date") < F.lit(window.end.date())
        )
        return daily_sales_summary(transactions.where(in_window), products)

    return gold_daily_sales_summary

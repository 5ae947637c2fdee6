"""Product performance per product and business day."""

from dagster import (
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

from lakehouse_assets.assets.presentation import presentation
from lakehouse_assets.constants import GOLD, SILVER
from lakehouse_assets.orchestration.automation import gold_automation
from lakehouse_assets.transforms.gold.products import TRAILING_DAYS, product_performance


def build_product_performance(daily: PartitionsDefinition, late_arrival_days: int) -> AssetsDefinition:
    @asset(
        key_prefix=GOLD,
        name="product_performance",
        group_name=GOLD,
        automation_condition=gold_automation(ignore_updates_of=[AssetKey([GOLD, "dim_products"])]),
        **presentation(GOLD, product_performance),
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": "transaction_date"},
        ins={
            # The trailing 7 days before the partition and the late-arrival days after it.
            "transactions": AssetIn(
                key=AssetKey([SILVER, "transactions"]),
                partition_mapping=TimeWindowPartitionMapping(
                    start_offset=-(TRAILING_DAYS - 1), end_offset=late_arrival_days
                ),
                metadata={"allow_missing_partitions": True},
            ),
            "dim_products": AssetIn(key=AssetKey([GOLD, "dim_products"])),
        },
    )
    def gold_product_performance(
        context: AssetExecutionContext, transactions: DataFrame, dim_products: DataFrame
    ) -> DataFrame:
        """Product performance, one row per (transaction_date, product_id) with completed sales.

        Units, revenue, margin from the current unit cost, rank and revenue share within the category
        that day, trailing 7-day revenue. Partitioned by transaction_date; Z-order candidate product_id.
        """
        window = context.partition_time_window
        return product_performance(
            transactions, dim_products, window.start.date().isoformat(), window.end.date().isoformat()
        )

    return gold_product_performance

"""Customer dimension (SCD2) and RFM segments."""

from datetime import timedelta

from dagster import (
    AllPartitionMapping,
    AssetDep,
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
from lakehouse_assets.orchestration.automation import GOLD_AUTOMATION, gold_automation
from lakehouse_assets.transforms.bronze import union_all
from lakehouse_assets.transforms.gold.customers import RFM_WINDOW_DAYS, customer_segments, dim_customers


@asset(
    key_prefix=GOLD,
    name="dim_customers",
    group_name=GOLD,
    automation_condition=GOLD_AUTOMATION,
    **presentation(GOLD, dim_customers),
    ins={"customers": AssetIn(key=AssetKey([SILVER, "customers"]), partition_mapping=AllPartitionMapping())},
    metadata={"business_key": "customer_id"},
)
def gold_dim_customers(customers: DataFrame) -> DataFrame:
    """Customer dimension, SCD type 2: one row per customer and period its tracked attributes held.

    Rebuilt whole from every silver version on each run, so backfills and out-of-order loads give
    the same history. Unpartitioned: one dimension; Z-order candidate customer_id.
    """
    return dim_customers(customers)


def build_customer_segments(daily: PartitionsDefinition) -> AssetsDefinition:
    @asset(
        key_prefix=GOLD,
        name="customer_segments",
        group_name=GOLD,
        **presentation(GOLD, customer_segments),
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": "as_of_date"},
        ins={"transactions": AssetIn(key=AssetKey([SILVER, "transactions"]), partition_mapping=AllPartitionMapping())},
        # The snapshot as of D follows D's sales summary (itself updated when D's late records land);
        # reacting to every silver day instead would re-request every snapshot since the start date.
        deps=[AssetDep(AssetKey([GOLD, "daily_sales_summary"]), partition_mapping=TimeWindowPartitionMapping())],
        automation_condition=gold_automation(ignore_updates_of=[AssetKey([SILVER, "transactions"])]),
    )
    def gold_customer_segments(context: AssetExecutionContext, transactions: DataFrame) -> DataFrame:
        """RFM segments, one row per (as_of_date, customer_id) with a sale in the 90 days to that date.

        A snapshot per as-of date (the partition), so segment movement can be followed day by day;
        lifetime value covers every sale up to the as-of date.
        """
        window = context.partition_time_window
        days = (window.end - window.start).days
        as_of_dates = [(window.start + timedelta(days=n)).date().isoformat() for n in range(days)]
        return union_all([customer_segments(transactions, as_of, RFM_WINDOW_DAYS) for as_of in as_of_dates])

    return gold_customer_segments

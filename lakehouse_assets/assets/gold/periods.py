"""Weekly and monthly sales summaries, rolled up from the daily summary."""

from dagster import (
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
from lakehouse_assets.constants import GOLD
from lakehouse_assets.orchestration.automation import GOLD_AUTOMATION
from lakehouse_assets.transforms.gold.periods import monthly_sales_summary, weekly_sales_summary

DAILY = AssetKey([GOLD, "daily_sales_summary"])
# The days of a period map through a time-window mapping; a running period lacks its future days.
_DAYS_OF_PERIOD = AssetIn(
    key=DAILY, partition_mapping=TimeWindowPartitionMapping(), metadata={"allow_missing_partitions": True}
)


def build_period_summaries(weekly: PartitionsDefinition, monthly: PartitionsDefinition) -> list[AssetsDefinition]:
    @asset(
        key_prefix=GOLD,
        name="weekly_sales_summary",
        group_name=GOLD,
        automation_condition=GOLD_AUTOMATION,
        **presentation(GOLD, weekly_sales_summary),
        partitions_def=weekly,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": "week_start"},
        ins={"daily": _DAYS_OF_PERIOD},
    )
    def gold_weekly_sales_summary(daily: DataFrame) -> DataFrame:
        """Weekly sales, one row per (week_start, channel, category); weeks start on Monday.

        Sums of the daily summary's additive measures (not a re-scan of silver); distinct customers do
        not add up across days and are left out. Partitioned by week_start, the column reports filter on.
        """
        return weekly_sales_summary(daily)

    @asset(
        key_prefix=GOLD,
        name="monthly_sales_summary",
        group_name=GOLD,
        automation_condition=GOLD_AUTOMATION,
        **presentation(GOLD, monthly_sales_summary),
        partitions_def=monthly,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": "month_start"},
        ins={"daily": _DAYS_OF_PERIOD},
    )
    def gold_monthly_sales_summary(daily: DataFrame) -> DataFrame:
        """Monthly sales, one row per (month_start, channel, category), summed from the daily summary."""
        return monthly_sales_summary(daily)

    return [gold_weekly_sales_summary, gold_monthly_sales_summary]

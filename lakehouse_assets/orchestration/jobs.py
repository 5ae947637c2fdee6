"""Jobs: one per partitioning, because a run covers partitions of one calendar."""

from dagster import AssetKey, AssetSelection, define_asset_job

from lakehouse_assets.constants import GOLD

WEEKLY = AssetSelection.assets(AssetKey([GOLD, "weekly_sales_summary"]))
MONTHLY = AssetSelection.assets(AssetKey([GOLD, "monthly_sales_summary"]))

# Bronze, silver and the daily (and unpartitioned) gold tables, with their checks.
daily_job = define_asset_job("daily_lakehouse_job", selection=AssetSelection.all() - WEEKLY - MONTHLY)
weekly_job = define_asset_job("weekly_sales_job", selection=WEEKLY)
monthly_job = define_asset_job("monthly_sales_job", selection=MONTHLY)

jobs = [daily_job, weekly_job, monthly_job]

"""Every PartitionsDefinition of the lakehouse."""

from dagster import DailyPartitionsDefinition

from lakehouse_assets.settings import get_settings

# Bronze and silver are partitioned by landing date: one partition per daily drop folder.
daily_partitions = DailyPartitionsDefinition(start_date=get_settings().start_date.isoformat())

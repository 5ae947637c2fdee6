"""Every PartitionsDefinition of the lakehouse."""

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition, WeeklyPartitionsDefinition

from lakehouse_assets.settings import get_settings

_start = get_settings().start_date
# Bronze and silver are partitioned by landing date: one partition per daily drop folder. Gold's
# daily tables use the same calendar for the business date (or the as-of date of a snapshot).
daily_partitions = DailyPartitionsDefinition(start_date=_start.isoformat())
# Weeks start on Monday (ISO), months on the 1st; both begin at the first whole period.
weekly_partitions = WeeklyPartitionsDefinition(start_date=_start.isoformat(), day_offset=1)
monthly_partitions = MonthlyPartitionsDefinition(start_date=_start.replace(day=1).isoformat())

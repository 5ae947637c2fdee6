"""Every PartitionsDefinition of the lakehouse, built from the first day (LAKEHOUSE_START_DATE)."""

from datetime import date
from typing import NamedTuple

from dagster import DailyPartitionsDefinition, MonthlyPartitionsDefinition, WeeklyPartitionsDefinition


class Calendars(NamedTuple):
    # Bronze and silver are partitioned by landing date: one partition per daily drop folder. Gold's
    # daily tables use the same calendar for the business date (or the as-of date of a snapshot).
    daily: DailyPartitionsDefinition
    # Weeks start on Monday (ISO), months on the 1st; both begin at the first whole period.
    weekly: WeeklyPartitionsDefinition
    monthly: MonthlyPartitionsDefinition


def build_calendars(start: date) -> Calendars:
    return Calendars(
        daily=DailyPartitionsDefinition(start_date=start.isoformat()),
        weekly=WeeklyPartitionsDefinition(start_date=start.isoformat(), day_offset=1),
        monthly=MonthlyPartitionsDefinition(start_date=start.replace(day=1).isoformat()),
    )

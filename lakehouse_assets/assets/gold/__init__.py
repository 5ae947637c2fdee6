from dagster import AssetsDefinition

from lakehouse_assets.assets.gold.customers import build_customer_segments, gold_dim_customers
from lakehouse_assets.assets.gold.periods import build_period_summaries
from lakehouse_assets.assets.gold.products import build_product_performance
from lakehouse_assets.assets.gold.sales import build_daily_sales_summary, gold_dim_products
from lakehouse_assets.orchestration.partitions import Calendars


def build_gold_assets(calendars: Calendars, late_arrival_days: int) -> list[AssetsDefinition]:
    """Gold's tables; `late_arrival_days` (LAKEHOUSE_LATE_ARRIVAL_DAYS) widens the silver days a business day reads."""
    return [
        gold_dim_products,
        gold_dim_customers,
        build_daily_sales_summary(calendars.daily, late_arrival_days),
        build_product_performance(calendars.daily, late_arrival_days),
        build_customer_segments(calendars.daily),
        *build_period_summaries(calendars.weekly, calendars.monthly),
    ]


__all__ = ["build_gold_assets"]

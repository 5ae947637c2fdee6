from lakehouse_assets.assets.gold.customers import gold_customer_segments, gold_dim_customers
from lakehouse_assets.assets.gold.periods import gold_monthly_sales_summary, gold_weekly_sales_summary
from lakehouse_assets.assets.gold.products import gold_product_performance
from lakehouse_assets.assets.gold.sales import gold_daily_sales_summary, gold_dim_products

gold_assets = [
    gold_dim_products,
    gold_dim_customers,
    gold_daily_sales_summary,
    gold_product_performance,
    gold_customer_segments,
    gold_weekly_sales_summary,
    gold_monthly_sales_summary,
]

__all__ = ["gold_assets"]

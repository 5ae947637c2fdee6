from lakehouse_assets.assets.gold.sales import gold_daily_sales_summary, gold_dim_products

gold_assets = [gold_dim_products, gold_daily_sales_summary]

__all__ = ["gold_assets", "gold_daily_sales_summary", "gold_dim_products"]

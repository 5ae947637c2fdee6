from lakehouse_assets.assets.bronze.sources import bronze_assets

__all__ = ["bronze_assets"]

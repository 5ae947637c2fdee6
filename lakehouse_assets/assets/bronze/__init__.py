from lakehouse_assets.assets.bronze.sources import bronze_keys, build_bronze_assets

__all__ = ["bronze_keys", "build_bronze_assets"]

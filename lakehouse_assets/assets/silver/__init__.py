from lakehouse_assets.assets.silver.layer import QUARANTINE_KEY, SILVER_KEYS, build_silver_layer

__all__ = ["QUARANTINE_KEY", "SILVER_KEYS", "build_silver_layer"]

"""A Bronze/Silver/Gold lakehouse as Dagster software-defined assets on PySpark + Delta Lake."""

from lakehouse_assets.definitions import defs

__all__ = ["defs"]

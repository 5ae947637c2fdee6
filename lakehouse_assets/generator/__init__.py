"""Deterministic synthetic landing data: transactions, customers and products with realistic dirt.

`generate(GeneratorConfig(...))` writes `<landing_root>/<source>/<YYYY-MM-DD>/` drops of CSV, JSON
Lines and Parquet parts plus a `_manifest.json` each; the same config always gives the same bytes.
"""

from lakehouse_assets.generator.config import GeneratorConfig
from lakehouse_assets.generator.dirt import ANOMALY_KINDS
from lakehouse_assets.generator.drops import generate

__all__ = ["ANOMALY_KINDS", "GeneratorConfig", "generate"]

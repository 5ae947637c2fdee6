from lakehouse_assets.internals.dagster import silence_deliberate_previews

silence_deliberate_previews()

from lakehouse_assets.checks.bronze import build_bronze_checks  # noqa: E402
from lakehouse_assets.checks.gold import build_gold_checks  # noqa: E402
from lakehouse_assets.checks.silver import build_silver_checks  # noqa: E402

__all__ = ["build_bronze_checks", "build_gold_checks", "build_silver_checks"]

from lakehouse_assets.internals.dagster import silence_deliberate_previews

silence_deliberate_previews()

from lakehouse_assets.checks.bronze import bronze_checks
from lakehouse_assets.checks.gold import gold_checks
from lakehouse_assets.checks.silver import silver_checks

__all__ = ["bronze_checks", "gold_checks", "silver_checks"]

from lakehouse_assets.checks.bronze import bronze_checks
from lakehouse_assets.checks.silver import silver_checks

__all__ = ["bronze_checks", "silver_checks"]

from lakehouse_assets.checks.bronze import bronze_checks

__all__ = ["bronze_checks"]

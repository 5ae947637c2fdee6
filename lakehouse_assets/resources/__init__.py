from typing import Any

from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.landing import LandingZone, LocalLandingZone
from lakehouse_assets.resources.spark import SparkResource

__all__ = ["DeltaIOManager", "LandingZone", "LocalLandingZone", "S3LandingZone", "SparkResource"]


def __getattr__(name: str) -> Any:
    # Imported on first use: dagster-aws costs ~0.9 s to import, which a local landing zone need not pay.
    if name == "S3LandingZone":
        from lakehouse_assets.resources.s3_landing import S3LandingZone

        return S3LandingZone
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

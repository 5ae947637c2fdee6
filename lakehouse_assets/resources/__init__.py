from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.landing import LandingZone, LocalLandingZone, S3LandingZone
from lakehouse_assets.resources.spark import SparkResource

__all__ = ["DeltaIOManager", "LandingZone", "LocalLandingZone", "S3LandingZone", "SparkResource"]

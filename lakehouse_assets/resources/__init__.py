from lakehouse_assets.resources.io_manager import DeltaIOManager
from lakehouse_assets.resources.landing import LocalLandingZone
from lakehouse_assets.resources.spark import SparkResource

__all__ = ["DeltaIOManager", "LocalLandingZone", "SparkResource"]

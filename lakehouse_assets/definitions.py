"""The one Definitions object. The environment is chosen here, once, from the settings."""

from dagster import Definitions, in_process_executor

from lakehouse_assets.assets.bronze import bronze_assets
from lakehouse_assets.assets.gold import gold_assets
from lakehouse_assets.assets.silver import silver_layer
from lakehouse_assets.checks import bronze_checks, gold_checks, silver_checks
from lakehouse_assets.jobs import jobs
from lakehouse_assets.sensors import landing_drops
from lakehouse_assets.resources import DeltaIOManager, LocalLandingZone, SparkResource
from lakehouse_assets.settings import Settings, get_settings


def build_resources(settings: Settings) -> dict:
    """Resources for `settings`; only *where* data lives differs between environments."""
    spark = SparkResource(master=settings.spark_master)
    return {
        "spark": spark,
        "landing": LocalLandingZone(root=settings.landing_root),
        "io_manager": DeltaIOManager(root=settings.lakehouse_root, spark=spark),
    }


def build_definitions(settings: Settings) -> Definitions:
    return Definitions(
        assets=[*bronze_assets, silver_layer, *gold_assets],
        asset_checks=[*bronze_checks, *silver_checks, *gold_checks],
        jobs=jobs,
        sensors=[landing_drops],
        resources=build_resources(settings),
        # All steps of a run share one process and therefore one SparkSession: a JVM start costs
        # more than most steps, and a multi-process executor would pay it per step.
        executor=in_process_executor,
    )


defs = build_definitions(get_settings())

"""The one Definitions object. The environment is chosen here, once, from the settings."""

from dagster import DefaultSensorStatus, Definitions, in_process_executor

from lakehouse_assets.assets.bronze import bronze_assets
from lakehouse_assets.assets.gold import gold_assets
from lakehouse_assets.assets.silver import silver_layer
from lakehouse_assets.checks import bronze_checks, gold_checks, silver_checks
from lakehouse_assets.orchestration.jobs import jobs
from lakehouse_assets.orchestration.maintenance import delta_maintenance_job, weekly_delta_maintenance
from lakehouse_assets.orchestration.sensors import build_automation_sensor, build_landing_sensor
from lakehouse_assets.resources.wiring import build_resources
from lakehouse_assets.settings import Settings, get_settings


def build_definitions(settings: Settings) -> Definitions:
    sensor_status = DefaultSensorStatus.RUNNING if settings.sensors_running else DefaultSensorStatus.STOPPED
    return Definitions(
        assets=[*bronze_assets, silver_layer, *gold_assets],
        asset_checks=[*bronze_checks, *silver_checks, *gold_checks],
        jobs=[*jobs, delta_maintenance_job],
        schedules=[weekly_delta_maintenance],
        sensors=[build_landing_sensor(sensor_status), build_automation_sensor(sensor_status)],
        resources=build_resources(settings),
        # All steps of a run share one process and therefore one SparkSession: a JVM start costs
        # more than most steps, and a multi-process executor would pay it per step.
        executor=in_process_executor,
    )


defs = build_definitions(get_settings())

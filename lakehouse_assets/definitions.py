"""The one Definitions object. The environment is read here, once, and flows into everything from here.

`build_definitions(settings)` is the whole lakehouse for one environment: the calendars start at
LAKEHOUSE_START_DATE, gold's windows follow LAKEHOUSE_LATE_ARRIVAL_DAYS, the checks' thresholds and
the maintenance defaults come from the same settings, and resources say where data lives. No asset,
check, job, schedule or sensor reads the environment: entry points do, once (this module for Dagster,
each `lakehouse` command, the dashboard), and tests build definitions from their own settings.
"""

from typing import NamedTuple

import click
from dagster import AssetChecksDefinition, AssetsDefinition, DefaultSensorStatus, Definitions, in_process_executor

from lakehouse_assets.assets.bronze import build_bronze_assets
from lakehouse_assets.assets.gold import build_gold_assets
from lakehouse_assets.assets.presentation import with_columns
from lakehouse_assets.assets.silver import build_silver_layer
from lakehouse_assets.checks import build_bronze_checks, build_gold_checks, build_silver_checks
from lakehouse_assets.orchestration.jobs import jobs
from lakehouse_assets.orchestration.maintenance import build_maintenance
from lakehouse_assets.orchestration.partitions import Calendars, build_calendars
from lakehouse_assets.orchestration.sensors import build_automation_sensor, build_landing_sensor
from lakehouse_assets.resources.wiring import build_resources
from lakehouse_assets.settings import Settings, SettingsError


class Layers(NamedTuple):
    """Every asset and check of the lakehouse for one set of settings, by layer."""

    calendars: Calendars
    bronze: list[AssetsDefinition]
    silver: AssetsDefinition
    gold: list[AssetsDefinition]
    bronze_checks: list[AssetChecksDefinition]
    silver_checks: list[AssetChecksDefinition]
    gold_checks: list[AssetChecksDefinition]

    @property
    def assets(self) -> list[AssetsDefinition]:
        return [*self.bronze, self.silver, *self.gold]

    @property
    def checks(self) -> list[AssetChecksDefinition]:
        return [*self.bronze_checks, *self.silver_checks, *self.gold_checks]


def build_layers(settings: Settings) -> Layers:
    calendars = build_calendars(settings.start_date)
    return Layers(
        calendars=calendars,
        bronze=with_columns(build_bronze_assets(calendars.daily)),
        silver=with_columns([build_silver_layer(calendars.daily)])[0],
        gold=with_columns(build_gold_assets(calendars, settings.late_arrival_days)),
        bronze_checks=build_bronze_checks(calendars.daily),
        silver_checks=build_silver_checks(calendars.daily, settings.quarantine_rate_threshold),
        gold_checks=build_gold_checks(calendars),
    )


def build_definitions(settings: Settings) -> Definitions:
    layers = build_layers(settings)
    maintenance_job, maintenance_schedule = build_maintenance(settings.vacuum_retention_hours)
    sensor_status = DefaultSensorStatus.RUNNING if settings.sensors_running else DefaultSensorStatus.STOPPED
    return Definitions(
        assets=layers.assets,
        asset_checks=layers.checks,
        jobs=[*jobs, maintenance_job],
        schedules=[maintenance_schedule],
        sensors=[build_landing_sensor(layers.calendars.daily, sensor_status), build_automation_sensor(sensor_status)],
        resources=build_resources(settings),
        # All steps of a run share one process and therefore one SparkSession: a JVM start costs
        # more than most steps, and a multi-process executor would pay it per step.
        executor=in_process_executor,
    )


class SettingsLoadError(click.ClickException):
    """A bad setting found while Dagster loads this module.

    Dagster's CLI is a click program that loads the definitions in its own process: click prints
    this as one line (`Error: <variable, value, what to set>`) and exits 2, where any other error
    would end in Python's traceback through Dagster's and click's frames. A code server (`dagster
    dev`, the UI) shows the same message as the location's load error.
    """

    exit_code = 2


def _settings_from_env() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as error:
        raise SettingsLoadError(str(error)) from None


defs = build_definitions(_settings_from_env())

"""Bronze: every landed record of every source, as raw text plus lineage, one table per source.

The three sources differ only in their contract, so one factory builds them.
"""

from datetime import date, datetime, timezone

from dagster import AssetExecutionContext, AssetsDefinition, BackfillPolicy, asset
from pyspark.sql import DataFrame

from lakehouse_assets.assets.presentation import presentation
from lakehouse_assets.constants import BRONZE
from lakehouse_assets.contracts import BUSINESS_KEYS, INGEST_DATE_COLUMN, SOURCES, LandingFile
from lakehouse_assets.partitions import daily_partitions
from lakehouse_assets.resources.landing import LandingZone
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.transforms.bronze import parse_csv_header, read_drop


def list_partition_files(
    context: AssetExecutionContext, landing: LandingZone, source: str
) -> list[LandingFile]:
    """The data files of every day the run covers, logging what each day holds."""
    files: list[LandingFile] = []
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        day_files = landing.list_drop(source, day)
        if day_files:
            formats = sorted({file.format for file in day_files})
            size = sum(file.size for file in day_files)
            context.log.info(f"{source} {key}: {len(day_files)} file(s) ({', '.join(formats)}), {size:,} bytes")
        else:
            context.log.warning(
                f"{source} {key}: no files under {landing.drop_location(source, day)}; "
                "materializing an empty slice for this day"
            )
        files.extend(day_files)
    return files


def csv_headers(landing: LandingZone, files: list[LandingFile]) -> dict[str, list[str]]:
    return {file.path: parse_csv_header(landing.read_first_line(file)) for file in files if file.format == "csv"}


def build_bronze_asset(source: str) -> AssetsDefinition:
    @asset(
        name=source,
        key_prefix=BRONZE,
        group_name=BRONZE,
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        metadata={"partition_expr": INGEST_DATE_COLUMN, "business_key": BUSINESS_KEYS[source]},
        **presentation(BRONZE, read_drop),
        description=(
            f"Raw {source} exactly as landed, one row per landed record (malformed records kept "
            f"with their raw text in _corrupt_record), partitioned by landing date "
            f"({INGEST_DATE_COLUMN})."
        ),
    )
    def bronze_source(
        context: AssetExecutionContext, spark: SparkResource, landing: LandingZone
    ) -> DataFrame:
        files = list_partition_files(context, landing, source)
        context.add_output_metadata(
            {
                "landed_files": len(files),
                "landed_bytes": sum(file.size for file in files),
                "landed_formats": ", ".join(sorted({file.format for file in files})) or "none",
            }
        )
        return read_drop(
            spark.get_session(),
            source,
            files,
            csv_headers(landing, files),
            run_id=context.run.run_id,
            ingested_at=datetime.now(timezone.utc).replace(tzinfo=None),
        )

    return bronze_source


bronze_assets: list[AssetsDefinition] = [build_bronze_asset(source) for source in SOURCES]

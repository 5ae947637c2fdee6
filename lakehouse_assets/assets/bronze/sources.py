"""Bronze: every landed record of every source, as raw text plus lineage, one table per source,
and beside each a file ledger saying what became of every file that landed.

The three sources differ only in their contract, so one factory builds them. A file that cannot
be read is set aside in the ledger with its reason, and the run goes on with every other file.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    AssetsDefinition,
    BackfillPolicy,
    MetadataValue,
    Output,
    PartitionsDefinition,
    multi_asset,
)

from lakehouse_assets.assets.presentation import per_day_metadata, presentation
from lakehouse_assets.constants import BRONZE
from lakehouse_assets.contracts import BUSINESS_KEYS, INGEST_DATE_COLUMN, SOURCES, files_table
from lakehouse_assets.resources.landing import LandingZone
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.transforms import bronze_files
from lakehouse_assets.transforms.bronze import files_frame, plan_files, read_drop
from lakehouse_assets.transforms.bronze_files import IGNORED, LOADED, REJECTED, LandedFile


def bronze_keys(source: str) -> list[AssetKey]:
    """The two tables one bronze step writes: they are materialized together or not at all."""
    return [AssetKey([BRONZE, source]), AssetKey([BRONZE, files_table(source)])]


def plan_partition_files(
    context: AssetExecutionContext, spark: SparkResource, landing: LandingZone, source: str
) -> list[LandedFile]:
    """Every entry of every day the run covers, planned, with what each day holds logged."""
    entries = [
        entry for key in context.partition_keys for entry in landing.list_entries(source, date.fromisoformat(key))
    ]
    files = plan_files(spark.get_session(), entries, landing.byte_reader())
    for key in context.partition_keys:
        day_files = [file for file in files if file.day.isoformat() == key]
        loaded = [file for file in day_files if file.outcome == LOADED]
        if not loaded:
            context.log.warning(
                f"{source} {key}: no loadable files under {landing.drop_location(source, date.fromisoformat(key))}; "
                "materializing an empty slice for this day"
            )
        else:
            formats = sorted({file.format for file in loaded})
            context.log.info(
                f"{source} {key}: {len(loaded)} file(s) loaded ({', '.join(formats)}), "
                f"{sum(file.size for file in loaded):,} bytes, {sum(file.records or 0 for file in loaded):,} records"
            )
        for file in day_files:
            if file.outcome == REJECTED:
                context.log.warning(f"{source} {key}: set aside [{file.reason}] {file.message}")
            elif file.outcome == IGNORED:
                context.log.info(f"{source} {key}: ignored [{file.reason}] {file.message}")
    return files


def _ledger_metadata(files: list[LandedFile]) -> dict:
    rejected = [file for file in files if file.outcome == REJECTED]
    return {
        "files_loaded": sum(file.outcome == LOADED for file in files),
        "files_rejected": len(rejected),
        "files_ignored": sum(file.outcome == IGNORED for file in files),
        "records_in_rejected_files": sum(file.records or 0 for file in rejected),
        "rejected_files": MetadataValue.md(
            "\n".join(f"- `{file.day}` **{file.name}** [{file.reason}]: {file.message}" for file in rejected) or "none"
        ),
    }


def _table_metadata(files: list[LandedFile]) -> dict:
    loaded = [file for file in files if file.outcome == LOADED]
    return {
        "landed_files": len(loaded),
        "landed_bytes": sum(file.size for file in loaded),
        "landed_formats": ", ".join(sorted({file.format for file in loaded})) or "none",
        "records_landed": sum(file.records or 0 for file in loaded),
        "files_rejected": sum(file.outcome == REJECTED for file in files),
    }


def _of_days(files: list[LandedFile], describe: Callable[[list], dict]) -> Callable[[Sequence[str]], dict]:
    return lambda days: describe([file for file in files if file.day.isoformat() in days])


def build_bronze_asset(source: str, daily: PartitionsDefinition) -> AssetsDefinition:
    table_key, ledger_key = bronze_keys(source)

    @multi_asset(
        name=f"bronze__{source}",
        outs={
            "table": AssetOut(
                key=table_key,
                group_name=BRONZE,
                metadata={"partition_expr": INGEST_DATE_COLUMN, "business_key": BUSINESS_KEYS[source]},
                description=(
                    f"Raw {source} exactly as landed, one row per landed record (malformed records kept "
                    f"with their raw text in _corrupt_record), partitioned by landing date ({INGEST_DATE_COLUMN})."
                ),
                **presentation(BRONZE, read_drop, bronze_files),
            ),
            "files": AssetOut(
                key=ledger_key,
                group_name=BRONZE,
                metadata={"partition_expr": INGEST_DATE_COLUMN, "business_key": "landing_path"},
                description=(
                    f"The {source} file ledger, one row per entry found in a drop folder: loaded, rejected "
                    "(could not be read as its format: the reason and what to do) or ignored (by a naming rule)."
                ),
                **presentation(BRONZE, read_drop, bronze_files),
            ),
        },
        partitions_def=daily,
        backfill_policy=BackfillPolicy.single_run(),
        can_subset=False,
    )
    def bronze_source(context: AssetExecutionContext, spark: SparkResource, landing: LandingZone):
        files = plan_partition_files(context, spark, landing, source)
        run_id, ingested_at = context.run.run_id, datetime.now(UTC).replace(tzinfo=None)
        session = spark.get_session()
        yield Output(
            read_drop(session, source, files, landing.byte_reader(), run_id=run_id, ingested_at=ingested_at),
            output_name="table",
            metadata=per_day_metadata(context, table_key, _of_days(files, _table_metadata)),
        )
        yield Output(
            files_frame(session, files, run_id, ingested_at),
            output_name="files",
            metadata=per_day_metadata(context, ledger_key, _of_days(files, _ledger_metadata)),
        )

    return bronze_source


def build_bronze_assets(daily: PartitionsDefinition) -> list[AssetsDefinition]:
    return [build_bronze_asset(source, daily) for source in SOURCES]

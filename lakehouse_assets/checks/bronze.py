"""Bronze checks: nothing landed was lost, and every landed file carries its source contract.

Both count from the landing files themselves (not only the generator's manifest), per partition,
and both block: silver must not build on a bronze slice that lost records or columns.
"""

from datetime import date

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetKey,
    MetadataValue,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.assets.bronze.sources import csv_headers
from lakehouse_assets.checks.partitioned import partitioned_check
from lakehouse_assets.constants import BRONZE
from lakehouse_assets.contracts import (
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    RESCUED_DATA_COLUMN,
    SOURCES,
    LandingFile,
)
from lakehouse_assets.partitions import daily_partitions
from lakehouse_assets.resources.landing import LandingZone
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.transforms.bronze import (
    SOURCE_FILE_COLUMN,
    landed_file_columns,
    landed_record_counts,
    spark_file_uri,
)


def _partition_files(
    context: AssetCheckExecutionContext, landing: LandingZone, source: str
) -> list[LandingFile]:
    return [
        file
        for key in context.partition_keys
        for file in landing.list_drop(source, date.fromisoformat(key))
    ]


def _bronze_counts(bronze: DataFrame) -> dict[str, dict[str, int]]:
    """Rows, corrupt rows and rescued rows per source file, in one pass over the slice."""
    rows = (
        bronze.groupBy(SOURCE_FILE_COLUMN)
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count(CORRUPT_RECORD_COLUMN).alias("corrupt"),
            F.count(RESCUED_DATA_COLUMN).alias("rescued"),
        )
        .collect()
    )
    return {row[SOURCE_FILE_COLUMN]: row.asDict() for row in rows}


def build_row_count_check(source: str) -> AssetChecksDefinition:
    @partitioned_check(
        asset=AssetKey([BRONZE, source]),
        name="records_landed_equal_rows_written",
        blocking=True,
        partitions_def=daily_partitions,
        description=(
            f"Every record landed for {source} (counted from the files, and from the manifest where "
            "one exists) is a row of the bronze slice, file by file."
        ),
    )
    def records_landed_equal_rows_written(
        context: AssetCheckExecutionContext,
        bronze: DataFrame,
        spark: SparkResource,
        landing: LandingZone,
    ) -> AssetCheckResult:
        files = _partition_files(context, landing, source)
        landed = landed_record_counts(spark.get_session(), [(f.path, f.format) for f in files])
        written = _bronze_counts(bronze)
        mismatched = {
            uri: {"landed": landed.get(uri, 0), "written": written.get(uri, {}).get("rows", 0)}
            for uri in sorted(set(landed) | set(written))
            if landed.get(uri, 0) != written.get(uri, {}).get("rows", 0)
        }
        manifest_mismatch, manifest_records = _compare_manifests(context, landing, source, files, landed)
        metadata = {
            "records_landed": sum(landed.values()),
            "rows_written": sum(counts["rows"] for counts in written.values()),
            "records_in_manifests": manifest_records,
            "manifest_mismatches": MetadataValue.json(manifest_mismatch),
            "files": len(files),
            "corrupt_records": sum(counts["corrupt"] for counts in written.values()),
            "rescued_records": sum(counts["rescued"] for counts in written.values()),
            "mismatched_files": MetadataValue.json(mismatched),
        }
        return AssetCheckResult(
            passed=not mismatched and not manifest_mismatch,
            metadata=metadata,
            description=_describe_failure(mismatched, manifest_mismatch),
        )

    return records_landed_equal_rows_written


def _compare_manifests(
    context: AssetCheckExecutionContext,
    landing: LandingZone,
    source: str,
    files: list[LandingFile],
    landed: dict[str, int],
) -> tuple[dict[str, dict[str, int]], int]:
    """Days whose manifest promises a different record count than their files hold.

    A manifest counting more records than the files means a file of the drop never arrived.
    """
    mismatches: dict[str, dict[str, int]] = {}
    promised = 0
    for key in context.partition_keys:
        day = date.fromisoformat(key)
        manifest = landing.read_manifest(source, day)
        if manifest is None:
            continue
        promised += manifest["records"]
        in_files = sum(landed.get(spark_file_uri(f.path), 0) for f in files if f.day == day)
        if manifest["records"] != in_files:
            mismatches[key] = {"manifest": manifest["records"], "files": in_files}
    return mismatches, promised


def _describe_failure(mismatched: dict, manifest_mismatch: dict) -> str | None:
    problems = []
    if mismatched:
        problems.append(f"{len(mismatched)} file(s) differ between landing and bronze")
    if manifest_mismatch:
        problems.append(f"manifest counts differ from the files on {', '.join(manifest_mismatch)}")
    return "; ".join(problems) or None


def build_contract_check(source: str) -> AssetChecksDefinition:
    contract = CONTRACT_COLUMNS[source]

    @partitioned_check(
        asset=AssetKey([BRONZE, source]),
        name="contract_columns_present",
        blocking=True,
        partitions_def=daily_partitions,
        description=f"Every landed {source} file carries all contract columns: {', '.join(contract)}.",
    )
    def contract_columns_present(
        context: AssetCheckExecutionContext, spark: SparkResource, landing: LandingZone
    ) -> AssetCheckResult:
        session = spark.get_session()
        files = _partition_files(context, landing, source)
        file_columns = landed_file_columns(session, files, csv_headers(landing, files))
        missing_by_file = {
            file.name: sorted(set(contract) - file_columns[file.path])
            for file in files
            if set(contract) - file_columns[file.path]
        }
        return AssetCheckResult(
            passed=not missing_by_file,
            metadata={
                "files_checked": len(files),
                "files_missing_columns": len(missing_by_file),
                "missing_columns_by_file": MetadataValue.json(missing_by_file),
                "contract_columns": ", ".join(contract),
            },
        )

    return contract_columns_present


bronze_checks: list[AssetChecksDefinition] = [
    check for source in SOURCES for check in (build_row_count_check(source), build_contract_check(source))
]

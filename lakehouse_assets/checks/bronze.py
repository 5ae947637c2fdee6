"""Bronze checks: nothing landed was lost, files set aside are shown, and contracts are visible.

- `records_landed_equal_rows_written` (blocking): per loaded file, the records its survey counted
  (lines, Parquet rows — not bronze's parsers) equal its bronze rows; per day, a manifest's count
  equals the records of every file of the drop, rejected ones included. Silver must not build on a
  slice that lost records.
- `contract_columns_present` (WARN, not blocking): which files lack contract columns. Their
  records still flow: silver's rules quarantine each record that misses a required value, so one
  odd file never blocks a day or a range.
- `no_rejected_files` (WARN, on the file ledger): which files were set aside, and why.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    PartitionsDefinition,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse_assets.assets.bronze.sources import bronze_keys
from lakehouse_assets.checks.partitioned import Verdicts, partitioned_check, verdicts
from lakehouse_assets.contracts import (
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    INGEST_DATE_COLUMN,
    RESCUED_DATA_COLUMN,
    SOURCES,
)
from lakehouse_assets.resources.landing import LandingZone, ManifestError
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.transforms.bronze import SOURCE_FILE_COLUMN, landed_json_keys
from lakehouse_assets.transforms.bronze_files import LOADED, REJECTED


def _ledger(files: DataFrame) -> list[dict]:
    return [row.asDict() for row in files.collect()]


def _bronze_counts(bronze: DataFrame) -> dict[str, dict]:
    """Day, rows, corrupt rows and rescued rows per source file, in one pass over the slice."""
    rows = (
        bronze.groupBy(SOURCE_FILE_COLUMN, INGEST_DATE_COLUMN)
        .agg(
            F.count(F.lit(1)).alias("rows"),
            F.count(CORRUPT_RECORD_COLUMN).alias("corrupt"),
            F.count(RESCUED_DATA_COLUMN).alias("rescued"),
        )
        .collect()
    )
    return {row[SOURCE_FILE_COLUMN]: {**row.asDict(), "day": row[INGEST_DATE_COLUMN].isoformat()} for row in rows}


def _day(ledger_row: dict) -> str:
    return ledger_row[INGEST_DATE_COLUMN].isoformat()


def build_row_count_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    table_key, ledger_key = bronze_keys(source)

    @partitioned_check(
        asset=table_key,
        name="records_landed_equal_rows_written",
        blocking=True,
        partitions_def=daily,
        additional_ins={"files": AssetIn(key=ledger_key)},
        description=(
            f"Every record of every loaded {source} file (counted from its lines or Parquet rows) is a row "
            "of the bronze slice, file by file; a drop's manifest counts the records of all its files, "
            "rejected ones included."
        ),
    )
    def records_landed_equal_rows_written(
        context: AssetCheckExecutionContext, bronze: DataFrame, files: DataFrame, landing: LandingZone
    ) -> Verdicts:
        ledger = _ledger(files)
        written = _bronze_counts(bronze)
        day_of = {uri: counts["day"] for uri, counts in written.items()}
        day_of.update({row[SOURCE_FILE_COLUMN]: _day(row) for row in ledger})
        manifests = _compare_manifests(landing, source, ledger, context.partition_keys)
        for problem in manifests.problems.values():
            context.log.warning(problem)

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            on_days = [row for row in ledger if _day(row) in days]
            landed = {row[SOURCE_FILE_COLUMN]: row["records"] or 0 for row in on_days if row["outcome"] == LOADED}
            rejected = [row for row in on_days if row["outcome"] == REJECTED]
            counts = [counts for counts in written.values() if counts["day"] in days]
            mismatched = {
                uri: {"landed": landed.get(uri, 0), "written": written.get(uri, {}).get("rows", 0)}
                for uri in sorted(uri for uri, day in day_of.items() if day in days)
                if landed.get(uri, 0) != written.get(uri, {}).get("rows", 0)
            }
            manifest_mismatch = {day: numbers for day, numbers in manifests.mismatches.items() if day in days}
            return AssetCheckResult(
                passed=not mismatched and not manifest_mismatch,
                metadata={
                    "records_landed": sum(landed.values()) + sum(row["records"] or 0 for row in rejected),
                    "rows_written": sum(c["rows"] for c in counts),
                    "records_in_rejected_files": sum(row["records"] or 0 for row in rejected),
                    "rejected_files_uncounted": sum(row["records"] is None for row in rejected),
                    "records_in_manifests": sum(n for day, n in manifests.promised.items() if day in days),
                    "manifest_mismatches": MetadataValue.json(manifest_mismatch),
                    "manifest_problems": MetadataValue.json(
                        [problem for day, problem in manifests.problems.items() if day in days]
                    ),
                    "files": len(landed),
                    "files_rejected": len(rejected),
                    "corrupt_records": sum(c["corrupt"] for c in counts),
                    "rescued_records": sum(c["rescued"] for c in counts),
                    "mismatched_files": MetadataValue.json(mismatched),
                },
                description=_describe_failure(mismatched, manifest_mismatch),
            )

        return verdicts(context.partition_keys, result_over)

    return records_landed_equal_rows_written


class _Manifests(NamedTuple):
    mismatches: dict[str, dict[str, int]]  # day -> the manifest's count and the files' records
    promised: dict[str, int]  # day -> records its manifest promises
    problems: dict[str, str]  # day -> why its manifest could not be used (a warning, not a failure)


def _compare_manifests(landing: LandingZone, source: str, ledger: list[dict], days: Sequence[str]) -> _Manifests:
    """Days whose manifest promises a different record count than their files hold, the records
    promised, and manifests that could not be used.

    A manifest counting more records than the files means a file of the drop never arrived.
    """
    in_files: dict[str, int] = defaultdict(int)
    for row in ledger:
        if row["outcome"] in (LOADED, REJECTED):
            in_files[_day(row)] += row["records"] or 0
    found = _Manifests({}, {}, {})
    for key in days:
        try:
            manifest = landing.read_manifest(source, date.fromisoformat(key))
        except ManifestError as exc:
            found.problems[key] = f"{exc} The day's record count was not compared with a manifest."
            continue
        if manifest is None:
            continue
        found.promised[key] = manifest["records"]
        if manifest["records"] != in_files[key]:
            found.mismatches[key] = {"manifest": manifest["records"], "files": in_files[key]}
    return found


def _describe_failure(mismatched: dict, manifest_mismatch: dict) -> str | None:
    problems = []
    if mismatched:
        problems.append(f"{len(mismatched)} file(s) differ between landing and bronze")
    if manifest_mismatch:
        problems.append(f"manifest counts differ from the files on {', '.join(manifest_mismatch)}")
    return "; ".join(problems) or None


def build_contract_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    contract = CONTRACT_COLUMNS[source]
    table_key, ledger_key = bronze_keys(source)

    @partitioned_check(
        asset=table_key,
        name="contract_columns_present",
        blocking=False,
        partitions_def=daily,
        additional_ins={"files": AssetIn(key=ledger_key)},
        description=(
            f"Warns when a loaded {source} file lacks contract columns ({', '.join(contract)}); its records "
            "still flow and silver quarantines those missing a required value."
        ),
    )
    def contract_columns_present(
        context: AssetCheckExecutionContext, files: DataFrame, spark: SparkResource
    ) -> Verdicts:
        loaded = [row for row in _ledger(files) if row["outcome"] == LOADED]
        # JSON lines name their keys per record: the ledger has no columns for them, so they are read.
        json_lines = [row[SOURCE_FILE_COLUMN] for row in loaded if row["format"] == "json" and not row["columns"]]
        keys = landed_json_keys(spark.get_session(), json_lines)
        missing = {}
        for row in loaded:
            columns = set(row["columns"] or keys.get(row[SOURCE_FILE_COLUMN], set()))
            missing[row[SOURCE_FILE_COLUMN]] = (_day(row), row["file_name"], sorted(set(contract) - columns))

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            on_days = [(name, lacking) for day, name, lacking in missing.values() if day in days]
            missing_by_file = {name: lacking for name, lacking in on_days if lacking}
            return AssetCheckResult(
                passed=not missing_by_file,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "files_checked": len(on_days),
                    "files_missing_columns": len(missing_by_file),
                    "missing_columns_by_file": MetadataValue.json(missing_by_file),
                    "contract_columns": ", ".join(contract),
                },
            )

        return verdicts(context.partition_keys, result_over)

    return contract_columns_present


def build_rejected_files_check(source: str, daily: PartitionsDefinition) -> AssetChecksDefinition:
    _, ledger_key = bronze_keys(source)

    @partitioned_check(
        asset=ledger_key,
        name="no_rejected_files",
        blocking=False,
        partitions_def=daily,
        description=(
            f"Warns when a landed {source} file was set aside because it could not be read; the metadata "
            "names each file, the reason and what to do (`lakehouse rejected --day <day>`)."
        ),
    )
    def no_rejected_files(context: AssetCheckExecutionContext, files: DataFrame) -> Verdicts:
        rejected: dict[str, list[dict]] = defaultdict(list)
        for row in _ledger(files):
            if row["outcome"] == REJECTED:
                rejected[_day(row)].append(
                    {
                        "file": row["file_name"],
                        "reason": row["reason"],
                        "records": row["records"],
                        "message": row["message"],
                    }
                )

        def result_over(days: Sequence[str]) -> AssetCheckResult:
            on_days = {day: rejected[day] for day in days if rejected[day]}
            count = sum(len(files) for files in on_days.values())
            return AssetCheckResult(
                passed=count == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={"files_rejected": count, "rejected": MetadataValue.json(on_days)},
                description=f"{count} file(s) set aside; run `lakehouse rejected` for the list" if count else None,
            )

        return verdicts(context.partition_keys, result_over)

    return no_rejected_files


def build_bronze_checks(daily: PartitionsDefinition) -> list[AssetChecksDefinition]:
    return [
        build(source, daily)
        for source in SOURCES
        for build in (build_row_count_check, build_contract_check, build_rejected_files_check)
    ]

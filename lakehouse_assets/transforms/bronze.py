"""Reading landed files into the bronze shape: contract columns as raw text, nothing dropped.

- CSV files are read with their own header as the schema, so a column is matched by name, never
  by position; columns outside the contract go to `_rescued_data` as JSON.
- JSON lines are parsed from their text as string maps, so unexpected keys are rescued rather than
  silently ignored, and a line that is not a JSON object keeps its raw text in `_corrupt_record`.
- Parquet files are read one schema at a time and every value is cast to text.
No Dagster here: these functions take a SparkSession and file paths and return DataFrames.
"""

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import MapType, StringType, StructField, StructType

from lakehouse_assets.contracts import (
    LandingFile,
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    INGEST_DATE_COLUMN,
    RESCUED_DATA_COLUMN,
    bronze_schema,
)

SOURCE_FILE_COLUMN = "_source_file"
_JSON_MAP = MapType(StringType(), StringType())
# Strict JSON: Spark by default also accepts single-quoted strings (a Python repr, say); a line
# that is not JSON is kept raw in _corrupt_record instead of being half-guessed.
_JSON_OPTIONS = {"allowSingleQuotes": "false"}
# Drops live in <source>/<YYYY-MM-DD>/<file>: the landing date is the file's folder.
_DROP_DATE_PATTERN = r"/(\d{4}-\d{2}-\d{2})/[^/]+$"


def parse_csv_header(line: str) -> list[str]:
    """Column names of a CSV header line, parsed with CSV quoting rules."""
    return next(csv.reader([line]), [])


def _with_source_file(df: DataFrame) -> DataFrame:
    return df.select("*", F.col("_metadata.file_path").alias(SOURCE_FILE_COLUMN))


def _rescued(extra_columns: Sequence[str]) -> Column:
    if not extra_columns:
        return F.lit(None).cast(StringType())
    columns = [F.col(f"`{name}`") for name in extra_columns]
    any_present = F.coalesce(*[column.cast(StringType()) for column in columns]).isNotNull()
    return F.when(any_present, F.to_json(F.struct(*columns)))


def _contract_projection(
    source: str, present: Iterable[str], extras: Sequence[str], corrupt: Column
) -> list[Column]:
    present = set(present)
    columns = [
        (F.col(f"`{name}`").cast(StringType()) if name in present else F.lit(None).cast(StringType()))
        .alias(name)
        for name in CONTRACT_COLUMNS[source]
    ]
    return columns + [
        corrupt.alias(CORRUPT_RECORD_COLUMN),
        _rescued(extras).alias(RESCUED_DATA_COLUMN),
        F.col(SOURCE_FILE_COLUMN),
    ]


def read_csv(spark: SparkSession, source: str, paths: Sequence[str], header: Sequence[str]) -> DataFrame:
    """CSV files sharing one header, in the bronze column order (before lineage columns)."""
    contract = set(CONTRACT_COLUMNS[source])
    schema = StructType(
        [StructField(name, StringType()) for name in header]
        + [StructField(CORRUPT_RECORD_COLUMN, StringType())]
    )
    df = (
        spark.read.schema(schema)
        .option("header", True)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
        .csv(list(paths))
    )
    extras = [name for name in header if name not in contract]
    return _with_source_file(df).select(
        *_contract_projection(source, header, extras, F.col(CORRUPT_RECORD_COLUMN))
    )


def read_json_lines(spark: SparkSession, source: str, paths: Sequence[str]) -> DataFrame:
    """JSON-lines files; blank lines are not records, any other line is one."""
    contract = list(CONTRACT_COLUMNS[source])
    lines = _with_source_file(spark.read.text(list(paths))).where(F.trim("value") != "")
    record = F.from_json("value", _JSON_MAP, _JSON_OPTIONS)
    extras = F.map_filter("record", lambda key, _: ~F.array_contains(F.array(*map(F.lit, contract)), key))
    parsed = lines.select("value", SOURCE_FILE_COLUMN, record.alias("record"))
    return parsed.select(
        *[F.col("record").getItem(name).alias(name) for name in contract],
        F.when(F.col("record").isNull(), F.col("value")).alias(CORRUPT_RECORD_COLUMN),
        F.when(F.size(extras) > 0, F.to_json(extras)).alias(RESCUED_DATA_COLUMN),
        F.col(SOURCE_FILE_COLUMN),
    )


def read_parquet(spark: SparkSession, source: str, path: str) -> DataFrame:
    """One Parquet file, every value cast to text."""
    df = _with_source_file(spark.read.parquet(path))
    columns = [name for name in df.columns if name != SOURCE_FILE_COLUMN]
    extras = [name for name in columns if name not in set(CONTRACT_COLUMNS[source])]
    return df.select(*_contract_projection(source, columns, extras, F.lit(None).cast(StringType())))


def with_lineage(
    df: DataFrame, source: str, source_format: str, run_id: str, ingested_at: datetime
) -> DataFrame:
    """Adds the bronze lineage columns and returns exactly the bronze schema."""
    lineage = df.select(
        "*",
        F.lit(ingested_at).alias("_ingested_at"),
        F.lit(source_format).alias("_source_format"),
        F.lit(source).alias("_data_source"),
        F.lit(run_id).alias("_run_id"),
        F.to_date(F.regexp_extract(SOURCE_FILE_COLUMN, _DROP_DATE_PATTERN, 1)).alias(INGEST_DATE_COLUMN),
    )
    return conform(lineage, source)


def conform(df: DataFrame, source: str) -> DataFrame:
    """Selects and casts `df` to exactly the bronze schema of `source`, in order."""
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in bronze_schema(source).fields])


def empty_bronze(spark: SparkSession, source: str) -> DataFrame:
    return spark.createDataFrame([], bronze_schema(source))


def union_all(frames: Sequence[DataFrame]) -> DataFrame:
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result


def _counts_by_file(df: DataFrame) -> dict[str, int]:
    grouped = _with_source_file(df).groupBy(SOURCE_FILE_COLUMN).count().collect()
    return {row[SOURCE_FILE_COLUMN]: row["count"] for row in grouped}


def landed_record_counts(spark: SparkSession, files: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Records per file counted from the files themselves, independently of the bronze parsers.

    `files` are (path, format) pairs. A record is a non-blank line (less the header line of a CSV
    file) or a Parquet row. Keys are Spark's file URIs, as in bronze's `_source_file`; a file
    with no record may be absent.
    """
    paths: dict[str, list[str]] = {}
    for path, file_format in files:
        paths.setdefault(file_format, []).append(path)
    counts: dict[str, int] = {}
    for file_format, format_paths in paths.items():
        if file_format == "parquet":
            counts.update(_counts_by_file(spark.read.parquet(*format_paths)))
            continue
        lines = spark.read.text(format_paths).where(F.trim("value") != "")
        header_lines = 1 if file_format == "csv" else 0
        counts.update({uri: n - header_lines for uri, n in _counts_by_file(lines).items()})
    return counts


def read_drop(
    spark: SparkSession,
    source: str,
    files: Sequence[LandingFile],
    csv_headers: dict[str, list[str]],
    run_id: str,
    ingested_at: datetime,
) -> DataFrame:
    """All `files` of `source` as one bronze DataFrame; `csv_headers` maps CSV paths to headers.

    Files are read in as few Spark reads as their shapes allow: one per distinct CSV header, one
    for all JSON lines, one per Parquet file (Parquet schemas may differ file to file).
    """
    frames: list[DataFrame] = []
    csv_groups: dict[tuple[str, ...], list[str]] = {}
    for file in files:
        if file.format == "csv":
            csv_groups.setdefault(tuple(csv_headers[file.path]), []).append(file.path)
    for header, paths in csv_groups.items():
        frames.append(with_lineage(read_csv(spark, source, paths, header), source, "csv", run_id, ingested_at))
    json_paths = [file.path for file in files if file.format == "json"]
    if json_paths:
        frames.append(with_lineage(read_json_lines(spark, source, json_paths), source, "json", run_id, ingested_at))
    for file in files:
        if file.format == "parquet":
            frames.append(with_lineage(read_parquet(spark, source, file.path), source, "parquet", run_id, ingested_at))
    return union_all(frames) if frames else empty_bronze(spark, source)


def landed_file_columns(
    spark: SparkSession, files: Sequence[LandingFile], csv_headers: dict[str, list[str]]
) -> dict[str, set[str]]:
    """The columns each landed file carries, keyed by its path.

    CSV: its header; Parquet: its schema (footer only); JSON lines: every key any record uses
    (one aggregation over the drop's JSON files).
    """
    columns: dict[str, set[str]] = {}
    for file in files:
        if file.format == "csv":
            columns[file.path] = set(csv_headers[file.path])
        elif file.format == "parquet":
            columns[file.path] = set(spark.read.parquet(file.path).columns)
    json_files = {file.path for file in files if file.format == "json"}
    if json_files:
        keys = (
            _with_source_file(spark.read.text(sorted(json_files)))
            .select(SOURCE_FILE_COLUMN, F.explode(F.map_keys(F.from_json("value", _JSON_MAP, _JSON_OPTIONS))).alias("key"))
            .groupBy(SOURCE_FILE_COLUMN)
            .agg(F.collect_set("key").alias("keys"))
            .collect()
        )
        by_uri = {row[SOURCE_FILE_COLUMN]: set(row["keys"]) for row in keys}
        for path in json_files:
            columns[path] = by_uri.get(spark_file_uri(path), set())
    return columns


def spark_file_uri(path: str) -> str:
    """How Spark's `_metadata.file_path` names a local path (`file:/abs/path`); URIs pass through."""
    return path if "://" in path else "file:" + path

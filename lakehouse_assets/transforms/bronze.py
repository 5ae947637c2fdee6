"""Reading landed files into the bronze shape: contract columns as the text that landed, nothing dropped.

`transforms/bronze_files.py` decides per file whether and how it is read; this module does the
reading with Spark, given those plans:
- CSV: Spark's CSV reader with the file's delimiter and encoding, RFC 4180 quoting, columns taken
  by position and named from the file's own header (so any header text works); columns outside
  the contract go to `_rescued_data` as JSON; a record with the wrong number of fields keeps its
  raw text in `_corrupt_record`.
- JSON: every non-blank line (or every element of a JSON array file) is parsed in Python with
  numbers kept as written, duplicate keys and trailing data made corrupt (`bronze_files.parse_json_line`).
- Parquet: every value cast to text; types Spark cannot read (nanosecond timestamps, uint64,
  time, null columns, wide decimals) are converted to text by pyarrow instead.
No Dagster here.
"""

import io
from collections.abc import Sequence
from datetime import datetime

from pyspark import cloudpickle
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BinaryType, MapType, StringType, StructField, StructType

from lakehouse_assets.contracts import (
    CONTRACT_COLUMNS,
    CORRUPT_RECORD_COLUMN,
    INGEST_DATE_COLUMN,
    RESCUED_DATA_COLUMN,
    bronze_schema,
    files_schema,
)
from lakehouse_assets.transforms import bronze_files
from lakehouse_assets.transforms.bronze_files import (
    LOADED,
    ByteReader,
    LandedFile,
    apply_survey,
    compact_json,
    decode,
    json_record,
    parse_json_array,
    parse_json_line,
    plan_entry,
    surveyed,
)

# The JSON parsers run in Spark's Python workers. Shipped by value, the workers need not import
# lakehouse_assets (whose package import loads Dagster and the definitions) nor have it installed.
cloudpickle.register_pickle_by_value(bronze_files)

SOURCE_FILE_COLUMN = "_source_file"
_JSON_MAP = MapType(StringType(), StringType())
_JSON_OPTIONS = {"allowSingleQuotes": "false"}
# Drops live in <source>/<YYYY-MM-DD>/<file>: the landing date is the file's folder.
_DROP_DATE_PATTERN = r"/(\d{4}-\d{2}-\d{2})/[^/]+$"
# A blank line holds only characters up to U+0020 (what Spark's CSV reader skips); it is no record.
_NON_BLANK = r"[^\x00-\x20]"


def _with_source_file(df: DataFrame) -> DataFrame:
    # Spark names files by URI, percent-encoded ('Orders%20Export.csv'); lineage and the file ledger
    # name them as they landed. A literal '+' stays '+' (url_decode would read it as a space).
    path = F.url_decode(F.replace(F.col("_metadata.file_path"), F.lit("+"), F.lit("%2B")))
    return df.select("*", path.alias(SOURCE_FILE_COLUMN))


# --- planning ----------------------------------------------------------------------------------
def survey_text_files(spark: SparkSession, files: Sequence[LandedFile]) -> dict[str, dict]:
    """Per text file, one pass over its lines: counts that decide its encoding and its records.

    `object_lines` counts lines that start a JSON object naming a contract key: a JSON file with
    none is not this source's data (a cheap textual test; the parser decides each record later).
    """
    paths = [file.path for file in files]
    if not paths:
        return {}
    keys = "|".join(CONTRACT_COLUMNS[files[0].source])
    lines = _with_source_file(spark.read.text(paths))
    value = F.col("value")
    valid = F.expr("is_valid_utf8(value)")
    quotes = F.length(value) - F.length(F.replace(value, F.lit('"'), F.lit("")))
    rows = (
        lines.groupBy(SOURCE_FILE_COLUMN)
        .agg(
            F.count_if(F.length(value) > 0).alias("lines"),
            F.count_if(value.rlike(_NON_BLANK)).alias("non_blank"),
            F.count_if(~valid).alias("invalid_utf8"),
            # Valid UTF-8 with more bytes than characters holds a non-ASCII character (no regex per line).
            F.count_if(valid & (F.octet_length(value) > F.length(value))).alias("utf8_non_ascii"),
            F.count_if(quotes % 2 == 1).alias("odd_quotes"),
            F.count_if(F.instr(value, "\u0000") > 0).alias("nul"),
            F.count_if(
                F.ltrim(F.regexp_replace(F.substring(value, 1, 8), "^\ufeff", "")).startswith("{")
                & value.rlike(f'"({keys})"\\s*:')
            ).alias("object_lines"),
        )
        .collect()
    )
    return {row[SOURCE_FILE_COLUMN]: row.asDict() for row in rows}


def plan_files(
    spark: SparkSession, entries: Sequence[tuple[LandedFile, str | None]], reader: ByteReader
) -> list[LandedFile]:
    """Each entry's outcome and reading plan: name rules, bytes and footers, then one Spark survey."""
    planned = [plan_entry(entry, problem, reader) for entry, problem in entries]
    counts = survey_text_files(spark, [file for file in planned if surveyed(file)])
    for file in planned:
        if file.format in ("csv", "json"):
            apply_survey(file, counts.get(file.uri), reader)
    return planned


# --- reading -----------------------------------------------------------------------------------
def _rescued(extras: Sequence[tuple[str, Column]]) -> Column:
    if not extras:
        return F.lit(None).cast(StringType())
    any_present = F.coalesce(*[column for _, column in extras]).isNotNull()
    return F.when(any_present, F.to_json(F.struct(*[column.alias(name) for name, column in extras])))


def _projection(
    source: str, by_name: dict[str, Column], extras: Sequence[tuple[str, Column]], corrupt: Column
) -> list[Column]:
    missing = F.lit(None).cast(StringType())
    return [
        *[by_name.get(name, missing).alias(name) for name in CONTRACT_COLUMNS[source]],
        corrupt.alias(CORRUPT_RECORD_COLUMN),
        _rescued(extras).alias(RESCUED_DATA_COLUMN),
        F.col(SOURCE_FILE_COLUMN),
    ]


def _positional(columns: Sequence[str]) -> list[str]:
    return [f"_c{index}" for index in range(len(columns))]


def _by_position(source: str, names: Sequence[str], text: Sequence[Column]) -> tuple[dict, list]:
    # A header with more names than the file has columns (or fewer) pairs what it can; never fails the file.
    contract = set(CONTRACT_COLUMNS[source])
    by_name = {name: column for name, column in zip(names, text, strict=False) if name in contract}
    extras = [(name, column) for name, column in zip(names, text, strict=False) if name not in contract]
    return by_name, extras


def read_csv(spark: SparkSession, source: str, files: Sequence[LandedFile]) -> DataFrame:
    """CSV files sharing one header, delimiter, encoding and line mode."""
    first = files[0]
    positional = _positional(first.header)
    # Named as the header so Spark's header check agrees; renamed by position right after, so no
    # header text (dots, backticks, blanks) is ever parsed as a column reference.
    schema = StructType(
        [StructField(name, StringType()) for name in first.header] + [StructField(CORRUPT_RECORD_COLUMN, StringType())]
    )
    df = (
        spark.read.schema(schema)
        .option("header", True)
        .option("enforceSchema", True)
        .option("sep", first.delimiter)
        .option("encoding", "UTF-16" if first.encoding == "utf-16" else first.encoding or "UTF-8")
        .option("multiLine", first.multiline)
        # RFC 4180: a quote inside a quoted field is doubled; a backslash is an ordinary character.
        .option("escape", '"')
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT_RECORD_COLUMN)
        .csv([file.path for file in files])
    )
    df = _with_source_file(df).toDF(*positional, CORRUPT_RECORD_COLUMN, SOURCE_FILE_COLUMN)
    # An empty field is NULL whether or not it was quoted: CSV cannot tell "no value" from "".
    text = [F.nullif(F.col(name), F.lit("")) for name in positional]
    by_name, extras = _by_position(source, first.columns, text)
    return df.select(*_projection(source, by_name, extras, F.col(CORRUPT_RECORD_COLUMN)))


def _json_struct(source: str) -> StructType:
    return StructType(
        [StructField(name, StringType()) for name in CONTRACT_COLUMNS[source]]
        + [StructField(CORRUPT_RECORD_COLUMN, StringType()), StructField(RESCUED_DATA_COLUMN, StringType())]
    )


def read_json(spark: SparkSession, source: str, files: Sequence[LandedFile]) -> DataFrame:
    """JSON-lines files (a record per non-blank line) and JSON array files (a record per element)."""
    contract = CONTRACT_COLUMNS[source]
    record = _json_struct(source)
    encodings = F.create_map(*[F.lit(x) for file in files for x in (file.uri, file.encoding or "utf-8")])

    @F.udf(returnType=record, useArrow=True)
    def parse_line(value: bytes, encoding: str):
        return parse_json_line(decode(value, encoding), contract)

    @F.udf(returnType=ArrayType(record), useArrow=True)
    def parse_array(value: bytes, encoding: str):
        text = decode(value, encoding).lstrip("\ufeff")
        return [json_record(element, contract, compact_json(element)) for element in parse_json_array(text)]

    frames = []
    lines = [file.path for file in files if not file.json_array]
    if lines:
        raw = _with_source_file(spark.read.text(lines)).where(F.col("value").rlike(_NON_BLANK))
        frames.append(
            raw.select(
                parse_line(F.col("value").cast(BinaryType()), encodings[F.col(SOURCE_FILE_COLUMN)]).alias("r"),
                SOURCE_FILE_COLUMN,
            )
        )
    arrays = [file.path for file in files if file.json_array]
    if arrays:
        whole = _with_source_file(spark.read.text(arrays, wholetext=True))
        frames.append(
            whole.select(
                F.explode(parse_array(F.col("value").cast(BinaryType()), encodings[F.col(SOURCE_FILE_COLUMN)])).alias(
                    "r"
                ),
                SOURCE_FILE_COLUMN,
            )
        )
    parsed = union_all(frames)
    return parsed.select(*[F.col(f"r.{field.name}").alias(field.name) for field in record.fields], SOURCE_FILE_COLUMN)


def _parquet_text(column: Column, data_type) -> Column:
    if isinstance(data_type, (StructType, ArrayType, MapType)):
        return F.to_json(column)
    return column.cast(StringType())


def read_parquet(spark: SparkSession, source: str, file: LandedFile, reader: ByteReader) -> DataFrame:
    """One Parquet file, every value as text (through pyarrow when Spark cannot read a type)."""
    if file.arrow:
        df = _parquet_through_arrow(spark, file, reader)
    else:
        df = spark.read.parquet(file.path)
    types = [field.dataType for field in df.schema.fields]
    positional = _positional(df.columns)
    df = df.toDF(*positional).withColumn(SOURCE_FILE_COLUMN, F.lit(file.uri))
    text = [_parquet_text(F.col(name), data_type) for name, data_type in zip(positional, types, strict=True)]
    by_name, extras = _by_position(source, file.columns, text)
    return df.select(*_projection(source, by_name, extras, F.lit(None).cast(StringType())))


def _parquet_through_arrow(spark: SparkSession, file: LandedFile, reader: ByteReader) -> DataFrame:
    import json

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(reader.read_all(file.key, file.size)))
    columns = []
    for column in table.columns:
        try:
            columns.append(pc.cast(column, pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            columns.append(
                pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()], pa.string())
            )
    names = _positional(table.column_names)
    schema = StructType([StructField(name, StringType()) for name in names])
    return spark.createDataFrame(pa.table(columns, names=names).to_pandas(), schema=schema)


def with_lineage(df: DataFrame, source: str, source_format: str, run_id: str, ingested_at: datetime) -> DataFrame:
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


def read_drop(
    spark: SparkSession,
    source: str,
    files: Sequence[LandedFile],
    reader: ByteReader,
    run_id: str,
    ingested_at: datetime,
) -> DataFrame:
    """The loaded `files` of `source` as one bronze DataFrame, in as few Spark reads as their plans allow:
    one per CSV shape (header, delimiter, encoding, line mode), one for all JSON, one per Parquet file."""
    loaded = [file for file in files if file.outcome == LOADED]
    frames: list[DataFrame] = []
    csv_groups: dict[tuple, list[LandedFile]] = {}
    for file in loaded:
        if file.format == "csv":
            csv_groups.setdefault((file.header, file.delimiter, file.encoding, file.multiline), []).append(file)
    for group in csv_groups.values():
        frames.append(with_lineage(read_csv(spark, source, group), source, "csv", run_id, ingested_at))
    json_files = [file for file in loaded if file.format == "json"]
    if json_files:
        frames.append(with_lineage(read_json(spark, source, json_files), source, "json", run_id, ingested_at))
    for file in loaded:
        if file.format == "parquet":
            frames.append(
                with_lineage(read_parquet(spark, source, file, reader), source, "parquet", run_id, ingested_at)
            )
    return union_all(frames) if frames else empty_bronze(spark, source)


def files_frame(spark: SparkSession, files: Sequence[LandedFile], run_id: str, ingested_at: datetime) -> DataFrame:
    """The file ledger rows of `files`: every entry with its outcome, reason and records."""
    rows = [
        (
            file.source,
            file.location,
            file.name,
            file.outcome,
            file.reason,
            file.message,
            file.format,
            file.encoding,
            file.size,
            file.fingerprint,
            file.records,
            list(file.columns) or None,
            file.uri,
            ingested_at,
            run_id,
            file.day,
        )
        for file in files
    ]
    return spark.createDataFrame(rows, files_schema())


def landed_json_keys(spark: SparkSession, paths: Sequence[str]) -> dict[str, set[str]]:
    """The keys any record of each JSON-lines file uses, keyed by file URI (one aggregation)."""
    if not paths:
        return {}
    keys = (
        _with_source_file(spark.read.text(paths))
        .select(SOURCE_FILE_COLUMN, F.explode(F.map_keys(F.from_json("value", _JSON_MAP, _JSON_OPTIONS))).alias("key"))
        .groupBy(SOURCE_FILE_COLUMN)
        .agg(F.collect_set("key").alias("keys"))
        .collect()
    )
    return {row[SOURCE_FILE_COLUMN]: set(row["keys"]) for row in keys}

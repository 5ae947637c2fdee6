"""The one IO manager: Spark DataFrames in, Delta tables at `<root>/<layer>/<table>` out.

Partitioned assets declare the column their partitions live in with
`metadata={"partition_expr": "<column>"}`. A write replaces exactly the slice the run covers (a
whole time window for a single-run backfill) with Delta's `replaceWhere`, so re-running a
partition is idempotent and never touches its neighbours; a read returns only the slice the
downstream partition mapping asks for.
"""

import re
import time
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import NamedTuple

from dagster import (
    AssetKey,
    ConfigurableIOManager,
    InputContext,
    MetadataValue,
    OutputContext,
    PartitionsDefinition,
    TableColumn,
    TableSchema,
    TimeWindow,
    TimeWindowPartitionsDefinition,
)
from pydantic import Field
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse_assets.resources.spark import SparkResource


class DeltaSchemaConflictError(ValueError):
    """A DataFrame's column types disagree with the Delta table it would be written to."""


class MissingUpstreamError(LookupError):
    """An input table or partition has not been materialized yet."""


class TableSlice(NamedTuple):
    """The part of a table one run owns: a SQL predicate over the partition column."""

    column: str
    predicate: str
    description: str


def _literal(moment: datetime) -> str:
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return f"DATE'{moment.date().isoformat()}'"
    return f"TIMESTAMP'{moment.strftime('%Y-%m-%d %H:%M:%S')}'"


def table_slice(
    column: str,
    partitions_def: PartitionsDefinition,
    keys: Sequence[str],
    time_window: TimeWindow | None,
) -> TableSlice:
    """The predicate selecting `keys` of `partitions_def` in `column`.

    A time window becomes a half-open range, so a multi-day run is one slice, not its first day.
    """
    quoted = f"`{column}`"
    if isinstance(partitions_def, TimeWindowPartitionsDefinition) and time_window is not None:
        start, end = _literal(time_window.start), _literal(time_window.end)
        return TableSlice(
            column,
            f"{quoted} >= {start} AND {quoted} < {end}",
            f"{keys[0]}..{keys[-1]}" if len(keys) > 1 else keys[0],
        )
    listed = ", ".join("'" + key.replace("'", "''") + "'" for key in keys)
    return TableSlice(column, f"{quoted} IN ({listed})", ", ".join(keys))


_INTEGER_WIDTHS = {"tinyint": 1, "smallint": 2, "int": 3, "bigint": 4}
_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


def is_widening(old: str, new: str) -> bool:
    """Whether Delta's type widening can change a column from `old` to `new` without losing values.

    Integers to wider integers, float to double, date to timestamp_ntz, and decimals that grow in
    both integer digits and scale: every old value is exactly representable in the new type.
    """
    if old in _INTEGER_WIDTHS and new in _INTEGER_WIDTHS:
        return _INTEGER_WIDTHS[new] > _INTEGER_WIDTHS[old]
    if (old, new) in {("float", "double"), ("date", "timestamp_ntz")}:
        return True
    old_decimal, new_decimal = _DECIMAL.match(old), _DECIMAL.match(new)
    if old_decimal and new_decimal:
        (p1, s1), (p2, s2) = map(int, old_decimal.groups()), map(int, new_decimal.groups())
        return (p2, s2) != (p1, s1) and s2 >= s1 and p2 - s2 >= p1 - s1
    return False


class SchemaChange(NamedTuple):
    conflicts: list[str]  # described for a human; any of them refuses the write
    widened: list[str]  # columns Delta may widen in place ("quantity int -> bigint")


def schema_changes(table: StructType, incoming: StructType) -> SchemaChange:
    """Columns present in both whose types differ (nullability aside): widenings and conflicts."""
    existing = {field.name.lower(): field for field in table.fields}
    conflicts, widened = [], []
    for field in incoming.fields:
        old = existing.get(field.name.lower())
        if old is None:
            continue
        old_type, new_type = old.dataType.simpleString(), field.dataType.simpleString()
        if old_type == new_type:
            continue
        if is_widening(old_type, new_type):
            widened.append(f"{field.name} {old_type} -> {new_type}")
        else:
            conflicts.append(
                f"column '{field.name}' is {old_type} in the table but {new_type} in the new data"
            )
    return SchemaChange(conflicts, widened)


def schema_conflicts(table: StructType, incoming: StructType) -> list[str]:
    return schema_changes(table, incoming).conflicts


def _partition_expr(asset_key: AssetKey, metadata: dict | None) -> str:
    partition_expr = (metadata or {}).get("partition_expr")
    if not partition_expr:
        raise ValueError(
            f"Asset '{asset_key.to_user_string()}' is partitioned but declares no partition column; "
            'add metadata={"partition_expr": "<column>"} to its definition.'
        )
    return str(partition_expr)


class DeltaIOManager(ConfigurableIOManager):
    """Stores each asset as a Delta table at `<root>/<layer>/<table>`."""

    root: str = Field(description="Root of all tables (LAKEHOUSE_ROOT): a local folder or s3a://bucket/prefix.")
    spark: SparkResource = Field(description="The Spark session tables are read and written with.")

    def table_uri(self, asset_key: AssetKey) -> str:
        return "/".join([self.root.rstrip("/"), *asset_key.path])

    def _session(self) -> SparkSession:
        return self.spark.get_session()

    def read_table(self, asset_key: AssetKey) -> DataFrame | None:
        """The whole table of `asset_key`, or None before its first materialization.

        For an asset that reads its own earlier partitions (deduplication against history),
        which Dagster's partition mappings cannot express without a cycle.
        """
        from delta.tables import DeltaTable

        uri = self.table_uri(asset_key)
        spark = self._session()
        if not DeltaTable.isDeltaTable(spark, uri):
            return None
        return spark.read.format("delta").load(uri)

    def _output_slice(self, context: OutputContext) -> TableSlice | None:
        if not context.has_asset_partitions:
            return None
        column = _partition_expr(context.asset_key, dict(context.definition_metadata or {}))
        window = (
            context.asset_partitions_time_window
            if isinstance(context.asset_partitions_def, TimeWindowPartitionsDefinition)
            else None
        )
        return table_slice(column, context.asset_partitions_def, context.asset_partition_keys, window)

    def handle_output(self, context: OutputContext, obj: DataFrame) -> None:
        if not isinstance(obj, DataFrame):
            raise TypeError(
                f"Asset '{context.asset_key.to_user_string()}' returned {type(obj).__name__}; "
                "the Delta IO manager stores Spark DataFrames only."
            )
        uri = self.table_uri(context.asset_key)
        name = context.asset_key.to_user_string()
        spark = obj.sparkSession
        current = self._current_schema(spark, uri)
        definition_metadata = dict(context.definition_metadata or {})
        properties = {str(k): str(v) for k, v in (definition_metadata.get("delta_table_properties") or {}).items()}
        changes = schema_changes(current, obj.schema) if current is not None else SchemaChange([], [])
        if changes.conflicts:
            raise DeltaSchemaConflictError(
                f"Refusing to write table {name} at {uri}: " + "; ".join(changes.conflicts)
                + ". Nothing was written. Cast the column back to the table's type in the "
                "asset, or migrate the table to the new type first."
            )
        if changes.widened:
            # Delta widens a column in place (no rewrite of old files) once the table allows it;
            # mergeSchema then applies the wider type with this very write.
            properties["delta.enableTypeWidening"] = "true"
        table_slice_ = self._output_slice(context)
        if current is None and (table_slice_ is not None or properties):
            # Delta checks that written rows match replaceWhere only on an existing table, so a
            # partitioned table is created empty first and the first slice is checked like any
            # other; table properties (change data feed) are set at creation, before any data.
            _create_table(spark, uri, obj.schema, table_slice_.column if table_slice_ else None, properties)
        elif current is not None:
            _ensure_properties(spark, uri, properties)
        writer = obj.write.format("delta").mode("overwrite").option("mergeSchema", "true")
        if table_slice_ is not None:
            writer = writer.option("replaceWhere", table_slice_.predicate)
        started = time.monotonic()
        try:
            writer.save(uri)
        except AnalysisException as exc:
            if table_slice_ is not None and (exc.getCondition() or "").startswith("DELTA_REPLACE_WHERE"):
                raise ValueError(
                    f"Asset {name} produced rows outside partition {table_slice_.description} "
                    f"({table_slice_.predicate}); nothing was written to {uri}. Every row's "
                    f"'{table_slice_.column}' must fall inside the partition being materialized."
                ) from exc
            raise
        added = [f.name for f in obj.schema.fields if current is not None and f.name.lower() not in
                 {c.name.lower() for c in current.fields}]
        # The DataFrame is lazy: this is the asset's Spark work plus the Delta commit.
        compute_and_write_seconds = round(time.monotonic() - started, 2)
        metadata = self._write_metadata(spark, uri, obj.schema, table_slice_, added)
        metadata["compute_and_write_seconds"] = compute_and_write_seconds
        if changes.widened:
            metadata["widened_columns"] = ", ".join(changes.widened)
        context.add_output_metadata(metadata)

    def _current_schema(self, spark: SparkSession, uri: str) -> StructType | None:
        from delta.tables import DeltaTable

        if not DeltaTable.isDeltaTable(spark, uri):
            return None
        return spark.read.format("delta").load(uri).schema

    def _write_metadata(
        self,
        spark: SparkSession,
        uri: str,
        schema: StructType,
        table_slice_: TableSlice | None,
        added_columns: list[str],
    ) -> dict:
        commit, detail = _latest_commit(spark, uri)
        metrics = commit["operationMetrics"] or {}
        rows_written = int(metrics.get("numOutputRows", 0))
        metadata = {
            "rows_written": rows_written,
            "dagster/partition_row_count" if table_slice_ else "dagster/row_count": rows_written,
            "table_uri": MetadataValue.path(uri),
            "dagster/uri": uri,
            "delta_version": int(commit["version"]),
            "delta_operation": commit["operation"],
            "num_files": int(detail["numFiles"]),
            "size_bytes": int(detail["sizeInBytes"]),
            "avg_file_bytes": int(detail["sizeInBytes"]) // max(1, int(detail["numFiles"])),
            "partition_count": int(detail["partitionCount"]),
            "files_written": int(metrics.get("numFiles", 0)),
            "bytes_written": int(metrics.get("numOutputBytes", 0)),
            "dagster/column_schema": TableSchema(
                columns=[TableColumn(f.name, f.dataType.simpleString()) for f in schema.fields]
            ),
        }
        if table_slice_ is not None:
            metadata["partition_columns"] = ", ".join(detail["partitionColumns"])
            metadata["replaced_slice"] = table_slice_.predicate
        if added_columns:
            metadata["added_columns"] = ", ".join(added_columns)
        return metadata

    def load_input(self, context: InputContext) -> DataFrame:
        from delta.tables import DeltaTable

        upstream = context.asset_key
        uri = self.table_uri(upstream)
        spark = self._session()
        partition_keys = list(context.asset_partition_keys) if context.has_asset_partitions else []
        if not DeltaTable.isDeltaTable(spark, uri):
            raise MissingUpstreamError(
                f"Table {upstream.to_user_string()} does not exist at {uri}. Materialize asset "
                f"'{upstream.to_user_string()}'"
                + (f" for partition(s) {_describe_keys(partition_keys)}" if partition_keys else "")
                + " first."
            )
        df = spark.read.format("delta").load(uri)
        if not context.has_asset_partitions or _asks_for_every_partition(context):
            return df
        upstream_metadata = dict(context.upstream_output.definition_metadata or {}) if context.upstream_output else {}
        column = _partition_expr(upstream, upstream_metadata)
        partitions_def = context.asset_partitions_def
        window = (
            context.asset_partitions_time_window
            if isinstance(partitions_def, TimeWindowPartitionsDefinition)
            else None
        )
        wanted = table_slice(column, partitions_def, partition_keys, window)
        # An input may declare that some of its upstream partitions can legitimately be absent,
        # e.g. the days after a sale in which late records of it might still land.
        if not (context.definition_metadata or {}).get("allow_missing_partitions"):
            self._require_partitions(context, df, column, partitions_def, partition_keys)
        return df.where(wanted.predicate)

    def _require_partitions(
        self,
        context: InputContext,
        df: DataFrame,
        column: str,
        partitions_def: PartitionsDefinition,
        keys: Sequence[str],
    ) -> None:
        """Fails when a requested partition was never materialized.

        The Dagster instance is asked first (no Spark work); only partitions it has no record of
        are looked for in the table itself, so tables written by another instance still load.
        An empty slice that Dagster recorded is a real, empty partition, not a missing one.
        """
        upstream = context.asset_key
        missing = sorted(set(keys) - context.instance.get_materialized_partitions(upstream))
        if not missing:
            return
        if isinstance(partitions_def, TimeWindowPartitionsDefinition):
            probe = table_slice(
                column, partitions_def, missing,
                TimeWindow(
                    partitions_def.time_window_for_partition_key(missing[0]).start,
                    partitions_def.time_window_for_partition_key(missing[-1]).end,
                ),
            )
            present_values = df.where(probe.predicate).select(column).distinct().collect()
            zone = ZoneInfo(partitions_def.timezone)
            present = {
                partitions_def.get_partition_key_for_timestamp(_as_datetime(row[0], zone).timestamp())
                for row in present_values
            }
        else:
            probe = table_slice(column, partitions_def, missing, None)
            present = {str(row[0]) for row in df.where(probe.predicate).select(column).distinct().collect()}
        still_missing = [key for key in missing if key not in present]
        if still_missing:
            raise MissingUpstreamError(
                f"Table {upstream.to_user_string()} at {self.table_uri(upstream)} has no partition "
                f"{_describe_keys(still_missing)}. Materialize asset '{upstream.to_user_string()}' "
                f"for {_describe_keys(still_missing)} first, e.g. dagster asset materialize -m "
                f"lakehouse_assets --select '{upstream.to_user_string()}' --partition {still_missing[0]}"
            )


def _describe_keys(keys: Sequence[str]) -> str:
    if len(keys) <= 3:
        return ", ".join(keys)
    return f"{keys[0]} .. {keys[-1]} ({len(keys)} partitions)"


def _as_datetime(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime(value.year, value.month, value.day, tzinfo=zone)


def _asks_for_every_partition(context: InputContext) -> bool:
    """An unpartitioned consumer of a partitioned table asks for all of it: no filter, no probe."""
    every_key = context.asset_partitions_def.get_partition_keys(dynamic_partitions_store=context.instance)
    return len(context.asset_partition_keys) == len(every_key)


def _create_table(
    spark: SparkSession, uri: str, schema: StructType, partition_column: str | None, properties: dict[str, str]
) -> None:
    from delta.tables import DeltaTable

    builder = DeltaTable.createIfNotExists(spark).location(uri).addColumns(schema)
    if partition_column:
        builder = builder.partitionedBy(partition_column)
    for key, value in properties.items():
        builder = builder.property(key, value)
    builder.execute()


def _ensure_properties(spark: SparkSession, uri: str, properties: dict[str, str]) -> None:
    """Sets declared table properties an existing table lacks (a table created before they were declared)."""
    if not properties:
        return
    # SHOW TBLPROPERTIES reads the snapshot's metadata without a Spark job (DESCRIBE DETAIL runs one).
    current = {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES delta.`{uri}`").collect()}
    missing = {k: v for k, v in properties.items() if current.get(k) != v}
    if missing:
        assignments = ", ".join(f"'{k}' = '{v}'" for k, v in sorted(missing.items()))
        spark.sql(f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ({assignments})")


def _latest_commit(spark: SparkSession, uri: str) -> tuple[dict, dict]:
    """The table's latest commit (version, operation, operationMetrics) and its snapshot's numFiles,
    sizeInBytes, partitionColumns and partitionCount.

    Read from the commit's own log files: `<version>.json` holds its commitInfo, and the
    `<version>.crc` checksum Delta writes with every commit holds the file count, the size and (for
    tables of up to tens of thousands of files) every file with its partition values. That is a few
    small reads on the driver and no Spark job; history(1) and the snapshot's statistics cost one to
    three jobs per write (~1-2 s each on 2 cores, 12 writes per daily run). A missing file (checksums
    turned off, or an older Delta) falls back to those jobs.
    """
    import json

    from delta.tables import DeltaTable
    from py4j.protocol import Py4JError

    jvm = spark.sparkContext._jvm
    try:
        snapshot = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, uri).update(
            False, jvm.scala.Option.empty(), jvm.scala.Option.empty()
        )
        version = int(snapshot.version())
        columns = snapshot.metadata().partitionColumns()
        partition_columns = [columns.apply(i) for i in range(columns.size())]
        log = f"{uri.rstrip('/')}/_delta_log/{version:020d}"
        # Split on "\n" only: Delta writes one action per line, and its statistics may hold landed
        # text with U+2028 or other characters that str.splitlines() would also split on.
        actions = [json.loads(line) for line in (_read_text(spark, log + ".json") or "").split("\n") if line.strip()]
        info = next((action["commitInfo"] for action in actions if "commitInfo" in action), None)
        checksum = json.loads(_read_text(spark, log + ".crc") or "null")
    except Py4JError:  # Delta's internal snapshot API changed: the public API, with its Spark jobs
        info, checksum, snapshot = None, None, None
    if info is None:
        row = DeltaTable.forPath(spark, uri).history(1).select("version", "operation", "operationMetrics").first()
        commit = {"version": int(row["version"]), "operation": row["operation"], "operationMetrics": row["operationMetrics"]}
    else:
        commit = {"version": version, "operation": info.get("operation"), "operationMetrics": info.get("operationMetrics")}
    if checksum and checksum.get("allFiles") is not None:
        values = {json.dumps(entry.get("partitionValues") or {}, sort_keys=True) for entry in checksum["allFiles"]}
        return commit, {
            "numFiles": int(checksum["numFiles"]),
            "sizeInBytes": int(checksum["tableSizeBytes"]),
            "partitionColumns": partition_columns,
            "partitionCount": len(values) if partition_columns else 1,
        }
    return commit, _table_detail(spark, uri, snapshot)


def _read_text(spark: SparkSession, path: str) -> str | None:
    """A small file's text through Hadoop's file systems (local, s3a), or None when it does not exist."""
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark._jsc.hadoopConfiguration())
    if not fs.exists(hadoop_path):
        return None
    stream = fs.open(hadoop_path)
    try:
        return jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def _table_detail(spark: SparkSession, uri: str, snapshot=None) -> dict:
    """numFiles, sizeInBytes, partitionColumns and partitionCount when the commit's checksum cannot say.

    From Delta's snapshot when there is one (its statistics and a distinct count over its file
    list: Spark jobs); that API is internal to Delta, so without it DESCRIBE DETAIL and a distinct
    count over the table answer instead of failing the write.
    """
    from delta.tables import DeltaTable
    from py4j.protocol import Py4JError

    try:
        if snapshot is None:
            raise Py4JError("no snapshot")
        columns = snapshot.metadata().partitionColumns()
        partition_columns = [columns.apply(i) for i in range(columns.size())]
        files = DataFrame(snapshot.allFiles().toDF(), spark)
        return {
            "numFiles": int(snapshot.numOfFiles()),
            "sizeInBytes": int(snapshot.sizeInBytes()),
            "partitionColumns": partition_columns,
            # Maps cannot be compared in a DISTINCT; their JSON text can.
            "partitionCount": (
                files.select(F.to_json("partitionValues")).distinct().count() if partition_columns else 1
            ),
        }
    except Py4JError:
        detail = DeltaTable.forPath(spark, uri).detail().select("numFiles", "sizeInBytes", "partitionColumns").first().asDict()
        columns = detail["partitionColumns"]
        table = spark.read.format("delta").load(uri)
        detail["partitionCount"] = table.select(*columns).distinct().count() if columns else 1
        return detail

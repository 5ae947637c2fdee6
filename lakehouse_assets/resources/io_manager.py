"""The one IO manager: Spark DataFrames in, Delta tables at `<root>/<layer>/<table>` out.

Partitioned assets declare the column their partitions live in with
`metadata={"partition_expr": "<column>"}`. A write replaces exactly the slice the run covers (a
whole time window for a single-run backfill) with Delta's `replaceWhere`, so re-running a
partition is idempotent and never touches its neighbours; a read returns only the slice the
downstream partition mapping asks for.
"""

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


def schema_conflicts(table: StructType, incoming: StructType) -> list[str]:
    """Columns present in both whose types differ (nullability aside), described for a human."""
    existing = {field.name.lower(): field for field in table.fields}
    conflicts = []
    for field in incoming.fields:
        old = existing.get(field.name.lower())
        if old is not None and old.dataType.simpleString() != field.dataType.simpleString():
            conflicts.append(
                f"column '{field.name}' is {old.dataType.simpleString()} in the table but "
                f"{field.dataType.simpleString()} in the new data"
            )
    return conflicts


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
        if current is not None:
            conflicts = schema_conflicts(current, obj.schema)
            if conflicts:
                raise DeltaSchemaConflictError(
                    f"Refusing to write table {name} at {uri}: " + "; ".join(conflicts)
                    + ". Nothing was written. Cast the column back to the table's type in the "
                    "asset, or migrate the table to the new type first."
                )
        table_slice_ = self._output_slice(context)
        writer = obj.write.format("delta").mode("overwrite").option("mergeSchema", "true")
        if table_slice_ is not None:
            if current is None:
                # Delta checks that written rows match replaceWhere only on an existing table, so
                # the table is created empty first and the first slice is checked like any other.
                _create_partitioned_table(spark, uri, obj.schema, table_slice_.column)
            writer = writer.option("replaceWhere", table_slice_.predicate)
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
        context.add_output_metadata(self._write_metadata(spark, uri, obj.schema, table_slice_, added))

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
        from delta.tables import DeltaTable

        commit = DeltaTable.forPath(spark, uri).history(1).select("version", "operation", "operationMetrics").first()
        detail = _table_detail(spark, uri)
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


def _create_partitioned_table(spark: SparkSession, uri: str, schema: StructType, column: str) -> None:
    from delta.tables import DeltaTable

    DeltaTable.createIfNotExists(spark).location(uri).addColumns(schema).partitionedBy(column).execute()


def _table_detail(spark: SparkSession, uri: str) -> dict:
    """numFiles, sizeInBytes and partitionColumns of the table's latest snapshot.

    Read from Delta's in-memory snapshot (milliseconds) rather than DESCRIBE DETAIL, which runs a
    Spark job per call (0.5-2 s, paid on every write). That snapshot API is internal to Delta, so
    a Delta release that changes it falls back to DESCRIBE DETAIL instead of failing the write.
    """
    from delta.tables import DeltaTable
    from py4j.protocol import Py4JError

    try:
        jvm = spark.sparkContext._jvm
        snapshot = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, uri).update(
            False, jvm.scala.Option.empty(), jvm.scala.Option.empty()
        )
        columns = snapshot.metadata().partitionColumns()
        return {
            "numFiles": int(snapshot.numOfFiles()),
            "sizeInBytes": int(snapshot.sizeInBytes()),
            "partitionColumns": [columns.apply(i) for i in range(columns.size())],
        }
    except Py4JError:
        return DeltaTable.forPath(spark, uri).detail().select("numFiles", "sizeInBytes", "partitionColumns").first().asDict()

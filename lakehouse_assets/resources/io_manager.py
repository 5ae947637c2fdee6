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
from typing import NamedTuple
from zoneinfo import ZoneInfo

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
from py4j.protocol import Py4JJavaError
from pydantic import Field
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from lakehouse_assets.delta.commits import latest_commit, written_per_partition
from lakehouse_assets.dictionary import column_description
from lakehouse_assets.internals.dagster import add_partition_metadata
from lakehouse_assets.resources.completeness import require_complete
from lakehouse_assets.resources.spark import SparkResource
from lakehouse_assets.resources.write_conflicts import (
    MAX_WRITE_ATTEMPTS,
    ConcurrentWriteError,
    backoff_seconds,
    first_write_after_creation_is_blind_append,
    lost_create_race,
    write_conflict,
)
from lakehouse_assets.tables import location_of


class DeltaSchemaConflictError(ValueError):
    """A DataFrame's column types disagree with the Delta table it would be written to."""


class MissingUpstreamError(LookupError):
    """An input table or partition has not been materialized yet."""


class _Written(NamedTuple):
    current: StructType | None  # the table's schema before the write; None for a new table
    changes: "SchemaChange"
    overtaken: bool  # another writer committed between this one's creating the table and appending to it


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
            conflicts.append(f"column '{field.name}' is {old_type} in the table but {new_type} in the new data")
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
        return location_of(self.root, asset_key.path)

    def _session(self) -> SparkSession:
        return self.spark.get_session()

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
        definition_metadata = dict(context.definition_metadata or {})
        properties = {str(k): str(v) for k, v in (definition_metadata.get("delta_table_properties") or {}).items()}
        table_slice_ = self._output_slice(context)
        where = f"partition {table_slice_.description}" if table_slice_ is not None else "the whole table"
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                written = self._write_once(spark, uri, name, obj, table_slice_, dict(properties))
            except (PySparkException, Py4JJavaError) as exc:
                # Every attempt plans afresh from the table as it is now, so a writer that lost the
                # race to create the table writes into the winner's with replaceWhere.
                created_elsewhere = lost_create_race(spark, uri, exc)
                conflict = write_conflict(exc) or created_elsewhere
                if conflict is None:
                    raise
                if attempt >= MAX_WRITE_ATTEMPTS:
                    raise ConcurrentWriteError(
                        f"Could not write {name} ({where}) at {uri}: other writers kept committing to the "
                        f"table ({conflict}) through {attempt} attempts, and nothing of this run was "
                        f"committed. Re-run {where} of '{name}' once the other runs writing it have "
                        "finished, or let such runs wait for each other (a Dagster concurrency pool)."
                    ) from exc
                # The winner's table, once committed, can be written at once; a log still without its
                # first commit, or a commit conflict, is waited out.
                delay = 0.0 if created_elsewhere and _table_schema(spark, uri) is not None else backoff_seconds(attempt)
                context.log.warning(
                    f"Writing {name} ({where}) collided with another writer: {conflict}. "
                    f"Attempt {attempt} of {MAX_WRITE_ATTEMPTS} failed; retrying in {delay:.1f} s."
                )
                time.sleep(delay)
                continue
            if not written.overtaken:
                break
            # Rare enough (two runs creating one table) that rewriting the slice, not finding out
            # whether the other writer's rows were in it, is the cheap way to be sure.
            context.log.warning(
                f"Another writer committed to the new table {name} before this run's first write of {where}; "
                "rewriting the slice with replaceWhere so it cannot hold both runs' rows."
            )
        current, changes = written.current, written.changes
        added = [
            f.name
            for f in obj.schema.fields
            if current is not None and f.name.lower() not in {c.name.lower() for c in current.fields}
        ]
        # The DataFrame is lazy: this is the asset's Spark work plus the Delta commit (and any retries).
        compute_and_write_seconds = round(time.monotonic() - started, 2)
        commit, detail = latest_commit(spark, uri)
        metadata = self._write_metadata(commit, detail, uri, obj.schema, table_slice_, added)
        metadata["compute_and_write_seconds"] = compute_and_write_seconds
        if attempt > 1:
            metadata["write_attempts"] = attempt
        if changes.widened:
            metadata["widened_columns"] = ", ".join(changes.widened)
        if table_slice_ is not None and len(context.asset_partition_keys) > 1:
            metadata = _split_by_partition(context, spark, uri, commit, table_slice_, metadata)
        context.add_output_metadata(metadata)

    def _write_once(
        self,
        spark: SparkSession,
        uri: str,
        name: str,
        obj: DataFrame,
        table_slice_: TableSlice | None,
        properties: dict[str, str],
    ) -> "_Written":
        """One attempt at the write, planned from the table as it is now; Delta's conflicts propagate."""
        current = _table_schema(spark, uri)
        changes = schema_changes(current, obj.schema) if current is not None else SchemaChange([], [])
        if changes.conflicts:
            raise DeltaSchemaConflictError(
                f"Refusing to write table {name} at {uri}: "
                + "; ".join(changes.conflicts)
                + ". Nothing was written. Cast the column back to the table's type in the "
                "asset, or migrate the table to the new type first."
            )
        if changes.widened:
            # Delta widens a column in place (no rewrite of old files) once the table allows it;
            # mergeSchema then applies the wider type with this very write.
            properties["delta.enableTypeWidening"] = "true"
        mode, replace_where = "overwrite", table_slice_.predicate if table_slice_ is not None else None
        first_append = False
        if current is None and (table_slice_ is not None or properties):
            # A partitioned or propertied table is created empty first, from the DataFrame's schema: a write
            # that creates a table makes every column nullable, dropping the NOT NULL contracts, and table
            # properties (change data feed) belong to the table before any data.
            _create_table(spark, uri, obj.schema, table_slice_.column if table_slice_ else None, properties)
            if table_slice_ is not None:
                # Into the empty table the slice is appended, not replaced: replaceWhere's delete scan
                # doubles the cost of every first write (~0.6 s per table), and Delta's own check that
                # rows match it is done here in the same pass, failing the job before anything commits.
                obj, mode, replace_where = _refusing_rows_outside(obj, table_slice_), "append", None
                first_append = True
        elif current is not None:
            _ensure_properties(spark, uri, properties)
        writer = obj.write.format("delta").mode(mode).option("mergeSchema", "true")
        if replace_where is not None:
            writer = writer.option("replaceWhere", replace_where)
        try:
            writer.save(uri)
        except (PySparkException, Py4JJavaError) as exc:
            condition = exc.getCondition() if isinstance(exc, PySparkException) else None
            if table_slice_ is not None and (
                (condition or "").startswith("DELTA_REPLACE_WHERE") or _OUTSIDE_SLICE in str(exc)
            ):
                raise ValueError(
                    f"Asset {name} produced rows outside partition {table_slice_.description} "
                    f"({table_slice_.predicate}); nothing was written to {uri}. Every row's "
                    f"'{table_slice_.column}' must fall inside the partition being materialized."
                ) from None
            raise
        # Delta checks a blind append against no other commit, so a writer that lost the race to
        # create the table and then wrote this same slice would leave both runs' rows in it.
        overtaken = first_append and not first_write_after_creation_is_blind_append(spark, uri)
        return _Written(current, changes, overtaken)

    def _write_metadata(
        self,
        commit: dict,
        detail: dict,
        uri: str,
        schema: StructType,
        table_slice_: TableSlice | None,
        added_columns: list[str],
    ) -> dict:
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
                columns=[
                    TableColumn(
                        f.name,
                        f.dataType.simpleString(),
                        # The data dictionary is keyed by catalogue path: the URI below the root (location_of).
                        description=column_description(uri.removeprefix(location_of(self.root, []) + "/"), f.name),
                    )
                    for f in schema.fields
                ]
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
        if context.has_asset_partitions:
            # Before the table is looked at: a run killed between a step's outputs can leave this table
            # without the day (or with a previous run's) while its siblings have it, and that is the fix to name.
            require_complete(context.instance, upstream, None if _asks_for_every_partition(context) else partition_keys)
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
            context.asset_partitions_time_window if isinstance(partitions_def, TimeWindowPartitionsDefinition) else None
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
                column,
                partitions_def,
                missing,
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


# A range run's numbers that add up over its partitions: each partition's materialization gets its
# own share under the name, and the run's total moves to run_<name>, so that a plot of one name
# over a partition's materializations never mixes a range's total with single days.
_ADDITIVE = ("rows_written", "files_written", "bytes_written")
_RUN_ONLY = ("compute_and_write_seconds",)


def _split_by_partition(
    context: OutputContext, spark: SparkSession, uri: str, commit: dict, table_slice_: TableSlice, metadata: dict
) -> dict:
    """A range run's output metadata, with each partition's own numbers put on its materialization."""
    counted, written = _written_per_key(spark, uri, commit, table_slice_, context.asset_partitions_def)
    own = {}
    for key in context.asset_partition_keys:
        numbers = {name: written.get(key, {}).get(name, 0) for name in counted}
        own[key] = {**numbers, "dagster/partition_row_count": numbers["rows_written"]}
    if not add_partition_metadata(context, own):
        return metadata
    run = {k: v for k, v in metadata.items() if k != "dagster/partition_row_count"}
    for name in (*_ADDITIVE, *_RUN_ONLY):
        if name in run:
            run[f"run_{name}"] = run.pop(name)
    return run


def _written_per_key(
    spark: SparkSession, uri: str, commit: dict, table_slice_: TableSlice, partitions_def: PartitionsDefinition
) -> tuple[tuple[str, ...], dict[str, dict[str, int]]]:
    """The numbers known per partition, and each partition key's (absent: nothing written there).

    From the commit's add actions when their statistics count rows (no Spark job): rows, files and
    bytes written. Otherwise the slice as of the commit is counted per partition value (one job): rows.
    """
    from_log = written_per_partition(commit, table_slice_.column)
    if from_log is not None:
        counted = _ADDITIVE
        by_value = {value: dict(zip(_ADDITIVE, written, strict=True)) for value, written in from_log.items()}
    else:
        counted = ("rows_written",)
        rows = (
            spark.read.format("delta")
            .option("versionAsOf", commit["version"])
            .load(uri)
            .where(table_slice_.predicate)
            .groupBy(table_slice_.column)
            .count()
            .collect()
        )
        by_value = {row[0]: {"rows_written": int(row["count"])} for row in rows}
    per_key: dict[str, dict[str, int]] = {}
    for value, numbers in by_value.items():
        if value is None:
            continue
        key = _partition_key_of(value, partitions_def)
        per_key[key] = {name: per_key.get(key, {}).get(name, 0) + n for name, n in numbers.items()}
    return counted, per_key


def _partition_key_of(value: str | date | datetime, partitions_def: PartitionsDefinition) -> str:
    """The partition key a partition column's value (as Delta's log spells it, or as Spark reads it) falls in."""
    if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
        return str(value)
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = ZoneInfo(partitions_def.timezone)
    return partitions_def.get_partition_key_for_timestamp(_as_datetime(moment, zone).timestamp())


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


_NO_TABLE_CONDITIONS = {"PATH_NOT_FOUND", "DELTA_TABLE_NOT_FOUND", "DELTA_MISSING_DELTA_TABLE"}


def _table_schema(spark: SparkSession, uri: str) -> StructType | None:
    """The schema of the table at `uri` as its log says now; None when there is no table.

    Loaded rather than asked of DeltaTable.isDeltaTable, which answers from the process's cached view
    of the log: once it has seen a log without commits (another writer creating the table), it keeps
    answering no after that writer's first commit lands, and this writer would try to create it again.
    """
    try:
        return spark.read.format("delta").load(uri).schema
    except PySparkException as exc:
        if exc.getCondition() in _NO_TABLE_CONDITIONS:
            return None
        raise


def _create_table(
    spark: SparkSession, uri: str, schema: StructType, partition_column: str | None, properties: dict[str, str]
) -> None:
    from delta.tables import DeltaTable

    # create, not createIfNotExists: a table another writer created meanwhile must fail this call
    # (TABLE_OR_VIEW_ALREADY_EXISTS), or both writers would append their first slice blindly.
    builder = DeltaTable.create(spark).location(uri).addColumns(schema)
    if partition_column:
        builder = builder.partitionedBy(partition_column)
    for key, value in properties.items():
        builder = builder.property(key, value)
    builder.execute()


_OUTSIDE_SLICE = "lakehouse: row outside the partition being written"


def _refusing_rows_outside(df: DataFrame, table_slice_: TableSlice) -> DataFrame:
    """`df`, whose computation fails on the first row outside `table_slice_` (a null partition value
    included): checked in the same pass that writes the rows, like Delta's own replaceWhere check."""
    inside = F.coalesce(F.expr(table_slice_.predicate), F.lit(False))
    return df.where(inside | F.raise_error(F.lit(_OUTSIDE_SLICE)).isNull())


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

"""Delta table maintenance: OPTIMIZE (compaction, Z-order) and VACUUM, over (SparkSession, table uri).

Every daily run appends a few small files per table; readers pay per file (listing, footers, tasks),
so OPTIMIZE rewrites each partition's small files into one. The replaced files stay on storage,
because older versions (time travel, readers still running) reference them, until VACUUM deletes
those older than the retention. No Dagster here: the job and the CLI are thin wrappers.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.constants import LAYERS
from lakehouse_assets.internals.delta import list_files, list_folders
from lakehouse_assets.tables import PATHS, location_of, resolve_all

# Delta refuses VACUUM below the table's delta.deletedFileRetentionDuration while this is true.
RETENTION_CHECK_CONF = "spark.databricks.delta.retentionDurationCheck.enabled"
# Delta 4.x ignores any VACUUM retention other than 0 hours while this is true (its default) and uses
# the table's delta.deletedFileRetentionDuration instead: a requested 720 h would silently delete
# files older than 168 h. Turned off per call so the retention asked for is the one applied.
RETENTION_WINDOW_IGNORE_CONF = "spark.databricks.delta.vacuum.retentionWindowIgnore.enabled"
RETENTION_PROPERTY = "delta.deletedFileRetentionDuration"
# VACUUM lists the table folder with this many Spark tasks; Spark's default (10000, sized for discovering
# huge partitioned datasets) costs ~20 s of near-empty tasks per VACUUM of a small table, one task per
# core ~2 s. Applied only when the session does not set it.
LISTING_PARALLELISM_CONF = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
DEFAULT_RETENTION = "interval 1 week"  # Delta's default for RETENTION_PROPERTY

# Columns to Z-order by, per table key. Z-order clusters rows with close values of these columns into
# the same files, so a filter on them skips files. It rewrites every file it is given (Delta OSS keeps
# no record of earlier Z-ordering), so only partitions holding several files are Z-ordered again.
# Never a partition column: partitions already separate those values, and Delta refuses it.
# Not listed, so compacted only: bronze (its one reader, silver, reads whole ingest-day partitions, so
# there is nothing to skip), and the gold summaries and dim_products (a handful of rows a partition:
# one file after compaction, which Z-order cannot split further).
ZORDER_BY: dict[str, tuple[str, ...]] = {
    # Customer segments and lifetime value read by customer, product performance by product, and a
    # support lookup by either; an ingest day otherwise spreads every customer over every file.
    "silver/transactions": ("customer_id", "product_id"),
    # dim_customers orders each customer's versions; lookups of one customer's history.
    "silver/customers": ("customer_id",),
    # current_versions picks each product's newest version; lookups of one product's history.
    "silver/products": ("product_id",),
    # Investigating a rejection starts from the source and the record's business key.
    "silver/quarantine": ("source", "business_key"),
    # One product's trend over days (each day is a partition, so this clusters within the day).
    "gold/product_performance": ("product_id",),
    # One customer's segment over snapshots; as_of_date partitions the snapshots.
    "gold/customer_segments": ("customer_id",),
    # The SCD2 dimension is joined and looked up by the natural key (unpartitioned, so Z-order
    # is its only file skipping).
    "gold/dim_customers": ("customer_id",),
}


class VacuumRetentionError(ValueError):
    """VACUUM was asked to keep less history than the table's safety limit."""


class TableStats(NamedTuple):
    """The files of a table's current version: what a reader of the table lists and opens."""

    version: int
    num_files: int
    size_bytes: int
    avg_file_bytes: int
    partitions: int  # distinct partition values; 1 for an unpartitioned table


class StorageUsage(NamedTuple):
    """Every data file under the table's folder, referenced by the current version or not."""

    files: int
    bytes: int


@dataclass(frozen=True)
class MaintenanceReport:
    uri: str
    operation: str  # "OPTIMIZE" or "VACUUM"
    before: TableStats
    after: TableStats
    # OPTIMIZE: files written, and files (bytes) taken out of the current version, which stay on
    # storage until VACUUM. VACUUM: nothing added; files (bytes) deleted from storage.
    files_added: int = 0
    files_removed: int = 0
    bytes_removed: int = 0
    zorder_by: tuple[str, ...] = ()
    storage_before: StorageUsage | None = None  # VACUUM only
    storage_after: StorageUsage | None = None
    retention_hours: int | None = None  # VACUUM only


def table_uri(root: str, key: str) -> str:
    """Where table (or layer folder) `<layer>/<table>` lives: the catalogue's location, as the IO manager's."""
    return location_of(root, key.split("/"))


def _table(spark: SparkSession, uri: str):
    from delta.tables import DeltaTable

    if not DeltaTable.isDeltaTable(spark, uri):
        raise FileNotFoundError(f"No Delta table at {uri}; materialize its asset first, or check LAKEHOUSE_ROOT.")
    return DeltaTable.forPath(spark, uri)


def _files_per_partition(spark: SparkSession, uri: str, columns: list[str]) -> dict[tuple, int]:
    """Data files holding the current version's rows, per partition value (as text; None for NULL).

    Read from the rows' file paths (Spark opens each file's footer only), a public API where the
    snapshot's file list is not."""
    rows = (
        spark.read.format("delta")
        .load(uri)
        .select(*[F.col(c).cast("string").alias(c) for c in columns], F.col("_metadata.file_path").alias("_file"))
        .distinct()
        .groupBy(*columns)
        .count()
        .collect()
    )
    return {tuple(row[c] for c in columns): row["count"] for row in rows}


def table_stats(spark: SparkSession, uri: str) -> TableStats:
    table = _table(spark, uri)
    detail = table.detail().select("numFiles", "sizeInBytes", "partitionColumns").first()
    version = table.history(1).select("version").first()["version"]
    columns = list(detail["partitionColumns"])
    partitions = len(_files_per_partition(spark, uri, columns)) if columns else 1
    num_files, size = int(detail["numFiles"]), int(detail["sizeInBytes"])
    return TableStats(int(version), num_files, size, size // num_files if num_files else 0, partitions)


def _partition_predicate(columns: list[str], values: Iterable[tuple]) -> str:
    """SQL selecting the given partitions; values compared as text so any column type works."""

    def equals(column: str, value: str | None) -> str:
        literal = "NULL" if value is None else "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return f"CAST(`{column}` AS STRING) <=> {literal}"

    matches = ("(" + " AND ".join(equals(c, v) for c, v in zip(columns, value, strict=True)) + ")" for value in values)
    return " OR ".join(matches)


def _check_zorder_columns(
    uri: str, schema_columns: list[str], partition_columns: list[str], zorder_by: tuple[str, ...]
) -> None:
    for column in zorder_by:
        if column in partition_columns:
            raise ValueError(
                f"Cannot Z-order {uri} by '{column}': it is the table's partition column, so partitions already "
                "separate its values. Remove it from ZORDER_BY in lakehouse_assets/delta/maintenance.py."
            )
        if column not in schema_columns:
            raise ValueError(
                f"Cannot Z-order {uri} by '{column}': the table has no such column (it has "
                f"{', '.join(schema_columns)}). "
                "Fix ZORDER_BY in lakehouse_assets/delta/maintenance.py."
            )


def optimize_table(spark: SparkSession, uri: str, zorder_by: Iterable[str] = ()) -> MaintenanceReport:
    """Compacts each partition's small files into one, Z-ordered by `zorder_by` when given.

    Rows and their values are unchanged; the replaced files stay on storage for time travel until
    VACUUM. A table already at one file per partition is left as it is (no new version).
    """
    zorder_by = tuple(zorder_by)
    table = _table(spark, uri)
    partition_columns = list(table.detail().select("partitionColumns").first()[0])
    _check_zorder_columns(uri, table.toDF().columns, partition_columns, zorder_by)
    before = table_stats(spark, uri)
    builder = table.optimize()
    if zorder_by:
        if partition_columns:
            fragmented = [
                value for value, files in _files_per_partition(spark, uri, partition_columns).items() if files > 1
            ]
            runs = bool(fragmented)
            if fragmented:
                builder = builder.where(_partition_predicate(partition_columns, fragmented))
        else:
            runs = before.num_files > 1
        if not runs:
            return MaintenanceReport(uri, "OPTIMIZE", before, before, zorder_by=zorder_by)
        result = builder.executeZOrderBy(*zorder_by)
    else:
        result = builder.executeCompaction()
    metrics = result.select(
        "metrics.numFilesAdded", "metrics.numFilesRemoved", "metrics.filesRemoved.totalSize"
    ).first()
    return MaintenanceReport(
        uri,
        "OPTIMIZE",
        before,
        table_stats(spark, uri),
        files_added=int(metrics["numFilesAdded"]),
        files_removed=int(metrics["numFilesRemoved"]),
        bytes_removed=int(metrics["totalSize"] or 0),
        zorder_by=zorder_by,
    )


_HOURS_PER_UNIT = {
    "week": 168.0,
    "day": 24.0,
    "hour": 1.0,
    "minute": 1 / 60,
    "second": 1 / 3600,
    "millisecond": 1 / 3_600_000,
    "microsecond": 1 / 3_600_000_000,
}


def retention_limit_hours(spark: SparkSession, uri: str) -> float:
    """The table's delta.deletedFileRetentionDuration in hours (168 unless the table sets it)."""
    properties = _table(spark, uri).detail().select("properties").first()[0] or {}
    text = properties.get(RETENTION_PROPERTY, DEFAULT_RETENTION)
    tokens = text.strip().lower().removeprefix("interval").split()
    # An odd token count leaves the last token out of the pairs; the check below refuses it.
    pairs = list(zip(tokens[::2], tokens[1::2], strict=False))
    units = [unit.removesuffix("s") for _, unit in pairs]
    if (
        not pairs
        or len(tokens) % 2
        or not all(n.isdigit() for n, _ in pairs)
        or not all(u in _HOURS_PER_UNIT for u in units)
    ):
        raise ValueError(
            f"Table {uri} sets {RETENTION_PROPERTY}={text!r}, which is not an interval like 'interval 7 days'; "
            f"fix it with ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ('{RETENTION_PROPERTY}' = 'interval 7 days')."
        )
    return sum(int(n) * _HOURS_PER_UNIT[u] for (n, _), u in zip(pairs, units, strict=True))


def check_vacuum_retention(spark: SparkSession, uri: str, retention_hours: int) -> None:
    """Raises VacuumRetentionError when `retention_hours` is below the table's safety limit.

    Stricter than Delta: even a session that switched Delta's check off must pass force=True.
    """
    if retention_hours < 0:
        raise VacuumRetentionError(f"Cannot VACUUM {uri} with a retention of {retention_hours} hours; use 0 or more.")
    limit = retention_limit_hours(spark, uri)
    if retention_hours < limit:
        raise VacuumRetentionError(
            f"Refusing to VACUUM {uri} with a retention of {retention_hours} hours: the table's safety limit is "
            f"{limit:g} hours ({RETENTION_PROPERTY}). Deleting files younger than that breaks time travel to "
            "those versions and can corrupt reads or writes still running. Nothing was deleted. Keep at least "
            f"{limit:g} hours, or, only when nothing else reads or writes the table, force it (CLI: --force; "
            "job config: force: true)."
        )


@contextmanager
def _session_conf(spark: SparkSession, overrides: Mapping[str, str]) -> Iterator[None]:
    """Sets session settings for the block and restores them (or unsets them) afterwards."""
    previous = {key: spark.conf.getAll.get(key) for key in overrides}
    try:
        for key, value in overrides.items():
            spark.conf.set(key, value)
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def storage_usage(spark: SparkSession, uri: str) -> StorageUsage:
    """Counts the data files on storage under `uri` (local or s3a://), leaving out _delta_log and
    hidden files (checksums, markers), as VACUUM does; partition folders (`_ingest_date=...`) count."""
    files = size = 0
    for stored in list_files(spark, uri):
        parts = stored.relative_path.split("/")
        hidden = [p for p in parts if p.startswith(("_", ".")) and "=" not in p]
        if not hidden:
            files += 1
            size += stored.size
    return StorageUsage(files, size)


def vacuum_table(spark: SparkSession, uri: str, retention_hours: int, force: bool = False) -> MaintenanceReport:
    """Deletes the files no version younger than `retention_hours` needs.

    Below the table's safety limit this raises before touching anything, unless `force`: then
    Delta's own check is switched off for this call only (the session is shared with other work).
    """
    if retention_hours < 0 or not force:
        check_vacuum_retention(spark, uri, retention_hours)
    table = _table(spark, uri)
    before, storage_before = table_stats(spark, uri), storage_usage(spark, uri)
    overrides = {RETENTION_WINDOW_IGNORE_CONF: "false"}
    if LISTING_PARALLELISM_CONF not in spark.conf.getAll:
        overrides[LISTING_PARALLELISM_CONF] = str(max(1, spark.sparkContext.defaultParallelism))
    if force:
        overrides[RETENTION_CHECK_CONF] = "false"
    with _session_conf(spark, overrides):
        table.vacuum(retention_hours)
    storage_after = storage_usage(spark, uri)
    return MaintenanceReport(
        uri,
        "VACUUM",
        before,
        table_stats(spark, uri),
        files_removed=storage_before.files - storage_after.files,
        bytes_removed=storage_before.bytes - storage_after.bytes,
        storage_before=storage_before,
        storage_after=storage_after,
        retention_hours=retention_hours,
    )


def list_tables(spark: SparkSession, root: str, keys: Iterable[str] | None = None) -> list[str]:
    """The `<layer>/<table>` keys under `root` that are Delta tables, sorted.

    `keys`: the candidates (the catalogue's `tables.PATHS`); without them, every folder under a
    layer's folder is a candidate, including tables the catalogue no longer declares.
    """
    from delta.tables import DeltaTable

    if keys is None:
        keys = [f"{layer}/{name}" for layer in LAYERS for name in list_folders(spark, table_uri(root, layer))]
    return sorted(key for key in set(keys) if DeltaTable.isDeltaTable(spark, table_uri(root, key)))


def select_tables(spark: SparkSession, root: str, requested: Iterable[str] = ()) -> list[str]:
    """The catalogue paths to maintain: the `requested` tables in the order given (any spelling
    `tables.resolve` takes), or, when none is named, every catalogued table under `root`, layer by layer.

    Raises before any table is touched: UnknownTableError for a name the catalogue does not know,
    FileNotFoundError for a requested table not materialized yet.
    """
    wanted = [table.path for table in resolve_all(requested)]
    existing = set(list_tables(spark, root, wanted or PATHS))
    missing = [key for key in wanted if key not in existing]
    if missing:
        raise FileNotFoundError(
            "; ".join(f"No Delta table {key} at {table_uri(root, key)}" for key in missing)
            + ". Materialize those assets first (`lakehouse demo` builds every table), or check LAKEHOUSE_ROOT."
        )
    return wanted or [key for key in PATHS if key in existing]

"""Time travel, restore and change data feed over the lakehouse's Delta tables.

Pure functions over (SparkSession, table uri): no Dagster, no printing. Every error a user can hit
raises a `TimeTravelError` whose message names the table and what to do instead (a table name the
catalogue does not know: `tables.UnknownTableError`, as everywhere else). Some errors exist
only once rows are read (data files removed by VACUUM, change data that was never recorded), so
`read_as_of` and `read_changes` return lazy DataFrames for PySpark users, while `take_as_of` and
`take_changes` collect rows and turn those read-time failures into clear errors.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import MapType, VariantType

from lakehouse_assets import tables
from lakehouse_assets.constants import LAYERS
from lakehouse_assets.internals.delta import list_files

CDF_PROPERTY = "delta.enableChangeDataFeed"
_CDF_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
# Delete before insert within a commit, so a replaced row reads as "old, then new".
_CHANGE_ORDER = {"delete": 0, "update_preimage": 1, "update_postimage": 2, "insert": 3}
_READABLE_PROBES = 20
# How a read (FAILED_READ_FILE) or a restore (Delta's own check) reports data files that are gone.
_MISSING_FILE_SIGNS = ("FAILED_READ_FILE.FILE_NOT_EXIST", "FileNotFoundException", "Not all files from version")
_DETAIL_PARAMETERS = ("mode", "predicate", "properties", "zOrderBy", "specifiedRetentionMillis", "status")
_DETAIL_METRICS = (
    "numFiles",
    "numRemovedFiles",
    "numDeletedRows",
    "numUpdatedRows",
    "numTargetRowsInserted",
    "numTargetRowsUpdated",
    "numTargetRowsDeleted",
    "numRestoredFiles",
    "numDeletedFiles",
)


class TimeTravelError(ValueError):
    """A table or version the request cannot use; the message names the table and the fix."""


class TableNotFoundError(TimeTravelError):
    pass


class VersionNotFoundError(TimeTravelError):
    pass


class VacuumedVersionError(TimeTravelError):
    pass


class ChangeDataFeedError(TimeTravelError):
    pass


class Commit(NamedTuple):
    """One entry of a table's Delta history."""

    version: int
    timestamp: str  # session time zone, to the millisecond: 2024-01-05 10:00:00.123
    epoch_millis: int
    operation: str
    parameters: dict[str, str]
    metrics: dict[str, str]

    @property
    def rows_written(self) -> int | None:
        return int(self.metrics["numOutputRows"]) if "numOutputRows" in self.metrics else None

    @property
    def restored_version(self) -> int | None:
        return int(self.parameters["version"]) if self.operation == "RESTORE" and "version" in self.parameters else None

    @property
    def details(self) -> str:
        """The parameters and metrics worth a glance, e.g. `mode=Overwrite predicate=... numFiles=1`."""
        if self.restored_version is not None:
            return f"restored version {self.restored_version} " + _pairs(self.metrics, _DETAIL_METRICS)
        return (_pairs(self.parameters, _DETAIL_PARAMETERS) + " " + _pairs(self.metrics, _DETAIL_METRICS)).strip()


class Snapshot(NamedTuple):
    commit: Commit  # the version read and when it was committed
    total_rows: int
    columns: list[str]
    rows: list[Row]  # the first `limit` rows, ordered by every sortable column


class Changes(NamedTuple):
    starting_version: int
    ending_version: int
    counts: list[tuple[int, str, int]]  # (_commit_version, _change_type, rows), in commit order
    columns: list[str]
    rows: list[Row]  # the first `limit` change rows, by commit, change type, then columns


class RestorePlan(NamedTuple):
    table: str
    current: Commit
    target: Commit
    current_rows: int
    target_rows: int


def resolve_table(root: str, name: str) -> str:
    """The uri of table `name` under `root`; any spelling `tables.resolve` takes (`silver.transactions`).

    No Spark: a bad name (tables.UnknownTableError), or a local table not materialized yet, fails
    before a JVM starts. Tables on S3 are checked by the functions that read them.
    """
    table = tables.resolve(name)
    uri = table.location(root)
    if "://" not in uri and not (Path(uri) / "_delta_log").is_dir():
        raise TableNotFoundError(_not_materialized(table.path, uri))
    return uri


def table_label(uri: str) -> str:
    """`silver/transactions` for a table under a layer folder, the uri itself otherwise."""
    parts = uri.rstrip("/").split("/")
    return f"{parts[-2]}/{parts[-1]}" if len(parts) >= 2 and parts[-2] in LAYERS else uri


def require_table(spark: SparkSession, uri: str) -> None:
    from delta.tables import DeltaTable

    if not DeltaTable.isDeltaTable(spark, uri):
        raise TableNotFoundError(_not_materialized(table_label(uri), uri))


def history(spark: SparkSession, uri: str, limit: int | None = None) -> list[Commit]:
    """The table's commits, newest first (the latest `limit` of them)."""
    from delta.tables import DeltaTable

    require_table(spark, uri)
    frame = (
        DeltaTable.forPath(spark, uri)
        .history(limit)
        .select(
            "version",
            F.date_format("timestamp", "yyyy-MM-dd HH:mm:ss.SSS").alias("timestamp"),
            F.expr("unix_millis(timestamp)").alias("epoch_millis"),
            "operation",
            "operationParameters",
            "operationMetrics",
        )
    )
    return [
        Commit(
            row["version"],
            row["timestamp"],
            row["epoch_millis"],
            row["operation"],
            {k: v for k, v in (row["operationParameters"] or {}).items() if v is not None},
            dict(row["operationMetrics"] or {}),
        )
        for row in frame.orderBy(F.desc("version")).collect()
    ]


def parse_as_of(as_of: str | int) -> int | datetime:
    """A version number (`12`) or a moment (`2024-01-05`, `2024-01-05T10:00:00`, `2024-01-05 10:00:00`).

    A moment without an offset is in the Spark session's time zone (UTC here), like history's.
    """
    text = str(as_of).strip()
    if text.isdigit():
        return int(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise TimeTravelError(
            f"{as_of!r} is neither a version number nor a timestamp; use e.g. 12, 2024-01-05, "
            "2024-01-05T10:00:00 or '2024-01-05 10:00:00'."
        ) from None


def resolve_version(spark: SparkSession, uri: str, as_of: str | int | None) -> Commit:
    """The commit that was the table's state at `as_of`: the version itself, or the latest commit
    at or before the moment (a moment after the last commit gives the current version); None: now."""
    commits = history(spark, uri)
    if as_of is None:
        return commits[0]
    moment = parse_as_of(as_of)
    if isinstance(moment, int):
        return _commit(commits, uri, moment)
    text = moment.isoformat(sep=" ")
    micros = spark.range(1).select(F.unix_micros(F.lit(text).cast("timestamp"))).first()[0]
    earlier = [c for c in commits if c.epoch_millis * 1000 <= micros]
    if not earlier:
        first = commits[-1]
        raise VersionNotFoundError(
            f"Table {table_label(uri)} has no version at {text}: its first version ({first.version}) was "
            f"committed at {first.timestamp} {session_time_zone(spark)}. Use a later timestamp or a version number."
        )
    return earlier[0]


def read_as_of(spark: SparkSession, uri: str, as_of: str | int | None) -> DataFrame:
    """The table as it was at `as_of` (see `resolve_version`), as a lazy DataFrame.

    Files removed by VACUUM are only noticed when rows are read; `take_as_of` reports that clearly.
    """
    return _load_version(spark, uri, resolve_version(spark, uri, as_of).version)


def take_as_of(
    spark: SparkSession, uri: str, as_of: str | int | None, limit: int = 20, as_text: bool = False
) -> Snapshot:
    """The first `limit` rows of the table at `as_of`, with the version read and its row count.

    `as_text` casts every value to a string in Spark (timestamps in the session time zone).
    """
    commit = resolve_version(spark, uri, as_of)
    frame = _load_version(spark, uri, commit.version)
    ordered = frame.orderBy(*[F.col(_quoted(name)) for name in _sortable_names(frame)])
    with _reading(spark, uri, commit.version, commit.version):
        rows = (_as_text(ordered) if as_text else ordered).limit(limit).collect()
        total = frame.count()
    return Snapshot(commit, total, frame.columns, rows)


def restore_plan(spark: SparkSession, uri: str, version: int) -> RestorePlan:
    """What restoring `version` would do: current and target versions and their row counts."""
    commits = history(spark, uri)
    target = _restorable(commits, uri, version)
    with _reading(spark, uri, version, version):
        target_rows = _load_version(spark, uri, version).count()
    current_rows = spark.read.format("delta").load(uri).count()
    return RestorePlan(table_label(uri), commits[0], target, current_rows, target_rows)


def restore(spark: SparkSession, uri: str, version: int) -> dict:
    """Restore the table to `version` with a new commit; Delta's restore metrics plus
    `restored_version` and `new_version`. Later versions stay readable until VACUUM removes them."""
    from delta.tables import DeltaTable

    _restorable(history(spark, uri), uri, version)
    with _reading(spark, uri, version, version):
        metrics = DeltaTable.forPath(spark, uri).restoreToVersion(version).first()
    return {**metrics.asDict(), "restored_version": version, "new_version": history(spark, uri, 1)[0].version}


def read_changes(spark: SparkSession, uri: str, starting_version: int, ending_version: int | None = None) -> DataFrame:
    """Delta's change data feed from `starting_version` to `ending_version` (default: latest):
    the changed rows with `_change_type`, `_commit_version` and `_commit_timestamp`."""
    commits = history(spark, uri)
    _commit(commits, uri, starting_version)
    if ending_version is not None:
        _commit(commits, uri, ending_version)
        if ending_version < starting_version:
            raise TimeTravelError(
                f"Ending version {ending_version} is before starting version {starting_version} "
                f"for table {table_label(uri)}."
            )
    if not _cdf_enabled(spark, uri):
        raise ChangeDataFeedError(
            f"Table {table_label(uri)} does not record a change data feed ({CDF_PROPERTY} is not true). Enable it with "
            f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES ({CDF_PROPERTY} = true); changes are recorded from "
            "that commit on."
        )
    reader = spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", starting_version)
    if ending_version is not None:
        reader = reader.option("endingVersion", ending_version)
    with _reading(spark, uri, starting_version, ending_version):
        return reader.load(uri)


def take_changes(
    spark: SparkSession,
    uri: str,
    starting_version: int,
    ending_version: int | None = None,
    limit: int = 20,
    as_text: bool = False,
) -> Changes:
    """The change rows per commit and type, and the first `limit` change rows (see `read_changes`)."""
    frame = read_changes(spark, uri, starting_version, ending_version)
    data = [F.col(_quoted(name)) for name in _sortable_names(frame) if name not in _CDF_COLUMNS]
    ordered = frame.orderBy("_commit_version", _change_rank(), *data)
    per_commit = frame.groupBy("_commit_version", "_change_type").count().orderBy("_commit_version", _change_rank())
    with _reading(spark, uri, starting_version, ending_version):
        counts = [(row[0], row[1], row[2]) for row in per_commit.collect()]
        rows = (_as_text(ordered) if as_text else ordered).limit(limit).collect()
    ending = ending_version if ending_version is not None else history(spark, uri, 1)[0].version
    return Changes(starting_version, ending, counts, frame.columns, rows)


def _commit(commits: list[Commit], uri: str, version: int) -> Commit:
    latest, earliest = commits[0].version, commits[-1].version
    if not earliest <= version <= latest:
        cleaned = f" Versions before {earliest} were removed from the log." if version < earliest else ""
        raise VersionNotFoundError(
            f"Table {table_label(uri)} has versions {earliest}..{latest}; there is no version {version}.{cleaned}"
        )
    return next(c for c in commits if c.version == version)


def _restorable(commits: list[Commit], uri: str, version: int) -> Commit:
    target = _commit(commits, uri, version)
    if version == commits[0].version:
        raise TimeTravelError(f"Table {table_label(uri)} is already at version {version}; nothing to restore.")
    return target


def _load_version(spark: SparkSession, uri: str, version: int) -> DataFrame:
    with _reading(spark, uri, version, version):
        return spark.read.format("delta").option("versionAsOf", version).load(uri)


@contextmanager
def _reading(spark: SparkSession, uri: str, first: int, last: int | None) -> Iterator[None]:
    """Turns Delta's read-time failures for versions `first`..`last` into errors naming the table."""
    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        error = _translate(spark, uri, first, last, exc)
        if error is None:
            raise
        raise error from exc


def _translate(
    spark: SparkSession, uri: str, first: int, last: int | None, exc: PySparkException | Py4JJavaError
) -> TimeTravelError | None:
    text = str(exc)
    spark_error = isinstance(exc, PySparkException)
    condition = exc.getCondition() if spark_error else None
    parameters = (exc.getMessageParameters() or {}) if spark_error else {}
    label = table_label(uri)
    which = f"version {first}" if first == last else f"change data of versions {first}..{_or_latest(last)}"
    if any(sign in text for sign in _MISSING_FILE_SIGNS):
        oldest = _oldest_readable_version(spark, uri, history(spark, uri), first)
        readable = f" The oldest version still readable is {oldest}." if oldest is not None else ""
        return VacuumedVersionError(
            f"The data files of {which} of table {label} were deleted by VACUUM, so it can no longer be read."
            f"{readable} `lakehouse restore` cannot bring {which} back: a restore needs those same files."
        )
    if condition == "DELTA_UNSUPPORTED_TIME_TRAVEL_BEYOND_DELETED_FILE_RETENTION_DURATION":
        hours = parameters.get("deletedFileRetention", "168")
        return VersionNotFoundError(
            f"Delta refuses to read {which} of table {label}: it is older than the table's "
            f"delta.deletedFileRetentionDuration ({hours} hours), after which VACUUM may have deleted its files. "
            "To keep versions readable longer, raise delta.deletedFileRetentionDuration on the table."
        )
    if condition == "DELTA_MISSING_CHANGE_DATA":
        missing = parameters.get("version", str(first))
        return ChangeDataFeedError(
            f"Table {label} has no change data for version {missing}: {CDF_PROPERTY} was off when it was "
            f"committed. Start after the commit that enabled it (see `lakehouse history {label}`)."
        )
    if condition in ("DELTA_VERSION_NOT_FOUND", "DELTA_CANNOT_RESTORE_TABLE_VERSION"):
        commits = history(spark, uri)
        return VersionNotFoundError(
            f"Table {label} has versions {commits[-1].version}..{commits[0].version}; {which} is not among them."
        )
    return None


def _oldest_readable_version(spark: SparkSession, uri: str, commits: list[Commit], unreadable: int) -> int | None:
    """The oldest version from which on every version still has all its files, or None.

    VACUUM deletes the files that commits removed before (its start - retention), so the last
    commit before that cutoff and every later version kept their files. Below it, versions are
    checked against one listing of the table's files, for a few versions at most: this runs only
    to word an error. Without a logged VACUUM there is nothing cheap to judge by.
    """
    vacuums = [c for c in commits if c.operation == "VACUUM START"]
    if not vacuums:
        return None
    vacuum = vacuums[0]
    retention = vacuum.parameters.get("specifiedRetentionMillis") or vacuum.parameters.get("defaultRetentionMillis")
    cutoff = vacuum.epoch_millis - int(retention or 0)
    kept = [c.version for c in commits if c.version < vacuum.version and c.epoch_millis <= cutoff]
    if not kept or max(kept) <= unreadable:
        return None
    oldest = max(kept)
    existing = _existing_files(spark, uri)
    for version in range(oldest - 1, max(unreadable, oldest - 1 - _READABLE_PROBES), -1):
        try:
            files = spark.read.format("delta").option("versionAsOf", version).load(uri).inputFiles()
        except PySparkException:  # e.g. older than the table's file retention: stop looking
            break
        if not set(files) <= existing:
            break
        oldest = version
    return oldest


def _existing_files(spark: SparkSession, uri: str) -> set[str]:
    return {stored.uri for stored in list_files(spark, uri)}


def _cdf_enabled(spark: SparkSession, uri: str) -> bool:
    escaped = uri.replace("`", "``")
    properties = {row["key"]: row["value"] for row in spark.sql(f"SHOW TBLPROPERTIES delta.`{escaped}`").collect()}
    return properties.get(CDF_PROPERTY, "false").lower() == "true"


def _sortable_names(frame: DataFrame) -> list[str]:
    """Columns Spark can order by (not maps or variants), for a reproducible order of shown rows."""
    return [f.name for f in frame.schema.fields if not isinstance(f.dataType, (MapType, VariantType))]


def _change_rank():
    ranks = [F.when(F.col("_change_type") == name, F.lit(order)) for name, order in _CHANGE_ORDER.items()]
    return F.coalesce(*ranks, F.lit(len(ranks)))


def _as_text(frame: DataFrame) -> DataFrame:
    return frame.select([F.col(_quoted(name)).cast("string").alias(name) for name in frame.columns])


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def session_time_zone(spark: SparkSession) -> str:
    """The zone of history timestamps and of moments given without an offset."""
    return spark.conf.get("spark.sql.session.timeZone") or "UTC"


def _or_latest(version: int | None) -> str:
    return "latest" if version is None else str(version)


def _pairs(values: dict[str, str], keys: tuple[str, ...]) -> str:
    return " ".join(f"{key}={values[key]}" for key in keys if values.get(key) not in (None, "", "[]"))


def _not_materialized(name: str, uri: str) -> str:
    if name not in tables.PATHS:
        return f"No Delta table at {uri}."
    table = tables.resolve(name)
    selection = ",".join(sorted(written.path for written in tables.written_with(table)))
    # Partitions are days (weeks and months by their first day) from LAKEHOUSE_START_DATE.
    partition = " --partition <YYYY-MM-DD>" if table.partition_column else ""
    return (
        f"Table {name} does not exist yet at {uri}. Materialize asset {name} first: `lakehouse demo`, or "
        f"`dagster asset materialize -m lakehouse_assets.definitions --select '{selection}'{partition}`."
    )

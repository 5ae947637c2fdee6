"""The JVM side of Spark and Delta, reached through py4j: Delta's log and Hadoop's file systems.

None of this is Python API. `_jvm`, `_jsc` and `_jsparkSession` are PySpark's private handles on
the JVM, and `DeltaLog` and `Snapshot` are Delta's internal Scala classes, which change between
releases without notice. They are used where no public API answers, or answers only with a Spark
job: a table's latest snapshot without history()'s job, files as storage holds them (not as the
table sees them), and Hadoop settings of a session that is already running. A change shows up as a
`py4j.protocol.Py4JError`; callers with a public fallback catch it, and
`lakehouse_assets_tests/test_internals.py` names the function to adapt.
"""

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pyspark.sql import DataFrame, SparkSession


class Snapshot(NamedTuple):
    """A Delta table version as its log describes it."""

    version: int
    partition_columns: list[str]
    handle: Any  # Delta's Scala Snapshot, for snapshot_size and snapshot_files


class StoredFile(NamedTuple):
    """A file on storage: its full URI (as DataFrame.inputFiles() spells it), its path below the
    listed folder, and its size in bytes."""

    uri: str
    relative_path: str
    size: int


def latest_snapshot(spark: SparkSession, uri: str) -> Snapshot:
    """The table's newest version: Delta reads its log's tail on the driver, no Spark job."""
    jvm = spark.sparkContext._jvm
    delta_log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, uri)
    snapshot = delta_log.update(False, jvm.scala.Option.empty(), jvm.scala.Option.empty())
    columns = snapshot.metadata().partitionColumns()
    return Snapshot(int(snapshot.version()), [columns.apply(i) for i in range(columns.size())], snapshot)


def snapshot_size(snapshot: Snapshot) -> tuple[int, int]:
    """(number of files, bytes) of the version; a Spark job unless Delta kept the version's checksum."""
    return int(snapshot.handle.numOfFiles()), int(snapshot.handle.sizeInBytes())


def snapshot_files(spark: SparkSession, snapshot: Snapshot) -> DataFrame:
    """The version's files as Delta's add actions (path, partitionValues, size, ...), lazily."""
    return DataFrame(snapshot.handle.allFiles().toDF(), spark)


def read_small_file(spark: SparkSession, path: str) -> str | None:
    """A small file's text through Hadoop's file systems (local, s3a), or None when it does not exist."""
    fs, hadoop_path = _file_system(spark, path)
    if not fs.exists(hadoop_path):
        return None
    stream = fs.open(hadoop_path)
    try:
        return spark.sparkContext._jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()


def list_files(spark: SparkSession, root: str) -> Iterator[StoredFile]:
    """Every file under `root`, recursively, as the storage lists them (one request per page on S3)."""
    fs, path = _file_system(spark, root)
    prefix = fs.makeQualified(path).toString().rstrip("/") + "/"
    listing = fs.listFiles(path, True)
    while listing.hasNext():
        status = listing.next()
        uri = status.getPath().toString()
        yield StoredFile(uri, uri.removeprefix(prefix), int(status.getLen()))


def list_folders(spark: SparkSession, path: str) -> list[str]:
    """The names of the folders directly under `path`; none when `path` does not exist."""
    fs, hadoop_path = _file_system(spark, path)
    if not fs.exists(hadoop_path):
        return []
    return [status.getPath().getName() for status in fs.listStatus(hadoop_path) if status.isDirectory()]


def set_hadoop_conf(session: SparkSession, conf: Mapping[str, str]) -> None:
    """Sets Hadoop settings on a running session: `spark.hadoop.*` builder settings take effect only
    when the session (one per process) is created, and PySpark has no public setter for them."""
    live = session.sparkContext._jsc.hadoopConfiguration()
    for key, value in conf.items():
        live.set(key, value)


def _file_system(spark: SparkSession, path: str) -> tuple[Any, Any]:
    # The session's Hadoop settings (the context's plus any set on the session) are the ones Delta
    # reads its log with, so a file Delta can read is one these functions can read.
    hadoop_path = spark.sparkContext._jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark._jsparkSession.sessionState().newHadoopConf()), hadoop_path

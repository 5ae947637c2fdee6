"""A Delta table's latest commit and size, as the IO manager reports them after every write.

Read from the commit's own log files: `<version>.json` holds its commitInfo, and the `<version>.crc`
checksum Delta writes with every commit holds the file count, the size and (for tables of up to tens
of thousands of files) every file with its partition values. That is a few small reads on the driver
and no Spark job; history(1) and the snapshot's statistics cost one to three jobs per write (~1-2 s
each on 2 cores, 12 writes per daily run). Reaching the log goes through Delta's internals; when they
fail, or a file is missing (checksums turned off, or an older Delta), the public API answers instead.
"""

import json
from typing import NamedTuple

from delta.tables import DeltaTable
from py4j.protocol import Py4JError
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lakehouse_assets.internals.delta import (
    Snapshot,
    latest_snapshot,
    read_small_file,
    snapshot_files,
    snapshot_size,
)


def latest_commit(spark: SparkSession, uri: str) -> tuple[dict, dict]:
    """The table's latest commit (version, operation, operationMetrics, and the add actions of the files
    it wrote as `added`, None when its log could not be read) and its snapshot's numFiles, sizeInBytes,
    partitionColumns and partitionCount."""
    try:
        snapshot = latest_snapshot(spark, uri)
        log = f"{uri.rstrip('/')}/_delta_log/{snapshot.version:020d}"
        # Split on "\n" only: Delta writes one action per line, and its statistics may hold landed
        # text with U+2028 or other characters that str.splitlines() would also split on.
        lines = (read_small_file(spark, log + ".json") or "").split("\n")
        actions = [json.loads(line) for line in lines if line.strip()]
        info = next((action["commitInfo"] for action in actions if "commitInfo" in action), None)
        checksum = json.loads(read_small_file(spark, log + ".crc") or "null")
    except Py4JError:  # Delta's internal snapshot API changed: the public API, with its Spark jobs
        info, checksum, snapshot = None, None, None
    if info is None:
        row = DeltaTable.forPath(spark, uri).history(1).select("version", "operation", "operationMetrics").first()
        commit = {"version": int(row["version"]), "operation": row["operation"], "added": None}
        commit["operationMetrics"] = row["operationMetrics"]
    else:
        commit = {
            "version": snapshot.version,
            "operation": info.get("operation"),
            "operationMetrics": info.get("operationMetrics"),
            "added": [action["add"] for action in actions if "add" in action],
        }
    if checksum and checksum.get("allFiles") is not None:
        values = {json.dumps(entry.get("partitionValues") or {}, sort_keys=True) for entry in checksum["allFiles"]}
        return commit, {
            "numFiles": int(checksum["numFiles"]),
            "sizeInBytes": int(checksum["tableSizeBytes"]),
            "partitionColumns": snapshot.partition_columns,
            "partitionCount": len(values) if snapshot.partition_columns else 1,
        }
    return commit, table_detail(spark, uri, snapshot)


class PartitionWrite(NamedTuple):
    """What one commit wrote into one partition value."""

    rows: int
    files: int
    bytes: int


def written_per_partition(commit: dict, column: str) -> dict[str | None, PartitionWrite] | None:
    """Rows, files and bytes the commit added per value of partition column `column`, from its add
    actions' partitionValues and numRecords statistics (no Spark job); None when the log was not read
    or a file has no row count (statistics turned off)."""
    added = commit.get("added")
    if added is None:
        return None
    written: dict[str | None, PartitionWrite] = {}
    for add in added:
        stats = json.loads(add.get("stats") or "{}")
        if "numRecords" not in stats or column not in (add.get("partitionValues") or {}):
            return None
        value = add["partitionValues"][column]
        before = written.get(value, PartitionWrite(0, 0, 0))
        written[value] = PartitionWrite(
            before.rows + int(stats["numRecords"]), before.files + 1, before.bytes + int(add.get("size", 0))
        )
    return written


def table_detail(spark: SparkSession, uri: str, snapshot: Snapshot | None = None) -> dict:
    """numFiles, sizeInBytes, partitionColumns and partitionCount when the commit's checksum cannot say.

    From Delta's snapshot when there is one (its statistics and a distinct count over its file
    list: Spark jobs); that API is internal to Delta, so without it DESCRIBE DETAIL and a distinct
    count over the table answer instead of failing the write.
    """
    try:
        if snapshot is None:
            raise Py4JError("no snapshot")
        num_files, size_bytes = snapshot_size(snapshot)
        files = snapshot_files(spark, snapshot)
        return {
            "numFiles": num_files,
            "sizeInBytes": size_bytes,
            "partitionColumns": snapshot.partition_columns,
            # Maps cannot be compared in a DISTINCT; their JSON text can.
            "partitionCount": (
                files.select(F.to_json("partitionValues")).distinct().count() if snapshot.partition_columns else 1
            ),
        }
    except Py4JError:
        detail = DeltaTable.forPath(spark, uri).detail().select("numFiles", "sizeInBytes", "partitionColumns").first()
        detail = detail.asDict()
        columns = detail["partitionColumns"]
        table = spark.read.format("delta").load(uri)
        detail["partitionCount"] = table.select(*columns).distinct().count() if columns else 1
        return detail

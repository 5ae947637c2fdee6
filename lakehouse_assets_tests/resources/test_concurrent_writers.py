"""Two runs writing one Delta table at once, as two processes with their own JVMs, through the IO manager.

Delta lets writes to different partitions commit side by side and refuses the later of two
conflicting ones; the IO manager must turn both kinds of collision (two creators of a new table,
two writers of one partition) into a table that holds every partition once, and the retry
classification is checked on real exceptions.
"""

import json
import os
import select
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from delta.exceptions.captured import ConcurrentAppendException, MetadataChangedException
from delta.tables import DeltaTable
from pyspark.errors import AnalysisException
from pyspark.sql.types import DateType, IntegerType, StructField, StructType

from lakehouse_assets.resources.write_conflicts import (
    first_write_after_creation_is_blind_append,
    lost_create_race,
    write_conflict,
)
from lakehouse_assets_tests.resources.concurrent_writer import rows

EVENTS_SCHEMA = StructType([StructField("day", DateType()), StructField("n", IntegerType())])
# A JVM start takes ~7 s on an idle machine; far more when the machine is busy.
WRITER_TIMEOUT_SECONDS = 240


class Writer:
    """A concurrent_writer process: send it a write, read its JSON answer."""

    def __init__(self, root: Path, log: Path):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lakehouse_assets_tests.resources.concurrent_writer", str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
            cwd=Path(__file__).parents[2],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

    def read_line(self) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], WRITER_TIMEOUT_SECONDS)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            log = self.log.read_text()
            raise AssertionError(f"writer {self.process.pid} did not answer; its log ({self.log}):\n{log}")
        return line

    def send(self, table: str, partition: str, version: int) -> None:
        self.process.stdin.write(f"{table} {partition} {version}\n")
        self.process.stdin.flush()

    def result(self) -> dict:
        answer = json.loads(self.read_line())
        assert "error" not in answer, answer.get("trace")
        return answer


@pytest.fixture(scope="module")
def writers(tmp_path_factory):
    """Two writer processes on one table root; their JVMs start side by side."""
    folder = tmp_path_factory.mktemp("concurrent")
    root = folder / "tables"
    pair = [Writer(root, folder / f"writer{n}.log") for n in (1, 2)]
    try:
        for writer in pair:
            assert writer.read_line() == "ready\n"
        yield root, pair
        for writer in pair:
            writer.process.stdin.close()
        assert [writer.process.wait(timeout=60) for writer in pair] == [0, 0]
    finally:
        for writer in pair:
            if writer.process.poll() is None:
                writer.process.kill()
                writer.process.wait()


def race(pair: list[Writer], writes: list[tuple[str, str, int]]) -> list[dict]:
    """Each writer's write, sent to both before either answer is read: the writes start together."""
    for writer, write in zip(pair, writes, strict=True):
        writer.send(*write)
    return [writer.result() for writer in pair]


def _table(spark, root: Path, table: str):
    return spark.read.format("delta").load(f"{root}/test/{table}")


def _rows(df) -> list[tuple]:
    return sorted(tuple(row) for row in df.collect())


def _operations(spark, root: Path, table: str) -> list[str]:
    history = DeltaTable.forPath(spark, f"{root}/test/{table}").history().select("version", "operation")
    return [row.operation for row in history.orderBy("version").collect()]


def _writes_after_creation(spark, root: Path, table: str, writers_: int) -> list[str]:
    """The commits two writers racing to create `table` leave: the creation and one write each, plus
    the creator's rewrite of its slice when the other writer committed before its first append."""
    repaired = not first_write_after_creation_is_blind_append(spark, f"{root}/test/{table}")
    return ["CREATE TABLE"] + ["WRITE"] * (writers_ + int(repaired))


@pytest.mark.integration
def test_two_runs_creating_one_table_each_keep_their_partition(spark, writers):
    root, pair = writers
    results = race(pair, [("created", "2024-01-01", 1), ("created", "2024-01-02", 2)])

    assert _rows(_table(spark, root, "created")) == sorted(rows("2024-01-01", 1) + rows("2024-01-02", 2))
    assert _operations(spark, root, "created") == _writes_after_creation(spark, root, "created", 2)
    assert [result["rows_written"] for result in results] == [3, 3]


@pytest.mark.integration
def test_two_runs_creating_one_table_with_the_same_partition_leave_it_once(spark, writers):
    root, pair = writers
    race(pair, [("created_twice", "2024-01-01", 1), ("created_twice", "2024-01-01", 2)])

    kept = _rows(_table(spark, root, "created_twice"))
    assert kept in (sorted(rows("2024-01-01", 1)), sorted(rows("2024-01-01", 2)))
    assert _operations(spark, root, "created_twice") == _writes_after_creation(spark, root, "created_twice", 2)


@pytest.mark.integration
def test_two_runs_of_one_partition_commit_one_after_the_other(spark, writers):
    root, pair = writers
    pair[0].send("shared", "2024-01-02", 1)
    pair[0].result()
    results = race(pair, [("shared", "2024-01-01", 3), ("shared", "2024-01-01", 4)])

    # Both replaced the slice, one after the other: the partition holds one writer's rows, not both.
    table = _table(spark, root, "shared")
    assert _rows(table.where("day = '2024-01-01'")) in (sorted(rows("2024-01-01", 3)), sorted(rows("2024-01-01", 4)))
    assert _rows(table.where("day = '2024-01-02'")) == sorted(rows("2024-01-02", 1))
    assert _operations(spark, root, "shared") == ["CREATE TABLE", "WRITE", "WRITE", "WRITE"]
    assert [result["rows_written"] for result in results] == [3, 3]


def test_retries_only_delta_commit_conflicts(spark, tmp_path):
    # delta.exceptions' own classes, with the messages Delta gives them (the race tests meet the real ones).
    append = ConcurrentAppendException(
        "[DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT] Transaction conflict detected. a concurrent WRITE "
        "added data to table delta.`/t` committed at version 2.",
        stackTrace="",
    )
    metadata = MetadataChangedException(
        "[DELTA_METADATA_CHANGED] MetadataChangedException: The metadata changed.", stackTrace=""
    )
    assert write_conflict(append) == "ConcurrentAppendException [DELTA_CONCURRENT_APPEND.WITH_PARTITION_HINT]"
    assert write_conflict(metadata) == "MetadataChangedException [DELTA_METADATA_CHANGED]"

    uri = str(tmp_path / "events")
    spark.createDataFrame([(date(2024, 1, 1), 1)], "day date, n int").write.format("delta").save(uri)
    with pytest.raises(AnalysisException) as exists:
        DeltaTable.create(spark).location(uri).addColumns(EVENTS_SCHEMA).execute()
    with pytest.raises(AnalysisException) as missing:
        spark.read.format("delta").load(str(tmp_path / "nothing"))
    assert write_conflict(exists.value) is None
    assert write_conflict(missing.value) is None
    assert lost_create_race(spark, uri, exists.value) == "AnalysisException [TABLE_OR_VIEW_ALREADY_EXISTS]"
    assert lost_create_race(spark, uri, missing.value) is None


def test_a_location_holding_other_files_is_not_a_create_race(spark, tmp_path):
    junk, half_created = tmp_path / "junk", tmp_path / "half_created"
    (junk / "notes.txt").parent.mkdir()
    (junk / "notes.txt").write_text("not a table")
    (half_created / "_delta_log").mkdir(parents=True)
    (half_created / "data.parquet").write_text("another writer's first file")
    failures = {}
    for location in (junk, half_created):
        with pytest.raises(AnalysisException) as failure:
            DeltaTable.create(spark).location(str(location)).addColumns(EVENTS_SCHEMA).execute()
        failures[location.name] = failure.value

    # DeltaTable.create reports both alike; only the other writer's log tells them apart.
    assert failures["junk"].getCondition() == failures["half_created"].getCondition() == "TABLE_OR_VIEW_ALREADY_EXISTS"
    assert lost_create_race(spark, str(junk), failures["junk"]) is None
    assert (
        lost_create_race(spark, str(half_created), failures["half_created"])
        == "AnalysisException [TABLE_OR_VIEW_ALREADY_EXISTS]"
    )


@pytest.mark.integration
def test_two_runs_of_different_partitions_commit_side_by_side(spark, writers):
    root, pair = writers
    pair[0].send("side_by_side", "2024-01-01", 1)
    pair[0].result()
    results = race(pair, [("side_by_side", "2024-01-02", 2), ("side_by_side", "2024-01-03", 3)])

    # Delta checks a replaceWhere only against commits touching its own partition: neither retried.
    assert [result.get("write_attempts", 1) for result in results] == [1, 1]
    assert _rows(_table(spark, root, "side_by_side")) == sorted(
        rows("2024-01-01", 1) + rows("2024-01-02", 2) + rows("2024-01-03", 3)
    )
    assert _operations(spark, root, "side_by_side") == ["CREATE TABLE", "WRITE", "WRITE", "WRITE"]

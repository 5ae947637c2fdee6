"""Time travel, restore and change data feed on real Delta tables, and the `lakehouse` commands."""

import io
import os
from datetime import datetime, timedelta

import pytest
from pyspark.sql import SparkSession

from lakehouse_assets import cli
from lakehouse_assets.delta import timetravel
from lakehouse_assets.delta.timetravel import (
    ChangeDataFeedError,
    TableNotFoundError,
    VacuumedVersionError,
    VersionNotFoundError,
)
from lakehouse_assets.tables import UnknownTableError
from lakehouse_assets_tests.support import spark_conf_restored

SCHEMA = "id INT, item STRING, day STRING"
V0 = [(1, "apple", "2024-01-01"), (2, "pear", "2024-01-02"), (3, "plum", "2024-01-02")]
V1 = [(10, "kiwi", "2024-01-01")]  # overwrite
V2 = [(11, "fig", "2024-01-03")]  # append


def write(spark: SparkSession, uri: str, rows, mode: str, **options) -> None:
    writer = spark.createDataFrame(rows, SCHEMA).write.format("delta").mode(mode).options(**options)
    (writer.partitionBy("day") if mode == "errorifexists" else writer).save(uri)


@pytest.fixture
def three_versions(spark, tmp_path) -> str:
    """silver/transactions with v0 (3 rows), v1 (overwrite: 1 row), v2 (append: 2 rows)."""
    uri = str(tmp_path / "tables" / "silver" / "transactions")
    write(spark, uri, V0, "errorifexists")
    write(spark, uri, V1, "overwrite")
    write(spark, uri, V2, "append")
    return uri


def rows_of(snapshot) -> list[tuple]:
    return sorted(tuple(row) for row in snapshot.rows)


def test_parse_as_of_accepts_versions_dates_and_both_timestamp_spellings():
    assert timetravel.parse_as_of("12") == 12
    assert timetravel.parse_as_of("2024-01-05") == datetime(2024, 1, 5)
    assert timetravel.parse_as_of("2024-01-05T10:00:00") == datetime(2024, 1, 5, 10)
    assert timetravel.parse_as_of("2024-01-05 10:00:00") == datetime(2024, 1, 5, 10)
    with pytest.raises(timetravel.TimeTravelError, match="'yesterday' is neither a version number nor a timestamp"):
        timetravel.parse_as_of("yesterday")


def test_time_travel_returns_each_versions_exact_rows(spark, three_versions):
    uri = three_versions
    assert rows_of(timetravel.take_as_of(spark, uri, "0")) == sorted(V0)
    assert rows_of(timetravel.take_as_of(spark, uri, 1)) == V1
    assert rows_of(timetravel.take_as_of(spark, uri, "2")) == sorted(V1 + V2)
    latest = timetravel.take_as_of(spark, uri, None, limit=1)
    assert (latest.commit.version, latest.total_rows, latest.rows) == (2, 2, [(10, "kiwi", "2024-01-01")])

    commits = timetravel.history(spark, uri)
    assert [(c.version, c.operation, c.parameters["mode"], c.rows_written) for c in commits] == [
        (2, "WRITE", "Append", 1),
        (1, "WRITE", "Overwrite", 1),
        (0, "WRITE", "ErrorIfExists", 3),
    ]
    # A moment strictly between the commits of v1 and v2 (history is to the millisecond, Spark
    # timestamps to the microsecond, so half a millisecond after v1 always lies before v2).
    v1_time = datetime.fromisoformat(commits[1].timestamp)
    between = v1_time + (datetime.fromisoformat(commits[0].timestamp) - v1_time) / 2
    assert datetime.fromisoformat(commits[1].timestamp) < between < datetime.fromisoformat(commits[0].timestamp)
    for spelling in (between.isoformat(), between.isoformat(sep=" ")):
        snapshot = timetravel.take_as_of(spark, uri, spelling)
        assert (snapshot.commit.version, rows_of(snapshot)) == (1, V1)
    assert timetravel.read_as_of(spark, uri, commits[0].timestamp).count() == 2  # exactly at v2's commit
    # After the last commit the table's state is the current version.
    assert timetravel.resolve_version(spark, uri, "2999-01-01").version == 2


def test_restore_brings_version_0_back_as_a_new_commit(spark, three_versions):
    uri = three_versions
    plan = timetravel.restore_plan(spark, uri, 0)
    assert (plan.table, plan.current.version, plan.target.version, plan.current_rows, plan.target_rows) == (
        "silver/transactions",
        2,
        0,
        2,
        3,
    )

    metrics = timetravel.restore(spark, uri, 0)

    assert metrics == {
        "table_size_after_restore": metrics["table_size_after_restore"],
        "num_of_files_after_restore": 2,  # v0 wrote one file per day
        "num_removed_files": 2,  # v1's and v2's files
        "num_restored_files": 2,
        "removed_files_size": metrics["removed_files_size"],
        "restored_files_size": metrics["table_size_after_restore"],
        "restored_version": 0,
        "new_version": 3,
    }
    assert rows_of(timetravel.take_as_of(spark, uri, None)) == sorted(V0)
    latest = timetravel.history(spark, uri, limit=1)
    assert [(c.version, c.operation, c.restored_version) for c in latest] == [(3, "RESTORE", 0)]
    assert latest[0].details.startswith("restored version 0 ")
    # The restored-over versions stay readable.
    assert rows_of(timetravel.take_as_of(spark, uri, 2)) == sorted(V1 + V2)

    with pytest.raises(
        VersionNotFoundError, match=r"^Table silver/transactions has versions 0\.\.3; there is no version 7\.$"
    ):
        timetravel.restore(spark, uri, 7)
    with pytest.raises(timetravel.TimeTravelError, match="already at version 3; nothing to restore"):
        timetravel.restore(spark, uri, 3)
    assert timetravel.history(spark, uri, limit=1)[0].version == 3


def test_errors_name_the_table_and_what_exists(spark, three_versions, tmp_path):
    uri = three_versions
    with pytest.raises(
        VersionNotFoundError, match=r"^Table silver/transactions has versions 0\.\.2; there is no version 3\.$"
    ):
        timetravel.read_as_of(spark, uri, "3")

    first = timetravel.history(spark, uri)[-1]
    with pytest.raises(VersionNotFoundError) as before:
        timetravel.read_as_of(spark, uri, "2000-01-01")
    assert str(before.value) == (
        f"Table silver/transactions has no version at 2000-01-01 00:00:00: its first version (0) was committed "
        f"at {first.timestamp} UTC. Use a later timestamp or a version number."
    )

    root = str(tmp_path / "tables")
    assert timetravel.resolve_table(root, "silver.transactions") == uri
    assert timetravel.resolve_table(root, "silver/transactions") == uri
    with pytest.raises(UnknownTableError) as unknown:
        timetravel.resolve_table(root, "silver/transaction")
    message = str(unknown.value)
    assert message.startswith(
        "Unknown table 'silver/transaction'. Did you mean silver/transactions? Tables: bronze/customers, "
    )
    for name in ("silver/quarantine", "gold/daily_sales_summary", "gold/dim_products"):
        assert name in message
    with pytest.raises(
        TableNotFoundError,
        match=r"Table gold/dim_products does not exist yet at .*Materialize asset gold/dim_products first",
    ):
        timetravel.resolve_table(root, "gold/dim_products")
    with pytest.raises(TableNotFoundError, match="Table gold/dim_products does not exist yet"):
        timetravel.history(spark, f"{root}/gold/dim_products")


def test_a_vacuumed_version_fails_when_read_with_a_clear_message(spark, three_versions):
    uri = three_versions
    vacuum_conf = {
        "spark.databricks.delta.retentionDurationCheck.enabled": "false",  # allows RETAIN 0 HOURS
        # VACUUM lists the table with this many tasks (10,000 by default): ~40 s here instead of ~5.
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
    }
    previous = {key: spark.conf.get(key, None) for key in vacuum_conf}
    try:
        for key, value in vacuum_conf.items():
            spark.conf.set(key, value)
        spark.sql(f"VACUUM delta.`{uri}` RETAIN 0 HOURS").collect()
    finally:
        for key, value in previous.items():
            spark.conf.unset(key) if value is None else spark.conf.set(key, value)

    lazy = timetravel.read_as_of(spark, uri, "0")  # Delta notices missing files only when reading
    assert lazy.columns == ["id", "item", "day"]
    with pytest.raises(VacuumedVersionError) as vacuumed:
        timetravel.take_as_of(spark, uri, "0")
    assert str(vacuumed.value) == (
        "The data files of version 0 of table silver/transactions were deleted by VACUUM, so it can no longer "
        "be read. The oldest version still readable is 1. `lakehouse restore` cannot bring version 0 back: "
        "a restore needs those same files."
    )
    with pytest.raises(VacuumedVersionError, match="version 0 of table silver/transactions were deleted by VACUUM"):
        timetravel.restore(spark, uri, 0)
    # v1's file is still part of v2, so VACUUM kept it.
    assert rows_of(timetravel.take_as_of(spark, uri, "1")) == V1


def test_a_version_older_than_the_file_retention_is_refused_with_the_reason(spark, tmp_path):
    uri = str(tmp_path / "tables" / "silver" / "products")
    write(spark, uri, V0, "errorifexists")
    write(spark, uri, V1, "overwrite")
    # Version 0 committed 30 days ago: Delta's commit time is its log file's modification time.
    month_ago = (datetime.now() - timedelta(days=30)).timestamp()
    os.utime(f"{uri}/_delta_log/00000000000000000000.json", (month_ago, month_ago))

    with pytest.raises(
        VersionNotFoundError,
        match=r"^Delta refuses to read version 0 of table silver/products: it is older than "
        r"the table's delta.deletedFileRetentionDuration \(168 hours\)",
    ):
        timetravel.read_as_of(spark, uri, "0")


def test_change_data_feed_shows_a_replaced_partition_as_deletes_and_inserts(spark, tmp_path):
    uri = str(tmp_path / "tables" / "silver" / "customers")
    write(spark, uri, V0, "errorifexists")
    spark.sql(f"ALTER TABLE delta.`{uri}` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)")  # v1
    write(spark, uri, [(4, "lime", "2024-01-02")], "overwrite", replaceWhere="day = '2024-01-02'")  # v2

    changes = timetravel.take_changes(spark, uri, 2)

    assert (changes.starting_version, changes.ending_version) == (2, 2)
    assert changes.counts == [(2, "delete", 2), (2, "insert", 1)]
    assert [(r.id, r.item, r.day, r._change_type, r._commit_version) for r in changes.rows] == [
        (2, "pear", "2024-01-02", "delete", 2),
        (3, "plum", "2024-01-02", "delete", 2),
        (4, "lime", "2024-01-02", "insert", 2),
    ]
    assert timetravel.read_changes(spark, uri, 1, 2).where("_change_type = 'insert'").count() == 1
    with pytest.raises(
        ChangeDataFeedError,
        match=r"^Table silver/customers has no change data for version 0: "
        r"delta.enableChangeDataFeed was off when it was committed\.",
    ):
        timetravel.take_changes(spark, uri, 0)
    with pytest.raises(VersionNotFoundError, match=r"has versions 0\.\.2; there is no version 5"):
        timetravel.read_changes(spark, uri, 5)


def test_change_data_feed_off_is_a_clear_error(spark, three_versions):
    with pytest.raises(ChangeDataFeedError) as off:
        timetravel.read_changes(spark, three_versions, 0)
    assert str(off.value) == (
        "Table silver/transactions does not record a change data feed (delta.enableChangeDataFeed is not true). "
        f"Enable it with ALTER TABLE delta.`{three_versions}` SET TBLPROPERTIES (delta.enableChangeDataFeed = true); "
        "changes are recorded from that commit on."
    )


@pytest.fixture
def lakehouse_env(spark, tmp_path, monkeypatch):
    """`lakehouse` run in-process against tmp folders; the CLI finds the test's SparkSession."""
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "tables"))
    monkeypatch.setenv("LAKEHOUSE_LANDING_ROOT", str(tmp_path / "landing"))
    monkeypatch.setenv("LAKEHOUSE_SPARK_MASTER", "local[2]")
    with spark_conf_restored(spark):
        yield


def lakehouse(capsys, *argv: str) -> tuple[int, list[str], str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_cli_history_and_show_as_of(spark, three_versions, lakehouse_env, capsys):
    code, out, _ = lakehouse(capsys, "history", "silver/transactions")
    assert code == 0
    assert out[0] == f"silver/transactions at {three_versions}: 3 version(s), newest first, times in UTC"
    assert out[1].split() == ["version", "timestamp", "operation", "rows", "details"]
    assert [line.split()[0] for line in out[2:]] == ["2", "1", "0"]
    assert [line.split()[3:6] for line in out[2:]] == [
        ["WRITE", "1", "mode=Append"],
        ["WRITE", "1", "mode=Overwrite"],
        ["WRITE", "3", "mode=ErrorIfExists"],
    ]
    assert out[3].endswith("mode=Overwrite numFiles=1 numRemovedFiles=2")

    code, out, _ = lakehouse(capsys, "show", "silver/transactions", "--as-of", "0")
    assert code == 0
    assert out[0].startswith("silver/transactions at version 0 (committed ")
    assert out[0].endswith(" UTC): 3 row(s), showing 3")
    assert out[1:] == [
        "id  item   day",
        " 1  apple  2024-01-01",
        " 2  pear   2024-01-02",
        " 3  plum   2024-01-02",
    ]

    code, out, err = lakehouse(capsys, "show", "silver/transactions", "--as-of", "9")
    assert (code, out) == (2, [])
    assert err == "lakehouse show: error: Table silver/transactions has versions 0..2; there is no version 9.\n"


def test_cli_restore_asks_first_and_a_no_changes_nothing(spark, three_versions, lakehouse_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, out, err = lakehouse(capsys, "restore", "silver/transactions", "--to", "0")
    assert code == 1
    assert out[0] == f"Restore table silver/transactions at {three_versions}"
    assert out[1].startswith("  current version: 2 (2 rows, committed ")
    assert out[2].startswith("  target version:  0 (3 rows, committed ")
    assert out[4] == "Restore? [y/N] "
    assert err == "Aborted: silver/transactions is unchanged at version 2.\n"
    assert timetravel.history(spark, three_versions, limit=1)[0].version == 2

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    code, out, _ = lakehouse(capsys, "restore", "silver/transactions", "--to", "0")
    assert code == 0
    assert out[4] == "Restore? [y/N] "
    assert out[5].startswith(
        "Restored silver/transactions to version 0: new version 3, 2 file(s) restored, 2 removed, 2 file(s) / "
    )
    assert rows_of(timetravel.take_as_of(spark, three_versions, None)) == sorted(V0)


def test_cli_restore_yes_does_not_ask(spark, three_versions, lakehouse_env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # nothing to answer with
    code, out, _ = lakehouse(capsys, "restore", "silver/transactions", "--to", "1", "--yes")
    assert code == 0
    assert "Restore? [y/N]" not in "\n".join(out)
    assert out[-1].startswith("Restored silver/transactions to version 1: new version 3, ")
    latest = timetravel.history(spark, three_versions, limit=1)[0]
    assert (latest.operation, latest.restored_version) == ("RESTORE", 1)
    assert rows_of(timetravel.take_as_of(spark, three_versions, None)) == V1


def test_cli_changes_and_errors(spark, three_versions, lakehouse_env, capsys):
    code, _, err = lakehouse(capsys, "changes", "silver/transactions", "--from-version", "0")
    assert code == 2
    assert err.startswith("lakehouse changes: error: Table silver/transactions does not record a change data feed")
    assert err.count("\n") == 1

    spark.sql(f"ALTER TABLE delta.`{three_versions}` SET TBLPROPERTIES (delta.enableChangeDataFeed = true)")  # v3
    write(spark, three_versions, [(12, "date", "2024-01-03")], "overwrite", replaceWhere="day = '2024-01-03'")  # v4
    code, out, _ = lakehouse(capsys, "changes", "silver/transactions", "--from-version", "4")
    assert code == 0
    assert out == [
        "silver/transactions changes in versions 4..4: 2 change row(s)",
        "version  change  rows",
        "      4  delete     1",
        "      4  insert     1",
        "",
        "first 2 change row(s):",
        "_commit_version  _change_type  id  item  day",
        "              4  delete        11  fig   2024-01-03",
        "              4  insert        12  date  2024-01-03",
    ]

    code, _, err = lakehouse(capsys, "history", "gold/nope")
    assert code == 2
    assert err.startswith("lakehouse history: error: Unknown table 'gold/nope'.")

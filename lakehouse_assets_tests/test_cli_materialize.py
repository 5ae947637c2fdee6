"""The documented CLI path, end to end in fresh processes: `dagster asset materialize` with both
roots on S3 (a moto server), watching where its secret key shows up, then a different Delta reader
(delta-rs); and `lakehouse demo` from bronze to gold on local folders."""

import json
import os
import secrets
import sqlite3
import string
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

from lakehouse_assets.cli.landing import land_folder
from lakehouse_assets_tests.processes import stop_process_group
from lakehouse_assets_tests.support import land, transaction

BIN = Path(sys.executable).parent

# delta-rs, not Spark: proves the tables are plain Delta that any reader opens. It prints and
# leaves with os._exit because its runtime can abort at interpreter shutdown after a clean read.
DELTA_RS_PROBE = """
import json, os, sys
from deltalake import DeltaTable
table = DeltaTable(sys.argv[1])
data = table.to_pyarrow_table()
print(json.dumps({"version": table.version(), "rows": data.num_rows,
                  "partition_columns": table.metadata().partition_columns,
                  "dates": sorted({str(d) for d in data.column("_ingest_date").to_pylist()}),
                  "transaction_ids": sorted(data.column("transaction_id").to_pylist())}))
sys.stdout.flush()
os._exit(0)
"""


SPARK_JVM = b"org.apache.spark.deploy.SparkSubmit"


class CommandLineWatch(threading.Thread):
    """Reads /proc/<pid>/cmdline of every process on the machine (world-readable, whoever owns the
    process) every 50 ms until stopped: which ones held `needle`, and the command lines of the Spark
    JVMs in session `session_id` (the run's process group), so a test knows it looked while the
    JVM ran. /proc/<pid>/environ is not watched: only the process's own user can read it."""

    def __init__(self, needle: bytes, session_id: int):
        super().__init__(daemon=True)
        self.needle, self.session_id = needle, session_id
        self.leaks: dict[int, str] = {}  # pid -> its program and the arguments holding the needle
        self.spark_jvms: dict[int, bytes] = {}
        self.scans = 0
        self.finished = threading.Event()

    def run(self) -> None:
        while True:
            self.scan()
            if self.finished.wait(0.05):
                self.scan()  # once more after the run ended: nothing between the last poll and the end
                return

    def scan(self) -> None:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                    cmdline = handle.read()
                if self.needle in cmdline:
                    # The program and the arguments that hold the needle, blanked out.
                    program, *arguments = cmdline.decode(errors="replace").split("\0")
                    needle = self.needle.decode()
                    holding = [argument.replace(needle, "<SECRET>") for argument in arguments if needle in argument]
                    self.leaks[int(entry.name)] = f"{program} ... {' '.join(holding)}"
                if SPARK_JVM in cmdline and session_of(entry.name) == self.session_id:
                    self.spark_jvms[int(entry.name)] = cmdline
            except OSError:  # the process ended between the listing and the read
                continue
        self.scans += 1


def session_of(pid: str) -> int:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        stat = handle.read()
    # pid (comm) state ppid pgrp session ...: comm may hold spaces and parentheses, so split after the last ')'.
    return int(stat[stat.rindex(b")") + 2 :].split()[3])


def files_holding(root: Path, needle: bytes) -> list[str]:
    """Files under `root` whose bytes hold `needle`; for SQLite databases (Dagster's storage) also every
    cell's value, zlib-decompressed where it is compressed (how Dagster stores run and job snapshots)."""
    found = [str(path) for path in root.rglob("*") if path.is_file() and needle in path.read_bytes()]
    found += [f"{path} (a decoded cell)" for path in root.rglob("*.db") if needle in sqlite_cells(path)]
    return found


def sqlite_cells(path: Path) -> bytes:
    cells = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        try:
                            value = zlib.decompress(value)
                        except zlib.error:
                            pass
                        cells.append(value)
                    elif isinstance(value, str):
                        cells.append(value.encode())
    return b"\n".join(cells)


@pytest.mark.integration
def test_s3_secret_key_stays_off_command_lines_logs_and_event_logs_of_a_dagster_run(s3_server, tmp_path):
    """A `dagster asset materialize` on S3 in a fresh process, so its Spark JVM starts with the project's
    own settings: while it runs, no process on the machine has the secret key on its command line, and
    afterwards neither the run's output, nor the Dagster instance, nor Spark's event log holds it."""
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))
    landing_bucket, table_bucket = s3_server.new_bucket("landing"), s3_server.new_bucket("lakehouse")
    staged = tmp_path / "staged"
    land(staged, "transactions", "2024-01-01", [transaction(f"T{i}", "2024-01-01") for i in (1, 2, 3)])
    land_folder(staged, s3_server.landing_zone(landing_bucket, "drops"))  # with the server's usual keys
    dagster_home, spark_events, workdir = tmp_path / "dagster_home", tmp_path / "spark_events", tmp_path / "cwd"
    for folder in (dagster_home, spark_events, workdir):
        folder.mkdir()
    (dagster_home / "dagster.yaml").write_text("")  # the defaults: SQLite and compute logs under DAGSTER_HOME
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LAKEHOUSE_", "PYSPARK_"))},
        **s3_server.env(),
        "AWS_SECRET_ACCESS_KEY": secret,  # moto checks no signatures: any secret reaches the same buckets
        "LAKEHOUSE_ROOT": f"s3a://{table_bucket}/tables",
        "LAKEHOUSE_LANDING_ROOT": f"s3://{landing_bucket}/drops",
        "DAGSTER_HOME": str(dagster_home),
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
        # Spark's event log (off by default), uncompressed so its bytes can be searched; PySpark appends
        # these to the settings it starts the JVM with.
        "PYSPARK_SUBMIT_ARGS": f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{spark_events}"
        " --conf spark.eventLog.compress=false pyspark-shell",
    }
    command = [
        BIN / "dagster",
        "asset",
        "materialize",
        "-m",
        "lakehouse_assets.definitions",
        "--select",
        "bronze/transactions,bronze/transactions_files",
        "--partition",
        "2024-01-01",
    ]
    run = subprocess.Popen(
        command, env=env, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    watch = CommandLineWatch(secret.encode(), session_id=run.pid)
    watch.start()
    try:
        stdout, stderr = run.communicate(timeout=240)
    finally:
        stop_process_group(run, grace=10)
        watch.finished.set()
        watch.join()
    stderr_text = stderr.decode(errors="replace")
    assert run.returncode == 0, stderr_text[-3000:]
    assert "RUN_SUCCESS" in stderr_text
    # One process (and so one SparkSession) for the step and its three checks.
    assert "Executing steps in process" in stderr_text
    assert check_evaluations(dagster_home) == {
        ("bronze/transactions", "records_landed_equal_rows_written"): True,
        ("bronze/transactions", "contract_columns_present"): True,
        ("bronze/transactions_files", "no_rejected_files"): True,
    }, stderr_text[-5000:]
    # delta-rs takes S3's address and keys from AWS_* variables, not from its command line.
    server = s3_server.env()
    probe = subprocess.run(
        [sys.executable, "-c", DELTA_RS_PROBE, f"s3://{table_bucket}/tables/bronze/transactions"],
        env={**os.environ, **server, "AWS_ALLOW_HTTP": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    table = json.loads(probe.stdout)
    assert (table["transaction_ids"], table["dates"]) == (["T1", "T2", "T3"], ["2024-01-01"])

    # The watch looked while the run's JVM lived, and that JVM started with the project's S3A settings.
    assert watch.spark_jvms, f"no Spark JVM of the run seen in {watch.scans} scans of /proc"
    endpoint_setting = f"spark.hadoop.fs.s3a.endpoint={server['AWS_ENDPOINT_URL']}".encode()
    assert all(endpoint_setting in cmdline for cmdline in watch.spark_jvms.values())
    assert watch.leaks == {}, f"the secret key was on these command lines: {watch.leaks}"

    assert [name for name, output in (("stdout", stdout), ("stderr", stderr)) if secret.encode() in output] == []
    # Spark's event log exists (so searching it means something) and names the S3 endpoint; its
    # Spark properties never held the key, and no part of it (Hadoop properties included) holds the value.
    (event_log,) = [path for path in spark_events.rglob("events_*") if path.is_file()]
    environment = [
        json.loads(line) for line in event_log.read_text().splitlines() if "SparkListenerEnvironmentUpdate" in line
    ]
    assert environment and all(
        "spark.hadoop.fs.s3a.endpoint" in event["Spark Properties"]
        and "spark.hadoop.fs.s3a.secret.key" not in event["Spark Properties"]
        for event in environment
    )
    # The instance stored the run (its job snapshot names the S3 resource's EnvVar, not its value).
    assert b"AWS_SECRET_ACCESS_KEY" in b"".join(sqlite_cells(db) for db in dagster_home.rglob("*.db"))
    assert files_holding(tmp_path, secret.encode()) == []


def check_evaluations(dagster_home: Path) -> dict[tuple[str, str], bool]:
    """(asset, check) -> passed, for every check evaluated in the one run under `dagster_home`."""
    from dagster import DagsterEventType, DagsterInstance

    with DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs()
        events = instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
        return {
            (data.asset_key.to_user_string(), data.check_name): data.passed
            for data in (event.dagster_event.event_specific_data for event in events)
        }


@pytest.mark.integration
def test_lakehouse_demo_runs_bronze_to_gold_and_reports_every_table(tmp_path):
    """The README's main command, on two small days, in a fresh process and fresh folders."""
    env = {**os.environ, "LAKEHOUSE_SPARK_MASTER": "local[2]"}
    for name in ("LAKEHOUSE_ROOT", "LAKEHOUSE_LANDING_ROOT", "DAGSTER_HOME"):
        env.pop(name, None)
    run = subprocess.run(
        [BIN / "lakehouse", "demo", "--days", "2", "--transactions-per-day", "200"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    output = run.stdout.splitlines()
    header = next(i for i, line in enumerate(output) if line.startswith("table "))
    rows = output[header + 1 : output.index("", header)]
    lines = {line.split()[0]: line for line in rows}
    assert sorted(lines) == sorted(
        [f"bronze/{s}{t}" for s in ("customers", "products", "transactions") for t in ("", "_files")]
        + [f"silver/{s}" for s in ("customers", "products", "quarantine", "transactions")]
        + [
            f"gold/{s}"
            for s in (
                "customer_segments",
                "daily_sales_summary",
                "dim_customers",
                "dim_products",
                "monthly_sales_summary",
                "product_performance",
                "weekly_sales_summary",
            )
        ]
    )
    for name, line in lines.items():
        assert "not materialized" not in line, line
        assert name == "silver/quarantine" or " passed" in line, line
        verdict = line.split()[3]
        if "/" in verdict:
            passed, total = verdict.split("/")
            assert passed == total, line
    assert "gold/daily_sales_summary (first rows):" in run.stdout
    assert (tmp_path / ".lakehouse" / "dagster_home" / "dagster.yaml").is_file()

"""The documented CLI path, end to end in fresh processes: `lakehouse generate`, then
`dagster asset materialize` against temp folders, then a different Delta reader (delta-rs)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
                  "dates": sorted({str(d) for d in data.column("_ingest_date").to_pylist()})}))
sys.stdout.flush()
os._exit(0)
"""


@pytest.mark.integration
def test_dagster_cli_materializes_a_bronze_partition_another_reader_can_open(tmp_path):
    env = {
        **os.environ,
        "LAKEHOUSE_ROOT": str(tmp_path / "tables"),
        "LAKEHOUSE_LANDING_ROOT": str(tmp_path / "landing"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "LAKEHOUSE_SPARK_MASTER": "local[2]",
    }
    (tmp_path / "dagster_home").mkdir()
    subprocess.run(
        [BIN / "lakehouse", "generate", "--days", "2", "--transactions-per-day", "300", "--customers", "40", "--products", "12"],
        env=env, check=True, capture_output=True, text=True,
    )
    manifest = json.loads((tmp_path / "landing/transactions/2024-01-01/_manifest.json").read_text())

    run = subprocess.run(
        [BIN / "dagster", "asset", "materialize", "-m", "lakehouse_assets", "--select", "bronze/transactions", "--partition", "2024-01-01"],
        env=env, capture_output=True, text=True, cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "RUN_SUCCESS" in run.stderr
    # One process (and so one SparkSession) for the asset and both of its checks.
    assert "Executing steps in process" in run.stderr
    assert "Asset check 'records_landed_equal_rows_written' on 'bronze/transactions' passed" in run.stderr

    probe = subprocess.run(
        [sys.executable, "-c", DELTA_RS_PROBE, str(tmp_path / "tables/bronze/transactions")],
        capture_output=True, text=True, check=True,
    )
    table = json.loads(probe.stdout)
    assert table["rows"] == manifest["records"]
    assert table["partition_columns"] == ["_ingest_date"]
    assert table["dates"] == ["2024-01-01"]
    # The Dagster instance under DAGSTER_HOME recorded the run (SQLite storage, not ephemeral).
    assert list((tmp_path / "dagster_home").rglob("*.db"))

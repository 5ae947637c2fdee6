"""The benchmark harness's smoke configuration (`bench/run.py --smoke`), so that it cannot rot.

Tiny sizes, every measurement inline in this process on the test session's JVM. Timings are not
asserted (they mean nothing here); what is asserted is that every part ran, compared the same work
and wrote its report.
"""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture
def bench_run(spark):
    """bench/run.py as a module; the session's runtime settings restored after (the runs change some)."""
    before = dict(spark.conf.getAll)
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("lakehouse_bench_run", BENCH / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path.remove(str(BENCH))
    for key, value in dict(spark.conf.getAll).items():
        if key not in before:
            spark.conf.unset(key)
        elif before[key] != value and spark.conf.isModifiable(key):
            spark.conf.set(key, before[key])


@pytest.mark.integration
def test_bench_smoke_runs_every_part_and_writes_the_report(bench_run, tmp_path):
    out = tmp_path / "results"

    code = bench_run.main(["--smoke", "--out", str(out), "--work-dir", str(tmp_path)])

    results = json.loads((out / "latest.json").read_text())
    assert results["failures"] == [] and code == 0
    (generated,) = results["generate"]
    assert generated["transactions_per_day"] == 200
    assert set(generated["records_landed"]) == {"customers", "products", "transactions"}
    landed = sum(generated["records_landed"].values())

    (day,) = results["layers"]
    # Bronze keeps every landed record, malformed ones included; silver and gold wrote rows.
    assert day["layers"]["bronze"]["rows_in"] == day["layers"]["bronze"]["rows_out"] == landed
    assert day["layers"]["silver"]["rows_in"] == landed
    assert day["layers"]["silver"]["rows_out"] > 0 and day["layers"]["gold"]["rows_out"] > 0
    assert set(day["tables"]) == {
        "bronze/customers",
        "bronze/products",
        "bronze/transactions",
        "bronze/customers_files",
        "bronze/products_files",
        "bronze/transactions_files",
        "silver/customers",
        "silver/products",
        "silver/transactions",
        "silver/quarantine",
        "gold/dim_customers",
        "gold/dim_products",
        "gold/daily_sales_summary",
        "gold/product_performance",
        "gold/customer_segments",
    }

    (overhead,) = results["overhead"]
    # The plain script and the Dagster assets wrote the same tables with the same rows.
    assert overhead["same_tables"] and overhead["same_spark_conf"]
    assert overhead["ratio"] > 0

    (peer,) = results["peer"]
    # The project's daily job and the DuckDB peer wrote the same silver and gold tables with the same rows.
    assert peer["transactions_per_day"] == 200 and peer["same_rows"]
    assert peer["peer_rows"] == peer["project_rows"] and set(peer["peer_rows"]) == {
        name for name in day["tables"] if name.split("/")[0] in ("silver", "gold")
    }
    assert peer["wall_ratio"] > 0 and peer["project_cpu_seconds"] is not None
    assert {row["target"] for row in results["targets"]} >= {
        "project / DuckDB peer wall time ≤ 5× at 1,000,000 transactions/day",
        "project / DuckDB peer wall time ≤ 3× at 10,000,000 transactions/day",
    }

    backfill = results["backfill"]
    assert backfill["days"] == 2 and backfill["job"] == "assets"
    assert backfill["one_run"]["runs"] == 1 and backfill["per_day_processes"]["runs"] == 2
    assert backfill["ratio"] > 0

    table = (out / "latest.md").read_text()
    assert "| 200 |" in table
    assert "## The project against a DuckDB peer" in table
    assert (out / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

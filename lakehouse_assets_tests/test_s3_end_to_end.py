"""End to end on S3: drops uploaded to a landing bucket reach gold, with every Delta table on the
same S3 server (moto on 127.0.0.1), through the resources the real Definitions build from settings."""

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import AssetSelection, build_sensor_context, instance_for_test, materialize

from lakehouse_assets.cli.landing import land_folder
from lakehouse_assets.definitions import build_definitions
from lakehouse_assets.orchestration.jobs import MONTHLY, WEEKLY
from lakehouse_assets.resources.wiring import build_resources
from lakehouse_assets.settings import Settings, SettingsError
from lakehouse_assets_tests.support import customer, land_day, product, transaction

pytestmark = pytest.mark.integration

RANGE = {"dagster/asset_partition_range_start": "2024-01-01", "dagster/asset_partition_range_end": "2024-01-02"}


def stage_drops(folder) -> None:
    """Two days in all three formats: CSV, JSON lines (transactions day 2), Parquet (products day 2)."""
    land_day(
        folder,
        "2024-01-01",
        [customer("C1", "2024-01-01")],
        [product("P1", "2024-01-01")],
        [transaction("T1", "2024-01-01"), transaction("T2", "2024-01-01", status="refunded")],
    )
    land_day(folder, "2024-01-02", transactions=[transaction("T3", "2024-01-01")])
    with open(folder / "transactions" / "2024-01-02" / "more.jsonl", "w") as handle:
        handle.write(json.dumps(transaction("T4", "2024-01-02")) + "\n")
    pq.write_table(
        pa.Table.from_pylist([product("P2", "2024-01-02")]), folder / "products" / "2024-01-02" / "p.parquet"
    )


def test_drops_in_a_bucket_reach_gold_with_delta_tables_on_s3(spark, s3_server, tmp_path, monkeypatch):
    landing_bucket, table_bucket = s3_server.new_bucket("landing"), s3_server.new_bucket("lakehouse")
    for name, value in {
        **s3_server.env(),
        "LAKEHOUSE_ROOT": f"s3a://{table_bucket}/tables",
        "LAKEHOUSE_LANDING_ROOT": f"s3://{landing_bucket}/drops",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings.from_env()
    defs, resources = build_definitions(settings), build_resources(settings)

    staged = tmp_path / "staged"
    stage_drops(staged)
    assert land_folder(staged, resources["landing"].process_config_and_initialize()) == 8

    # The sensor, on the bucket, asks for each (source, day) drop: 3 sources x 2 days.
    with instance_for_test() as instance:
        sensor = defs.resolve_sensor_def("landing_drops")
        tick = sensor(build_sensor_context(instance=instance, resources={"landing": resources["landing"]}))
        # The sensor, on the bucket, asks for one bronze run per day, covering all three sources (each
        # bronze table with its file ledger).
        assert sorted((r.partition_key, len(r.asset_selection)) for r in tick.run_requests) == [
            ("2024-01-01", 6),
            ("2024-01-02", 6),
        ]

        assets = [*defs.assets, *defs.asset_checks]
        daily = AssetSelection.all() - WEEKLY - MONTHLY
        result = materialize(assets, resources=resources, instance=instance, tags=RANGE, selection=daily)
        failed = [
            (e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations() if not e.passed
        ]
        assert result.success and failed == []
        weekly = materialize(
            assets, resources=resources, instance=instance, partition_key="2024-01-01", selection=WEEKLY
        )
        assert weekly.success

    root = f"s3a://{table_bucket}/tables"
    bronze = spark.read.format("delta").load(f"{root}/bronze/transactions")
    assert sorted((r.transaction_id, r._source_format) for r in bronze.collect()) == [
        ("T1", "csv"),
        ("T2", "csv"),
        ("T3", "csv"),
        ("T4", "json"),
    ]
    assert bronze.where("_source_file LIKE 's3a://%/drops/transactions/2024-01-02/more.jsonl'").count() == 1
    products = spark.read.format("delta").load(f"{root}/silver/products")
    assert sorted(r.product_id for r in products.collect()) == ["P1", "P2"]
    summary = spark.read.format("delta").load(f"{root}/gold/daily_sales_summary")
    assert sorted(
        tuple(r)
        for r in summary.select("transaction_date", "orders", "units", "gross_revenue", "net_revenue").collect()
    ) == [
        (date(2024, 1, 1), 3, 6, Decimal("600.00"), Decimal("400.00")),
        (date(2024, 1, 2), 1, 2, Decimal("200.00"), Decimal("200.00")),
    ]
    week = spark.read.format("delta").load(f"{root}/gold/weekly_sales_summary")
    assert [(r.week_start, r.orders, r.net_revenue) for r in week.collect()] == [
        (date(2024, 1, 1), 4, Decimal("600.00"))
    ]

    # The tables are ordinary Delta tables in the bucket: delta-rs (no Spark, no Dagster) reads them.
    keys = {
        o["Key"]
        for page in s3_server.client().get_paginator("list_objects_v2").paginate(Bucket=table_bucket)
        for o in page.get("Contents", [])
    }
    assert "tables/gold/daily_sales_summary/_delta_log/00000000000000000000.json" in keys
    probe = (
        "import os, sys\n"
        "from deltalake import DeltaTable\n"
        "table = DeltaTable(sys.argv[1])\n"
        "print(table.to_pyarrow_table().num_rows, flush=True)\n"
        "os._exit(0)\n"  # delta-rs's runtime can abort at interpreter exit
    )
    # delta-rs reads the endpoint and keys from AWS_* variables: keys never go on a command line.
    out = subprocess.run(
        [sys.executable, "-c", probe, f"s3://{table_bucket}/tables/gold/daily_sales_summary"],
        env={**os.environ, **s3_server.env(), "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.stdout.strip() == "2", out.stderr


def test_s3_settings_without_credentials_fail_at_load_naming_what_to_set():
    with pytest.raises(SettingsError, match="AWS_SECRET_ACCESS_KEY is not set"):
        Settings.from_env({"LAKEHOUSE_LANDING_ROOT": "s3://landing", "AWS_ACCESS_KEY_ID": "key"})

"""Bronze ingestion from hand-written landing files with known contents, real Spark and Delta."""

import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from dagster import materialize
from pyspark.sql import functions as F

from lakehouse_assets import cli
from lakehouse_assets.assets.bronze.sources import bronze_keys
from lakehouse_assets.contracts import CONTRACT_COLUMNS, bronze_schema
from lakehouse_assets_tests.support import LAYERS, check_results, range_tags, spark_conf_restored

COLUMNS = CONTRACT_COLUMNS["transactions"]
GOOD = ["T1", "C1", "P1", "2", "9.99", "USD", "paypal", "online", "completed", "2024-01-01T10:00:00Z"]
CSV_TEXT = (
    ",".join(COLUMNS)
    + ",coupon\n"
    + ",".join(GOOD)
    + ",SAVE10\n"
    + 'T2,C2,P2,1,"$1,234.50",usd , Cash,STORE,completed,2024-01-01T11:00:00Z,\n'
    + 'T3,C3,"unterminated\n'
    + "\n"
)
JSON_TEXT = (
    json.dumps({**dict(zip(COLUMNS, GOOD, strict=True)), "transaction_id": "T4", "quantity": 3})
    + "\n"
    + json.dumps({**dict(zip(COLUMNS, GOOD, strict=True)), "transaction_id": "T5", "promo_code": "X1"})
    + "\n"
    + '{"transaction_id": "T6", "quant\n'
)
LANDED = ("bronze/transactions", "records_landed_equal_rows_written")
CONTRACT = ("bronze/transactions", "contract_columns_present")
REJECTED = ("bronze/transactions_files", "no_rejected_files")


def land(root: Path, day: str = "2024-01-01", manifest_records: int | None = 6) -> Path:
    folder = root / "transactions" / day
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(CSV_TEXT)
    (folder / "b.json").write_text(JSON_TEXT)
    table = pa.table(
        {
            **{c: [v] for c, v in zip(COLUMNS, GOOD, strict=True)},
            "quantity": pa.array([7], pa.int64()),
            "transaction_id": ["T7"],
        }
    )
    pq.write_table(table, folder / "c.parquet")
    (folder / "empty.csv").write_text("")
    (folder / ".partial.csv").write_text("ignored,half,written\n")
    if manifest_records is not None:
        (folder / "_manifest.json").write_text(json.dumps({"records": manifest_records + 1, "date": day}))
    return folder


def run_bronze(resources, instance, partition=None, start=None, end=None, raise_on_error=True):
    tags = range_tags(start, end) if start else None
    return materialize(
        [*LAYERS.bronze, *LAYERS.bronze_checks],
        selection=bronze_keys("transactions"),
        resources=resources,
        instance=instance,
        partition_key=partition,
        tags=tags,
        raise_on_error=raise_on_error,
    )


def bronze_table(spark, table_root):
    return spark.read.format("delta").load(f"{table_root}/bronze/transactions")


def test_every_landed_record_reaches_bronze_malformed_ones_included(
    spark, resources, instance, landing_root, table_root
):
    land(Path(landing_root))
    result = run_bronze(resources, instance, partition="2024-01-01")

    table = bronze_table(spark, table_root)
    assert [(f.name, f.dataType) for f in table.schema] == [(f.name, f.dataType) for f in bronze_schema("transactions")]
    rows = {r.transaction_id: r for r in table.collect() if r.transaction_id}
    assert sorted(rows) == ["T1", "T2", "T3", "T4", "T5", "T7"]
    assert table.count() == 7  # T1-T5, T7 and the truncated JSON line
    assert rows["T1"].asDict()["_rescued_data"] == '{"coupon":"SAVE10"}'
    assert (rows["T2"].unit_price, rows["T2"].currency, rows["T2"].payment_method, rows["T2"].channel) == (
        "$1,234.50",
        "usd ",
        " Cash",
        "STORE",
    )
    assert rows["T2"]._rescued_data is None
    assert rows["T3"]._corrupt_record == 'T3,C3,"unterminated'
    assert rows["T4"].quantity == "3"
    assert rows["T5"]._rescued_data == '{"promo_code":"X1"}'
    assert rows["T7"].quantity == "7"
    truncated = table.where(F.col("transaction_id").isNull()).collect()
    assert [r._corrupt_record for r in truncated] == ['{"transaction_id": "T6", "quant']

    by_format = {r._source_format: r for r in table.select("_source_format", "_source_file").distinct().collect()}
    assert {fmt: Path(r._source_file).name for fmt, r in by_format.items()} == {
        "csv": "a.csv",
        "json": "b.json",
        "parquet": "c.parquet",
    }
    lineage = table.select("_data_source", "_run_id", "_ingest_date").distinct().collect()
    assert [tuple(r) for r in lineage] == [("transactions", result.run_id, date(2024, 1, 1))]
    assert table.where(F.col("_ingested_at").isNull()).count() == 0

    checks = check_results(result)
    landed = checks[LANDED]
    assert landed.passed
    assert {
        k: landed.metadata[k].value
        for k in ("records_landed", "rows_written", "corrupt_records", "rescued_records", "files")
    } == {
        "records_landed": 7,
        "rows_written": 7,
        "corrupt_records": 2,
        "rescued_records": 2,
        "files": 3,  # empty.csv holds no record and is not read
    }
    contract = checks[CONTRACT]
    assert contract.passed and contract.metadata["files_checked"].value == 3


def test_a_day_without_files_materializes_an_empty_slice(spark, resources, instance, table_root):
    result = run_bronze(resources, instance, partition="2024-01-02")

    assert bronze_table(spark, table_root).count() == 0
    metadata = result.asset_materializations_for_node("bronze__transactions")[0].metadata
    assert (metadata["landed_files"].value, metadata["rows_written"].value) == (0, 0)
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_a_range_run_ingests_every_day_into_its_own_slice(spark, resources, instance, landing_root, table_root):
    land(Path(landing_root), "2024-01-01")
    land(Path(landing_root), "2024-01-03")
    result = run_bronze(resources, instance, start="2024-01-01", end="2024-01-03")

    counts = {
        r._ingest_date: r["count"] for r in bronze_table(spark, table_root).groupBy("_ingest_date").count().collect()
    }
    assert counts == {date(2024, 1, 1): 7, date(2024, 1, 3): 7}
    assert check_results(result)[LANDED].metadata["records_landed"].value == 14
    # Each day's materialization carries that day's numbers; the range's totals are run_*.
    table_key, ledger_key = bronze_keys("transactions")
    per_day = {
        m.partition: (m.metadata["records_landed"].value, m.metadata["run_records_landed"].value)
        for m in result.asset_materializations_for_node("bronze__transactions")
        if m.asset_key == table_key
    }
    assert per_day == {"2024-01-01": (7, 14), "2024-01-02": (0, 14), "2024-01-03": (7, 14)}
    ledger = {
        m.partition: m.metadata["files_loaded"].value
        for m in result.asset_materializations_for_node("bronze__transactions")
        if m.asset_key == ledger_key
    }
    assert ledger["2024-01-02"] == 0 and ledger["2024-01-01"] == ledger["2024-01-03"] > 0


def test_a_file_missing_a_contract_column_warns_without_blocking(resources, instance, landing_root):
    folder = Path(landing_root) / "transactions" / "2024-01-01"
    folder.mkdir(parents=True)
    (folder / "narrow.csv").write_text("transaction_id,customer_id\nT1,C1\n")
    result = run_bronze(resources, instance, partition="2024-01-01", raise_on_error=False)

    contract = check_results(result)[CONTRACT]
    assert result.success and not contract.passed and contract.severity.value == "WARN"
    assert contract.metadata["missing_columns_by_file"].value == {
        "narrow.csv": sorted(set(COLUMNS) - {"transaction_id", "customer_id"})
    }
    assert check_results(result)[LANDED].passed


def test_a_manifest_promising_more_records_than_landed_fails_the_count_check(resources, instance, landing_root):
    folder = land(Path(landing_root), manifest_records=None)
    (folder / "_manifest.json").write_text(json.dumps({"records": 9, "date": "2024-01-01"}))
    result = run_bronze(resources, instance, partition="2024-01-01", raise_on_error=False)

    landed = check_results(result)[LANDED]
    assert not landed.passed
    assert landed.metadata["manifest_mismatches"].value == {"2024-01-01": {"manifest": 9, "files": 7}}


def test_an_unsupported_file_is_set_aside_with_its_reason_and_the_rest_loads(
    spark, resources, instance, landing_root, table_root, monkeypatch, capsys
):
    folder = land(Path(landing_root))
    (folder / "extract.xlsx").write_bytes(b"PK\x03\x04")
    result = run_bronze(resources, instance, partition="2024-01-01")

    assert result.success and bronze_table(spark, table_root).count() == 7
    ledger = {
        r.file_name: r for r in spark.read.format("delta").load(f"{table_root}/bronze/transactions_files").collect()
    }
    assert (ledger["extract.xlsx"].outcome, ledger["extract.xlsx"].reason) == ("rejected", "unsupported_type")
    assert "extract.xlsx: type '.xlsx' is not a landing format" in ledger["extract.xlsx"].message
    assert {name: (r.outcome, r.reason) for name, r in ledger.items() if name != "extract.xlsx"} == {
        "a.csv": ("loaded", None),
        "b.json": ("loaded", None),
        "c.parquet": ("loaded", None),
        "empty.csv": ("ignored", "empty_file"),
        ".partial.csv": ("ignored", "bookkeeping_name"),
        "_manifest.json": ("ignored", "bookkeeping_name"),
    }
    rejected = check_results(result)[REJECTED]
    assert not rejected.passed and rejected.metadata["files_rejected"].value == 1

    # `lakehouse rejected` lists it for its day, with the reason and the message; another day has none.
    monkeypatch.setenv("LAKEHOUSE_ROOT", table_root)
    monkeypatch.setenv("LAKEHOUSE_LANDING_ROOT", landing_root)
    with spark_conf_restored(spark):
        assert cli.main(["rejected", "--day", "2024-01-01"]) == 0
        out, err = capsys.readouterr()
        assert (
            out.splitlines()
            == [f"2024-01-01\ttransactions\trejected\tunsupported_type\t? records\t{ledger['extract.xlsx'].message}"]
            and "1 file(s) set aside" in err
        )
        assert cli.main(["rejected", "--day", "2024-01-02"]) == 0 and capsys.readouterr().out == ""
        assert cli.main(["rejected", "--day", "Jan 1"]) == 2 and "use YYYY-MM-DD" in capsys.readouterr().err


def test_generated_dirty_drops_land_completely_in_all_three_bronze_tables(
    spark, resources, instance, landing_root, table_root
):
    from lakehouse_assets.generator import GeneratorConfig, generate

    manifests = generate(
        GeneratorConfig(
            landing_root=Path(landing_root), days=2, transactions_per_day=400, customers=60, products=15, dirty_rate=0.1
        )
    )
    result = materialize(
        [*LAYERS.bronze, *LAYERS.bronze_checks],
        resources=resources,
        instance=instance,
        tags=range_tags("2024-01-01", "2024-01-02"),
    )

    # 9 checks over the range, and each of them again on each of the 2 days.
    assert sorted(e.partition or "range" for e in result.get_asset_check_evaluations()) == sorted(
        ["range", "2024-01-01", "2024-01-02"] * 9
    )
    assert all(e.passed for e in result.get_asset_check_evaluations())
    for source in ("transactions", "customers", "products"):
        table = spark.read.format("delta").load(f"{table_root}/bronze/{source}")
        expected = {date.fromisoformat(m["date"]): m["records"] for m in manifests if m["source"] == source}
        counts = {r._ingest_date: r["count"] for r in table.groupBy("_ingest_date").count().collect()}
        assert counts == expected, source
        corrupt = table.where(F.col("_corrupt_record").isNotNull()).count()
        assert corrupt == sum(m["anomalies"]["malformed_line"] for m in manifests if m["source"] == source), source
        rescued = table.where(F.col("_rescued_data").isNotNull()).count()
        assert rescued == sum(m["anomalies"]["unexpected_column"] for m in manifests if m["source"] == source), source
        assert {r._source_format for r in table.select("_source_format").distinct().collect()} <= {
            "csv",
            "json",
            "parquet",
        }
